"""The CI quality gate: the fixed seed question set through a real engine must meet the thresholds in qa_eval."""

from __future__ import annotations

import logging
from pathlib import Path

from rag.evaluation.qa_eval import GATE_ACCURACY, GATE_HIT_AT_5, GATE_STRICT_ACCURACY, run_eval
from rag.evaluation.questions import load_questions
from rag.evaluation.report import failure_lines, metrics_table

log = logging.getLogger(__name__)


def test_seed_questions_meet_the_gate(repo_seeds: Path, seed_engine) -> None:
    """Accuracy and hit@5 on answerable questions, and abstention on every unanswerable one (seed_engine is built
    once per session from a temporary copy of seeds/)."""
    run = run_eval(seed_engine, load_questions(repo_seeds / "questions.jsonl"), progress=False)
    details = metrics_table(run.summary) + "\n" + "\n".join(failure_lines(run.records))
    print(details)  # shown by pytest when the gate fails (-rA shows it always)
    groups = run.summary.groups
    assert groups["overall"].errors == 0, details
    assert groups["answerable"].accuracy >= GATE_ACCURACY, details
    assert groups["answerable"].strict_accuracy >= GATE_STRICT_ACCURACY, details
    assert groups["answerable"].hit_at_5 >= GATE_HIT_AT_5, details
    assert groups["unanswerable"].abstention_recall == 1.0, details
    assert run.summary.passed
