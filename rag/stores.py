"""Which `PassageStore` serves an index: the one place a backend is chosen.

A `postgresql://` (or `postgres://`) `Settings.store_url` selects the PostgreSQL + pgvector store
(`rag.pg_store`); anything else the embedded store in `Settings.index_dir` (`rag.segment_store`). Everything else
(indexing, the engine, search, answering) receives a store and speaks only the protocol.
"""

from __future__ import annotations

from pathlib import Path

from rag import store
from rag.passage_store import PassageStore
from rag.segment_store import SegmentStore
from rag.settings import Settings


def is_postgres_url(url: str | None) -> bool:
    """Whether a store URL names a PostgreSQL database (postgresql:// or postgres://)."""
    return bool(url) and url.split("://", 1)[0].lower() in ("postgresql", "postgres")


def open_store(settings: Settings, fresh: bool = False) -> PassageStore:
    """The committed index (IndexNotFoundError, IndexCorruptError or IndexMismatchError when it cannot be served),
    or with `fresh` an empty store whose first commit replaces whatever is there."""
    if is_postgres_url(settings.store_url):
        from rag.pg_store import PostgresStore

        return PostgresStore(settings, fresh=True) if fresh else PostgresStore.open(settings)
    folder = Path(settings.index_dir)
    return SegmentStore(settings, folder, fresh=True) if fresh else SegmentStore.open(folder, settings)


def memory_store(settings: Settings) -> PassageStore:
    """An empty store that is never written anywhere (evaluation, benchmarks)."""
    return SegmentStore(settings, None)


def exists(settings: Settings) -> bool:
    """Whether an index has been committed where the settings point (it may still be unreadable)."""
    if is_postgres_url(settings.store_url):
        from rag.pg_store import PostgresStore

        return PostgresStore.exists(settings)
    return (Path(settings.index_dir) / store.POINTER).exists()
