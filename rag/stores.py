"""Which `PassageStore` serves an index: the one place a backend is chosen (`Settings.store.backend`).

Everything else (indexing, the engine, search, answering) receives a store and speaks only the protocol, so a
PostgreSQL store only has to be constructed here.
"""

from __future__ import annotations

from pathlib import Path

from rag import store
from rag.passage_store import PassageStore
from rag.segment_store import SegmentStore
from rag.settings import Settings


def open_store(settings: Settings, fresh: bool = False) -> PassageStore:
    """The committed index at `settings.index_dir` (IndexNotFoundError, IndexCorruptError or IndexMismatchError
    when it cannot be served), or with `fresh` an empty store whose first commit replaces whatever is there."""
    folder = Path(settings.index_dir)
    return SegmentStore(settings, folder, fresh=True) if fresh else SegmentStore.open(folder, settings)


def memory_store(settings: Settings) -> PassageStore:
    """An empty store that is never written anywhere (evaluation, benchmarks)."""
    return SegmentStore(settings, None)


def exists(settings: Settings) -> bool:
    """Whether an index has been committed at `settings.index_dir` (it may still be unreadable)."""
    return (Path(settings.index_dir) / store.POINTER).exists()
