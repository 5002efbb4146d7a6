"""How the PostgreSQL store's values travel: pgvector vectors and term-frequency tsvectors in binary form, tsquery
literals, and connection strings fit for logs.

Vectors go as pgvector's binary format (dimension, then big-endian float32s) both ways, so a 384-float vector costs
no text formatting or parsing. A passage's terms go as a binary tsvector whose positions are 1..tf: the store never
runs phrase queries, and this keeps every term frequency exact up to PostgreSQL's 256 positions per lexeme.
"""

from __future__ import annotations

import struct
from collections import Counter

import numpy as np
from psycopg import Connection
from psycopg.adapt import Dumper, Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import Format
from psycopg.types import TypeInfo

MAX_LEXEME_BYTES = 2047  # PostgreSQL refuses longer lexemes ("word is too long")
MAX_POSITIONS = 256  # and keeps at most this many positions of one lexeme


class TermCounts(dict):
    """term -> frequency in one passage, sent to PostgreSQL as a tsvector."""

    @classmethod
    def of(cls, terms: list[str]) -> TermCounts:
        """The countable terms of a passage (those PostgreSQL can store as lexemes)."""
        return cls((t, min(n, MAX_POSITIONS)) for t, n in Counter(terms).items() if storable(t))


def storable(term: str) -> bool:
    """Whether a term fits in a tsvector lexeme."""
    return 0 < len(term.encode("utf-8")) <= MAX_LEXEME_BYTES


class _TsvectorDumper(Dumper):
    """TermCounts as tsvectorrecv reads it: lexeme count, then each lexeme NUL-terminated with its positions."""

    format = Format.BINARY
    oid = 3614  # tsvector, a built-in type

    def dump(self, obj: TermCounts) -> bytes:
        parts = [struct.pack(">i", len(obj))]
        for lexeme, n in sorted(obj.items()):
            parts.append(lexeme.encode("utf-8") + b"\0" + struct.pack(f">H{n}H", n, *range(1, n + 1)))
        return b"".join(parts)


class _VectorDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj: np.ndarray) -> bytes:
        values = np.asarray(obj, dtype=">f4").ravel()
        return struct.pack(">HH", values.size, 0) + values.tobytes()


class _VectorLoader(Loader):
    format = Format.BINARY

    def load(self, data) -> np.ndarray:
        data = bytes(data)
        (dim,) = struct.unpack_from(">H", data)
        return np.frombuffer(data, ">f4", count=dim, offset=4).astype(np.float32)


def register(conn: Connection) -> None:
    """Teach a connection the `vector` type (numpy arrays in and out) and TermCounts; the extension must exist."""
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise LookupError("the pgvector extension is not installed in this database")
    info.register(conn)
    conn.adapters.register_dumper(np.ndarray, type("VectorDumper", (_VectorDumper,), {"oid": info.oid}))
    conn.adapters.register_loader(info.oid, _VectorLoader)
    conn.adapters.register_dumper(TermCounts, _TsvectorDumper)


def tsquery(terms: list[str]) -> str:
    """A tsquery literal matching passages that hold any of `terms` (quoted, so no term is parsed as an operator)."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def redacted(url: str) -> str:
    """A connection string as logs and errors may show it: user, host, port and database, never a password."""
    try:
        parts = conninfo_to_dict(url)
    except Exception:  # an unparsable string is reported by the connection attempt itself
        return "postgresql://?"
    host = parts.get("host") or "localhost"
    where = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{where}{host}{port}/{parts.get('dbname', '')}"
