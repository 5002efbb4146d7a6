"""`rag ask` and `rag chat`: answers with their citations in the terminal, follow-ups in a chat session."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rag.cli import app

from .conftest import SeedIndex

runner = CliRunner()
QUESTION = "What is Hangzhou's 2025 urban-rural income target?"


def paths(seed: SeedIndex) -> list[str]:
    return ["--index", str(seed.index_dir), "--corpus", str(seed.corpus_dir)]


def test_ask_prints_answer_then_citations(seed_index: SeedIndex) -> None:
    result = runner.invoke(app, ["ask", QUESTION, *paths(seed_index)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1.7:1 [1]")
    citation = next(line for line in lines if line.startswith("[1] "))
    assert "001_71f86546a83b57c5" in citation and "undated" in citation and "publisher unknown" in citation
    assert any("1.7:1" in line and line.strip().startswith("“") for line in lines[lines.index(citation):])


def test_ask_json_is_the_answer_model(seed_index: SeedIndex) -> None:
    result = runner.invoke(app, ["ask", "Which trade expo will Hangzhou host for the first time next year?",
                                 "--json", *paths(seed_index)])
    answer = json.loads(result.stdout)
    assert answer["answered"] and answer["citations"][0]["doc_id"] == "000_d68663de70367cd0"
    assert "2022" in answer["citations"][0]["note"]  # "next year" in a 2021 article


def test_ask_abstains_and_rejects_empty(seed_index: SeedIndex) -> None:
    result = runner.invoke(app, ["ask", "What is the population of Tokyo?", *paths(seed_index)])
    assert result.exit_code == 0 and result.stdout.startswith("The articles do not answer this question.")
    empty = runner.invoke(app, ["ask", "  ", *paths(seed_index)])
    assert empty.exit_code == 1 and empty.stderr.startswith("error: ") and "Traceback" not in empty.output


def test_chat_keeps_the_conversation(seed_index: SeedIndex) -> None:
    session = f"{QUESTION}\nAnd what about life expectancy?\n\n"
    result = runner.invoke(app, ["chat", *paths(seed_index)], input=session)
    assert result.exit_code == 0, result.output
    assert "1.7:1 [1]" in result.stdout and "83.88 [1]" in result.stdout
    assert "(searched: And what about life expectancy" in result.stdout  # the rewritten follow-up is shown
