"""Search a snapshot: dense, lexical or hybrid (reciprocal rank fusion), optionally diversified with MMR.

Hybrid fuses three rankings: passage vectors, BM25, and (when the index holds sentence vectors) each passage's
best-matching sentence, which lets a passage whose single sentence answers a factual question rise above one
that merely shares its vocabulary.
"""

from __future__ import annotations

import logging

import numpy as np

from rag.embedding import Embedder
from rag.fusion import maximal_marginal_relevance, reciprocal_rank_fusion
from rag.models import Passage
from rag.settings import RetrievalSettings, SearchMode
from rag.store import Snapshot

log = logging.getLogger(__name__)


def rank(snapshot: Snapshot, embedder: Embedder, query: str, settings: RetrievalSettings,
         mode: SearchMode, depth: int) -> list[tuple[int, float]]:
    """(row, score) pairs best first: dense cosine, BM25, or RRF of both."""
    dense: list[int] = []
    dense_scores: dict[int, float] = {}
    lexical: list[int] = []
    lexical_scores: dict[int, float] = {}
    best_sentence: list[int] = []
    if mode in ("dense", "hybrid"):
        vector = embedder.embed_query(query)
        ids, scores = snapshot.dense.search(vector, depth)
        dense = [snapshot.row_of[int(i)] for i in ids]
        dense_scores = dict(zip(dense, scores.tolist()))
        sentence_scores = snapshot.best_sentence_scores(vector) if mode == "hybrid" else None
        if sentence_scores is not None:
            best_sentence = np.argsort(-sentence_scores, kind="stable")[:depth].tolist()
    if mode in ("lexical", "hybrid"):
        rows, scores = snapshot.lexical.search(query, depth)
        lexical = rows.tolist()
        lexical_scores = dict(zip(lexical, scores.tolist()))
    if mode == "dense":
        return list(dense_scores.items())
    if mode == "lexical":
        return list(lexical_scores.items())
    return reciprocal_rank_fusion([dense, lexical, best_sentence],
                                  [settings.dense_weight, settings.lexical_weight, settings.sentence_weight],
                                  settings.rrf_k)


def search(snapshot: Snapshot, embedder: Embedder, query: str, settings: RetrievalSettings, k: int | None = None,
           mode: SearchMode | None = None, mmr: bool | None = None) -> list[Passage]:
    """The k best passages for a query, as typed results with document metadata."""
    k = settings.k if k is None else k
    mode = mode or settings.mode
    if mode not in ("hybrid", "dense", "lexical"):
        raise ValueError(f"unknown search mode {mode!r}: use hybrid, dense or lexical")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ranked = rank(snapshot, embedder, query, settings, mode, max(settings.candidates, k))
    if settings.mmr if mmr is None else mmr:
        pool = ranked[: max(settings.candidates, k)]
        vectors = snapshot.vectors[[row for row, _ in pool]] if pool else np.zeros((0, 1))
        order = maximal_marginal_relevance(vectors, [s for _, s in pool], k, settings.mmr_lambda)
        ranked = [pool[i] for i in order]
    return [to_passage(snapshot, row, score) for row, score in ranked[:k]]


def to_passage(snapshot: Snapshot, row: int, score: float) -> Passage:
    """A stored passage with its score and its document's metadata."""
    stored = snapshot.passages[row]
    meta = snapshot.documents[stored.doc_id].meta
    return Passage(doc_id=stored.doc_id, chunk_id=stored.chunk_id, text=stored.text, score=float(score),
                   title=meta.title, date=meta.date, publisher=meta.publisher, start=stored.start, end=stored.end)
