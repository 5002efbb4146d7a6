"""The PostgreSQL + pgvector `PassageStore`: the embedded store's behaviour, kept in a database.

Readers work in one REPEATABLE READ, read-only transaction: every call sees the snapshot of the last commit this
instance took up, as the embedded store's immutable view does, and another process's commit becomes visible only at
`refresh`, which first asks (`rag.pg_connections`) whether the commit counter moved, so an unchanged store keeps its
snapshot. Writes are staged in memory and `commit` applies them (`rag.pg_write`) in one transaction under a
transaction-level advisory lock; `writing()` holds the same lock at session level for a whole read-decide-commit
block, so writers in any number of processes are serialised, and a writer that dies releases it with its
connection. Searches are `rag.pg_search`; the tables are `rag.pg_schema`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
import psycopg

from rag import pg_schema, pg_write
from rag.errors import ConfigurationError, IndexMismatchError, IndexNotFoundError
from rag.lexical import idf
from rag.lexicon import Lexicon
from rag.models import Document, DocumentMeta
from rag.passage_store import (CatalogueEntry, Hit, IndexedDocument, IndexProfile, SentenceBlock, StoredPassage,
                               check_readable)
from rag.pg_connections import Connections
from rag.pg_snapshot import LexiconCache, Snapshot
from rag.pg_types import redacted
from rag.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class PostgresStore:
    """Passages in the schema `settings.store.pg_schema` of the database at `settings.store_url`."""

    def __init__(self, settings: Settings, fresh: bool = True):
        """A store whose first commit replaces whatever the schema holds (creating the tables when missing) when
        `fresh`; use `open` to serve what is committed."""
        self.settings = settings
        self._db = Connections(settings)
        self.where = self._db.where
        self._fresh = fresh
        self._rlock = threading.Lock()  # the reader connection serves one call at a time
        self._staged = pg_write.Staged()
        self._snapshot = Snapshot()
        self._lexicon = LexiconCache(settings.embedding.dimension)
        if fresh:
            try:
                self._setup()
            except BaseException:
                self.close()
                raise

    @classmethod
    def open(cls, settings: Settings) -> PostgresStore:
        """The committed store (IndexNotFoundError when there is none; IndexMismatchError when it was built by
        another embedder, dimension, pipeline or schema version)."""
        store = cls(settings, fresh=False)
        try:
            meta = store._db.peek()
            if meta is None or meta[0] == 0:
                raise IndexNotFoundError(f"no index in the {store.where}. Build one with: rag index --store URL")
            store._check(meta)
            with store._rlock:
                store._renew()
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def exists(settings: Settings) -> bool:
        """Whether a commit has been made to the configured schema."""
        db = Connections(settings)
        try:
            meta = db.peek()
            return meta is not None and meta[0] > 0
        finally:
            db.close()

    def close(self) -> None:
        """Close the store's connections (ending its snapshot and releasing any writer lock)."""
        self._db.close()

    # --- writing ---------------------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._db.locked() as conn:
            try:
                if not self._fresh:
                    self._refresh(wait_for=conn.execute("SELECT generation FROM meta").fetchone()[0])
                yield
            finally:
                self._staged = pg_write.Staged()

    def add_documents(self, documents: Sequence[IndexedDocument], words: Lexicon | None = None) -> None:
        for doc in documents:
            self._staged.deletes.discard(doc.document.doc_id)
            self._staged.adds[doc.document.doc_id] = doc
        if words is not None and len(words):
            self._staged.words.append(words)

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self._staged.adds.pop(doc_id, None)
            self._staged.deletes.add(doc_id)

    def set_profile(self, profile: IndexProfile) -> None:
        self._staged.profile = profile

    def commit(self) -> None:
        with self._db.locked() as conn:
            try:
                self._commit(conn)
            finally:
                self._staged = pg_write.Staged()

    def optimize(self) -> None:
        """Commit what is staged, then VACUUM ANALYZE the tables (dead rows out, HNSW graphs repaired, planner
        statistics fresh); PostgreSQL never needs the embedded store's merges."""
        with self._db.locked() as conn:
            self.commit()
            for table in ("documents", "passages", "sentences", "terms", "lexicon", "meta"):
                conn.execute(f"VACUUM (ANALYZE) {table}")

    def refresh(self) -> bool:
        return False if self._fresh else self._refresh()

    # --- reading ---------------------------------------------------------------------------------------------------

    def profile(self) -> IndexProfile | None:
        return self._snapshot.profile

    def dense_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        vector = self._query_vector(vector)
        return self._read(lambda cur, s: s.searcher.dense(cur, vector, k), [])

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        return self._read(lambda cur, s: s.searcher.lexical(cur, query, k), [])

    def sentence_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        vector = self._query_vector(vector)
        return self._read(lambda cur, s: s.searcher.sentence(cur, vector, k), [])

    def passages(self, ids: Sequence[int]) -> list[StoredPassage]:
        def run(cur, s):
            found = {r[0]: StoredPassage(id=r[0], doc_id=r[1], chunk_id=r[2], text=r[3], start=r[4], end=r[5])
                     for r in cur.execute('SELECT id, doc_id, chunk_id, text, start, "end" FROM passages '
                                          "WHERE id = ANY(%s)", ([int(i) for i in ids],))}
            s.cache_documents(cur, {p.doc_id for p in found.values()})  # a caller's next reads: their documents
            return [found[i] for i in ids if i in found]
        return self._read(run, []) if len(ids) else []

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(ids), self.settings.embedding.dimension), np.float32)

        def run(cur, s):
            found = dict(cur.execute("SELECT id, vector FROM passages WHERE id = ANY(%s)", ([int(i) for i in ids],)))
            for row, i in enumerate(ids):
                if i in found:
                    out[row] = found[i]
            return out
        return self._read(run, out) if len(ids) else out

    def passage_ids(self, doc_id: str) -> list[int]:
        return self._read(lambda cur, s: [r[0] for r in cur.execute(
            "SELECT id FROM passages WHERE doc_id = %s ORDER BY id", (doc_id,))], [])

    def document(self, doc_id: str) -> Document | None:
        def run(cur, s):
            s.cache_documents(cur, {doc_id})
            return s.documents[doc_id]
        return self._read(run, None)

    def catalogue(self) -> list[CatalogueEntry]:
        return self._read(lambda cur, s: [
            CatalogueEntry(doc_id=r[0], source=r[1], content_hash=r[2], meta=DocumentMeta.model_validate(r[3]),
                           passages=r[4])
            for r in cur.execute("SELECT doc_id, source, content_hash, meta, passages FROM documents ORDER BY doc_id")],
            [])

    def sentence_block(self, doc_id: str) -> SentenceBlock | None:
        def run(cur, s):
            row = cur.execute("SELECT has_sentences FROM documents WHERE doc_id = %s", (doc_id,)).fetchone()
            if row is None or not row[0]:
                return None
            rows = cur.execute('SELECT start, "end", vector FROM sentences WHERE doc_id = %s ORDER BY ord',
                               (doc_id,)).fetchall()
            spans = np.array([(a, b) for a, b, _ in rows], dtype=np.int64).reshape(len(rows), 2)
            vectors = (np.stack([v for _, _, v in rows]) if rows
                       else np.zeros((0, self.settings.embedding.dimension), np.float32))
            return SentenceBlock(spans, vectors)
        return self._read(run, None)

    def analysis(self, passage_id: int) -> bytes:
        def run(cur, s):
            row = cur.execute("SELECT analysis FROM passages WHERE id = %s", (int(passage_id),)).fetchone()
            return b"" if row is None else bytes(row[0])
        return self._read(run, b"")

    def idf(self, term: str) -> float:
        def run(cur, s):
            if term not in s.idf:
                row = cur.execute("SELECT df FROM terms WHERE term = %s", (term,)).fetchone()
                s.idf[term] = idf(row[0] if row else 0, max(s.searcher.passages, 1))
            return s.idf[term]
        return self._read(run, idf(0, 1))

    def lexicon(self) -> Lexicon:
        return self._lexicon.lexicon

    def count(self) -> int:
        searcher = self._snapshot.searcher
        return searcher.passages if searcher is not None else 0

    # --- internals -------------------------------------------------------------------------------------------------

    def _setup(self) -> None:
        """Create the extension, schema and tables when missing (under the writer lock), then check them."""
        conn = self._db.writer()
        if not pg_schema.installed(conn, self._db.schema) or pg_schema.vector_schema(conn) is None:
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._db.key,))
                    pg_schema.create(conn, self.settings)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise ConfigurationError(f"{self.where}: cannot create the pgvector extension or the tables "
                                         f"({str(exc).strip()}); ask an administrator to run CREATE EXTENSION "
                                         "vector in this database") from exc
            self._db.configure_all()  # they connected before the vector type existed
        meta = self._db.peek()
        if meta is not None and meta[3] != self.settings.embedding.dimension:
            raise IndexMismatchError(f"the {self.where} was created for {meta[3]}-dimensional vectors, the "
                                     f"embedder gives {self.settings.embedding.dimension}: drop it (DROP SCHEMA "
                                     f"{self._db.schema} CASCADE) or choose another schema (RAG_PG_SCHEMA)")
        self._check(meta, profile=False)

    def _commit(self, conn: psycopg.Connection) -> None:
        if not (self._staged.any() or self._fresh):
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._db.key,))
            changed = pg_write.apply(conn, self._staged, self._fresh, IndexProfile.of(self.settings, ""))
            if not changed:
                raise psycopg.Rollback()
            generation, passages, sentences = conn.execute(
                "SELECT generation, passages, sentences FROM meta").fetchone()
            pg_schema.ensure_ann_indexes(conn, self.settings, {"passages": passages, "sentences": sentences})
        if changed:
            self._fresh = False
            self._refresh(wait_for=generation, force=True)

    def _check(self, meta: tuple | None, profile: bool = True) -> None:
        """IndexMismatchError unless the schema version, dimension and (with `profile`) IndexProfile fit."""
        hint = f"Rebuild it with: rag index --rebuild --store {redacted(self._db.url)}"
        if meta is None:
            return
        if meta[2] != pg_schema.SCHEMA_VERSION or meta[3] != self.settings.embedding.dimension:
            raise IndexMismatchError(f"the {self.where} has schema version {meta[2]} and dimension {meta[3]}; this "
                                     f"code reads version {pg_schema.SCHEMA_VERSION}, dimension "
                                     f"{self.settings.embedding.dimension}. {hint}")
        if profile and meta[1] is not None:
            check_readable(IndexProfile.model_validate(meta[1]), f"the {self.where}", self.settings, hint)

    def _refresh(self, wait_for: int = 0, force: bool = False) -> bool:
        """Take up the latest commit (and at least generation `wait_for`, which a lagging replica may not have
        yet) unless the held one is still the latest; True when the snapshot moved to another commit."""
        deadline = time.monotonic() + self.settings.store.pg_replica_wait
        meta = self._db.peek()
        while (meta[0] if meta else 0) < wait_for and time.monotonic() < deadline:
            time.sleep(0.05)
            meta = self._db.peek()
        latest = meta[0] if meta else 0
        if latest < wait_for:
            log.warning("the read server of the %s has not replayed commit %d yet", self.where, wait_for)
        if latest == self._snapshot.generation and not force:
            return False
        self._check(meta)  # an index rebuilt by other code is refused before the snapshot moves
        with self._rlock:
            return self._renew()

    def _renew(self) -> bool:
        """End the reader's transaction and start another on the latest commit (the caller holds the read lock)."""
        before = self._snapshot.generation
        try:
            self._db.reader.rollback()
        except psycopg.OperationalError:
            self._db.reconnect_reader()
        snapshot = Snapshot.read(self._db.reader, self._db.meta_query, self.settings.retrieval)
        self._lexicon.update(self._db.reader, snapshot)
        self._snapshot = snapshot
        return snapshot.generation != before

    def _read(self, run: Callable[..., T], empty: T) -> T:
        """Run a read in the reader's snapshot; a lost connection or a snapshot the server cancelled (a replica's
        recovery conflict) is replaced by one on the latest commit, once, with a warning."""
        if self._fresh or self._snapshot.searcher is None:
            return empty
        with self._rlock:
            for attempt in (1, 2):
                try:
                    with self._db.reader.cursor(binary=True) as cur:
                        return run(cur, self._snapshot)
                except (psycopg.OperationalError, psycopg.errors.SerializationFailure) as exc:
                    if attempt == 2:
                        raise
                    log.warning("the %s lost its snapshot (%s): reading the latest commit", self.where,
                                str(exc).strip().splitlines()[0])
                    self._db.reconnect_reader()
                    self._renew()
                except psycopg.Error:
                    self._renew()  # the failed statement aborted the transaction: go on in a new one
                    raise
        raise AssertionError("unreachable")

    def _query_vector(self, vector: np.ndarray) -> np.ndarray:
        vector = np.asarray(vector, dtype=np.float32).ravel()
        if vector.shape[0] != self.settings.embedding.dimension:
            raise ValueError(f"a query vector of dimension {vector.shape[0]}, the store holds "
                             f"{self.settings.embedding.dimension}")
        return vector

