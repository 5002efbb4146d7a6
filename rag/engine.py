"""The public engine: search, ask, and add or remove documents over one persisted index.

Everything index-related goes through a `PassageStore`: readers search it while one writer at a time stages changes
and commits them, and the store makes each commit visible at once, so a concurrent reader never sees a half-applied
change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from rag import corpus, indexing, inputs, retrieval, stores, updates
from rag.answering.extractive import ExtractiveGenerator
from rag.answering.generator import Generator
from rag.answering.llm import OpenAIChatGenerator
from rag.answering.pipeline import Asker, StoreEvidence
from rag.answering.reading import QuestionReader
from rag.answering.verify import Verifier
from rag.embedding import Embedder, get_embedder
from rag.nlp import Analyzer, get_analyzer
from rag.errors import ConfigurationError, GenerationError, IndexMismatchError, RagError
from rag.models import Answer, BuildReport, Document, DocumentInfo, Passage
from rag.passage_store import PassageStore
from rag.settings import SearchMode, Settings

log = logging.getLogger(__name__)
RELOAD_CHECK_SECONDS = 1.0  # how stale an engine may be after another process commits to its index

class Engine:
    """Search and question answering over an index folder, with its corpus folder as the source of truth."""

    def __init__(self, settings: Settings, store: PassageStore, embedder: Embedder,
                 generator: Generator | None = None, analyzer: Analyzer | None = None, persistent: bool = True):
        """`persistent=False` serves a store built in memory (evaluation, benchmarks): it neither picks up other
        processes' commits nor writes."""
        self.settings = settings
        self.persistent = persistent
        self.analyzer = analyzer or get_analyzer(settings.nlp)
        self.generator = generator  # a custom generator, used by default when given
        self.index_dir = Path(settings.index_dir)
        self.corpus_dir = Path(settings.corpus_dir)
        self.embedder = embedder
        self._store = store
        self._write_lock = threading.Lock()
        self._checked = time.monotonic()

    @cached_property
    def question_reader(self) -> QuestionReader:
        """Question parsing, analysis and follow-up resolution (built on first use)."""
        return QuestionReader(self.analyzer, self.embedder)

    def evidence(self) -> StoreEvidence:
        """What answering reads from the index."""
        return StoreEvidence(self.store, self.analyzer, self.embedder, self.settings)

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
            return retrieval.search(self.store, self.embedder, query, settings.retrieval, k=depth, mode=mode)

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
    def store(self) -> PassageStore:
        """The passage store; commits another process (`rag index`) made since are picked up first (checked at most
        once every RELOAD_CHECK_SECONDS, and never while this engine writes)."""
        now = time.monotonic()
        if self.persistent and now - self._checked >= RELOAD_CHECK_SECONDS:
            self._checked = now
            if self._write_lock.acquire(blocking=False):
                try:
                    if self._store.refresh():
                        log.info("index at %s changed on disk: picked up the new commit", self.index_dir)
                except RagError as exc:
                    log.warning("index at %s changed on disk but cannot be read yet: %s", self.index_dir, exc)
                finally:
                    self._write_lock.release()
        return self._store

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None,
               mmr: bool | None = None) -> list[Passage]:
        """The k best passages for `query`, best first."""
        query = inputs.validate_query(query, self.settings.max_question_chars)
        r = self.settings.retrieval
        k = inputs.validate_k(k, r.k, r.max_k)
        return retrieval.search(self.store, self.embedder, query, r, k, inputs.validate_mode(mode, r.mode), mmr)

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
        return [DocumentInfo(doc_id=e.doc_id, source=e.source, title=e.meta.title, publisher=e.meta.publisher,
                             date=e.meta.date, author=e.meta.author, passages=e.passages) for e in self.store.catalogue()]

    def add_documents(self, paths: Sequence[str | Path], replace: bool = False) -> BuildReport:
        """Copy files into the corpus folder (safe names) and index them; a bad file is reported, not fatal.

        A file whose id (stem) already names a document is refused unless `replace` is True; the replaced version
        is kept under the corpus folder's `.removed/`. Corpus and index change together or not at all."""
        self._check_writable()
        with self._write_lock:
            known = {e.doc_id for e in self._store.catalogue()}
            report = updates.add(paths, self.corpus_dir, known, self.settings, self._commit, replace=replace)
            counts = {e.doc_id: e.passages for e in self._store.catalogue()}
            report.embedded_passages = sum(counts.get(d, 0) for d in report.added + report.updated)
        return self._finish(report)

    def remove_documents(self, doc_ids: Sequence[str]) -> BuildReport:
        """Drop documents from the index and move their files to the corpus folder's `.removed/` (nothing is lost)."""
        self._check_writable()
        with self._write_lock:
            sources = {e.doc_id: e.source for e in self._store.catalogue()}
            report = updates.remove(list(doc_ids), sources, self.corpus_dir, self._commit)
        return self._finish(report)

    def _check_writable(self) -> None:
        if not self.persistent:  # before the corpus folder is touched
            raise ConfigurationError("this engine serves an index built in memory: it cannot add or remove "
                                     "documents; open one with rag.load(index_dir=...)")

    def _commit(self, upserts: list[Document], removals: list[str]) -> None:
        """Apply changes to the index and commit them (visible to readers at once)."""
        analyzer = self.analyzer if self.settings.index_analysis else None
        indexing.update(self._store, self.settings, self.embedder, upserts, removals, analyzer)

    def _finish(self, report: BuildReport) -> BuildReport:
        report.index_dir = str(self.index_dir)
        report.documents, report.passages = len(self._store.catalogue()), self._store.count()
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
          rebuild: bool = False, progress: bool = False, optimize: bool = False) -> BuildReport:
    """Build or incrementally update the index from the corpus folder (then, with `optimize`, compact it into one
    segment); returns what was done."""
    settings = _settings(index_dir, corpus_dir, settings)
    embedder = get_embedder(settings.embedding)
    _, report = indexing.build(settings.corpus_dir, settings.index_dir, settings, embedder, rebuild, progress,
                               _analyzer(settings), optimize)
    return report


def _analyzer(settings: Settings) -> Analyzer | None:
    return get_analyzer(settings.nlp) if settings.index_analysis else None


def load(index_dir: str | Path | None = None, corpus_dir: str | Path | None = None,
         settings: Settings | None = None, progress: bool = False) -> Engine:
    """Open the index (building it from the corpus folder first when there is none)."""
    settings = _settings(index_dir, corpus_dir, settings)
    embedder = get_embedder(settings.embedding)
    analyzer = get_analyzer(settings.nlp)
    store = None
    if stores.exists(settings) and not corpus.is_pending(settings.corpus_dir):
        try:
            store = stores.open_store(settings)
        except IndexMismatchError as exc:  # another code version or model: the corpus folder rebuilds it
            log.warning("%s: re-processing the corpus", str(exc).split(". Rebuild")[0])
    if store is None:
        # no index yet, an index from other code, or an add or remove stopped between corpus and index
        log.info("building the index at %s from %s", settings.index_dir, settings.corpus_dir)
        store, _ = indexing.build(settings.corpus_dir, settings.index_dir, settings, embedder, progress=progress,
                                  analyzer=_analyzer(settings))
    engine = Engine(settings, store, embedder, analyzer=analyzer)
    engine.check_generators()
    return engine
