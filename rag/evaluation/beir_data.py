"""Load a dataset in the BEIR folder layout (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).

Only judged queries are kept, as BEIR evaluation does; every format problem raises a
ValueError that names the file and line number.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rag.evaluation.jsonl import parse_object

logger = logging.getLogger(__name__)


class BeirDocument(BaseModel):
    """One corpus document; `id` is BEIR's `_id`."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    text: str

    @property
    def embedding_text(self) -> str:
        """Text to embed, `(title + " " + text).strip()`, as MTEB does for BEIR corpora."""
        return (self.title + " " + self.text).strip()


class BeirDataset(BaseModel):
    """A BEIR dataset: corpus, judged queries (id -> text) and qrels (query id -> doc id -> relevance)."""

    name: str
    corpus: list[BeirDocument]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _require_file(path: Path) -> None:
    """Fail early with the missing path rather than an OSError deep inside parsing."""
    if not path.is_file():
        raise ValueError(f"{path}: required BEIR file is missing")


def _iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line, rejecting bad JSON or non-objects."""
    _require_file(path)
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield lineno, parse_object(line, f"{path}:{lineno}")


def _string_field(record: dict[str, Any], field: str, path: Path, lineno: int, default: str | None = None) -> str:
    """Read a string field, using `default` when absent (if given) and rejecting wrong types."""
    if field not in record:
        if default is not None:
            return default
        raise ValueError(f"{path}:{lineno}: missing required field {field!r}")
    value = record[field]
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{path}:{lineno}: field {field!r} must be a string, got {type(value).__name__}")
    return value


def load_corpus(path: Path) -> list[BeirDocument]:
    """Parse corpus.jsonl in file order; `title` may be absent (treated as "", as BEIR does)."""
    documents: list[BeirDocument] = []
    seen: dict[str, int] = {}
    for lineno, record in _iter_jsonl(path):
        doc_id = _string_field(record, "_id", path, lineno)
        if doc_id in seen:
            raise ValueError(f"{path}:{lineno}: duplicate document id {doc_id!r} (first on line {seen[doc_id]})")
        seen[doc_id] = lineno
        title = _string_field(record, "title", path, lineno, default="")
        text = _string_field(record, "text", path, lineno)
        documents.append(BeirDocument(id=doc_id, title=title, text=text))
    return documents


def load_queries(path: Path) -> dict[str, str]:
    """Parse queries.jsonl into query id -> text."""
    queries: dict[str, str] = {}
    for lineno, record in _iter_jsonl(path):
        query_id = _string_field(record, "_id", path, lineno)
        if query_id in queries:
            raise ValueError(f"{path}:{lineno}: duplicate query id {query_id!r}")
        queries[query_id] = _string_field(record, "text", path, lineno)
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Parse a qrels TSV (header line, then query-id, corpus-id, integer score) into nested dicts."""
    _require_file(path)
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if not lines:
        raise ValueError(f"{path}: empty qrels file, expected a header line")
    header = lines[0].split("\t")
    if len(header) != 3 or header[2].strip().lstrip("-").isdigit():
        raise ValueError(f"{path}:1: expected header 'query-id<TAB>corpus-id<TAB>score', got {lines[0]!r}")
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"{path}:{lineno}: expected 3 tab-separated fields, got {len(fields)}: {line!r}")
        query_id, doc_id, score_text = (field.strip() for field in fields)
        if not query_id or not doc_id:
            raise ValueError(f"{path}:{lineno}: empty query-id or corpus-id: {line!r}")
        try:
            score = int(score_text)
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: score must be an integer, got {score_text!r}") from exc
        judged = qrels.setdefault(query_id, {})
        if doc_id in judged:
            logger.warning("%s:%d: repeated judgement for (%s, %s); keeping the last", path, lineno, query_id, doc_id)
        judged[doc_id] = score
    return qrels


def load_beir(path: str | Path, split: str = "test") -> BeirDataset:
    """Load a BEIR folder, keeping only queries judged in qrels/<split>.tsv (as BEIR evaluation does)."""
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"{root}: BEIR dataset folder does not exist")
    corpus = load_corpus(root / "corpus.jsonl")
    all_queries = load_queries(root / "queries.jsonl")
    qrels_path = root / "qrels" / f"{split}.tsv"
    qrels = load_qrels(qrels_path)
    if not qrels:
        raise ValueError(f"{qrels_path}: no judgements after the header line")
    unknown = sorted(set(qrels) - set(all_queries))
    if unknown:
        raise ValueError(f"{qrels_path}: {len(unknown)} judged query ids missing from queries.jsonl, e.g. {unknown[:5]}")
    doc_ids = {doc.id for doc in corpus}
    missing_docs = {doc_id for judged in qrels.values() for doc_id in judged} - doc_ids
    if missing_docs:
        logger.warning("%s: %d judged document ids are not in the corpus", qrels_path, len(missing_docs))
    queries = {query_id: all_queries[query_id] for query_id in all_queries if query_id in qrels}
    logger.info("loaded %s: %d docs, %d judged queries (of %d)", root.name, len(corpus), len(queries), len(all_queries))
    return BeirDataset(name=root.name, corpus=corpus, queries=queries, qrels=qrels)
