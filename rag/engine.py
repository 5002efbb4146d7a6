"""The public engine: search, ask, and add or remove documents over one persisted index.

Readers take the current immutable snapshot; writers are serialised, build a new snapshot, persist it and swap it
in with one assignment, so a concurrent reader never sees a half-written index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from rag import corpus, indexing, inputs, retrieval, store, updates
from rag.answering.extractive import ExtractiveGenerator
from rag.answering.generator import Generator
from rag.answering.llm import OpenAIChatGenerator
from rag.answering.pipeline import Asker, SnapshotEvidence
from rag.answering.reading import QuestionReader
from rag.answering.verify import Verifier
from rag.embedding import Embedder, get_embedder
from rag.nlp import Analyzer, get_analyzer
from rag.errors import ConfigurationError, GenerationError, IndexMismatchError, RagError
from rag.models import Answer, BuildReport, Document, DocumentInfo, Passage
from rag.settings import SearchMode, Settings

log = logging.getLogger(__name__)
RELOAD_CHECK_SECONDS = 1.0  # how stale an engine may be after another process commits a new index generation

class Engine:
    """Search and question answering over an index folder, with its corpus folder as the source of truth."""

    def __init__(self, settings: Settings, snapshot: store.Snapshot, embedder: Embedder,
                 generator: Generator | None = None, analyzer: Analyzer | None = None, persistent: bool = True):
        """`persistent=False` serves a snapshot built in memory (evaluation, benchmarks): it neither watches
        `settings.index_dir` for other processes' commits nor writes there."""
        self.settings = settings
        self.persistent = persistent
        self.analyzer = analyzer or get_analyzer(settings.nlp)
        self.generator = generator  # a custom generator, used by default when given
        self.index_dir = Path(settings.index_dir)
        self.corpus_dir = Path(settings.corpus_dir)
        self.embedder = embedder
        self._snapshot = snapshot
        self._write_lock = threading.Lock()
        self._pointer = self._read_pointer()  # which generation the snapshot is, to notice another process's commit
        self._checked = time.monotonic()

    @cached_property
    def question_reader(self) -> QuestionReader:
        """Question parsing, analysis and follow-up resolution (built on first use)."""
        return QuestionReader(self.analyzer, self.embedder)

    def evidence(self) -> SnapshotEvidence:
        """What answering reads from the index as it is now."""
        return SnapshotEvidence(self.snapshot, self.analyzer, self.embedder, self.settings)

    @cached_property
    def asker(self) -> Asker:
        """The ask pipeline with its generators: extractive always, the language model when one is configured."""
        settings = self.settings
        reader = self.question_reader
        generators: dict[str, Generator] = {
            "extractive": ExtractiveGenerator(self.evidence, reader, self.embedder.embed_query, settings.answer)}
        if settings.llm.configured:
            verifier = Verifier(self.embedder.embed_passages, self.analyzer.parse,
                                lambda passage: self.evidence().sentences(passage), settings.llm.support_threshold)
            generators["llm"] = OpenAIChatGenerator(settings.llm, verifier)
        if self.generator is not None:
            generators[self.generator.name] = self.generator
        default = self.generator.name if self.generator is not None else settings.generator
        if default not in generators:
            raise ConfigurationError(f"generator {default!r} is chosen but no model server is configured: set "
                                     "RAG_LLM_BASE_URL and RAG_LLM_MODEL (or RAG_GENERATOR=extractive)")

        def retrieve(query: str, depth: int, mode: str) -> list[Passage]:
            return retrieval.search(self.snapshot, self.embedder, query, settings.retrieval, k=depth, mode=mode)

        return Asker(settings, reader, retrieve, generators, default)

    @property
    def generators(self) -> list[str]:
        """Names of the generators this engine can answer with."""
        return list(self.asker.generators)

    def check_generators(self) -> None:
        """At start-up: a configured model server that answers without the configured model is an error; one that
        does not answer yet is only logged (questions fall back to extractive answers with a notice)."""
        llm = self.asker.generators.get("llm")
        if isinstance(llm, OpenAIChatGenerator):
            try:
                llm.check()
            except GenerationError as exc:
                log.warning("%s; answers will be extractive until it does", exc)

    @property
    def snapshot(self) -> store.Snapshot:
        """The current immutable index state; when another process (`rag index`) has committed a new generation
        since, it is loaded first (checked at most once every RELOAD_CHECK_SECONDS)."""
        now = time.monotonic()
        if self.persistent and now - self._checked >= RELOAD_CHECK_SECONDS:
            self._checked = now
            pointer = self._read_pointer()
            if pointer is not None and pointer != self._pointer and self._write_lock.acquire(blocking=False):
                try:
                    self._snapshot, _ = store.load(self.index_dir, self.settings)
                    self._pointer = pointer
                    log.info("index at %s changed on disk (%s): reloaded", self.index_dir, pointer[0])
                except RagError as exc:
                    log.warning("index at %s changed on disk but cannot be read yet: %s", self.index_dir, exc)
                finally:
                    self._write_lock.release()
        return self._snapshot

    def _read_pointer(self) -> tuple[str, str] | None:
        if not self.persistent:
            return None
        try:
            return store.read_pointer(self.index_dir)
        except RagError:
            return None

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None,
               mmr: bool | None = None) -> list[Passage]:
        """The k best passages for `query`, best first."""
        query = inputs.validate_query(query, self.settings.max_question_chars)
        r = self.settings.retrieval
        k = inputs.validate_k(k, r.k, r.max_k)
        return retrieval.search(self.snapshot, self.embedder, query, r, k, inputs.validate_mode(mode, r.mode), mmr)

    def ask(self, question: str, history: Sequence[object] | None = None, k: int | None = None,
            mode: SearchMode | None = None, generator: str | None = None) -> Answer:
        """Answer a question (with optional chat history) from the corpus, with citations; see rag.answering."""
        return self.asker.ask(question, history, k, mode, generator)

    def stream(self, question: str, history: Sequence[object] | None = None, k: int | None = None,
               mode: SearchMode | None = None, generator: str | None = None) -> Iterator[str | Answer]:
        """The answer's text as it is written (deltas), then the finished Answer."""
        return self.asker.stream(question, history, k, mode, generator)

    def documents(self) -> list[DocumentInfo]:
        """The corpus as a table, ordered by document id."""
        snap = self.snapshot
        counts: dict[str, int] = {}
        for passage in snap.passages:
            counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
        return [DocumentInfo(doc_id=d.doc_id, source=d.source, title=d.meta.title, publisher=d.meta.publisher,
                             date=d.meta.date, passages=counts.get(d.doc_id, 0))
                for d in sorted(snap.documents.values(), key=lambda d: d.doc_id)]

    def add_documents(self, paths: Sequence[str | Path], replace: bool = False) -> BuildReport:
        """Copy files into the corpus folder (safe names) and index them; a bad file is reported, not fatal.

        A file whose id (stem) already names a document is refused unless `replace` is True; the replaced version
        is kept under the corpus folder's `.removed/`. Corpus and index change together or not at all."""
        self._check_writable()
        with self._write_lock:
            report = updates.add(paths, self.corpus_dir, set(self._snapshot.documents), self.settings, self._commit,
                                 replace=replace)
            report.embedded_passages = sum(self._snapshot.passage_count(d) for d in report.added + report.updated)
        return self._finish(report)

    def remove_documents(self, doc_ids: Sequence[str]) -> BuildReport:
        """Drop documents from the index and move their files to the corpus folder's `.removed/` (nothing is lost)."""
        self._check_writable()
        with self._write_lock:
            sources = {d.doc_id: d.source for d in self._snapshot.documents.values()}
            report = updates.remove(list(doc_ids), sources, self.corpus_dir, self._commit)
        return self._finish(report)

    def _check_writable(self) -> None:
        if not self.persistent:  # before the corpus folder is touched
            raise ConfigurationError("this engine serves an index built in memory: it cannot add or remove "
                                     "documents; open one with rag.load(index_dir=...)")

    def _commit(self, upserts: list[Document], removals: list[str]) -> None:
        """Apply changes to the index on disk and swap the new snapshot in."""
        analyzer = self.analyzer if self.settings.index_analysis else None
        self._snapshot = indexing.update(self.index_dir, self.settings, self.embedder, upserts, removals, analyzer)
        self._pointer = self._read_pointer()

    def _finish(self, report: BuildReport) -> BuildReport:
        report.index_dir = str(self.index_dir)
        report.documents, report.passages = len(self._snapshot.documents), len(self._snapshot.passages)
        log.info("update: %s", report.summary())
        return report


def _settings(index_dir: str | Path | None, corpus_dir: str | Path | None, settings: Settings | None) -> Settings:
    settings = settings or Settings()
    update = {}
    if index_dir is not None:
        update["index_dir"] = Path(index_dir)
    if corpus_dir is not None:
        update["corpus_dir"] = Path(corpus_dir)
    return settings.model_copy(update=update)


def build(corpus_dir: str | Path | None = None, index_dir: str | Path | None = None, settings: Settings | None = None,
          rebuild: bool = False, progress: bool = False) -> BuildReport:
    """Build or incrementally update the index from the corpus folder; returns what was done."""
    settings = _settings(index_dir, corpus_dir, settings)
    embedder = get_embedder(settings.embedding)
    _, report = indexing.build(settings.corpus_dir, settings.index_dir, settings, embedder, rebuild, progress,
                               _analyzer(settings))
    return report


def _analyzer(settings: Settings) -> Analyzer | None:
    return get_analyzer(settings.nlp) if settings.index_analysis else None


def load(index_dir: str | Path | None = None, corpus_dir: str | Path | None = None,
         settings: Settings | None = None, progress: bool = False) -> Engine:
    """Open the index (building it from the corpus folder first when there is none)."""
    settings = _settings(index_dir, corpus_dir, settings)
    embedder = get_embedder(settings.embedding)
    analyzer = get_analyzer(settings.nlp)
    snapshot = None
    if (settings.index_dir / store.POINTER).exists() and not corpus.is_pending(settings.corpus_dir):
        try:
            snapshot, _ = store.load(settings.index_dir, settings)
        except IndexMismatchError as exc:  # another code version or model: the corpus folder rebuilds it
            log.warning("%s: re-processing the corpus", str(exc).split(". Rebuild")[0])
    if snapshot is None:
        # no index yet, an index from other code, or an add or remove stopped between corpus and index
        log.info("building the index at %s from %s", settings.index_dir, settings.corpus_dir)
        snapshot, _ = indexing.build(settings.corpus_dir, settings.index_dir, settings, embedder, progress=progress,
                                     analyzer=_analyzer(settings))
    engine = Engine(settings, snapshot, embedder, analyzer=analyzer)
    engine.check_generators()
    return engine
