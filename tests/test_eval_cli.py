"""`rag eval` through the command line with a fake engine: outputs, refusals, bad question files, --compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag import cli
from tests.test_eval_qa import SCRIPT, FakeEngine

QUESTION_LINES = [
    {"id": "f1", "question": "Q1?", "answers": ["42 yuan"], "sources": ["A"]},
    {"id": "u1", "question": "And then?", "answers": ["Chun'an"], "sources": ["A"], "history": ["Q1?"]},
    {"id": "n1", "question": "N1?", "answerable": False},
]


@pytest.fixture
def fake_engine(monkeypatch) -> list[FakeEngine]:
    """Replace the CLI's engine loader with a scripted fake; the list collects every engine handed out."""
    made: list[FakeEngine] = []

    def open_engine(index, corpus, generator=None, store=None):
        made.append(FakeEngine(SCRIPT))
        return made[-1]

    monkeypatch.setattr(cli, "open_engine", open_engine)
    return made


def _questions(tmp_path: Path, lines: list[dict] | None = None, raw: str = "") -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in (lines or QUESTION_LINES)) + raw, encoding="utf-8")
    return path


def test_eval_writes_run_and_prints_summary(tmp_path: Path, fake_engine) -> None:
    out = tmp_path / "run1"
    result = CliRunner().invoke(cli.app, ["eval", "--questions", str(_questions(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| accuracy |" in result.output and f"Wrote {out}" in result.output
    assert "FAIL unanswerable abstention recall" not in result.output  # n1 abstains in the script
    assert (out / "results.jsonl").is_file() and (out / "latency_hist.png").is_file()
    assert [c[0] for c in fake_engine[0].calls] == ["Q1?", "And then?", "N1?"]


def test_bad_question_file_writes_nothing(tmp_path: Path, fake_engine) -> None:
    questions = _questions(tmp_path, raw='{"id": "f1", "question": "again", "answers": ["x"], "sources": ["A"]}\n')
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["eval", "--questions", str(questions), "--out", str(out)])
    assert result.exit_code == 1
    assert "questions.jsonl:4: duplicate question id 'f1'" in result.output
    assert not out.exists() and fake_engine == []  # the engine was never even opened


def test_refuses_non_empty_out_before_asking(tmp_path: Path, fake_engine) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("x")
    result = CliRunner().invoke(cli.app, ["eval", "--questions", str(_questions(tmp_path)), "--out", str(out)])
    assert result.exit_code == 1 and "not empty" in result.output and fake_engine == []


def test_compare_two_runs(tmp_path: Path, fake_engine, monkeypatch) -> None:
    questions = str(_questions(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli.app, ["eval", "--questions", questions, "--out", str(tmp_path / "a")]).exit_code == 0
    worse = dict(SCRIPT, **{"Q1?": ("No idea.", False, [], ["B"])})
    monkeypatch.setattr(cli, "open_engine", lambda index, corpus, generator=None, store=None: FakeEngine(worse))
    assert runner.invoke(cli.app, ["eval", "--questions", questions, "--out", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(cli.app, ["eval", "--compare", str(tmp_path / "a"), str(tmp_path / "b" / "results.jsonl")])
    assert result.exit_code == 0, result.output
    assert "Regressions: 1" in result.output and "f1 (factual)" in result.output
    assert "now abstains" in result.output and "Improvements: 0" in result.output
    missing = runner.invoke(cli.app, ["eval", "--compare", str(tmp_path / "a"), str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "no evaluation results" in missing.output
