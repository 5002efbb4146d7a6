"""BEIR evaluation end to end on a tiny synthetic dataset whose lexical scores can be checked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag import cli
from rag.evaluation.beir_eval import REFERENCE, format_table, run_beir

CORPUS = [
    {"_id": "d1", "title": "Zebra", "text": "Zebra stripes confuse biting flies on the savanna."},
    {"_id": "d2", "title": "Volcano", "text": "A volcano eruption throws ash high into the atmosphere."},
    {"_id": "d3", "title": "Glacier", "text": "Glacier melting raises sea levels along coastlines."},
    {"_id": "d4", "title": "Bread", "text": "Sourdough bread rises slowly with wild yeast."},
    {"_id": "d5", "title": "Penguins", "text": "Emperor penguins huddle together through the polar winter."},
]
QUERIES = [
    {"_id": "q1", "text": "zebra stripes"},
    {"_id": "q2", "text": "volcano eruption"},
    {"_id": "q3", "text": "glacier melting"},
    {"_id": "q4", "text": "an unjudged query"},
]
# q3 has two relevant documents, and d5 shares no word with it, so BM25 finds only d3.
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq3\td5\t1\n"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in CORPUS), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    return root


def test_scores_and_cache(dataset: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    report = run_beir(dataset, cache_dir=cache, progress=False)
    assert (report.documents, report.queries, report.from_cache) == (5, 3, False)
    modes = {m.mode: m for m in report.modes}
    assert set(modes) == {"dense", "lexical", "hybrid"}
    lexical = modes["lexical"]
    # q1, q2 perfect; q3 ranks only d3 of its {d3, d5}: nDCG = 1 / (1 + 1/log2(3)), recall 1/2, MRR 1
    q3_ndcg = 1 / (1 + 1 / math.log2(3))
    assert lexical.ndcg_at_10 == pytest.approx((2 + q3_ndcg) / 3)
    assert lexical.recall_at_100 == pytest.approx((1 + 1 + 0.5) / 3)
    assert lexical.mrr_at_10 == pytest.approx(1.0)
    # dense and hybrid rank the whole 5-document corpus, so every relevant document is within the top 100
    assert modes["dense"].recall_at_100 == pytest.approx(1.0) and modes["hybrid"].recall_at_100 == pytest.approx(1.0)
    assert all(0 < m.ndcg_at_10 <= 1 and m.queries_per_second > 0 for m in report.modes)
    assert "| ours: lexical |" in format_table(report)

    again = run_beir(dataset, modes=("lexical",), cache_dir=cache, progress=False)
    scores = lambda m: (m.ndcg_at_10, m.recall_at_100, m.mrr_at_10)  # noqa: E731
    assert again.from_cache and scores(again.modes[0]) == scores(lexical)
    changed = [dict(d) for d in CORPUS]
    changed[4]["text"] = "Emperor penguins and glacier melting."  # now lexically findable for q3
    (dataset / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in changed), encoding="utf-8")
    rebuilt = run_beir(dataset, modes=("lexical",), cache_dir=cache, progress=False)
    assert not rebuilt.from_cache and rebuilt.modes[0].recall_at_100 == pytest.approx(1.0)


def test_depth_below_100_is_refused(dataset: Path) -> None:
    with pytest.raises(ValueError, match="at least 100"):
        run_beir(dataset, depth=10, progress=False)


def test_cli(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "beir.json"
    result = CliRunner().invoke(cli.app, ["beir", str(dataset), "--mode", "lexical", "--cache", str(tmp_path / "c"),
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| ours: lexical |" in result.output and json.loads(out.read_text())["modes"][0]["mode"] == "lexical"
    bad = CliRunner().invoke(cli.app, ["beir", str(dataset), "--mode", "sparse"])
    assert bad.exit_code == 1 and "unknown mode" in bad.output


def test_reference_numbers_present() -> None:
    assert REFERENCE["scifact"]["all-MiniLM-L6-v2 dense (MTEB)"] == (0.6451, 0.9250)
    assert REFERENCE["nfcorpus"]["BM25 flat (Anserini)"] == (0.3218, 0.2457)
