"""Combine ranked lists (reciprocal rank fusion) and diversify results (maximal marginal relevance)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = 60
) -> list[tuple[int, float]]:
    """Fuse ranked id lists: score(id) = sum_i weight_i / (k + rank_i(id)); best first, ties by first appearance."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def maximal_marginal_relevance(candidates: np.ndarray, relevance: Sequence[float], k: int, lam: float) -> list[int]:
    """Pick k candidate positions trading relevance against similarity to those already picked.

    `relevance` is the fused score of each candidate (rescaled to 0..1 here); `candidates` their vectors.
    """
    if len(relevance) == 0:
        return []
    rel = np.asarray(relevance, dtype=np.float32)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    sim = candidates @ candidates.T
    chosen: list[int] = [int(np.argmax(rel))]
    while len(chosen) < min(k, len(rel)):
        redundancy = sim[:, chosen].max(axis=1)
        score = lam * rel - (1 - lam) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen
