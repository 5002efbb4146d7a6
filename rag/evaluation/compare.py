"""Compare two evaluation runs question by question: what regressed, what improved, and how the metrics moved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from rag.evaluation.qa_eval import GROUPS, EvalRun, QuestionResult, summarize
from rag.evaluation.report import RESULTS, TABLE_METRICS

DELTA_METRICS = (*TABLE_METRICS, "latency_p50", "latency_p95")


class Change(BaseModel):
    """A question whose outcome moved between runs, and how."""

    id: str
    category: str
    question: str
    reasons: list[str]
    old_answer: str
    new_answer: str


class MetricDelta(BaseModel):
    """One metric of one group in both runs (None where undefined)."""

    group: str
    metric: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        """new - old, None when either is undefined."""
        return None if self.old is None or self.new is None else self.new - self.old


class Comparison(BaseModel):
    """Everything `rag eval --compare` reports."""

    regressions: list[Change]
    improvements: list[Change]
    only_old: list[str]
    only_new: list[str]
    deltas: list[MetricDelta]


def load_records(path: str | Path) -> list[QuestionResult]:
    """The records of a run folder or of a results.jsonl file."""
    path = Path(path)
    file = path / RESULTS if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"no evaluation results at {path} (expected a run folder or a {RESULTS} file)")
    records = []
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(QuestionResult.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{file}:{lineno}: not an evaluation record ({str(exc).splitlines()[0]})") from exc
    return records


def outcome_changes(old: QuestionResult, new: QuestionResult) -> tuple[list[str], list[str]]:
    """(regression reasons, improvement reasons) for one question present in both runs."""
    worse, better = [], []
    if old.correct != new.correct:
        (better if new.correct else worse).append("correct" if new.correct else "no longer correct")
    if old.correct and new.correct and None not in (old.strict_correct, new.strict_correct) \
            and old.strict_correct != new.strict_correct:
        (better if new.strict_correct else worse).append("short answer now right" if new.strict_correct
                                                         else "short answer now wrong")
    if old.hit_at_5 is not None and new.hit_at_5 is not None and old.hit_at_5 != new.hit_at_5:
        (better if new.hit_at_5 else worse).append("gold source now in top 5" if new.hit_at_5
                                                   else "gold source lost from top 5")
    if old.abstained != new.abstained:
        right = new.abstained != new.answerable  # abstaining is right exactly when the question is unanswerable
        (better if right else worse).append("now abstains" if new.abstained else "now answers")
    return worse, better


def _records(run: EvalRun | Sequence[QuestionResult]) -> list[QuestionResult]:
    """Records of a run, or the list itself."""
    return list(run.records) if isinstance(run, EvalRun) else list(run)


def compare_runs(old: EvalRun | Sequence[QuestionResult], new: EvalRun | Sequence[QuestionResult]) -> Comparison:
    """Per-question regressions and improvements (matched by id) and metric deltas per group, recomputed from
    the records so runs from any version compare the same way."""
    old_records, new_records = _records(old), _records(new)
    old_by_id = {r.id: r for r in old_records}
    new_by_id = {r.id: r for r in new_records}
    regressions, improvements = [], []
    for rid, new_r in new_by_id.items():
        old_r = old_by_id.get(rid)
        if old_r is None:
            continue
        worse, better = outcome_changes(old_r, new_r)
        for reasons, bucket in ((worse, regressions), (better, improvements)):
            if reasons:
                bucket.append(Change(id=rid, category=new_r.category, question=new_r.question, reasons=reasons,
                                     old_answer=old_r.answer_text, new_answer=new_r.answer_text))
    old_groups, new_groups = summarize(old_records).groups, summarize(new_records).groups
    deltas = [MetricDelta(group=g, metric=m, old=getattr(old_groups[g], m), new=getattr(new_groups[g], m))
              for g in GROUPS for m in DELTA_METRICS]
    return Comparison(regressions=regressions, improvements=improvements,
                      only_old=[i for i in old_by_id if i not in new_by_id],
                      only_new=[i for i in new_by_id if i not in old_by_id], deltas=deltas)


def _trim(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters for the terminal."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def format_comparison(comparison: Comparison, groups: Sequence[str] = ("overall", "answerable", "unanswerable")) -> str:
    """Plain-text report for the CLI: changed questions, then metric deltas for the main groups."""
    lines = [f"Regressions: {len(comparison.regressions)}"]
    for c in comparison.regressions:
        lines += [f"  - {c.id} ({c.category}): {'; '.join(c.reasons)} — {c.question}",
                  f"      old: {_trim(c.old_answer)}", f"      new: {_trim(c.new_answer)}"]
    lines.append(f"Improvements: {len(comparison.improvements)}")
    lines += [f"  + {c.id} ({c.category}): {'; '.join(c.reasons)} — {c.question}" for c in comparison.improvements]
    if comparison.only_old or comparison.only_new:
        lines.append(f"Only in old: {', '.join(comparison.only_old) or '-'}; "
                     f"only in new: {', '.join(comparison.only_new) or '-'}")
    lines += ["", f"{'group':<13} {'metric':<21} {'old':>7} {'new':>7} {'delta':>8}"]
    for d in comparison.deltas:
        if d.group in groups and (d.old is not None or d.new is not None):
            fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
            delta = "-" if d.delta is None else f"{d.delta:+.3f}"
            lines.append(f"{d.group:<13} {d.metric:<21} {fmt(d.old):>7} {fmt(d.new):>7} {delta:>8}")
    return "\n".join(lines)
