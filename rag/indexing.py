"""Build and update the index: chunk, analyse and embed only what changed, then commit it to the passage store."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from rag import corpus, stores
from rag.chunking import chunk_document, document_sentences
from rag.documents import applicable, content_hash, make_document, read_bytes, scan_corpus
from rag.embedding import Embedder
from rag.lexicon import Lexicon
from rag.nlp import Analyzer
from rag.errors import ConfigurationError, DocumentError, IndexMismatchError, ModelLoadError
from rag.metadata import read_manifest
from rag.models import BuildReport, Chunk, Document, SkippedFile
from rag.passage_store import IndexedDocument, IndexProfile, PassageStore, SentenceBlock
from rag.settings import Settings

log = logging.getLogger(__name__)


def analysis_name(analyzer: Analyzer | None) -> str:
    """What the index records as the passages' analysis: the spaCy pipeline, or '' for none."""
    return analyzer.name if analyzer is not None else ""


def prepare(upserts: list[Document], embedder: Embedder, settings: Settings, known: Lexicon, progress: bool = False,
            analyzer: Analyzer | None = None) -> tuple[list[IndexedDocument], Lexicon]:
    """Chunk, analyse and embed documents (passages and, when indexed, sentences), and embed the content words the
    lexicon `known` lacks."""
    per_doc = [chunk_document(doc.doc_id, doc.text, settings.chunking) for doc in upserts]
    chunks: list[Chunk] = [c for mine in per_doc for c in mine]
    texts = [c.text for c in chunks]
    dim = settings.embedding.dimension
    words = Lexicon.empty(dim)
    if analyzer is not None:
        blobs, found = analyzer.analyse_many(texts, progress=progress)
        words = known.missing(found, embedder, progress=progress)
    else:
        blobs = [b""] * len(chunks)

    def embed(model: Embedder, batch: list[str]) -> np.ndarray:
        return model.embed_passages(batch, progress=progress) if batch else np.zeros((0, dim), np.float32)

    if settings.index_sentences:
        spans = {d.doc_id: [(s.start, s.end) for _, s in document_sentences(d.text)] for d in upserts}
        sentence_texts = [d.text[a:b] for d in upserts for a, b in spans[d.doc_id]]
    if settings.index_sentences and settings.sentence_vectors == "pooled":
        if not hasattr(embedder, "embed_pooled"):
            raise ConfigurationError(f"sentence_vectors='pooled' needs the ONNX embedding backend, not "
                                     f"{embedder.backend or type(embedder).__name__!r}")
        embedded, sentence_vectors = _pooled_sentences(upserts, chunks, spans, embedder, progress)
    elif settings.index_sentences and settings.sentence_vectors == "int8":
        embedded = embed(embedder, texts)
        sentence_vectors = embed(_int8_or_model(embedder) if sentence_texts else embedder, sentence_texts)
    elif settings.index_sentences:
        embedded = embed(embedder, texts + sentence_texts)  # one pass: batches of similar length across both
        sentence_vectors = embedded[len(chunks):]
    else:
        embedded = embed(embedder, texts)
    out, row, sentence_row = [], 0, 0
    for doc, mine in zip(upserts, per_doc):
        block = None
        if settings.index_sentences:
            n = len(spans[doc.doc_id])
            block = SentenceBlock(np.array(spans[doc.doc_id], dtype=np.int64).reshape(n, 2),
                                  np.asarray(sentence_vectors[sentence_row:sentence_row + n], dtype=np.float32))
            sentence_row += n
        out.append(IndexedDocument(document=doc, chunks=mine, vectors=embedded[row:row + len(mine)],
                                   analyses=blobs[row:row + len(mine)], sentences=block))
        row += len(mine)
    return out, words


def apply_changes(store: PassageStore, upserts: list[Document], removals: list[str], embedder: Embedder,
                  settings: Settings, progress: bool = False, analyzer: Analyzer | None = None) -> int:
    """Stage `upserts` (re)chunked, analysed and embedded and `removals` dropped in the store, which the caller then
    commits; returns the count of passages embedded. Unchanged documents keep their passages, ids and vectors."""
    docs, words = prepare(upserts, embedder, settings, store.lexicon(), progress, analyzer)
    store.delete_documents(removals)
    store.add_documents(docs, words)
    store.set_profile(IndexProfile.of(settings, analysis_name(analyzer)))
    return sum(len(d.chunks) for d in docs)


def in_memory(docs: list[Document], settings: Settings, embedder: Embedder, progress: bool = False,
              analyzer: Analyzer | None = None) -> PassageStore:
    """A store of `docs` built by the normal indexing code and never written (evaluation, benchmarks)."""
    store = stores.memory_store(settings)
    apply_changes(store, docs, [], embedder, settings, progress, analyzer)
    store.commit()
    return store


def _int8_or_model(embedder: Embedder) -> Embedder:
    """The embedder's int8 copy for sentence vectors; the model itself, with a warning (once per process and
    reason), where there is none (the PyTorch backend) or it cannot be made: its vectors are close to the copy's."""
    try:
        return embedder.int8() if hasattr(embedder, "int8") else _warned(embedder, "the backend has no int8 copy")
    except ModelLoadError as exc:
        return _warned(embedder, str(exc))


_WARNED: set[str] = set()


def _warned(embedder: Embedder, why: str) -> Embedder:
    if why not in _WARNED:
        _WARNED.add(why)
        log.warning("sentence vectors are encoded by the model itself: %s", why)
    return embedder


def _pooled_sentences(upserts: list[Document], chunks: list[Chunk], spans: dict[str, list[tuple[int, int]]],
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


def open_for_update(settings: Settings, rebuild: bool) -> tuple[PassageStore, bool]:
    """The store to update and whether everything must be re-processed (a rebuild, no index yet, or an index from
    another format, model or pipeline, of which nothing can be reused)."""
    if rebuild or not stores.exists(settings):
        return stores.open_store(settings, fresh=True), True
    try:
        return stores.open_store(settings), False
    except IndexMismatchError as exc:
        log.warning("%s; re-processing every document", str(exc).split(". Rebuild")[0])
        return stores.open_store(settings, fresh=True), True


def build(corpus_dir: Path, index_dir: Path, settings: Settings, embedder: Embedder, rebuild: bool = False,
          progress: bool = False, analyzer: Analyzer | None = None,
          optimize: bool = False) -> tuple[PassageStore, BuildReport]:
    """Bring the index in line with the corpus folder: add new files, update changed ones, drop removed ones; with
    `optimize`, then compact it into one segment."""
    started = time.perf_counter()
    settings = settings.model_copy(update={"index_dir": Path(index_dir)})
    store, rebuilt = open_for_update(settings, rebuild)
    with store.writing():
        if not rebuilt and not IndexProfile.of(settings, analysis_name(analyzer)).same_passages(store.profile()):
            log.info("chunking or analysis settings changed since the last build: re-processing every document")
            rebuilt = True
        indexed = {} if rebuilt else {e.doc_id: e for e in store.catalogue()}
        files, skipped = scan_corpus(corpus_dir, settings)
        manifest = read_manifest(corpus_dir)
        report = BuildReport(index_dir=str(index_dir), documents=0, passages=0, skipped=skipped, rebuilt=rebuilt)
        upserts: list[Document] = []
        for doc_id, path in files.items():
            previous = indexed.get(doc_id)
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
        report.removed += [doc_id for doc_id in indexed if doc_id not in files]
        stale = report.removed + ([e.doc_id for e in store.catalogue()] if rebuilt else [])
        if upserts or stale or rebuilt:
            report.embedded_passages = apply_changes(store, upserts, stale, embedder, settings, progress, analyzer)
        store.commit()  # with nothing staged it only clears what a killed writer left behind
        if optimize:
            store.optimize()
            report.optimized = True
        corpus.clear_pending(corpus_dir)  # the index now matches the corpus folder
    report.documents, report.passages = len(store.catalogue()), store.count()
    report.seconds = time.perf_counter() - started
    log.info("build: %s", report.summary())
    return store, report


def update(store: PassageStore, settings: Settings, embedder: Embedder, upserts: list[Document],
           removals: list[str], analyzer: Analyzer | None = None) -> None:
    """Apply explicit changes (the engine's add/remove) to the store and commit them, under its write lock."""
    with store.writing():
        apply_changes(store, upserts, removals, embedder, settings, analyzer=analyzer)
        store.commit()
