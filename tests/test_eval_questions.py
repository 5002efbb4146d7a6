"""Question-set validation (each error names file and line) and the seed set's answers against its sources."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.evaluation.qa_eval import normalise
from rag.evaluation.questions import EvalQuestion, load_questions

GOOD = {"id": "a1", "question": "What?", "answers": ["x"], "sources": ["doc"]}
UNANSWERABLE = {"id": "u1", "question": "Who?", "answerable": False}


def _write(tmp_path: Path, *lines: str) -> Path:
    """A question file with the given raw lines."""
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line(**fields: object) -> str:
    return json.dumps(fields)


def test_good_file_loads_with_categories(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(**GOOD), "", _line(**UNANSWERABLE),
                  _line(id="f1", question="And?", answers=["y"], sources=["doc"], history=["What?"]))
    questions = load_questions(path)
    assert [q.id for q in questions] == ["a1", "u1", "f1"]
    assert [q.category for q in questions] == ["factual", "unanswerable", "follow-up"]


@pytest.mark.parametrize(("bad_line", "message"), [
    ("{not json", "malformed JSON"),
    ("[1, 2]", "expected a JSON object"),
    (_line(**GOOD | {"id": "a2", "sourcez": ["doc"]}), "sourcez: unknown field"),
    (_line(question="No id?", answers=["x"], sources=["doc"]), "missing question id"),
    (_line(id="  ", question="Blank id?", answers=["x"], sources=["doc"]), "missing question id"),
    (_line(id="a2", question="No answers?", sources=["doc"]), "needs both answers and sources"),
    (_line(id="a2", question="No sources?", answers=["x"]), "needs both answers and sources"),
    (_line(id="a2", question="Unanswerable with answer", answers=["x"], answerable=False), "must not list answers"),
    (_line(id="a2", question="Wrong type", answers="x", sources=["doc"]), "answers"),
    (_line(id="a2", question="  ", answers=["x"], sources=["doc"]), "empty question text"),
])
def test_each_error_names_file_and_line(tmp_path: Path, bad_line: str, message: str) -> None:
    path = _write(tmp_path, _line(**GOOD), "", bad_line)  # the bad record sits on line 3, after a blank line
    with pytest.raises(ValueError, match=message) as caught:
        load_questions(path)
    assert f"{path}:3:" in str(caught.value)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(**GOOD), _line(**UNANSWERABLE), _line(**GOOD | {"question": "Again?"}))
    with pytest.raises(ValueError, match=r"questions.jsonl:3: duplicate question id 'a1' \(first on line 1\)"):
        load_questions(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(ValueError, match="no questions"):
        load_questions(_write(tmp_path, "", "  "))


def test_model_forbids_extra_fields() -> None:
    with pytest.raises(ValueError):
        EvalQuestion(id="x", question="q", answers=["a"], sources=["d"], bogus=1)


def test_seed_questions_load(repo_seeds: Path) -> None:
    questions = load_questions(repo_seeds / "questions.jsonl")
    categories = {q.category for q in questions}
    assert categories == {"factual", "follow-up", "unanswerable"}


def test_every_accepted_answer_occurs_in_a_cleaned_source(repo_seeds: Path, seed_engine) -> None:
    """Each accepted answer must be findable (case-insensitive, whitespace and quote normalised) in the cleaned text
    of at least one of its gold sources, otherwise the question can never be scored correct."""
    documents = {e.doc_id: seed_engine.store.document(e.doc_id) for e in seed_engine.store.catalogue()}
    problems = []
    for q in load_questions(repo_seeds / "questions.jsonl"):
        missing_sources = [s for s in q.sources if s not in documents]
        if missing_sources:
            problems.append(f"{q.id}: unknown sources {missing_sources}")
            continue
        texts = [normalise(documents[s].text) for s in q.sources]
        problems += [f"{q.id}: {a!r} not in {q.sources}" for a in q.answers
                     if not any(normalise(a) in text for text in texts)]
    assert not problems, "\n".join(problems)


BBC_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc-news-dev"
BBC_SETS = ["bbc_dev_questions.jsonl", "bbc_heldout_questions.jsonl", "bbc_dev2_questions.jsonl",
            "bbc_heldout2_questions.jsonl"]


@pytest.mark.parametrize("name", BBC_SETS)
def test_bbc_question_sets_are_answerable_from_their_sources(name: str) -> None:
    """The development and held-out BBC sets: enough questions of each kind, and every accepted answer in the raw
    text of one of its sources (../shared/corpora/bbc-news-dev, beside the checkout as in CI)."""
    questions = load_questions(Path(__file__).parent / "data" / name)
    kinds = [q.category for q in questions]
    assert kinds.count("unanswerable") >= 12 and kinds.count("follow-up") >= 10
    if name == "bbc_dev_questions.jsonl":
        assert len(questions) >= 150 and kinds.count("unanswerable") >= 20 and kinds.count("follow-up") >= 20
        areas = {s.split("_")[1] for q in questions for s in q.sources}
        assert areas == {"business", "entertainment", "politics", "sport", "tech"}
    if not BBC_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{BBC_DIR} is missing (CI puts ../shared beside the checkout)")
        pytest.skip(f"{BBC_DIR} is not beside this checkout")
    problems = []
    for q in questions:
        texts = []
        for source in q.sources:
            path = BBC_DIR / f"{source}.txt"
            if not path.is_file():
                problems.append(f"{q.id}: unknown source {source}")
                continue
            texts.append(normalise(path.read_text(encoding="utf-8", errors="replace")))
        problems += [f"{q.id}: {a!r} not in {q.sources}" for a in q.answers
                     if not any(normalise(a) in t for t in texts)]
    assert not problems, "\n".join(problems)


def test_the_second_held_out_set_is_on_articles_no_development_set_uses() -> None:
    """Each question of the second held-out set is about an article (its first source) that no development set
    names as a source, nor the first held-out set: it measures answering on articles nobody tuned on."""
    data = Path(__file__).parent / "data"
    used = {s for name in ("bbc_dev_questions.jsonl", "bbc_dev2_questions.jsonl", "bbc_heldout_questions.jsonl")
            for q in load_questions(data / name) for s in q.sources}
    held_out = load_questions(data / "bbc_heldout2_questions.jsonl")
    assert len(held_out) >= 100
    assert not [q.id for q in held_out if q.sources and q.sources[0] in used]


def test_bbc_adversarial_set_is_unanswerable_and_built_on_development_articles() -> None:
    """The adversarial set (SQuAD 2.0's kinds of unanswerable question, written over development articles): every
    question loads as unanswerable, its notes name the kind and the development article it was built on, and none
    was built on an article of the held-out set."""
    import csv

    data = Path(__file__).parent / "data"
    questions = load_questions(data / "bbc_adversarial_questions.jsonl")
    assert len(questions) >= 40 and all(not q.answerable and not q.answers for q in questions)
    with open(data / "bbc_adversarial_notes.tsv", encoding="utf-8", newline="") as handle:
        notes = {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert set(notes) == {q.id for q in questions}
    kinds = {"entity_swap", "antonym", "negation", "impossible_condition", "wrong_attribute", "other_neutral"}
    assert {row["category"] for row in notes.values()} == kinds
    development = {s for q in load_questions(data / "bbc_dev_questions.jsonl") for s in q.sources}
    held_out = {s for q in load_questions(data / "bbc_heldout_questions.jsonl") for s in q.sources}
    assert {row["article"] for row in notes.values()} <= development - held_out


def test_bbc_squad_set_is_built_verbatim_on_development_articles() -> None:
    """The SQuAD-format development set (BBC paragraphs, crowd-style questions, about half unanswerable): it loads
    with the SQuAD loader, every gold answer sits at its offset in its paragraph, every paragraph is copied from
    the development article it names, and none comes from an article of the held-out set."""
    from rag.evaluation.squad import load_squad

    data = Path(__file__).parent / "data"
    path = data / "bbc_squad_dev.json"
    docs, questions = load_squad(path)
    assert len(questions) >= 200 and sum(not q.answers for q in questions) >= 100
    held_out = {s for q in load_questions(data / "bbc_heldout_questions.jsonl") for s in q.sources}
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc-news-dev"
    paragraphs = [p for article in json.loads(path.read_text(encoding="utf-8"))["data"] for p in article["paragraphs"]]
    assert len(paragraphs) == len(docs)
    for paragraph in paragraphs:
        assert paragraph["source"].startswith("bbc_") and paragraph["source"] not in held_out
        for qa in paragraph["qas"]:
            for answer in qa["answers"]:
                start = answer["answer_start"]
                assert paragraph["context"][start:start + len(answer["text"])] == answer["text"], qa["id"]
        if corpus.is_dir():  # beside a checkout, as in CI: the text is the article's own
            article = (corpus / f"{paragraph['source']}.txt").read_text(encoding="utf-8")
            assert paragraph["context"] in article, paragraph["source"]


def test_wiki_style_squad_set_loads_and_its_offsets_hold() -> None:
    """The encyclopedic SQuAD-format development set (history paragraphs written for it, none about the Normans):
    it loads with the SQuAD loader, every gold and plausible answer sits at its offset, and the six SQuAD 2.0 kinds
    of unanswerable question are all there."""
    from rag.evaluation.squad import load_squad

    path = Path(__file__).parent / "data" / "wiki_squad_dev.json"
    docs, questions = load_squad(path)
    assert len(questions) >= 200 and sum(not q.answers for q in questions) >= 100
    kinds = set()
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            assert "norman" not in paragraph["context"].lower()
            for qa in paragraph["qas"]:
                kinds.add(qa["kind"])
                for answer in qa["answers"] + qa.get("plausible_answers", []):
                    start = answer["answer_start"]
                    assert paragraph["context"][start:start + len(answer["text"])] == answer["text"], qa["id"]
    assert kinds == {"answerable", "negation", "antonym", "entity_swap", "mutual_exclusion", "impossible_condition",
                     "other_neutral"}
