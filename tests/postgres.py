"""Settings for tests of the PostgreSQL store: each call names a schema of its own on the session's server."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from rag.settings import Settings, StoreSettings


def pg_settings(url: str, root: Path, force_indexes: bool = False, **retrieval) -> Settings:
    """Default settings with the index in a new schema of the database at `url` (`root` for the unused folders),
    and `retrieval` overrides; `force_indexes` turns sequential scans off on the store's connections, so a few rows
    are searched through their HNSW index as a large table would be."""
    if force_indexes:
        url += ("&" if "?" in url else "?") + "options=-c%20enable_seqscan%3Doff"
    settings = Settings(index_dir=root / "index", store_url=url,
                        store=StoreSettings(pg_schema=f"t_{uuid.uuid4().hex[:12]}"))
    return settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update=retrieval)})


def new_database(url: str) -> str:
    """The URL of a new, empty database on the server at `url` (for tests that disturb every connection to it)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))
