"""The PostgreSQL store's three searches, each one SQL statement in the reader's snapshot.

Dense and best-sentence search rank by pgvector's inner product (`<#>` is its negation). Below the exact threshold
the ORDER BY also sorts by id, which no index can serve, so PostgreSQL scans every row: exact results, ties by
ascending id as in the embedded store. Above it the ORDER BY is the bare distance, which the HNSW index serves with
`hnsw.ef_search` candidates (raised to k for deeper requests, up to pgvector's limit of 1000).

Lexical search is PostgreSQL full-text search: the GIN index on `passages.terms` finds the passages holding any
query term (`@@` an OR tsquery), and each is scored by BM25 in SQL from its term frequencies (the tsvector's
positions), its length, and the document frequencies and corpus totals of the same snapshot, so scores equal the
embedded store's. `ts_rank_cd` was measured instead (README) and ranks SciFact worse: it has no idf.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from psycopg import Cursor

from rag.lexical import idf
from rag.passage_store import Hit
from rag.pg_types import storable, tsquery
from rag.settings import RetrievalSettings
from rag.text import terms

EF_SEARCH_LIMIT = 1000  # pgvector's maximum hnsw.ef_search

DENSE_EXACT = "SELECT id, -(vector <#> %(q)b) FROM passages ORDER BY vector <#> %(q)b, id LIMIT %(k)s"
DENSE_ANN = "SELECT id, -(vector <#> %(q)b) FROM passages ORDER BY vector <#> %(q)b LIMIT %(k)s"
_SENTENCE = """
SELECT passage_id, max(score) AS best FROM (
    SELECT unnest(passage_ids) AS passage_id, score FROM (
        SELECT passage_ids, -(vector <#> %(q)b) AS score FROM sentences {order}
    ) nearest
) hits GROUP BY passage_id ORDER BY best DESC, passage_id LIMIT %(k)s
"""
SENTENCE_EXACT = _SENTENCE.format(order="")
SENTENCE_ANN = _SENTENCE.format(order="ORDER BY vector <#> %(q)b LIMIT %(m)s")
_LEXICAL = """
SELECT p.id, sum(q.weight * t.tf / (t.tf + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(avgdl)s))) AS score
FROM passages p
CROSS JOIN LATERAL (
    SELECT lexeme, cardinality(positions) AS tf FROM unnest(ts_filter(setweight(p.terms, 'A', %(terms)s), '{a}'))
) t
JOIN unnest(%(terms)s::text[], %(weights)s::float8[]) AS q(term, weight) ON q.term = t.lexeme
WHERE p.terms @@ %(query)s::tsquery
GROUP BY p.id ORDER BY score DESC, p.id LIMIT %(k)s
"""


class Searcher:
    """Runs searches on a cursor of the reader's snapshot, given that snapshot's totals and index state."""

    def __init__(self, settings: RetrievalSettings, passages: int, passage_terms: int, sentences: int,
                 ann: dict[str, bool]):
        self.settings = settings
        self.passages, self.passage_terms, self.sentences = passages, passage_terms, sentences
        self.ann = ann  # table -> whether its HNSW index exists (and is worth using at its size)

    def _ann(self, table: str, rows: int, k: int) -> bool:
        return self.ann.get(table, False) and rows > self.settings.exact_search_max and k <= EF_SEARCH_LIMIT

    def _ef(self, cur: Cursor, k: int) -> None:
        """Raise hnsw.ef_search for this transaction when k asks for more candidates than the setting gives."""
        if k > self.settings.hnsw_ef_search:
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(min(k, EF_SEARCH_LIMIT)),))

    def dense(self, cur: Cursor, vector: np.ndarray, k: int) -> list[Hit]:
        if k <= 0 or self.passages == 0:
            return []
        ann = self._ann("passages", self.passages, k)
        if ann:
            self._ef(cur, k)
        rows = cur.execute(DENSE_ANN if ann else DENSE_EXACT, {"q": vector, "k": k}).fetchall()
        return _ordered(rows)

    def sentence(self, cur: Cursor, vector: np.ndarray, k: int) -> list[Hit]:
        if k <= 0 or self.sentences == 0:
            return []
        # a passage holds several sentences (and shares its edges with the next): fetch a few per passage wanted
        m = min(EF_SEARCH_LIMIT, 4 * k)
        if self._ann("sentences", self.sentences, m):
            self._ef(cur, m)
            hits = _ordered(cur.execute(SENTENCE_ANN, {"q": vector, "k": k, "m": m}).fetchall())
            if len(hits) == k or m >= self.sentences:
                return hits
        return _ordered(cur.execute(SENTENCE_EXACT, {"q": vector, "k": k}).fetchall())

    def lexical(self, cur: Cursor, query: str, k: int) -> list[Hit]:
        counted = Counter(t for t in terms(query) if storable(t))
        if k <= 0 or not counted or self.passages == 0:
            return []
        found = dict(cur.execute("SELECT term, df FROM terms WHERE term = ANY(%s)", (list(counted),)).fetchall())
        query_terms = [t for t in counted if t in found]
        if not query_terms:
            return []
        weights = [counted[t] * idf(found[t], self.passages) for t in query_terms]
        avgdl = self.passage_terms / self.passages or 1.0
        r = self.settings
        rows = cur.execute(_LEXICAL, {"terms": query_terms, "weights": weights, "query": tsquery(query_terms),
                                      "k1": r.bm25_k1, "b": r.bm25_b, "avgdl": avgdl, "k": k}).fetchall()
        return _ordered([(i, np.float32(s)) for i, s in rows if s > 0])


def _ordered(rows: list[tuple]) -> list[Hit]:
    """Hits best first, equal scores by ascending id (an index scan returns ties in graph order)."""
    hits = [(int(i), float(s)) for i, s in rows]
    return sorted(hits, key=lambda h: (-h[1], h[0]))
