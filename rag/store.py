"""The index as one immutable snapshot (documents, passages, vectors, dense and lexical indexes) and its files.

Each build writes a new generation folder and then atomically replaces the `CURRENT` pointer file, so a build
killed half-way leaves the previous generation in place and loadable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from rag.dense import DenseIndex
from rag.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, rebuild_hint
from rag.lexical import LexicalIndex
from rag.lexicon import Lexicon
from rag.models import Chunk, Document, IndexManifest
from rag.settings import Settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: stored spaCy analyses and the word lexicon; 3: CURRENT pins the manifest's checksum
# The version of the code that turns files into passages (loading, cleaning, chunking, analysis): bump it whenever a
# change there would give another result, so builds re-process documents indexed by the older code.
PIPELINE_VERSION = "2026-12-01.1"
POINTER = "CURRENT"
GENERATION_PREFIX = "gen-"


class StoredPassage(Chunk):
    """A chunk with its stable int64 id, as kept in the passage store."""

    id: int


@dataclass(frozen=True)
class SentenceBlock:
    """One document's sentence spans (n x 2, offsets into its cleaned text) and their vectors (n x dim)."""

    spans: np.ndarray
    vectors: np.ndarray

    def within(self, start: int, end: int) -> np.ndarray:
        """Row mask of the sentences lying wholly inside [start, end) (a passage's sentences)."""
        return (self.spans[:, 0] >= start) & (self.spans[:, 1] <= end)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything search needs, never mutated once built: writers make a new snapshot and swap it in."""

    documents: dict[str, Document]
    passages: list[StoredPassage]
    vectors: np.ndarray
    dense: DenseIndex
    lexical: LexicalIndex
    sentences: dict[str, SentenceBlock]
    next_id: int
    analyses: list[bytes]  # per passage row: its serialised spaCy analysis (b"" when not analysed)
    lexicon: Lexicon
    row_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row_of.update({p.id: row for row, p in enumerate(self.passages)})

    @classmethod
    def build(cls, documents: dict[str, Document], passages: list[StoredPassage], vectors: np.ndarray,
              sentences: dict[str, SentenceBlock], next_id: int, settings: Settings, analyses: list[bytes],
              lexicon: Lexicon) -> Snapshot:
        """Derive the dense and lexical indexes from passages and their vectors."""
        ids = np.array([p.id for p in passages], dtype=np.int64)
        vectors = vectors.reshape(len(passages), settings.embedding.dimension)
        dense = DenseIndex.build(ids, vectors, settings.retrieval)
        dense.configure(settings.retrieval)
        lexical = LexicalIndex.build([p.text for p in passages], settings.retrieval)
        return cls(documents, passages, vectors, dense, lexical, sentences, next_id, analyses, lexicon)

    @cached_property
    def sentence_table(self) -> tuple[np.ndarray, np.ndarray] | None:
        """All sentence vectors stacked, and for each passage the first row of its sentences (for reduceat).

        Passages are contiguous sentence runs, so each owns rows [start_p, start_p+1) of the stacked matrix; a
        passage with no sentence block (index built without sentences) disables sentence scoring.
        """
        if not self.passages or any(p.doc_id not in self.sentences for p in self.passages):
            return None
        matrices, starts, offset = [], [], 0
        for passage in self.passages:
            block = self.sentences[passage.doc_id]
            inside = np.flatnonzero(block.within(passage.start, passage.end))
            if len(inside) == 0:
                return None
            matrices.append(block.vectors[inside])
            starts.append(offset)
            offset += len(inside)
        return np.ascontiguousarray(np.concatenate(matrices)), np.array(starts, dtype=np.int64)

    def best_sentence_scores(self, query: np.ndarray) -> np.ndarray | None:
        """For each passage row, the cosine of its sentence closest to the query (None without sentence vectors)."""
        table = self.sentence_table
        if table is None:
            return None
        matrix, starts = table
        return np.maximum.reduceat(matrix @ query, starts)

    @cached_property
    def chunk_rows(self) -> dict[str, int]:
        """chunk_id -> row in `passages`."""
        return {p.chunk_id: row for row, p in enumerate(self.passages)}

    def passage_count(self, doc_id: str) -> int:
        return sum(1 for p in self.passages if p.doc_id == doc_id)

    def analysis(self, passage_id: int) -> bytes:
        """The stored spaCy analysis of a passage (b"" when the index was built without analysis)."""
        return self.analyses[self.row_of[passage_id]]


def manifest_for(snapshot: Snapshot, settings: Settings, analysis: str) -> IndexManifest:
    """The manifest describing a snapshot built with these settings (file hashes are filled in on save)."""
    return IndexManifest(
        format_version=FORMAT_VERSION,
        embedder=settings.embedding.model_name,
        dimension=settings.embedding.dimension,
        chunking=settings.chunking.model_dump(),
        dense_index=snapshot.dense.kind,
        sentences=settings.index_sentences,
        sentence_vectors=settings.sentence_vectors,
        analysis=analysis,
        pipeline=PIPELINE_VERSION,
        lexical=lexical_params(settings),
        dense=dense_params(settings),
        passages=len(snapshot.passages),
        next_id=snapshot.next_id,
        documents={d.doc_id: d.content_hash for d in snapshot.documents.values()},
        files={},
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    )


def save(snapshot: Snapshot, index_dir: Path, settings: Settings, analysis: str) -> Path:
    """Write a new generation and switch `CURRENT` to it atomically; older generations are removed afterwards."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
    with open(tmp / "documents.jsonl", "w", encoding="utf-8") as f:
        for doc in snapshot.documents.values():
            f.write(doc.model_dump_json() + "\n")
    with open(tmp / "passages.jsonl", "w", encoding="utf-8") as f:
        for passage in snapshot.passages:
            f.write(passage.model_dump_json() + "\n")
    np.save(tmp / "vectors.npy", snapshot.vectors)
    snapshot.dense.save(tmp / "dense.faiss")
    snapshot.lexical.save(tmp / "lexical")
    _save_sentences(snapshot.sentences, tmp, settings.embedding.dimension)
    _save_blobs(snapshot.analyses, tmp / "analysis.bin", tmp / "analysis_offsets.npy")
    snapshot.lexicon.save(tmp)
    manifest = manifest_for(snapshot, settings, analysis)
    manifest.files = {str(p.relative_to(tmp)): _sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest_bytes = manifest.model_dump_json(indent=2).encode("utf-8")
    (tmp / "manifest.json").write_bytes(manifest_bytes)
    _fsync_tree(tmp)

    generation = f"{GENERATION_PREFIX}{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%f}"
    os.replace(tmp, index_dir / generation)
    pointer_tmp = index_dir / f".{POINTER}.tmp"
    # the pointer pins the manifest, which pins every other file: editing any of them is detected at load
    pointer_tmp.write_text(f"{generation}\n{hashlib.sha256(manifest_bytes).hexdigest()}\n", encoding="utf-8")
    os.replace(pointer_tmp, index_dir / POINTER)  # the commit point
    remove_stale(index_dir, keep=generation)
    log.info("index saved to %s (%s)", index_dir, generation)
    return index_dir / generation


def read_pointer(index_dir: Path) -> tuple[str, str]:
    """(generation name, manifest sha256) from `CURRENT`; IndexNotFoundError or a clear IndexCorruptError."""
    pointer = index_dir / POINTER
    if not pointer.exists():
        raise IndexNotFoundError(f"no index at {index_dir}. Build one with: rag index --index {index_dir}")
    try:
        lines = pointer.read_bytes()[:1024].decode("utf-8").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} is damaged ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if len(lines) == 1 and lines[0].startswith(GENERATION_PREFIX) and "/" not in lines[0] \
            and (index_dir / lines[0]).is_dir():
        raise IndexMismatchError(f"index at {index_dir} was written by an older version of this code. "
                                 + rebuild_hint(index_dir))
    if len(lines) != 2 or not lines[0].startswith(GENERATION_PREFIX) or "/" in lines[0] or len(lines[1]) != 64:
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} is damaged. " + rebuild_hint(index_dir))
    return lines[0], lines[1]


def current_generation(index_dir: Path) -> Path:
    """The folder `CURRENT` points to; IndexNotFoundError when there is no index."""
    return _generation(index_dir, read_pointer(index_dir)[0])


def _generation(index_dir: Path, name: str) -> Path:
    folder = index_dir / name
    if not folder.is_dir():
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} names a missing generation {name!r}. "
                                + rebuild_hint(index_dir))
    return folder


def read_manifest(index_dir: Path) -> IndexManifest:
    """Parse the current generation's manifest, after checking it is the one `CURRENT` pins."""
    return _manifest_of(index_dir, *read_pointer(index_dir))[0]


def _manifest_of(index_dir: Path, name: str, digest: str) -> tuple[IndexManifest, Path]:
    """The manifest of generation `name`, checked against the `digest` its pointer pins, and its folder (one
    pointer read serves both, so a commit in between cannot pair one generation's checksum with another's files)."""
    folder = _generation(index_dir, name)
    try:
        data = (folder / "manifest.json").read_bytes()
    except OSError as exc:
        raise IndexCorruptError(f"index at {index_dir}: unreadable manifest ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexCorruptError(f"index at {index_dir}: manifest.json was changed after the index was written "
                                "(checksum mismatch). " + rebuild_hint(index_dir))
    try:
        return IndexManifest.model_validate_json(data), folder
    except ValidationError as exc:
        raise IndexCorruptError(f"index at {index_dir}: unreadable manifest ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc


def check_compatible(manifest: IndexManifest, index_dir: Path, settings: Settings) -> None:
    """Refuse an index built by another format version, embedder or dimension."""
    problems = []
    if manifest.format_version != FORMAT_VERSION:
        problems.append(f"format version {manifest.format_version}, this code reads {FORMAT_VERSION}")
    if manifest.embedder != settings.embedding.model_name:
        problems.append(f"embedder {manifest.embedder!r}, configured {settings.embedding.model_name!r}")
    if manifest.dimension != settings.embedding.dimension:
        problems.append(f"dimension {manifest.dimension}, configured {settings.embedding.dimension}")
    if manifest.pipeline != PIPELINE_VERSION:
        problems.append(f"document pipeline {manifest.pipeline or 'unrecorded'!r}, this code is {PIPELINE_VERSION!r}")
    if problems:
        raise IndexMismatchError(f"index at {index_dir} was built with " + "; ".join(problems) + ". "
                                 + rebuild_hint(index_dir))


def load(index_dir: Path, settings: Settings) -> tuple[Snapshot, IndexManifest]:
    """Load and verify the current generation: manifest, compatibility, file checksums, then contents."""
    manifest, folder = _manifest_of(index_dir, *read_pointer(index_dir))
    check_compatible(manifest, index_dir, settings)
    for name, digest in manifest.files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise IndexCorruptError(f"index at {index_dir}: {name} is missing or damaged (checksum mismatch). "
                                    + rebuild_hint(index_dir))
    try:
        documents = {}
        for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            doc = Document.model_validate_json(line)
            documents[doc.doc_id] = doc
        passages = [StoredPassage.model_validate_json(line)
                    for line in (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        dense = DenseIndex.load(folder / "dense.faiss", manifest.dense_index, settings.retrieval)
        lexical = LexicalIndex.load(folder / "lexical", len(passages), settings.retrieval)
        sentences = _load_sentences(folder)
        analyses = _load_blobs(folder / "analysis.bin", folder / "analysis_offsets.npy")
        lexicon = Lexicon.load(folder)
    except (OSError, ValueError, RuntimeError) as exc:  # pydantic, numpy and faiss errors derive from these
        raise IndexCorruptError(f"index at {index_dir}: cannot read it ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if not (len(passages) == manifest.passages == dense.size == vectors.shape[0] == len(analyses)):
        raise IndexCorruptError(f"index at {index_dir}: passage counts disagree between its files. "
                                + rebuild_hint(index_dir))
    if manifest.lexical != lexical_params(settings) or manifest.dense != dense_params(settings):
        log.info("index at %s: BM25 or HNSW settings changed since it was built; deriving both indexes again",
                 index_dir)
        snapshot = Snapshot.build(documents, passages, vectors, sentences, manifest.next_id, settings, analyses,
                                  lexicon)
    else:
        snapshot = Snapshot(documents, passages, vectors, dense, lexical, sentences, manifest.next_id, analyses,
                            lexicon)
    return snapshot, manifest


def lexical_params(settings: Settings) -> dict:
    """What the stored BM25 index depends on besides the passages."""
    r = settings.retrieval
    return {"k1": r.bm25_k1, "b": r.bm25_b, "method": r.bm25_method, "stemmer": r.stemmer_language}


def dense_params(settings: Settings) -> dict:
    """What the stored FAISS index depends on besides the vectors."""
    r = settings.retrieval
    return {"exact_search_max": r.exact_search_max, "hnsw_m": r.hnsw_m, "hnsw_ef_construction": r.hnsw_ef_construction}


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


def _load_sentences(folder: Path) -> dict[str, SentenceBlock]:
    spans = np.load(folder / "sentence_spans.npy", allow_pickle=False)
    vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False)
    table = json.loads((folder / "sentence_docs.json").read_text(encoding="utf-8"))
    return {doc_id: SentenceBlock(spans[a:a + n], vectors[a:a + n]) for doc_id, (a, n) in table.items()}


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    """Flush every file so the rename below never publishes data still in the page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def remove_stale(index_dir: Path, keep: str) -> None:
    """Delete leftovers of killed builds and all generations but `keep` and the one before it (a reader in
    another process may still be loading that one)."""
    generations = sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))
    previous = [g for g in generations if g < keep][-1:]
    for path in index_dir.iterdir():
        stale_generation = path.name.startswith(GENERATION_PREFIX) and path.name not in (keep, *previous)
        if path.is_dir() and (stale_generation or path.name.startswith(".building-")):
            shutil.rmtree(path, ignore_errors=True)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
