"""The connections one `PostgresStore` holds, and the writer lock it takes through them.

    reader   REPEATABLE READ, read-only transactions on the read server: the snapshot every search reads
    peeker   autocommit on the read server: asks whether the commit counter moved, without ending the snapshot
    writer   autocommit on `store_url` (the primary), opened on first write: commits and the advisory lock

A connection the server dropped (a restart, a failover, an idle-session timeout) is opened again on next use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from rag import pg_schema
from rag.errors import ConfigurationError
from rag.pg_types import redacted, register
from rag.settings import Settings

log = logging.getLogger(__name__)
_META = ("SELECT generation, profile, schema_version, dimension, passages, passage_terms, sentences, lexicon_epoch "
         "FROM {}.meta")


class Connections:
    """A store's reader, peeker and writer connections to the schema `settings.store.pg_schema`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.schema = settings.store.pg_schema
        self.url, self.read_url = settings.store_url, settings.store_read_url or settings.store_url
        self.where = f"passage store {self.schema!r} at {redacted(self.url)}"
        self.key = pg_schema.lock_key(self.schema)
        # the meta row, named with its schema: before the tables exist, `meta` alone could be another schema's
        self.meta_query = sql.SQL(_META).format(sql.Identifier(self.schema))
        self._wlock = threading.RLock()  # one writer at a time in this process
        self._depth = 0  # nesting of `locked` blocks holding the advisory lock
        self._writer = None
        self.reader = self.connect(self.read_url, "reader")
        self._peeker = self.connect(self.read_url, "peek")

    def connect(self, url: str, role: str) -> psycopg.Connection:
        """A connection with the schema on its search path and the vector type known, named rag-<role> in
        pg_stat_activity unless the URL names it; a reader's then runs in REPEATABLE READ, read-only transactions
        with the configured hnsw.ef_search."""
        try:
            named = "application_name" in conninfo_to_dict(url)
            conn = psycopg.connect(url, autocommit=True, **({} if named else {"application_name": f"rag-{role}"}))
        except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:  # unreachable, or not a connection string
            raise ConfigurationError(f"cannot connect to PostgreSQL at {redacted(url)}: "
                                     f"{str(exc).strip().splitlines()[0]}") from exc
        self.configure(conn)
        if role == "reader":
            conn.execute("SELECT set_config('hnsw.ef_search', %s, false)",
                         (str(self.settings.retrieval.hnsw_ef_search),))
            conn.execute("SET jit = off")  # compiling a search costs more than running it (SciFact BM25: 53 -> 40 ms)
            conn.autocommit = False
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
        return conn

    def configure(self, conn: psycopg.Connection) -> None:
        """Set the search path and register the vector type, outside any transaction (once pgvector exists)."""
        autocommit = conn.autocommit
        if not autocommit:
            conn.rollback()
            conn.autocommit = True
        if pg_schema.vector_schema(conn) is not None:
            pg_schema.use(conn, self.schema)
            register(conn)
        conn.autocommit = autocommit

    def reconnect_reader(self) -> None:
        """Replace a reader connection the server dropped."""
        if self.reader.closed or self.reader.broken:
            self.reader = self.connect(self.read_url, "reader")

    def configure_all(self) -> None:
        """After the extension was created: teach every open connection the vector type."""
        for conn in (self.reader, self._peeker, self._writer):
            if conn is not None:
                self.configure(conn)

    def peek(self) -> tuple | None:
        """The latest committed meta row as the read server has it (None when the tables do not exist)."""
        for attempt in (1, 2):
            try:
                return self._peeker.execute(self.meta_query).fetchone()
            except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
                return None
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                log.warning("the %s lost a connection: connecting again", self.where)
                self._peeker = self.connect(self.read_url, "peek")
        raise AssertionError("unreachable")

    def writer(self) -> psycopg.Connection:
        """The connection to the primary (opened, or opened again, now)."""
        if self._writer is None or self._writer.closed or self._writer.broken:
            self._writer = self.connect(self.url, "writer")
        return self._writer

    @contextmanager
    def locked(self) -> Iterator[psycopg.Connection]:
        """This process's writer lock and the schema's session-level advisory lock, which every process's writers
        take (re-entrant within a thread); yields the writer connection."""
        with self._wlock:
            if self._depth == 0:
                self._lock()
            self._depth += 1
            try:
                yield self.writer()
            finally:
                self._depth -= 1
                if self._depth == 0:
                    try:
                        self._writer.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                    except psycopg.Error as exc:  # a dropped connection released the lock with it
                        log.warning("could not release the writer lock of the %s: %s", self.where, exc)

    def _lock(self) -> None:
        for attempt in (1, 2):
            try:
                conn = self.writer()
                if not conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
                    log.info("waiting for another writer of the %s to commit", self.where)
                    conn.execute("SELECT pg_advisory_lock(%s)", (self.key,))
                return
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                log.warning("the %s lost its writer connection: connecting again", self.where)
                self._writer = None

    def close(self) -> None:
        """Close every connection (ending the snapshot and releasing any lock)."""
        for conn in (getattr(self, "reader", None), getattr(self, "_peeker", None), self._writer):
            if conn is not None:
                conn.close()

    def __del__(self) -> None:
        try:
            self.close()  # a dropped store lets its snapshot and connections go, as a dropped file closes
        except Exception:  # at interpreter exit the connections may be half torn down already
            pass
