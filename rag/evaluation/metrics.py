"""Ranking metrics over ranked id lists, following BEIR / pytrec_eval definitions.

All cutoff metrics first drop repeated ids (keeping the first occurrence), because a
pytrec_eval run is a dict and cannot score the same document twice; then they cut at k.
Documents judged with relevance <= 0 count as not relevant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def _check_k(k: int) -> None:
    """Reject cutoffs below 1, which have no meaning for a ranking."""
    if k < 1:
        raise ValueError(f"cutoff k must be >= 1, got {k}")


def dedupe_ranked(ids: Iterable[str]) -> list[str]:
    """Drop repeated ids, keeping first-occurrence order (e.g. passage ranks -> document ranks)."""
    seen: set[str] = set()
    out: list[str] = []
    for doc_id in ids:
        if doc_id not in seen:
            seen.add(doc_id)
            out.append(doc_id)
    return out


def _relevant(qrels: Mapping[str, int]) -> set[str]:
    """Ids judged relevant (relevance > 0)."""
    return {doc_id for doc_id, rel in qrels.items() if rel > 0}


def ndcg_at_k(ranked: list[str], qrels: Mapping[str, int], k: int) -> float:
    """nDCG@k with linear gain (gain = rel, discount 1/log2(rank+1)), as pytrec_eval ndcg_cut.

    The ideal DCG ranks the positive qrels values in descending order; 0.0 when none are positive.
    """
    _check_k(k)
    ideal_gains = sorted((rel for rel in qrels.values() if rel > 0), reverse=True)[:k]
    if not ideal_gains:
        return 0.0
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal_gains, start=1))
    dcg = 0.0
    for rank, doc_id in enumerate(dedupe_ranked(ranked)[:k], start=1):
        rel = qrels.get(doc_id, 0)
        if rel > 0:
            dcg += rel / math.log2(rank + 1)
    return dcg / idcg


def recall_at_k(ranked: list[str], qrels: Mapping[str, int], k: int) -> float:
    """Fraction of relevant (rel > 0) documents found in the top k; 0.0 when none are relevant."""
    _check_k(k)
    relevant = _relevant(qrels)
    if not relevant:
        return 0.0
    found = relevant.intersection(dedupe_ranked(ranked)[:k])
    return len(found) / len(relevant)


def mrr_at_k(ranked: list[str], qrels: Mapping[str, int], k: int) -> float:
    """Reciprocal rank of the first relevant (rel > 0) document within the top k, else 0.0."""
    _check_k(k)
    relevant = _relevant(qrels)
    for rank, doc_id in enumerate(dedupe_ranked(ranked)[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def hit_at_k(ranked: list[str], relevant: set[str], k: int) -> float:
    """1.0 if any relevant id is in the top k, else 0.0 (Q&A eval: was a gold source retrieved?)."""
    _check_k(k)
    return 1.0 if relevant.intersection(dedupe_ranked(ranked)[:k]) else 0.0


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    """1/rank of the first relevant id over the whole (deduplicated) ranking, else 0.0."""
    for rank, doc_id in enumerate(dedupe_ranked(ranked), start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def percentile(values: list[float], q: float) -> float:
    """q-th percentile (q in [0, 100]) with linear interpolation, like numpy.percentile's default.

    Used for latency p50/p95 without needing numpy at call sites.
    """
    if not values:
        raise ValueError("percentile of an empty list is undefined")
    if not 0.0 <= q <= 100.0:  # also rejects NaN
        raise ValueError(f"percentile q must be within [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction
