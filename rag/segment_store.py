"""The embedded `PassageStore`: segments in a folder (or in memory), committed incrementally.

A commit turns the staged documents into one new segment, records the documents it deletes or replaces as
tombstones, merges segments when the size-tiered policy (`rag.merging`) says so and the merge is cheap, and
publishes it all with one commit point (`rag.store`). Nothing already written is rewritten unless merged, so adding
or removing an article costs the size of the article. Readers keep an immutable `StoreView` and swap in a new one
at commit or refresh; a refresh reads only the segments and tombstones it does not hold yet.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from rag import merging, store
from rag.errors import IndexNotFoundError
from rag.lexicon import Lexicon
from rag.models import Document
from rag.passage_store import CatalogueEntry, Hit, IndexedDocument, IndexProfile, SentenceBlock, StoredPassage
from rag.segment import Segment
from rag.settings import Settings
from rag.manifest import FORMAT_VERSION, Deleted, IndexManifest, SegmentEntry, TombstoneEntry, numbered
from rag.store_view import LiveSegment, StoreView

log = logging.getLogger(__name__)


class SegmentStore:
    """Segments under `folder` (None: in memory only, for evaluation and benchmarks)."""

    def __init__(self, settings: Settings, folder: Path | None, fresh: bool = True):
        """An empty store; use `open` for an existing index. A `fresh` store ignores whatever is in the folder until
        its first commit, which replaces it (a rebuild)."""
        self.settings = settings
        self.folder = folder
        self._fresh = fresh
        self._view = StoreView((), settings.retrieval, settings.embedding.dimension)
        self._manifest: IndexManifest | None = None
        self._pointer: tuple[str, str] | None = None
        self._tombstones: dict[str, dict[str, Deleted]] = {}  # loaded tombstone files by name
        self._lock = threading.RLock()  # one writer or refresher at a time in this process
        self._depth = 0  # nesting of write sessions holding the folder's lock
        self._handle = None
        self._discard()

    @classmethod
    def open(cls, folder: Path, settings: Settings) -> SegmentStore:
        """The committed index at `folder`, every file checked (IndexNotFoundError, IndexCorruptError or
        IndexMismatchError with the rebuild hint)."""
        opened = cls(settings, Path(folder), fresh=False)
        pointer = store.read_pointer(opened.folder)
        opened._install(store.manifest_of(opened.folder, pointer), pointer)
        return opened

    # --- writing ---------------------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._writer():
            try:
                if not self._fresh:
                    self._refresh_locked()
                yield
            finally:
                self._discard()

    def add_documents(self, documents: Sequence[IndexedDocument], words: Lexicon | None = None) -> None:
        for doc in documents:
            self._deletes.discard(doc.document.doc_id)
            self._adds[doc.document.doc_id] = doc
        if words is not None and len(words):
            self._words.append(words)

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self._adds.pop(doc_id, None)
            self._deletes.add(doc_id)

    def set_profile(self, profile: IndexProfile) -> None:
        self._profile = profile

    def commit(self) -> None:
        with self._writer():
            try:
                self._commit_locked(full=False)
            finally:
                self._discard()

    def optimize(self) -> None:
        with self._writer():
            self._commit_locked(full=True)

    def refresh(self) -> bool:
        if self.folder is None or self._fresh:
            return False
        with self._lock:
            return self._refresh_locked()

    # --- reading (each call reads one view) ------------------------------------------------------------------------

    def profile(self) -> IndexProfile | None:
        manifest = self._manifest
        return manifest.profile() if manifest is not None and not self._fresh else None

    def dense_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        return self._view.dense_search(vector, k)

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        return self._view.lexical_search(query, k)

    def sentence_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        return self._view.sentence_search(vector, k)

    def passages(self, ids: Sequence[int]) -> list[StoredPassage]:
        return self._view.passages(ids)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self._view.vectors(ids)

    def passage_ids(self, doc_id: str) -> list[int]:
        return self._view.passage_ids(doc_id)

    def document(self, doc_id: str) -> Document | None:
        return self._view.document(doc_id)

    def catalogue(self) -> list[CatalogueEntry]:
        return list(self._view.catalogue)

    def sentence_block(self, doc_id: str) -> SentenceBlock | None:
        return self._view.sentence_block(doc_id)

    def analysis(self, passage_id: int) -> bytes:
        return self._view.analysis(passage_id)

    def idf(self, term: str) -> float:
        return self._view.idf(term)

    def lexicon(self) -> Lexicon:
        return self._view.lexicon

    def count(self) -> int:
        return self._view.count()

    def segment_names(self) -> list[str]:
        """The live segments, oldest first (for tests and benchmarks of the merge policy)."""
        return [s.name for s in self._view.segments]

    # --- internals -------------------------------------------------------------------------------------------------

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """This process's lock, and the folder's lock across processes (re-entrant within one thread)."""
        with self._lock:
            if self._depth == 0 and self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.folder / ".lock", "w")
                fcntl.flock(self._handle, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._handle is not None:
                    fcntl.flock(self._handle, fcntl.LOCK_UN)
                    self._handle.close()
                    self._handle = None

    def _discard(self) -> None:
        self._adds: dict[str, IndexedDocument] = {}
        self._deletes: set[str] = set()
        self._words: list[Lexicon] = []
        self._profile: IndexProfile | None = None

    def _refresh_locked(self) -> bool:
        if self.folder is None:
            return False  # in memory: there is no one else's commit to pick up
        try:
            pointer = store.read_pointer(self.folder)
        except IndexNotFoundError:
            if self._manifest is None:
                return False  # nothing committed yet: the first commit creates the index
            raise
        if pointer == self._pointer:
            return False
        self._install(store.manifest_of(self.folder, pointer), pointer)
        return True

    def _install(self, manifest: IndexManifest, pointer: tuple[str, str]) -> None:
        """Make `manifest` the current commit, reading only the segments and tombstones not held already."""
        store.check_compatible(manifest, self.folder, self.settings)
        held = self._view.by_name()
        entries = {e.name: e for e in self._manifest.segments} if self._manifest is not None else {}
        segments = {}
        for entry in manifest.segments:
            same = entry.name in held and entries.get(entry.name) == entry
            segments[entry.name] = held[entry.name].segment if same else store.load_segment(self.folder, entry,
                                                                                           self.settings)
        known = {t.name: t for t in self._manifest.tombstones} if self._manifest is not None else {}
        tombstones = {t.name: self._tombstones[t.name] if known.get(t.name) == t and t.name in self._tombstones
                      else store.load_tombstones(self.folder, t) for t in manifest.tombstones}
        self._view = self._view_of(manifest.segments, segments, tombstones)
        self._tombstones, self._manifest, self._pointer = tombstones, manifest, pointer

    def _view_of(self, entries: list[SegmentEntry], segments: dict[str, Segment],
                 tombstones: dict[str, dict[str, Deleted]]) -> StoreView:
        deaths: dict[str, tuple[list[int], list[str], set[str]]] = {}
        for name, by_segment in tombstones.items():
            for segment_name, deleted in by_segment.items():
                ids, docs, names = deaths.setdefault(segment_name, ([], [], set()))
                ids += deleted.passages
                docs += deleted.documents
                names.add(name)
        held = self._view.by_name()
        live = []
        for entry in entries:
            segment = segments[entry.name]
            ids, docs, names = deaths.get(entry.name, ([], [], set()))
            old = held.get(entry.name)
            if old is not None and old.segment is segment and old.tombstones == frozenset(names):
                live.append(old)
            else:
                live.append(LiveSegment.fresh(entry.name, segment).deleting(ids, docs, names))
        return self._view.with_segments(live)

    def _staged(self) -> bool:
        committed = self.profile()
        return bool(self._adds or self._deletes or self._words or self._fresh
                    or (self._profile is not None and self._profile != committed))

    def _commit_locked(self, full: bool) -> None:
        if not self._fresh:
            self._refresh_locked()
        if not (self._staged() or full):
            if self.folder is not None and self._manifest is not None:
                store.collect_garbage(self.folder, self._manifest)  # leftovers of a writer killed mid-commit
            return
        old = None if self._fresh else self._manifest
        view = self._view.with_segments([]) if self._fresh else self._view
        if old is not None:
            generation, next_id, next_segment = old.generation + 1, old.next_id, old.next_segment
        else:
            generation = next_segment = store.highest_number(self.folder) + 1 if self.folder is not None else 0
            next_id = 0
        tombstone = f"del-{generation:010d}.json"
        view, deleted = view.without(self._deletes | set(self._adds), tombstone)
        created: dict[str, Segment] = {}
        words = self._new_words(view.lexicon)
        if self._adds or len(words):
            segment = Segment.build(list(self._adds.values()), next_id, words, self.settings)
            name = numbered("seg-", next_segment)
            next_id, next_segment = next_id + len(segment), next_segment + 1
            created[name] = segment
            view = view.with_segments([*view.segments, LiveSegment.fresh(name, segment)])
        view, merged, next_segment = merging.merge_segments(view, full, next_segment, self.settings)
        if not (self._staged() or merged or len(view.segments) != len(self._view.segments)):
            return  # an optimize with nothing to merge
        created.update(merged)
        names = {s.name for s in view.segments}
        tombstones = {**{n: t for n, t in self._tombstones.items() if names & set(t)},
                      **({tombstone: {k: Deleted(passages=ids, documents=docs) for k, (ids, docs) in deleted.items()
                                      if k in names}} if deleted else {})}
        tombstones = {n: t for n, t in tombstones.items() if t}
        profile = self._profile or (old.profile() if old is not None else
                                    IndexProfile.of(self.settings, ""))
        manifest = self._write(view, created, tombstones, profile, generation, next_id, next_segment, old)
        self._view, self._tombstones, self._manifest, self._fresh = view, tombstones, manifest, False

    def _new_words(self, known: Lexicon) -> Lexicon:
        """The staged lexicon words the store does not hold yet."""
        words, vectors, seen = [], [], set(known.index)
        for part in self._words:
            for word, vector in zip(part.words, part.vectors):
                if word not in seen:
                    seen.add(word)
                    words.append(word)
                    vectors.append(vector)
        dim = self.settings.embedding.dimension
        return Lexicon(words, np.stack(vectors) if vectors else np.zeros((0, dim), np.float16))

    def _write(self, view: StoreView, created: dict[str, Segment], tombstones: dict[str, dict[str, Deleted]],
               profile: IndexProfile, generation: int, next_id: int, next_segment: int,
               old: IndexManifest | None) -> IndexManifest:
        """Write the new segments and tombstones, then the commit point (only the manifest in memory)."""
        entries = {e.name: e for e in old.segments} if old is not None else {}
        known = {t.name: t for t in old.tombstones} if old is not None else {}
        written = []
        for s in view.segments:
            if s.name in created:
                entries[s.name] = (store.write_segment(self.folder, s.name, created[s.name], self.settings)
                                   if self.folder is not None else store.entry_for(s.name, created[s.name],
                                                                                   self.settings))
            written.append(entries[s.name])
        tombstone_entries = []
        for name, content in tombstones.items():
            if name not in known:
                known[name] = (store.write_tombstones(self.folder, name, content) if self.folder is not None
                               else TombstoneEntry(name=name, sha256=""))
            tombstone_entries.append(known[name])
        manifest = IndexManifest(format_version=FORMAT_VERSION, **profile.model_dump(), generation=generation,
                                 passages=view.count(), next_id=next_id, next_segment=next_segment, segments=written,
                                 tombstones=tombstone_entries, created="")
        if self.folder is not None:
            store.write_commit(self.folder, manifest)
            self._pointer = store.read_pointer(self.folder)
            store.collect_garbage(self.folder, manifest)
        return manifest
