"""BEIR folder loader: synthetic good and bad datasets, plus the real SciFact copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation.beir_data import BeirDocument, load_beir

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "beir" / "scifact"

CORPUS = [
    {"_id": "d1", "title": "Aspirin", "text": "Aspirin reduces fever.", "metadata": {}},
    {"_id": "d2", "title": "", "text": "  Untitled body.  "},
    {"_id": "d3", "text": "No title field at all."},
]
QUERIES = [
    {"_id": "q1", "text": "does aspirin reduce fever"},
    {"_id": "q2", "text": "unjudged query"},
    {"_id": "q3", "text": "graded query"},
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq3\td2\t2\nq3\td3\t0\n"


def _jsonl(records: list[dict]) -> str:
    """Serialise records one JSON object a line."""
    return "".join(json.dumps(r) + "\n" for r in records)


def _write(root: Path, corpus: str | None = None, queries: str | None = None, qrels: str | None = None) -> Path:
    """Write a BEIR folder under root, using the good defaults for anything not given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "qrels").mkdir(exist_ok=True)
    (root / "corpus.jsonl").write_text(_jsonl(CORPUS) if corpus is None else corpus, encoding="utf-8")
    (root / "queries.jsonl").write_text(_jsonl(QUERIES) if queries is None else queries, encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(QRELS if qrels is None else qrels, encoding="utf-8")
    return root


def test_load_good_dataset(tmp_path: Path) -> None:
    ds = load_beir(_write(tmp_path / "tiny"))
    assert ds.name == "tiny"
    assert [d.id for d in ds.corpus] == ["d1", "d2", "d3"]
    assert ds.corpus[2].title == ""  # absent title defaults to "", as BEIR does
    assert ds.queries == {"q1": "does aspirin reduce fever", "q3": "graded query"}  # q2 unjudged: dropped
    assert ds.qrels == {"q1": {"d1": 1}, "q3": {"d2": 2, "d3": 0}}


def test_load_accepts_str_path_and_other_split(tmp_path: Path) -> None:
    root = _write(tmp_path / "tiny")
    (root / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq2\td2\t1\n", encoding="utf-8")
    ds = load_beir(str(root), split="dev")
    assert ds.queries == {"q2": "unjudged query"}
    assert ds.qrels == {"q2": {"d2": 1}}


def test_blank_lines_and_crlf_are_tolerated(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "tiny",
        corpus=_jsonl(CORPUS) + "\n\n",
        qrels=QRELS.replace("\n", "\r\n") + "\r\n",
    )
    ds = load_beir(root)
    assert len(ds.corpus) == 3
    assert ds.qrels["q3"] == {"d2": 2, "d3": 0}


def test_embedding_text() -> None:
    assert BeirDocument(id="a", title="T", text="body").embedding_text == "T body"
    assert BeirDocument(id="a", title="", text=" body ").embedding_text == "body"
    assert BeirDocument(id="a", title="T", text="").embedding_text == "T"


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder does not exist"):
        load_beir(tmp_path / "nope")


@pytest.mark.parametrize("missing", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_missing_file_is_named(tmp_path: Path, missing: str) -> None:
    root = _write(tmp_path / "tiny")
    (root / missing).unlink()
    with pytest.raises(ValueError, match=rf"{missing}: required BEIR file is missing"):
        load_beir(root)


def test_missing_split_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"dev\.tsv: required BEIR file is missing"):
        load_beir(_write(tmp_path / "tiny"), split="dev")


def test_malformed_json_line(tmp_path: Path) -> None:
    corpus = _jsonl(CORPUS[:2]) + '{"_id": "d3", "text": \n'
    with pytest.raises(ValueError, match=r"corpus\.jsonl:3: malformed JSON line"):
        load_beir(_write(tmp_path / "tiny", corpus=corpus))


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    queries = _jsonl(QUERIES) + "[1, 2]\n"
    with pytest.raises(ValueError, match=r"queries\.jsonl:4: expected a JSON object"):
        load_beir(_write(tmp_path / "tiny", queries=queries))


@pytest.mark.parametrize(
    ("target", "record", "field"),
    [
        ("corpus", {"title": "t", "text": "x"}, "_id"),
        ("corpus", {"_id": "d9", "title": "t"}, "text"),
        ("queries", {"text": "q"}, "_id"),
        ("queries", {"_id": "q9"}, "text"),
    ],
)
def test_missing_field(tmp_path: Path, target: str, record: dict, field: str) -> None:
    base = CORPUS if target == "corpus" else QUERIES
    content = _jsonl(base) + json.dumps(record) + "\n"
    with pytest.raises(ValueError, match=rf"{target}\.jsonl:4: missing required field '{field}'"):
        load_beir(_write(tmp_path / "tiny", **{target: content}))


def test_wrong_field_type(tmp_path: Path) -> None:
    corpus = _jsonl([{"_id": 7, "title": "t", "text": "x"}])
    with pytest.raises(ValueError, match=r"corpus\.jsonl:1: field '_id' must be a string, got int"):
        load_beir(_write(tmp_path / "tiny", corpus=corpus))


def test_duplicate_document_id(tmp_path: Path) -> None:
    corpus = _jsonl(CORPUS + [CORPUS[0]])
    with pytest.raises(ValueError, match=r"corpus\.jsonl:4: duplicate document id 'd1' \(first on line 1\)"):
        load_beir(_write(tmp_path / "tiny", corpus=corpus))


@pytest.mark.parametrize(
    ("qrels", "message"),
    [
        ("query-id\tcorpus-id\tscore\nq1\td1\n", r"test\.tsv:2: expected 3 tab-separated fields, got 2"),
        ("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d2 1\n", r"test\.tsv:3: expected 3 tab-separated fields, got 1"),
        ("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", r"test\.tsv:2: score must be an integer, got 'high'"),
        ("query-id\tcorpus-id\tscore\nq1\t\t1\n", r"test\.tsv:2: empty query-id or corpus-id"),
        ("q1\td1\t1\n", r"test\.tsv:1: expected header"),
        ("", r"test\.tsv: empty qrels file"),
        ("query-id\tcorpus-id\tscore\n", r"test\.tsv: no judgements"),
    ],
)
def test_malformed_qrels(tmp_path: Path, qrels: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_beir(_write(tmp_path / "tiny", qrels=qrels))


def test_qrels_query_missing_from_queries(tmp_path: Path) -> None:
    qrels = QRELS + "q404\td1\t1\n"
    with pytest.raises(ValueError, match=r"test\.tsv: 1 judged query ids missing from queries\.jsonl"):
        load_beir(_write(tmp_path / "tiny", qrels=qrels))


def test_unknown_judged_document_only_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ds = load_beir(_write(tmp_path / "tiny", qrels=QRELS + "q1\td404\t1\n"))
    assert ds.qrels["q1"] == {"d1": 1, "d404": 1}
    assert "not in the corpus" in caplog.text


def test_real_scifact() -> None:
    if not SCIFACT.is_dir():
        pytest.skip(f"{SCIFACT} not present")
    ds = load_beir(SCIFACT)
    assert ds.name == "scifact"
    assert len(ds.corpus) == 5183
    assert len(ds.queries) == 300
    assert set(ds.queries) == set(ds.qrels)
    assert sum(len(judged) for judged in ds.qrels.values()) == 339
    assert all(score == 1 for judged in ds.qrels.values() for score in judged.values())
