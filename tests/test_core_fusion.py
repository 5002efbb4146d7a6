"""Rank fusion and diversification (rag.fusion): hand-computed RRF, weights, ties, and MMR's choices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rag.fusion import maximal_marginal_relevance, reciprocal_rank_fusion


def test_rrf_hand_computed() -> None:
    fused = reciprocal_rank_fusion([[10, 20, 30], [30, 10]], [1.0, 1.0], k=60)
    expected = {10: 1 / 61 + 1 / 62, 20: 1 / 62, 30: 1 / 63 + 1 / 61}
    assert [item for item, _ in fused] == [10, 30, 20]
    for item, score in fused:
        assert score == pytest.approx(expected[item], rel=1e-12)


def test_rrf_weights_scale_each_list() -> None:
    fused = dict(reciprocal_rank_fusion([[1, 2], [2, 1]], [2.0, 0.5], k=10))
    assert fused[1] == pytest.approx(2 / 11 + 0.5 / 12)
    assert fused[2] == pytest.approx(2 / 12 + 0.5 / 11)
    # the heavier list decides the order
    assert [i for i, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], [2.0, 0.5], k=10)] == [1, 2]
    assert [i for i, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], [0.5, 2.0], k=10)] == [2, 1]


def test_rrf_zero_weight_list_is_ignored_entirely() -> None:
    fused = reciprocal_rank_fusion([[1, 2], [3, 4]], [1.0, 0.0], k=60)
    assert [i for i, _ in fused] == [1, 2]


def test_rrf_ties_keep_first_appearance_and_empty_lists_are_fine() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([[7], [3]], [1.0, 1.0])] == [7, 3]
    assert reciprocal_rank_fusion([[], []], [1.0, 1.0]) == []
    assert [i for i, _ in reciprocal_rank_fusion([[], [5, 6]], [1.0, 1.0])] == [5, 6]


def test_rrf_needs_one_weight_per_list() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1], [2]], [1.0])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), unique=True, max_size=15), min_size=1, max_size=4), st.data())
def test_rrf_properties(rankings: list[list[int]], data) -> None:
    weights = data.draw(st.lists(st.floats(0.1, 3.0), min_size=len(rankings), max_size=len(rankings)))
    fused = reciprocal_rank_fusion(rankings, weights, k=60)
    items = [i for i, _ in fused]
    assert sorted(items) == sorted({i for r in rankings for i in r})
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)
    # an item ranked first everywhere it appears, and appearing in every list, is first overall
    if all(r for r in rankings) and len({r[0] for r in rankings}) == 1:
        assert items[0] == rankings[0][0]


def unit(*rows: list[float]) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_mmr_prefers_a_diverse_item_over_a_near_duplicate() -> None:
    vectors = unit([1, 0, 0], [0.999, 0.045, 0], [0, 1, 0])  # a, a near-copy of a, something else
    relevance = [1.0, 0.98, 0.6]
    assert maximal_marginal_relevance(vectors, relevance, k=2, lam=0.5) == [0, 2]
    assert maximal_marginal_relevance(vectors, relevance, k=2, lam=1.0) == [0, 1]  # pure relevance
    assert maximal_marginal_relevance(vectors, relevance, k=3, lam=0.5) == [0, 2, 1]


def test_mmr_hand_computed_scores() -> None:
    vectors = unit([1, 0], [1, 1], [0, 1])
    relevance = [0.9, 0.5, 0.1]  # rescaled to 1.0, 0.5, 0.0
    # after picking 0: item 1 scores 0.7*0.5 - 0.3*cos45 = 0.138; item 2 scores 0 - 0 = 0 -> item 1
    assert maximal_marginal_relevance(vectors, relevance, k=2, lam=0.7) == [0, 1]
    # with lam 0.3: item 1 = 0.15 - 0.495 = -0.345, item 2 = 0 - 0 = 0 -> item 2
    assert maximal_marginal_relevance(vectors, relevance, k=2, lam=0.3) == [0, 2]


def test_mmr_edge_cases() -> None:
    assert maximal_marginal_relevance(np.zeros((0, 3), np.float32), [], k=5, lam=0.7) == []
    vectors = unit([1, 0], [0, 1])
    assert maximal_marginal_relevance(vectors, [0.2, 0.9], k=10, lam=0.7) == [1, 0]  # k above the pool size
    assert maximal_marginal_relevance(vectors, [0.5, 0.5], k=1, lam=0.7) == [0]  # equal relevance: first wins


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float32, st.tuples(st.integers(1, 12), st.just(4)), elements=st.floats(-1, 1, width=32)),
    st.integers(1, 15),
    st.floats(0, 1),
    st.data(),
)
def test_mmr_picks_distinct_positions_starting_with_the_most_relevant(vectors, k, lam, data) -> None:
    relevance = data.draw(st.lists(st.floats(0, 1), min_size=len(vectors), max_size=len(vectors)))
    chosen = maximal_marginal_relevance(vectors, relevance, k, lam)
    assert len(chosen) == min(k, len(vectors)) == len(set(chosen))
    assert all(0 <= i < len(vectors) for i in chosen)
    assert relevance[chosen[0]] >= max(relevance) - 1e-6  # relevance is rescaled in float32
