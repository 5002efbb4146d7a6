"""The public engine: search, ask, and add or remove documents over one persisted index.

Readers take the current immutable snapshot; writers are serialised, build a new snapshot, persist it and swap it
in with one assignment, so a concurrent reader never sees a half-written index.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from rag import indexing, retrieval, store
from rag.answering.generator import Generator
from rag.documents import read_document
from rag.embedding import Embedder, get_embedder
from rag.nlp import Analyzer, get_analyzer
from rag.errors import DocumentError
from rag.metadata import read_manifest
from rag.models import Answer, BuildReport, Document, DocumentInfo, Passage, SkippedFile
from rag.settings import SearchMode, Settings

log = logging.getLogger(__name__)

REMOVED_FOLDER = ".removed"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """A file name that can only land inside the corpus folder: no folders, no leading dots, no odd characters."""
    base = _UNSAFE.sub("_", Path(str(name).replace("\\", "/")).name).lstrip("._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[:100] or "document"
    return f"{stem}.{suffix.lower()}" if suffix else stem


class Engine:
    """Search and question answering over an index folder, with its corpus folder as the source of truth."""

    def __init__(self, settings: Settings, snapshot: store.Snapshot, embedder: Embedder,
                 generator: Generator | None = None, analyzer: Analyzer | None = None):
        self.settings = settings
        self.analyzer = analyzer or get_analyzer(settings.nlp)
        self.generator = generator  # None: the extractive generator over the current snapshot
        self.index_dir = Path(settings.index_dir)
        self.corpus_dir = Path(settings.corpus_dir)
        self.embedder = embedder
        self._snapshot = snapshot
        self._write_lock = threading.Lock()

    @cached_property
    def question_reader(self):
        """Question parsing, analysis and follow-up resolution (built on first use)."""
        from rag.answering.pipeline import QuestionReader

        return QuestionReader(self.analyzer, self.embedder)

    @property
    def snapshot(self) -> store.Snapshot:
        """The current immutable index state."""
        return self._snapshot

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None,
               mmr: bool | None = None) -> list[Passage]:
        """The k best passages for `query`, best first."""
        query = retrieval.validate_query(query, self.settings.max_question_chars)
        return retrieval.search(self._snapshot, self.embedder, query, self.settings.retrieval, k, mode, mmr)

    def ask(self, question: str, history: Sequence[object] | None = None, k: int | None = None,
            mode: SearchMode | None = None) -> Answer:
        """Answer a question (with optional chat history) from the corpus, with citations; see rag.answering."""
        from rag.answering.pipeline import answer_question

        return answer_question(self, question, history, k=k, mode=mode)

    def documents(self) -> list[DocumentInfo]:
        """The corpus as a table, ordered by document id."""
        snap = self._snapshot
        counts: dict[str, int] = {}
        for passage in snap.passages:
            counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
        return [DocumentInfo(doc_id=d.doc_id, source=d.source, title=d.meta.title, publisher=d.meta.publisher,
                             date=d.meta.date, passages=counts.get(d.doc_id, 0))
                for d in sorted(snap.documents.values(), key=lambda d: d.doc_id)]

    def add_documents(self, paths: Sequence[str | Path]) -> BuildReport:
        """Copy files into the corpus folder (sanitised names) and index them; a bad file is reported, not fatal.

        A file whose id (stem) already exists replaces that document.
        """
        report = BuildReport(index_dir=str(self.index_dir), documents=0, passages=0)
        with self._write_lock:
            manifest = read_manifest(self.corpus_dir)
            chosen: dict[str, tuple[Document, Path, Path]] = {}
            for raw in paths:
                source = Path(raw)
                name = safe_file_name(source.name)
                target = self.corpus_dir / name
                try:
                    if source.suffix.lower() not in self.settings.supported_suffixes:
                        raise DocumentError(f"{source.name}: unsupported file type {source.suffix or '(none)'!r}; "
                                            f"use {', '.join(self.settings.supported_suffixes)}")
                    doc = read_document(source, manifest.get(target.stem), self.settings)
                except DocumentError as exc:
                    report.skipped.append(SkippedFile(path=source.name, reason=str(exc).removeprefix(f"{source.name}: ")))
                    continue
                doc = doc.model_copy(update={"doc_id": target.stem, "source": name})
                if doc.doc_id in chosen:  # two files for one id in one call: the later one wins
                    earlier = chosen.pop(doc.doc_id)[1]
                    report.skipped.append(SkippedFile(path=earlier.name, reason=f"replaced by {source.name} "
                                                                                 f"(same document id {doc.doc_id!r})"))
                chosen[doc.doc_id] = (doc, source, target)
            docs = [doc for doc, _, _ in chosen.values()]
            for doc in docs:
                (report.updated if doc.doc_id in self._snapshot.documents else report.added).append(doc.doc_id)
            if docs:
                self.corpus_dir.mkdir(parents=True, exist_ok=True)
                for _, source, target in chosen.values():
                    for other in self.corpus_dir.iterdir():
                        if other.is_file() and other.stem == target.stem and other.name != target.name:
                            self._retire(other)
                    if source.resolve() != target.resolve():
                        shutil.copyfile(source, target)
                self._snapshot = indexing.update(self.index_dir, self.settings, self.embedder, docs, [],
                                                 self._indexing_analyzer)
                report.embedded_passages = sum(self._snapshot.passage_count(d.doc_id) for d in docs)
        return self._finish(report)

    def remove_documents(self, doc_ids: Sequence[str]) -> BuildReport:
        """Drop documents from the index and move their files to the corpus folder's `.removed/` (nothing is lost)."""
        report = BuildReport(index_dir=str(self.index_dir), documents=0, passages=0)
        with self._write_lock:
            unknown = [d for d in doc_ids if d not in self._snapshot.documents]
            if unknown:
                raise ValueError(f"no such document: {', '.join(unknown)}")
            for doc_id in doc_ids:
                self._retire(self.corpus_dir / self._snapshot.documents[doc_id].source)
            self._snapshot = indexing.update(self.index_dir, self.settings, self.embedder, [], list(doc_ids),
                                             self._indexing_analyzer)
            report.removed = list(doc_ids)
        return self._finish(report)

    @property
    def _indexing_analyzer(self) -> Analyzer | None:
        return self.analyzer if self.settings.index_analysis else None

    def _retire(self, path: Path) -> None:
        if path.is_file():
            (self.corpus_dir / REMOVED_FOLDER).mkdir(exist_ok=True)
            path.replace(self.corpus_dir / REMOVED_FOLDER / path.name)

    def _finish(self, report: BuildReport) -> BuildReport:
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
    if not (settings.index_dir / store.POINTER).exists():
        log.info("no index at %s: building it from %s", settings.index_dir, settings.corpus_dir)
        snapshot, _ = indexing.build(settings.corpus_dir, settings.index_dir, settings, embedder, progress=progress,
                                     analyzer=_analyzer(settings))
    else:
        snapshot, _ = store.load(settings.index_dir, settings)
    return Engine(settings, snapshot, embedder, analyzer=analyzer)
