"""Q&A evaluation on a scripted fake engine: per-question scoring, aggregation, history replay, outputs, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation import report
from rag.evaluation.compare import compare_runs, format_comparison, load_records, outcome_changes
from rag.evaluation.qa_eval import (
    QuestionResult,
    contains_answer,
    normalise,
    run_eval,
    short_answer_matches,
    summarize_group,
)
from rag.evaluation.questions import EvalQuestion
from rag.models import Answer, Citation, Passage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def passage(doc_id: str, n: int = 0) -> Passage:
    return Passage(doc_id=doc_id, chunk_id=f"{doc_id}:{n}", text=f"text of {doc_id}", score=1.0, start=0, end=10)


def citation(n: int, doc_id: str) -> Citation:
    return Citation(n=n, doc_id=doc_id, chunk_id=f"{doc_id}:0", quote="q", start=0, end=1, passage_text="p",
                    passage_start=0, score=1.0)


def answer(question: str, text: str, answered: bool, cited: list[str], retrieved: list[str],
           short: str | None = None) -> Answer:
    citations = [citation(i + 1, d) for i, d in enumerate(cited)]
    passages = [passage(d, i) for i, d in enumerate(retrieved)]
    return Answer(question=question, text=text, answered=answered, short_answer=short, citations=citations,
                  passages=passages, rewritten_query=question, confidence=0.5)


class FakeEngine:
    """Answers from a script keyed by question text and records every call's history, in order."""

    def __init__(self, script: dict[str, tuple], fail: set[str] = frozenset()):
        self.script, self.fail = script, fail
        self.calls: list[tuple[str, list[dict]]] = []

    def ask(self, question, history=None, k=None, mode=None):
        self.calls.append((question, list(history or [])))
        if question in self.fail:
            raise RuntimeError("boom")
        return answer(question, *self.script.get(question, (f"answer to {question}", True, [], [])))


QUESTIONS = [
    EvalQuestion(id="f1", question="Q1?", answers=["42 yuan"], sources=["A"]),
    EvalQuestion(id="f2", question="Q2?", answers=["5 percent"], sources=["B", "C"]),
    EvalQuestion(id="f3", question="Q3?", answers=["Zhou"], sources=["D"]),
    EvalQuestion(id="u1", question="And then?", answers=["Chun'an"], sources=["A"], history=["Q1?"]),
    EvalQuestion(id="n1", question="N1?", answerable=False),
    EvalQuestion(id="n2", question="N2?", answerable=False),
]
SCRIPT = {
    "Q1?": ("42 yuan [1] It is 42 yuan [1].", True, ["A"], ["A", "B"], "42 yuan"),
    "Q2?": ("About 15 percent [1][2].", True, ["A", "B"], ["A", "A", "D", "B", "C"]),
    "Q3?": ("I could not find that.", False, [], ["A", "B", "C", "E", "F", "D"]),
    "And then?": ("Fuyang. Not in Fuyang but in  Chun\u2019an County.", True, [], ["B", "A"], "Fuyang"),
    "N1?": ("Not in the corpus.", False, [], ["A"]),
    "N2?": ("Tokyo has 14 million people [1].", True, ["A"], ["A"]),
}


@pytest.fixture
def run():
    return run_eval(FakeEngine(SCRIPT), QUESTIONS, progress=False)


def test_answer_matching_rules() -> None:
    assert normalise("  In\u00a0Chun\u2019an\n County ") == "in chun'an county"
    assert contains_answer("Below 5 percent.", "5 percent")
    assert not contains_answer("about 15 percent", "5 percent")
    assert not contains_answer("about 2.5 percent", "5 percent")
    assert not contains_answer("83.881", "83.88")
    assert contains_answer("ratio of 1.7:1 by 2025", "1.7:1")
    assert contains_answer("US$27,828", "us$27,828")
    assert not contains_answer("anything", "  ")
    assert short_answer_matches("15th", "15th anniversary") and short_answer_matches("the 15th anniversary", "15th")
    assert not short_answer_matches("56 competition venues", "12 of the 56 competition venues")
    assert not short_answer_matches("15", "15th anniversary") and not short_answer_matches(" ", "x")


def test_per_question_scores(run) -> None:
    r = {rec.id: rec for rec in run.records}
    assert (r["f1"].correct, r["f1"].hit_at_1, r["f1"].reciprocal_rank) == (True, 1.0, 1.0)
    assert (r["f1"].citation_precision, r["f1"].citation_recall) == (1.0, 1.0)
    assert (r["f1"].short_answer_correct, r["f1"].strict_correct) == (True, True)
    assert (r["f2"].short_answer_correct, r["f2"].strict_correct) == (None, False)  # no short answer given
    f2 = r["f2"]
    assert f2.retrieved_doc_ids == ["A", "D", "B", "C"] and f2.cited_doc_ids == ["A", "B"]
    assert (f2.correct, f2.hit_at_1, f2.hit_at_3, f2.hit_at_5) == (False, 0.0, 1.0, 1.0)
    assert f2.reciprocal_rank == pytest.approx(1 / 3)
    assert (f2.citation_precision, f2.citation_recall) == (0.5, 0.5)
    f3 = r["f3"]
    assert (f3.correct, f3.abstained, f3.hit_at_5) == (False, True, 0.0)
    assert f3.reciprocal_rank == pytest.approx(1 / 6)
    assert (f3.citation_precision, f3.citation_recall) == (None, None)  # not answered: citations not scored
    u1 = r["u1"]
    assert (u1.category, u1.correct, u1.hit_at_1, u1.reciprocal_rank) == ("follow-up", True, 0.0, 0.5)
    assert (u1.citation_precision, u1.citation_recall) == (None, 0.0)  # nothing cited
    assert (u1.short_answer_correct, u1.strict_correct) == (False, False)  # right text, wrong short answer
    assert (r["n1"].correct, r["n1"].strict_correct, r["n1"].abstained, r["n1"].hit_at_5) == (True, True, True, None)
    assert (r["n2"].correct, r["n2"].abstained) == (False, False)


def test_aggregation_by_category(run) -> None:
    g = run.summary.groups
    factual = g["factual"]
    assert factual.questions == 3
    assert factual.accuracy == pytest.approx(1 / 3)
    assert (factual.hit_at_1, factual.hit_at_3, factual.hit_at_5) == pytest.approx((1 / 3, 2 / 3, 2 / 3))
    assert factual.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 3)
    assert (factual.citation_precision, factual.citation_recall) == pytest.approx((0.75, 0.75))
    assert factual.abstention_precision == 0.0 and factual.abstention_recall is None
    follow = g["follow-up"]
    assert (follow.accuracy, follow.hit_at_5, follow.mrr, follow.citation_precision, follow.citation_recall) == \
        (1.0, 1.0, 0.5, None, 0.0)
    unans = g["unanswerable"]
    assert (unans.accuracy, unans.hit_at_5, unans.abstention_precision, unans.abstention_recall) == \
        (0.5, None, 1.0, 0.5)
    answerable = g["answerable"]
    assert (answerable.accuracy, answerable.hit_at_5, answerable.mrr) == pytest.approx((0.5, 0.75, 0.5))
    assert (answerable.citation_precision, answerable.citation_recall) == pytest.approx((0.75, 0.5))
    overall = g["overall"]
    assert (overall.questions, overall.accuracy, overall.answered_rate) == pytest.approx((6, 0.5, 4 / 6))
    assert (overall.strict_accuracy, answerable.strict_accuracy) == pytest.approx((2 / 6, 1 / 4))  # f1, n1; f1
    assert answerable.short_answer_accuracy == pytest.approx(0.5)  # f1 right, u1 wrong; f2 gave none
    assert (overall.abstention_precision, overall.abstention_recall) == (0.5, 0.5)
    assert [c.passed for c in run.summary.gate] == [False, False, False, False]  # accuracy, strict, hit@5, abstention
    assert run.summary.passed is False


def test_latency_percentiles() -> None:
    records = [QuestionResult(id=str(i), category="factual", question="q", latency_s=s)
               for i, s in enumerate([1.0, 2.0, 3.0, 4.0])]
    metrics = summarize_group(records)
    assert (metrics.latency_p50, metrics.latency_p95, metrics.latency_mean) == pytest.approx((2.5, 3.85, 2.5))


def test_history_is_replayed_in_order_and_shared_prefixes_reused() -> None:
    engine = FakeEngine({"H1": ("A1 text", True, [], []), "H2": ("A2 text", True, [], [])})
    questions = [EvalQuestion(id="x", question="Q3", answers=["a"], sources=["d"], history=["H1", "H2"]),
                 EvalQuestion(id="y", question="Q4", answers=["a"], sources=["d"], history=["H1"])]
    run_eval(engine, questions, progress=False)
    h1 = [("user", "H1"), ("assistant", "A1 text")]
    h2 = h1 + [("user", "H2"), ("assistant", "A2 text")]
    calls = [(q, [(m.role, m.content) for m in history]) for q, history in engine.calls]
    assert calls == [("H1", []), ("H2", h1), ("Q3", h2), ("Q4", h1)]  # H1 is not asked twice
    assert engine.calls[2][1][1].answer.text == "A1 text"  # earlier answers travel as data


def test_engine_error_is_recorded_not_fatal() -> None:
    run = run_eval(FakeEngine(SCRIPT, fail={"Q2?"}), QUESTIONS, progress=False)
    failed = next(r for r in run.records if r.id == "f2")
    assert failed.error == "RuntimeError: boom" and not failed.correct and not failed.abstained
    assert failed.strict_correct is False
    assert run.summary.groups["overall"].errors == 1 and len(run.records) == len(QUESTIONS)


def test_outputs_written(run, tmp_path: Path) -> None:
    out = report.write_run(run, tmp_path / "runs" / "first")
    names = {p.name for p in out.iterdir()}
    assert names == {"results.jsonl", "summary.json", "report.md", "metrics_by_category.png", "latency_hist.png"}
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == [q.id for q in QUESTIONS]
    for field in ("id", "category", "question", "history", "rewritten_query", "answer_text", "answered",
                  "short_answer", "cited_doc_ids", "retrieved_doc_ids", "correct", "hit_at_1", "hit_at_3",
                  "hit_at_5", "reciprocal_rank", "citation_precision", "citation_recall", "abstained", "latency_s"):
        assert field in rows[0], field
    summary = json.loads((out / "summary.json").read_text())
    assert summary["passed"] is False and summary["groups"]["overall"]["questions"] == 6
    for png in ("metrics_by_category.png", "latency_hist.png"):
        assert (out / png).read_bytes()[:8] == PNG_SIGNATURE
    text = (out / "report.md").read_text()
    assert "| accuracy |" in text and "**f2**" in text and "**f1**" not in text
    assert "**u1** (follow-up; wrong short answer) And then? (after: Q1?)" in text
    assert [p.name for p in out.parent.iterdir()] == ["first"]  # no temporary folder left beside it


def test_refuses_non_empty_out_and_leaves_nothing_on_failure(run, tmp_path: Path, monkeypatch) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        report.write_run(run, busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    report.write_run(run, tmp_path / "empty-ok")  # an existing empty folder is fine
    (tmp_path / "empty").mkdir()

    def broken(*args, **kwargs):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(report, "write_charts", broken)
    with pytest.raises(RuntimeError):
        report.write_run(run, tmp_path / "broken")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "empty", "empty-ok"]


def test_compare_finds_regressions_and_improvements(run, tmp_path: Path) -> None:
    script = dict(SCRIPT)
    script["Q1?"] = ("It is 41 yuan [1].", True, ["A"], ["B", "C", "E", "F", "G", "A"])  # wrong, gold lost from top 5
    script["Q2?"] = ("Below 5 percent [1].", True, ["B"], ["B"])  # now right
    script["N2?"] = ("Not in the corpus.", False, [], ["A"])  # now abstains, rightly
    script["N1?"] = ("Tokyo is big.", True, [], ["A"])  # now answers an unanswerable question
    new = run_eval(FakeEngine(script), QUESTIONS, progress=False)
    report.write_run(run, tmp_path / "old")
    comparison = compare_runs(load_records(tmp_path / "old"), load_records(tmp_path / "old" / "results.jsonl"))
    assert comparison.regressions == [] and comparison.improvements == []

    comparison = compare_runs(run, new)
    worse = {c.id: c.reasons for c in comparison.regressions}
    better = {c.id: c.reasons for c in comparison.improvements}
    assert worse == {"f1": ["no longer correct", "gold source lost from top 5"],
                     "n1": ["no longer correct", "now answers"]}
    assert better == {"f2": ["correct"], "n2": ["correct", "now abstains"]}
    delta = next(d for d in comparison.deltas if d.group == "answerable" and d.metric == "accuracy")
    assert (delta.old, delta.new, delta.delta) == pytest.approx((0.5, 0.5, 0.0))
    hit = next(d for d in comparison.deltas if d.group == "answerable" and d.metric == "hit_at_5")
    assert (hit.old, hit.new) == pytest.approx((0.75, 0.5))  # f1 lost its gold source from the top 5
    text = format_comparison(comparison)
    assert "Regressions: 2" in text and "Improvements: 2" in text


def test_compare_reports_short_answer_changes() -> None:
    base = dict(id="x", category="factual", question="q", answerable=True, answered=True, correct=True, hit_at_5=1.0)
    old = QuestionResult(**base, short_answer_correct=True, strict_correct=True)
    new = QuestionResult(**base, short_answer_correct=False, strict_correct=False)
    assert outcome_changes(old, new) == (["short answer now wrong"], [])
    assert outcome_changes(new, old) == ([], ["short answer now right"])
