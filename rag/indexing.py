"""Build and update the index: chunk and embed only what changed, then persist a new snapshot atomically."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from rag import store
from rag.chunking import chunk_document, document_sentences
from rag import corpus
from rag.documents import applicable, content_hash, make_document, read_bytes, scan_corpus
from rag.embedding import Embedder
from rag.lexicon import Lexicon
from rag.nlp import Analyzer
from rag.errors import ConfigurationError, DocumentError, IndexMismatchError
from rag.metadata import read_manifest
from rag.models import BuildReport, Document, SkippedFile
from rag.settings import Settings
from rag.store import SentenceBlock, Snapshot, StoredPassage

log = logging.getLogger(__name__)


def empty_snapshot(settings: Settings) -> Snapshot:
    dim = settings.embedding.dimension
    return Snapshot.build({}, [], np.zeros((0, dim), np.float32), {}, 0, settings, [], Lexicon.empty(dim))


def analysis_name(analyzer: Analyzer | None) -> str:
    """What the manifest records as the passages' analysis: the spaCy pipeline, or '' for none."""
    return analyzer.name if analyzer is not None else ""


def apply_changes(old: Snapshot, upserts: list[Document], removals: list[str], embedder: Embedder,
                  settings: Settings, progress: bool = False, analyzer: Analyzer | None = None
                  ) -> tuple[Snapshot, int]:
    """A new snapshot with `upserts` (re)chunked, analysed and embedded and `removals` dropped; returns it and the
    count of passages embedded. Unchanged documents keep their passages, ids, vectors and analyses."""
    gone = set(removals) | {d.doc_id for d in upserts}
    keep_rows = [row for row, p in enumerate(old.passages) if p.doc_id not in gone]
    passages = [old.passages[row] for row in keep_rows]
    analyses = [old.analyses[row] for row in keep_rows]
    vectors = [old.vectors[keep_rows]]
    documents = {k: v for k, v in old.documents.items() if k not in gone}
    sentences = {k: v for k, v in old.sentences.items() if k not in gone}

    next_id = old.next_id
    new_chunks: list[StoredPassage] = []
    for doc in upserts:
        documents[doc.doc_id] = doc
        for chunk in chunk_document(doc.doc_id, doc.text, settings.chunking):
            new_chunks.append(StoredPassage(**chunk.model_dump(), id=next_id))
            next_id += 1
    texts = [p.text for p in new_chunks]
    lexicon = old.lexicon
    if analyzer is not None:
        blobs, words = analyzer.analyse_many(texts, progress=progress)
        lexicon = lexicon.extended(words, embedder, progress=progress)
    else:
        blobs = [b""] * len(new_chunks)
    analyses += blobs
    if settings.index_sentences:
        spans = {d.doc_id: [(s.start, s.end) for _, s in document_sentences(d.text)] for d in upserts}
    if settings.index_sentences and settings.sentence_vectors == "pooled":
        if not hasattr(embedder, "embed_pooled"):
            raise ConfigurationError(f"sentence_vectors='pooled' needs the ONNX embedding backend, not "
                                     f"{embedder.backend or type(embedder).__name__!r}")
        embedded, sentence_vectors = _pooled_sentences(upserts, new_chunks, spans, embedder, progress)
    elif settings.index_sentences:
        texts += [d.text[a:b] for d in upserts for a, b in spans[d.doc_id]]
        embedded = embedder.embed_passages(texts, progress=progress)
        sentence_vectors = embedded[len(new_chunks):]
    else:
        embedded = embedder.embed_passages(texts, progress=progress)
    passages += new_chunks
    vectors.append(embedded[: len(new_chunks)])
    if settings.index_sentences:
        row = 0
        for doc in upserts:
            n = len(spans[doc.doc_id])
            sentences[doc.doc_id] = SentenceBlock(np.array(spans[doc.doc_id], dtype=np.int64).reshape(n, 2),
                                                  sentence_vectors[row:row + n])
            row += n
    snapshot = Snapshot.build(documents, passages, np.concatenate(vectors), sentences, next_id, settings, analyses,
                              lexicon)
    return snapshot, len(new_chunks)


def in_memory(docs: list[Document], settings: Settings, embedder: Embedder, progress: bool = False,
              analyzer: Analyzer | None = None) -> Snapshot:
    """A snapshot of `docs` built by the normal indexing code and never written (evaluation, benchmarks)."""
    return apply_changes(empty_snapshot(settings), docs, [], embedder, settings, progress, analyzer)[0]


def _pooled_sentences(upserts: list[Document], chunks: list[StoredPassage], spans: dict[str, list[tuple[int, int]]],
                      embedder: Embedder, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """Passage vectors, and every sentence's vector pooled from the first passage holding it (one forward pass per
    passage); sentences past a passage's token window are encoded on their own."""
    relative = [[(a - c.start, b - c.start) for a, b in spans[c.doc_id] if c.start <= a and b <= c.end]
                for c in chunks]
    embedded, pooled = embedder.embed_pooled([c.text for c in chunks], relative, progress=progress)
    found: dict[tuple[str, int, int], np.ndarray] = {}
    for chunk, rel, vectors in zip(chunks, relative, pooled):
        for (a, b), v in zip(rel, vectors):
            if v is not None:
                found.setdefault((chunk.doc_id, a + chunk.start, b + chunk.start), v)
    wanted = [(d.doc_id, a, b) for d in upserts for a, b in spans[d.doc_id]]
    missing = [key for key in wanted if key not in found]
    texts = {d.doc_id: d.text for d in upserts}
    for key, v in zip(missing, embedder.embed_passages([texts[k[0]][k[1]:k[2]] for k in missing])):
        found[key] = v
    dim = embedded.shape[1]
    return embedded, np.stack([found[k] for k in wanted]) if wanted else np.zeros((0, dim), np.float32)


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer per index folder across processes (readers never need it)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_for_update(index_dir: Path, settings: Settings, rebuild: bool, analysis: str) -> tuple[Snapshot, bool]:
    """The snapshot to update and whether everything must be re-processed (rebuild, new chunking or analysis, no
    index)."""
    if rebuild or not (index_dir / store.POINTER).exists():
        return empty_snapshot(settings), True
    try:
        snapshot, manifest = store.load(index_dir, settings)
    except IndexMismatchError as exc:  # another format, model or pipeline version: nothing in it can be reused
        log.warning("%s; re-processing every document", str(exc).split(". Rebuild")[0])
        return empty_snapshot(settings), True
    if (manifest.chunking != settings.chunking.model_dump() or manifest.sentences != settings.index_sentences
            or manifest.sentence_vectors != settings.sentence_vectors
            or manifest.analysis != analysis):
        log.info("chunking or analysis settings changed since the last build: re-processing every document")
        return empty_snapshot(settings), True
    return snapshot, False


def build(corpus_dir: Path, index_dir: Path, settings: Settings, embedder: Embedder, rebuild: bool = False,
          progress: bool = False, analyzer: Analyzer | None = None) -> tuple[Snapshot, BuildReport]:
    """Bring the index in line with the corpus folder: add new files, update changed ones, drop removed ones."""
    started = time.perf_counter()
    with write_lock(index_dir):
        old, rebuilt = load_for_update(index_dir, settings, rebuild, analysis_name(analyzer))
        files, skipped = scan_corpus(corpus_dir, settings)
        manifest = read_manifest(corpus_dir)
        report = BuildReport(index_dir=str(index_dir), documents=0, passages=0, skipped=skipped, rebuilt=rebuilt)
        upserts: list[Document] = []
        for doc_id, path in files.items():
            previous = old.documents.get(doc_id)
            try:
                data = read_bytes(path, settings)
                entry = manifest.get(doc_id)
                if previous is not None and previous.content_hash == content_hash(data, applicable(entry, data,
                                                                                                    path.name)):
                    report.unchanged.append(doc_id)
                    continue
                upserts.append(make_document(doc_id, path.name, data, entry, settings))
                (report.updated if previous is not None else report.added).append(doc_id)
            except DocumentError as exc:
                log.warning("skipping %s", exc)
                report.skipped.append(SkippedFile(path=path.name, reason=str(exc).removeprefix(f"{path.name}: ")))
                if previous is not None:
                    report.removed.append(doc_id)  # an unreadable new version must not leave the old text searchable
        report.removed += [doc_id for doc_id in old.documents if doc_id not in files]
        snapshot = old
        if upserts or report.removed or rebuilt:
            snapshot, report.embedded_passages = apply_changes(old, upserts, report.removed, embedder, settings,
                                                               progress, analyzer)
            store.save(snapshot, index_dir, settings, analysis_name(analyzer))
        else:  # nothing changed, but a killed build may have left a half-written folder behind
            store.remove_stale(index_dir, keep=store.current_generation(index_dir).name)
        corpus.clear_pending(corpus_dir)  # the index now matches the corpus folder
    report.documents, report.passages = len(snapshot.documents), len(snapshot.passages)
    report.seconds = time.perf_counter() - started
    log.info("build: %s", report.summary())
    return snapshot, report


def update(index_dir: Path, settings: Settings, embedder: Embedder, upserts: list[Document],
           removals: list[str], analyzer: Analyzer | None = None) -> Snapshot:
    """Apply explicit changes (the engine's add/remove) to the index on disk under the write lock."""
    with write_lock(index_dir):
        exists = (index_dir / store.POINTER).exists()
        old = store.load(index_dir, settings)[0] if exists else empty_snapshot(settings)
        snapshot, _ = apply_changes(old, upserts, removals, embedder, settings, analyzer=analyzer)
        store.save(snapshot, index_dir, settings, analysis_name(analyzer))
    return snapshot
