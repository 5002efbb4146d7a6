"""One immutable segment of the embedded index: the documents one commit added (or one merge kept), with their
passages, vectors, dense index, lexical postings, sentences, analyses, and the lexicon words first stored with them.

A segment never changes once built; deleting from it is the view's business (`rag.store_view`), and merging builds
a new segment from the live rows of several, re-using their vectors (nothing is embedded again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.dense import DenseIndex
from rag.lexical import Postings
from rag.lexicon import Lexicon
from rag.models import Document
from rag.passage_store import IndexedDocument, SentenceBlock, StoredPassage
from rag.settings import Settings

DENSE_FILE = "dense.faiss"


@dataclass(frozen=True, eq=False)
class Segment:
    """Documents and their passages (rows), searchable on their own; `words` are the lexicon entries it carries."""

    documents: dict[str, Document]
    passages: list[StoredPassage]
    vectors: np.ndarray
    dense: DenseIndex
    postings: Postings
    sentences: dict[str, SentenceBlock]
    analyses: list[bytes]
    words: Lexicon
    sentence_matrix: np.ndarray | None = None  # the sentences' vectors in block order, when read from one file

    @classmethod
    def build(cls, docs: Sequence[IndexedDocument], first_id: int, words: Lexicon, settings: Settings) -> Segment:
        """A segment of new documents whose passages take ids first_id, first_id + 1, ... in order."""
        passages, vectors, analyses, sentences = [], [], [], {}
        for doc in docs:
            for chunk in doc.chunks:
                passages.append(StoredPassage(**chunk.model_dump(), id=first_id + len(passages)))
            vectors.append(np.asarray(doc.vectors, dtype=np.float32).reshape(len(doc.chunks), -1))
            analyses += doc.analyses
            if doc.sentences is not None:
                sentences[doc.document.doc_id] = doc.sentences
        documents = {d.document.doc_id: d.document for d in docs}
        return cls.assemble(documents, passages, vectors, sentences, analyses, words, settings)

    @classmethod
    def merge(cls, parts: Sequence[tuple[Segment, np.ndarray, frozenset[str]]], settings: Settings) -> Segment:
        """One segment of the live rows and documents of `parts` (segment, dead row mask, dead document ids)."""
        passages, vectors, analyses, sentences, documents, keeps = [], [], [], {}, {}, []
        for segment, dead, dead_docs in parts:
            keep = np.flatnonzero(~dead)
            keeps.append((segment.postings, keep))
            passages += [segment.passages[row] for row in keep.tolist()]
            vectors.append(segment.vectors[keep])
            analyses += [segment.analyses[row] for row in keep.tolist()]
            documents.update({k: v for k, v in segment.documents.items() if k not in dead_docs})
            sentences.update({k: v for k, v in segment.sentences.items() if k not in dead_docs})
        lexicons = [s.words for s, _, _ in parts]
        lexicon = Lexicon.concatenate(lexicons) if lexicons else Lexicon.empty(settings.embedding.dimension)
        return cls.assemble(documents, passages, vectors, sentences, analyses, lexicon, settings,
                            Postings.merge(keeps))

    @classmethod
    def assemble(cls, documents: dict[str, Document], passages: list[StoredPassage], vectors: list[np.ndarray],
                 sentences: dict[str, SentenceBlock], analyses: list[bytes], words: Lexicon, settings: Settings,
                 postings: Postings | None = None) -> Segment:
        """Derive the dense index (and, unless given, the postings) from the passages and their vectors."""
        dim = settings.embedding.dimension
        matrix = np.concatenate(vectors).astype(np.float32) if vectors else np.zeros((0, dim), np.float32)
        matrix = matrix.reshape(len(passages), dim)
        ids = np.array([p.id for p in passages], dtype=np.int64)
        dense = DenseIndex.build(ids, matrix, settings.retrieval)
        dense.configure(settings.retrieval)
        if postings is None:
            postings = Postings.build([p.text for p in passages])
        return cls(documents, passages, matrix, dense, postings, sentences, analyses, words)

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def ids(self) -> np.ndarray:
        return np.array([p.id for p in self.passages], dtype=np.int64)

    @cached_property
    def _sorted_ids(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.ids, kind="stable")
        return self.ids[order], order

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id, or -1 where the id is not in this segment."""
        ordered, order = self._sorted_ids
        ids = np.asarray(ids, dtype=np.int64)
        if len(ordered) == 0:
            return np.full(len(ids), -1, np.int64)
        at = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        return np.where(ordered[at] == ids, order[at], -1)

    @cached_property
    def doc_rows(self) -> dict[str, np.ndarray]:
        """doc_id -> the rows of its passages."""
        rows: dict[str, list[int]] = {}
        for row, p in enumerate(self.passages):
            rows.setdefault(p.doc_id, []).append(row)
        return {doc_id: np.array(r, dtype=np.int64) for doc_id, r in rows.items()}

    @cached_property
    def sentence_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The segment's sentence vectors as one matrix (a loaded segment's memory-mapped file itself, not a copy),
        the matrix row of each passage's sentences in passage order, the first of those of each passage (for
        reduceat), and which segment row each run belongs to; passages without sentences are left out."""
        blocks = list(self.sentences.items())
        first, at = {}, 0
        for doc_id, block in blocks:
            first[doc_id] = at
            at += len(block.spans)
        if self.sentence_matrix is not None and len(self.sentence_matrix) == at:
            matrix = self.sentence_matrix
        else:
            matrix = np.concatenate([b.vectors for _, b in blocks]) if blocks else None
        index, starts, rows, offset = [], [], [], 0
        for row, passage in enumerate(self.passages):
            block = self.sentences.get(passage.doc_id)
            inside = np.flatnonzero(block.within(passage.start, passage.end)) if block is not None else []
            if len(inside) == 0:
                continue
            index.append(first[passage.doc_id] + inside)
            starts.append(offset)
            rows.append(row)
            offset += len(inside)
        if not index or matrix is None:
            return None
        return matrix, np.concatenate(index), np.array(starts, np.int64), np.array(rows, np.int64)

    def best_sentence_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, cosine of each row's sentence closest to the query) for the passages that have sentences."""
        table = self.sentence_table
        if table is None:
            return None
        matrix, index, starts, rows = table
        return rows, np.maximum.reduceat((matrix @ query)[index], starts)

    def save(self, folder: Path) -> None:
        """Write the segment's files into `folder` (the caller makes them durable and checksums them)."""
        with open(folder / "documents.jsonl", "w", encoding="utf-8") as f:
            for doc in self.documents.values():
                f.write(doc.model_dump_json() + "\n")
        with open(folder / "passages.jsonl", "w", encoding="utf-8") as f:
            for passage in self.passages:
                f.write(passage.model_dump_json() + "\n")
        np.save(folder / "vectors.npy", self.vectors)
        self.dense.save(folder / DENSE_FILE)
        self.postings.save(folder)
        _save_sentences(self.sentences, folder, self.vectors.shape[1])
        _save_blobs(self.analyses, folder / "analysis.bin", folder / "analysis_offsets.npy")
        self.words.save(folder)

    @classmethod
    def load(cls, folder: Path, dense_kind: str, settings: Settings, derive_dense: bool = False) -> Segment:
        """Read a saved segment; parsers raise OSError, ValueError or RuntimeError on damage, and files that do not
        fit together raise ValueError. `derive_dense` rebuilds the dense index from the vectors (new HNSW
        settings) instead of reading it."""
        documents = {}
        for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            doc = Document.model_validate_json(line)
            documents[doc.doc_id] = doc
        passages = [StoredPassage.model_validate_json(line)
                    for line in (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
        # memory-mapped, read-only: the segment's files never change once written, so its float32 vectors stay file
        # pages (shared between processes, evictable) instead of the process's own memory
        vectors = np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r")
        postings = Postings.load(folder)
        sentences, sentence_matrix = _load_sentences(folder)
        analyses = _load_blobs(folder / "analysis.bin", folder / "analysis_offsets.npy")
        words = Lexicon.load(folder)
        if not (len(passages) == len(vectors) == len(analyses) == postings.matrix.shape[0]):
            raise ValueError("passage counts disagree between the segment's files")
        if derive_dense:
            return cls.assemble(documents, passages, [vectors], sentences, analyses, words, settings, postings)
        dense = DenseIndex.load(folder / DENSE_FILE, dense_kind, settings.retrieval)
        if dense.size != len(passages):
            raise ValueError("the dense index holds another number of passages")
        return cls(documents, passages, vectors, dense, postings, sentences, analyses, words, sentence_matrix)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (ids, scores), best first, equal scores by ascending id (the order passages were added in)."""
    if k <= 0 or len(scores) == 0:
        return ids[:0], scores[:0]
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= kth
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def _save_sentences(blocks: dict[str, SentenceBlock], folder: Path, dim: int) -> None:
    """All documents' sentence spans and vectors as two arrays plus a doc_id -> [first row, count] table."""
    table, row = {}, 0
    for doc_id, block in blocks.items():
        table[doc_id] = [row, len(block.spans)]
        row += len(block.spans)
    spans = [b.spans for b in blocks.values()] or [np.zeros((0, 2), np.int64)]
    vectors = [b.vectors for b in blocks.values()] or [np.zeros((0, dim), np.float32)]
    np.save(folder / "sentence_spans.npy", np.concatenate(spans).astype(np.int64))
    np.save(folder / "sentence_vectors.npy", np.concatenate(vectors).astype(np.float32))
    (folder / "sentence_docs.json").write_text(json.dumps(table), encoding="utf-8")


def _load_sentences(folder: Path) -> tuple[dict[str, SentenceBlock], np.ndarray | None]:
    """Each document's sentence block (slices of the memory-mapped file) and the whole file's vectors."""
    spans = np.load(folder / "sentence_spans.npy", allow_pickle=False)
    vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
    table = json.loads((folder / "sentence_docs.json").read_text(encoding="utf-8"))
    if len(spans) != len(vectors) or not isinstance(table, dict):
        raise ValueError("sentence spans, vectors and table disagree")
    blocks = {doc_id: SentenceBlock(spans[a:a + n], vectors[a:a + n]) for doc_id, (a, n) in table.items()}
    starts = np.cumsum([0] + [n for _, n in table.values()])
    in_order = starts[-1] == len(vectors) and all(a == s for (a, _), s in zip(table.values(), starts.tolist()))
    return blocks, vectors if in_order else None  # the file holds the blocks one after another, as saved


def _save_blobs(blobs: list[bytes], data_path: Path, offsets_path: Path) -> None:
    """Byte strings concatenated in one file, with their n + 1 boundaries beside it."""
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    with open(data_path, "wb") as f:
        for i, blob in enumerate(blobs):
            f.write(blob)
            offsets[i + 1] = offsets[i] + len(blob)
    np.save(offsets_path, offsets)


def _load_blobs(data_path: Path, offsets_path: Path) -> list[bytes]:
    data = data_path.read_bytes()
    offsets = np.load(offsets_path, allow_pickle=False)
    if len(offsets) == 0 or offsets[-1] != len(data):
        raise ValueError(f"{data_path.name} does not match its offsets")
    return [data[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
