"""The PostgreSQL store's tables, in one schema of their own (`Settings.store.pg_schema`, default `rag`).

    meta        one row: schema version, dimension, the commit counter (`generation`), the IndexProfile, and the
                live totals BM25 needs (passages, their summed term counts) and the sentence count
    documents   doc_id (C collation: ordered as Python orders strings), source, content_hash, meta jsonb, text
    passages    id bigint (from the sequence passage_ids, never reused), doc_id -> documents ON DELETE CASCADE,
                chunk fields, vector, the spaCy analysis (bytea), `terms` (tsvector of rag.text.terms with
                positions 1..tf) and `length` (terms counted with repeats); GIN index on terms
    sentences   (doc_id, ord) -> documents ON DELETE CASCADE, the span in the document, the ids of the passages
                holding it, vector
    terms       term -> document frequency over live passages, kept in the committing transaction
    lexicon     ord (insertion order), word, float16 vector bytes

Vectors are stored PLAIN and terms MAIN (in the row; the text and analysis go out of line first): with the defaults
a passage's text pushes both into TOAST, and every scan then fetches them back one by one (SciFact: dense search 22
ms a query instead of 3, BM25 42 instead of 12).

Dense and sentence search are exact (a sequential scan) until a table holds `retrieval.exact_search_max` rows, as
the embedded store's are; the commit that first passes it builds a pgvector HNSW index (vector_ip_ops) on it,
which later commits maintain.
"""

from __future__ import annotations

import hashlib
import logging

from psycopg import Connection, sql

from rag.settings import Settings

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ANN_INDEXES = {"passages": "passages_vector_hnsw", "sentences": "sentences_vector_hnsw"}

_TABLES = """
CREATE TABLE meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_version integer NOT NULL,
    dimension integer NOT NULL,
    generation bigint NOT NULL DEFAULT 0,
    profile jsonb,
    passages bigint NOT NULL DEFAULT 0,
    passage_terms bigint NOT NULL DEFAULT 0,
    sentences bigint NOT NULL DEFAULT 0,
    lexicon_epoch bigint NOT NULL DEFAULT 0,
    committed timestamptz
);
CREATE SEQUENCE passage_ids AS bigint MINVALUE 0 START 0;
CREATE TABLE documents (
    doc_id text COLLATE "C" PRIMARY KEY,
    source text NOT NULL,
    content_hash text NOT NULL,
    meta jsonb NOT NULL,
    text text NOT NULL,
    passages integer NOT NULL,
    has_sentences boolean NOT NULL
);
CREATE TABLE passages (
    id bigint PRIMARY KEY,
    doc_id text COLLATE "C" NOT NULL REFERENCES documents ON DELETE CASCADE,
    chunk_id text NOT NULL,
    start integer NOT NULL,
    "end" integer NOT NULL,
    text text NOT NULL,
    vector vector({dim}) NOT NULL,
    analysis bytea NOT NULL,
    terms tsvector NOT NULL,
    length integer NOT NULL
);
ALTER TABLE passages ALTER COLUMN vector SET STORAGE PLAIN, ALTER COLUMN terms SET STORAGE MAIN;
CREATE INDEX passages_doc ON passages (doc_id, id);
CREATE INDEX passages_terms ON passages USING gin (terms);
CREATE TABLE sentences (
    doc_id text COLLATE "C" NOT NULL REFERENCES documents ON DELETE CASCADE,
    ord integer NOT NULL,
    start integer NOT NULL,
    "end" integer NOT NULL,
    passage_ids bigint[] NOT NULL,
    vector vector({dim}) NOT NULL,
    PRIMARY KEY (doc_id, ord)
);
ALTER TABLE sentences ALTER COLUMN vector SET STORAGE PLAIN;
CREATE TABLE terms (
    term text COLLATE "C" PRIMARY KEY,
    df integer NOT NULL CHECK (df > 0)
);
CREATE TABLE lexicon (
    ord bigserial PRIMARY KEY,
    word text COLLATE "C" NOT NULL UNIQUE,
    vector bytea NOT NULL
);
"""


def lock_key(schema: str) -> int:
    """The advisory-lock key of one schema's writer lock (a signed 64-bit number every process derives alike)."""
    return int.from_bytes(hashlib.sha256(f"rag-writer:{schema}".encode()).digest()[:8], "big", signed=True)


def vector_schema(conn: Connection) -> str | None:
    """The schema the pgvector extension lives in, or None when it is not installed."""
    row = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'").fetchone()
    return row[0] if row else None


def use(conn: Connection, schema: str) -> None:
    """Point the connection's search_path at the store's schema, then pgvector's (for the vector type)."""
    names = [schema] + [s for s in [vector_schema(conn)] if s and s != schema]
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, names))))


def installed(conn: Connection, schema: str) -> bool:
    """Whether the store's tables exist in `schema`."""
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".meta',)).fetchone()[0]


def create(conn: Connection, settings: Settings) -> None:
    """Create the extension (when allowed), the schema and its tables, once; the caller holds the writer lock in an
    open transaction, so two processes cannot both create them."""
    schema = settings.store.pg_schema
    if vector_schema(conn) is None:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    use(conn, schema)
    if installed(conn, schema):
        return
    dim = settings.embedding.dimension
    for statement in _TABLES.format(dim=int(dim)).split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta (schema_version, dimension) VALUES (%s, %s)", (SCHEMA_VERSION, dim))
    log.info("created the passage store's tables in schema %s", schema)


def ensure_ann_indexes(conn: Connection, settings: Settings, rows: dict[str, int]) -> None:
    """Build the HNSW index of each vector table that has passed `exact_search_max` rows and has none yet (inside
    the commit's transaction: CREATE INDEX blocks writers, never readers)."""
    r = settings.retrieval
    for table, name in ANN_INDEXES.items():
        if rows.get(table, 0) <= r.exact_search_max:
            continue
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]:
            continue
        conn.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(settings.store.pg_index_memory)))
        conn.execute(sql.SQL("CREATE INDEX {} ON {} USING hnsw (vector vector_ip_ops) WITH (m = {}, "
                             "ef_construction = {})").format(sql.Identifier(name), sql.Identifier(table),
                                                             sql.Literal(r.hnsw_m), sql.Literal(r.hnsw_ef_construction)))
        log.info("built the HNSW index of %s (%d rows)", table, rows[table])


def has_ann_index(conn: Connection, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (ANN_INDEXES[table],)).fetchone()[0]
