"""Search a passage store: dense, lexical or hybrid (reciprocal rank fusion), optionally diversified with MMR.

Hybrid fuses three rankings: passage vectors, BM25, and (when the index holds sentence vectors) each passage's
best-matching sentence, which lets a passage whose single sentence answers a factual question rise above one
that merely shares its vocabulary. Rankings are of stable passage ids, so they fuse whatever store they come from.
"""

from __future__ import annotations

import logging

import numpy as np

from rag.embedding import Embedder
from rag.fusion import maximal_marginal_relevance, reciprocal_rank_fusion
from rag.models import DocumentMeta, Passage
from rag.settings import RetrievalSettings, SearchMode
from rag.passage_store import Hit, PassageStore, StoredPassage

log = logging.getLogger(__name__)


def rank(store: PassageStore, embedder: Embedder, query: str, settings: RetrievalSettings,
         mode: SearchMode, depth: int) -> list[Hit]:
    """(passage id, score) pairs best first: dense cosine, BM25, or RRF of dense, BM25 and best sentence."""
    dense: list[Hit] = []
    lexical: list[Hit] = []
    best_sentence: list[Hit] = []
    if mode in ("dense", "hybrid"):
        vector = embedder.embed_query(query)
        dense = store.dense_search(vector, depth)
        if mode == "hybrid" and settings.sentence_weight > 0:
            best_sentence = store.sentence_search(vector, depth)
    if mode in ("lexical", "hybrid"):
        lexical = store.lexical_search(query, depth)
    if mode == "dense":
        return dense
    if mode == "lexical":
        return lexical
    return reciprocal_rank_fusion([[i for i, _ in hits] for hits in (dense, lexical, best_sentence)],
                                  [settings.dense_weight, settings.lexical_weight, settings.sentence_weight],
                                  settings.rrf_k)


def search(store: PassageStore, embedder: Embedder, query: str, settings: RetrievalSettings, k: int | None = None,
           mode: SearchMode | None = None, mmr: bool | None = None) -> list[Passage]:
    """The k best passages for a query, as typed results with document metadata (a passage deleted by a commit
    that lands during the search is left out)."""
    k = settings.k if k is None else k
    mode = mode or settings.mode
    if mode not in ("hybrid", "dense", "lexical"):
        raise ValueError(f"unknown search mode {mode!r}: use hybrid, dense or lexical")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ranked = rank(store, embedder, query, settings, mode, max(settings.candidates, k))
    if settings.mmr if mmr is None else mmr:
        pool = ranked[: max(settings.candidates, k)]
        vectors = store.vectors([i for i, _ in pool]) if pool else np.zeros((0, 1))
        order = maximal_marginal_relevance(vectors, [s for _, s in pool], k, settings.mmr_lambda)
        ranked = [pool[i] for i in order]
    top = ranked[:k]
    stored = {p.id: p for p in store.passages([i for i, _ in top])}
    return [to_passage(store, stored[i], score) for i, score in top if i in stored]


def to_passage(store: PassageStore, stored: StoredPassage, score: float) -> Passage:
    """A stored passage with its score and its document's metadata."""
    doc = store.document(stored.doc_id)
    meta = doc.meta if doc is not None else DocumentMeta()
    return Passage(doc_id=stored.doc_id, chunk_id=stored.chunk_id, text=stored.text, score=float(score),
                   title=meta.title, date=meta.date, publisher=meta.publisher, start=stored.start, end=stored.end,
                   id=stored.id)
