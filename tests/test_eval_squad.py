"""SQuAD 2.0 scoring: the official normalisation and metrics on hand-computed cases, the loader, and a tiny run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation.squad import best_scores, exact_match, load_squad, normalize_answer, run_squad, token_f1

TINY = {"version": "v2.0", "data": [{"title": "Lighthouses", "paragraphs": [
    {"context": "The Eddystone Lighthouse was first lit in 1698. Its designer, Henry Winstanley, died when a storm "
                "destroyed it in 1703.",
     "qas": [{"id": "a", "question": "When was the Eddystone Lighthouse first lit?", "is_impossible": False,
              "answers": [{"text": "1698", "answer_start": 42}]},
             {"id": "b", "question": "Who designed the Eddystone Lighthouse?", "is_impossible": False,
              "answers": [{"text": "Henry Winstanley", "answer_start": 62}]},
             {"id": "c", "question": "What is the capital of Peru?", "is_impossible": True, "answers": []}]},
    {"context": "Smeaton's Tower replaced it in 1759 and stood until 1877.",
     "qas": [{"id": "d", "question": "When was Smeaton's Tower replaced?", "is_impossible": True, "answers": []}]},
]}]}


def test_official_normalisation_and_metrics():
    assert normalize_answer("The  Normans!") == "normans"
    assert exact_match("the 10th century", "10th Century.") == 1.0
    # gold "10th and 11th centuries" (4 tokens) vs prediction "the 10th century" (2 tokens, 1 shared): P 1/2, R 1/4
    assert token_f1("10th and 11th centuries", "the 10th century") == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert token_f1("France", "") == 0.0
    assert best_scores([], "") == (1.0, 1.0)  # an abstention on an unanswerable question
    assert best_scores([], "France") == (0.0, 0.0)
    assert best_scores(["Rollo", "the Viking Rollo"], "Viking Rollo") == (1.0, 1.0)


def test_loader_makes_one_document_per_paragraph(tmp_path: Path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    docs, questions = load_squad(path)
    assert [d.doc_id for d in docs] == ["lighthouses_p00", "lighthouses_p01"]
    assert [q.answers for q in questions] == [["1698"], ["Henry Winstanley"], [], []]
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not a SQuAD-format"):
        load_squad(bad)


def test_tiny_run_scores_answers_and_abstentions(tmp_path: Path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    report = run_squad(path, progress=False)
    assert (report.answerable, report.unanswerable) == (2, 2)
    by_id = {r.id: r for r in report.records}
    assert by_id["a"].prediction == "1698" and by_id["a"].exact == 1.0
    assert by_id["b"].f1 == 1.0
    assert by_id["c"].prediction == "" and by_id["c"].exact == 1.0
    assert report.has_ans_f1 == pytest.approx(100.0)
