"""One commit of the PostgreSQL store, applied inside the caller's transaction: deletions (with the term statistics
they take away), new documents, passages and sentences (binary COPY), new lexicon words, and the meta row.

Document frequencies live in the `terms` table and are changed in the same transaction as the passages they
count, so a reader's snapshot always holds statistics that match its passages exactly (BM25 idf over live
passages). `ts_stat` would derive them from the tsvectors instead, but it reads every passage on every call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from psycopg import Connection
from psycopg.types.json import Jsonb

from rag.lexicon import Lexicon
from rag.passage_store import IndexedDocument, IndexProfile
from rag.pg_types import TermCounts
from rag.text import terms

ANALYZE_SHARE = 0.1  # a commit changing this share of the passages refreshes the planner's statistics: autovacuum's
# default autovacuum_analyze_scale_factor, so the commit only does at once what autovacuum does soon after


@dataclass
class Staged:
    """What a store instance has staged since its last commit."""

    adds: dict[str, IndexedDocument] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    words: list[Lexicon] = field(default_factory=list)
    profile: IndexProfile | None = None

    def any(self) -> bool:
        return bool(self.adds or self.deletes or self.words or self.profile is not None)


@dataclass
class Totals:
    """Changes to the meta row's live totals."""

    passages: int = 0
    passage_terms: int = 0
    sentences: int = 0

    def add(self, other: Totals, sign: int = 1) -> None:
        self.passages += sign * other.passages
        self.passage_terms += sign * other.passage_terms
        self.sentences += sign * other.sentences


def apply(conn: Connection, staged: Staged, fresh: bool, default_profile: IndexProfile) -> bool:
    """Write the staged changes (a `fresh` commit first empties the store); False when nothing changed, in which
    case the caller rolls back and the commit counter stays."""
    meta = conn.execute("SELECT profile, passages, passage_terms, sentences FROM meta FOR UPDATE").fetchone()
    old_profile = IndexProfile.model_validate(meta[0]) if meta[0] is not None else None
    totals = Totals(*meta[1:])
    before, touched = totals.passages, 0
    changed = fresh
    if fresh:
        conn.execute("DELETE FROM documents")  # cascades to passages and sentences
        conn.execute("DELETE FROM terms")
        conn.execute("DELETE FROM lexicon")
        totals, touched = Totals(), before
    else:
        gone, documents = _delete(conn, staged.deletes | set(staged.adds))
        changed |= documents > 0
        totals.add(gone, -1)
        touched += gone.passages
    if staged.adds:
        added = _insert(conn, list(staged.adds.values()))
        totals.add(added)
        touched += added.passages
        changed = True
    changed |= _add_words(conn, staged.words) > 0
    profile = staged.profile or (default_profile if fresh or old_profile is None else old_profile)
    changed |= profile != old_profile
    if not changed:
        return False
    conn.execute("UPDATE meta SET generation = generation + 1, profile = %s, passages = %s, passage_terms = %s, "
                 "sentences = %s, lexicon_epoch = lexicon_epoch + %s, committed = now()",
                 (Jsonb(profile.model_dump()), totals.passages, totals.passage_terms, totals.sentences, int(fresh)))
    if touched >= ANALYZE_SHARE * max(before, totals.passages, 1):
        # autovacuum would do both within a minute; until then a bulk load is searched with empty-table statistics
        # and with its terms in the GIN index's unsorted pending list, which every search reads through and which
        # makes the planner choose a sequential scan (BM25 for one SciFact claim: 61 ms against 13)
        conn.execute("SELECT gin_clean_pending_list('passages_terms')")
        conn.execute("ANALYZE passages, sentences, terms")
    return True


def _delete(conn: Connection, doc_ids: Iterable[str]) -> tuple[Totals, int]:
    """Delete live documents (unknown ids are ignored), taking their passages' terms out of the statistics;
    returns what left the live totals and how many documents were deleted."""
    ids = sorted(doc_ids)
    gone = Totals()
    if not ids:
        return gone, 0
    counts = conn.execute("SELECT lexeme, count(*) FROM passages, unnest(tsvector_to_array(terms)) AS lexeme "
                          "WHERE doc_id = ANY(%s) GROUP BY lexeme", (ids,)).fetchall()
    if counts:
        words, n = [c[0] for c in counts], [c[1] for c in counts]
        conn.execute("DELETE FROM terms t USING unnest(%s::text[], %s::int[]) AS g(term, n) "
                     "WHERE t.term = g.term AND t.df <= g.n", (words, n))
        conn.execute("UPDATE terms t SET df = t.df - g.n FROM unnest(%s::text[], %s::int[]) AS g(term, n) "
                     "WHERE t.term = g.term", (words, n))
    passages, lengths = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM passages WHERE doc_id = ANY(%s)",
                                     (ids,)).fetchone()
    (sentences,) = conn.execute("SELECT count(*) FROM sentences WHERE doc_id = ANY(%s)", (ids,)).fetchone()
    gone.passages, gone.passage_terms, gone.sentences = passages, int(lengths), sentences
    return gone, conn.execute("DELETE FROM documents WHERE doc_id = ANY(%s)", (ids,)).rowcount


def _insert(conn: Connection, docs: Sequence[IndexedDocument]) -> Totals:
    """Insert documents with their passages (ids from the sequence, in document order) and sentences."""
    n = sum(len(d.chunks) for d in docs)
    ids = sorted(r[0] for r in conn.execute("SELECT nextval('passage_ids') FROM generate_series(1, %s)", (n,)))
    added = Totals()
    df: Counter[str] = Counter()
    with conn.cursor() as cur:
        with cur.copy("COPY documents (doc_id, source, content_hash, meta, text, passages, has_sentences) "
                      "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "jsonb", "text", "int4", "bool"])
            for d in docs:
                doc = d.document
                copy.write_row((doc.doc_id, doc.source, doc.content_hash, Jsonb(doc.meta.model_dump(mode="json")),
                                doc.text, len(d.chunks), d.sentences is not None))
        spans: dict[str, list[tuple[int, int, int]]] = {}
        with cur.copy('COPY passages (id, doc_id, chunk_id, start, "end", text, vector, analysis, terms, length) '
                      "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "text", "int4", "int4", "text", "vector", "bytea", "tsvector", "int4"])
            at = 0
            for d in docs:
                vectors = np.asarray(d.vectors, dtype=np.float32).reshape(len(d.chunks), -1)
                for chunk, vector, analysis in zip(d.chunks, vectors, d.analyses):
                    words = terms(chunk.text)
                    counts = TermCounts.of(words)
                    df.update(counts.keys())
                    copy.write_row((ids[at], chunk.doc_id, chunk.chunk_id, chunk.start, chunk.end, chunk.text, vector,
                                    analysis, counts, len(words)))
                    spans.setdefault(chunk.doc_id, []).append((ids[at], chunk.start, chunk.end))
                    added.passages += 1
                    added.passage_terms += len(words)
                    at += 1
        with cur.copy('COPY sentences (doc_id, ord, start, "end", passage_ids, vector) FROM STDIN (FORMAT BINARY)') \
                as copy:
            copy.set_types(["text", "int4", "int4", "int4", "int8[]", "vector"])
            for d in docs:
                if d.sentences is None:
                    continue
                holders = spans.get(d.document.doc_id, [])
                for ord_, ((start, end), vector) in enumerate(zip(d.sentences.spans.tolist(), d.sentences.vectors)):
                    inside = [i for i, a, b in holders if a <= start and end <= b]
                    copy.write_row((d.document.doc_id, ord_, start, end, inside, np.asarray(vector, np.float32)))
                    added.sentences += 1
    if df:
        words = sorted(df)
        conn.execute("INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                     "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df", (words, [df[w] for w in words]))
    return added


def _add_words(conn: Connection, parts: list[Lexicon]) -> int:
    """Store the staged lexicon words the store lacks, in staging order; returns how many were new."""
    seen: set[str] = set()
    words, vectors = [], []
    for part in parts:
        for word, vector in zip(part.words, part.vectors):
            if word not in seen:
                seen.add(word)
                words.append(word)
                vectors.append(np.asarray(vector, dtype="<f2").tobytes())
    if not words:
        return 0
    cur = conn.execute("INSERT INTO lexicon (word, vector) SELECT word, vector FROM unnest(%s::text[], %s::bytea[]) "
                       "WITH ORDINALITY AS w(word, vector, n) ORDER BY n ON CONFLICT (word) DO NOTHING",
                       (words, vectors))
    return cur.rowcount
