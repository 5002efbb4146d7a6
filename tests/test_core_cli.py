"""The `rag` command line (rag.cli): index and search output, JSON, and one-line errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag import store
from rag.cli import app
from rag.settings import Settings
from rag.stores import open_store

from .conftest import SeedIndex

runner = CliRunner()
INCOME_QUESTION = "What is Hangzhou's 2025 urban-rural income target?"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def paths(copy: SeedIndex) -> list[str]:
    return ["--index", str(copy.index_dir), "--corpus", str(copy.corpus_dir)]


def assert_one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout.strip() == ""


def test_index_prints_a_summary(index_copy: SeedIndex) -> None:
    result = invoke("index", *paths(index_copy))
    assert result.exit_code == 0, result.output
    passages = open_store(Settings(index_dir=index_copy.index_dir)).count()
    documents = len(list(index_copy.corpus_dir.glob("*.txt")))
    assert f"Indexed {documents} documents into {passages} passages" in result.stdout
    assert "(0 passages embedded)" in result.stdout
    assert f"unchanged: {documents} documents" in result.stdout


def lexical_ranking(copy: SeedIndex, query: str) -> list[str]:
    index = open_store(Settings(index_dir=copy.index_dir))
    return [p.chunk_id for p in index.passages([i for i, _ in index.lexical_search(query, 20)])]


def test_index_optimize_merges_every_segment_into_one(index_copy: SeedIndex) -> None:
    (index_copy.corpus_dir / "comet.txt").write_text(
        "Quillmere observatory spots a comet with a green tail\n\nAstronomers at the Quillmere observatory said on "
        "Sunday that they had found a new comet whose tail glows bright green.", encoding="utf-8")
    (index_copy.corpus_dir / "003_42efec76916f913e.txt").unlink()
    assert invoke("index", *paths(index_copy)).exit_code == 0
    before = store.read_manifest(index_copy.index_dir)
    assert len(before.segments) == 2 and before.tombstones, "the update added a segment and a tombstone"
    ranking = lexical_ranking(index_copy, "comet observatory Hangzhou income")
    result = invoke("index", "--optimize", *paths(index_copy))
    assert result.exit_code == 0, result.output
    assert "0 passages embedded; optimized" in result.stdout
    after = store.read_manifest(index_copy.index_dir)
    assert len(after.segments) == 1 and after.tombstones == [] and after.passages == before.passages
    assert lexical_ranking(index_copy, "comet observatory Hangzhou income") == ranking


def test_index_of_a_new_corpus_lists_added_and_skipped_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "comet.txt").write_text(
        "Quillmere observatory spots a comet with a green tail\n\n"
        "Astronomers at the Quillmere observatory said on Sunday that they had found a new comet whose tail glows "
        "bright green. It will pass closest to the Sun next October, the observatory director said.",
        encoding="utf-8")
    (corpus / "memo.docx").write_bytes(b"PK\x03\x04")
    result = invoke("index", "--corpus", corpus, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "Indexed 1 documents into 1 passages" in result.stdout
    assert "added: comet" in result.stdout
    assert "skipped memo.docx: unsupported file type '.docx'" in result.stdout


def test_search_json(seed_index: SeedIndex) -> None:
    result = invoke("search", INCOME_QUESTION, "-k", "3", "--json", *paths(seed_index))
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and len(hits) == 3
    for hit in hits:
        assert {"doc_id", "chunk_id", "text", "score", "title", "date", "start", "end"} <= set(hit)
    assert hits[0]["doc_id"] == "001_71f86546a83b57c5" and "1.7:1" in hits[0]["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_search_text_output_and_modes(seed_index: SeedIndex, mode: str) -> None:
    result = invoke("search", INCOME_QUESTION, "-k", "2", "--mode", mode, *paths(seed_index))
    assert result.exit_code == 0, result.output
    assert "[1] " in result.stdout and "[2] " in result.stdout and "[3] " not in result.stdout
    assert "(001_71f86546a83b57c5:" in result.stdout


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_one_error_line(seed_index: SeedIndex, query: str) -> None:
    assert_one_error_line(invoke("search", query, *paths(seed_index)), "empty")


def test_unknown_mode_is_one_error_line(seed_index: SeedIndex) -> None:
    assert_one_error_line(invoke("search", "Hangzhou", "--mode", "fuzzy", *paths(seed_index)), "fuzzy")


def test_search_against_a_corrupt_index_is_one_error_line(index_copy: SeedIndex) -> None:
    segment = store.segment_dirs(index_copy.index_dir)[0]
    (segment / "passages.jsonl").write_text("", encoding="utf-8")
    result = invoke("search", "Hangzhou", *paths(index_copy))
    assert_one_error_line(result, "rag index --rebuild", str(index_copy.index_dir))


def test_index_without_a_corpus_is_one_error_line(tmp_path: Path) -> None:
    result = invoke("index", "--corpus", tmp_path / "missing", "--index", tmp_path / "index")
    assert_one_error_line(result, "does not exist")


def test_installed_command_reports_errors_without_traceback(index_copy: SeedIndex, tmp_path: Path) -> None:
    """The real console entry point (a separate process): a damaged index gives exit 1 and one `error:` line."""
    gen = store.current_generation(index_copy.index_dir)
    (gen / "manifest.json").write_text("{", encoding="utf-8")
    script = Path(sys.executable).with_name("rag")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    proc = subprocess.run([*command, "search", "Hangzhou", *paths(index_copy)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "rag index --rebuild" in lines[0], proc.stderr
    assert proc.stdout == ""
