"""Ranking metrics: hand-computed cases, edge cases, and cross-checks against numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.evaluation.metrics import (
    dedupe_ranked,
    hit_at_k,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)

LOG2_3 = math.log2(3)  # discount denominator at rank 2 (log2(2+1)); log2(2) = 1 at rank 1, log2(4) = 2 at rank 3


# ---------------------------------------------------------------- nDCG


def test_ndcg_graded_rels_2_0_1() -> None:
    # ranking a, b, c with rels [2, 0, 1]
    # DCG  = 2/log2(2) + 0/log2(3) + 1/log2(4) = 2 + 0 + 0.5 = 2.5
    # IDCG = ideal rels [2, 1]: 2/log2(2) + 1/log2(3) = 2 + 0.6309298 = 2.6309298
    # nDCG = 2.5 / 2.6309298 = 0.9502344
    qrels = {"a": 2, "b": 0, "c": 1}
    assert ndcg_at_k(["a", "b", "c"], qrels, 3) == pytest.approx(2.5 / (2 + 1 / LOG2_3))
    assert ndcg_at_k(["a", "b", "c"], qrels, 3) == pytest.approx(0.9502344, abs=1e-7)


def test_ndcg_cutoff_one() -> None:
    # ranking c, a; k=1 sees only c (rel 1): DCG@1 = 1/1 = 1; IDCG@1 = 2/1 = 2; nDCG = 0.5
    assert ndcg_at_k(["c", "a"], {"a": 2, "c": 1}, 1) == pytest.approx(0.5)


def test_ndcg_ideal_is_truncated_at_k() -> None:
    # qrels rels 3, 2, 1; ranking x (unjudged), c (1), b (2); k=2
    # DCG@2  = 0/1 + 1/log2(3) = 0.6309298
    # IDCG@2 = 3/1 + 2/log2(3) = 3 + 1.2618595 = 4.2618595 (rel 1 falls outside the cutoff)
    # nDCG   = 0.6309298 / 4.2618595 = 0.1480410
    qrels = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at_k(["x", "c", "b"], qrels, 2) == pytest.approx((1 / LOG2_3) / (3 + 2 / LOG2_3))
    assert ndcg_at_k(["x", "c", "b"], qrels, 2) == pytest.approx(0.1480410, abs=1e-7)


def test_ndcg_perfect_ranking_is_one() -> None:
    assert ndcg_at_k(["a", "b", "c"], {"a": 3, "b": 2, "c": 1}, 10) == pytest.approx(1.0)


def test_ndcg_k_beyond_ranking_length() -> None:
    # only a is ranked, b is relevant too; k=10 > len(ranking)
    # DCG = 1/1 = 1; IDCG = 1/1 + 1/log2(3) = 1.6309298; nDCG = 0.6131472
    assert ndcg_at_k(["a"], {"a": 1, "b": 1}, 10) == pytest.approx(1 / (1 + 1 / LOG2_3))


def test_ndcg_non_positive_rels_are_not_relevant() -> None:
    # a has rel -1 (gain 0, not in the ideal); b rel 1 at rank 2
    # DCG = 0 + 1/log2(3) = 0.6309298; IDCG = 1/1 = 1; nDCG = 0.6309298
    assert ndcg_at_k(["a", "b"], {"a": -1, "b": 1}, 2) == pytest.approx(1 / LOG2_3)


def test_ndcg_zero_when_no_relevant_docs() -> None:
    assert ndcg_at_k(["a", "b"], {}, 10) == 0.0
    assert ndcg_at_k(["a", "b"], {"a": 0, "b": -1}, 10) == 0.0


def test_ndcg_empty_ranking() -> None:
    assert ndcg_at_k([], {"a": 1}, 10) == 0.0


def test_ndcg_duplicates_count_once() -> None:
    # a, a, b dedupes to a, b: DCG@2 = 1 + 1/log2(3) = IDCG@2, so 1.0 (never above 1)
    assert ndcg_at_k(["a", "a", "b"], {"a": 1, "b": 1}, 2) == pytest.approx(1.0)


@pytest.mark.parametrize("metric", [ndcg_at_k, recall_at_k, mrr_at_k])
def test_cutoff_metrics_reject_k_below_one(metric) -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        metric(["a"], {"a": 1}, 0)


def _ndcg_numpy(ranked: list[str], qrels: dict[str, int], k: int) -> float:
    """Direct vectorised nDCG@k for cross-checking (rankings here have no duplicates)."""
    gains = np.array([max(qrels.get(d, 0), 0) for d in ranked[:k]], dtype=float)
    dcg = float(np.sum(gains / np.log2(np.arange(2, gains.size + 2))))
    ideal = np.sort(np.array([r for r in qrels.values() if r > 0], dtype=float))[::-1][:k]
    idcg = float(np.sum(ideal / np.log2(np.arange(2, ideal.size + 2))))
    return dcg / idcg if idcg > 0 else 0.0


def test_ndcg_matches_numpy_on_random_cases() -> None:
    rng = np.random.default_rng(1234)
    pool = [f"d{i}" for i in range(40)]
    for _ in range(500):
        ranked = [str(d) for d in rng.choice(pool, size=int(rng.integers(0, 30)), replace=False)]
        judged = rng.choice(pool, size=int(rng.integers(0, 15)), replace=False)
        qrels = {str(d): int(rng.integers(-1, 4)) for d in judged}
        k = int(rng.integers(1, 35))
        assert ndcg_at_k(ranked, qrels, k) == pytest.approx(_ndcg_numpy(ranked, qrels, k), abs=1e-12)


# ---------------------------------------------------------------- recall / MRR

QRELS = {"a": 1, "b": 2, "c": 0, "d": 1}  # relevant: a, b, d (c has rel 0)


def test_recall_hand_computed() -> None:
    ranked = ["c", "a", "x", "b"]
    assert recall_at_k(ranked, QRELS, 2) == pytest.approx(1 / 3)  # top 2 = c, a -> {a}
    assert recall_at_k(ranked, QRELS, 4) == pytest.approx(2 / 3)  # {a, b} of {a, b, d}
    assert recall_at_k(ranked, QRELS, 100) == pytest.approx(2 / 3)  # k beyond length


def test_recall_edge_cases() -> None:
    assert recall_at_k([], QRELS, 10) == 0.0
    assert recall_at_k(["a"], {}, 10) == 0.0
    assert recall_at_k(["a"], {"a": 0}, 10) == 0.0
    assert recall_at_k(["a", "a", "b"], QRELS, 2) == pytest.approx(2 / 3)  # dedupes to a, b


def test_mrr_hand_computed() -> None:
    # first relevant doc b is at rank 3 (c has rel 0)
    assert mrr_at_k(["x", "c", "b"], QRELS, 3) == pytest.approx(1 / 3)
    assert mrr_at_k(["x", "c", "b"], QRELS, 2) == 0.0  # outside the cutoff
    assert mrr_at_k(["a", "b"], QRELS, 10) == 1.0


def test_mrr_edge_cases() -> None:
    assert mrr_at_k([], QRELS, 10) == 0.0
    assert mrr_at_k(["a"], {}, 10) == 0.0
    assert mrr_at_k(["x", "x", "b"], QRELS, 2) == pytest.approx(1 / 2)  # dedupes to x, b


# ---------------------------------------------------------------- Q&A helpers


def test_hit_at_k() -> None:
    assert hit_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert hit_at_k(["x", "y", "a"], {"a"}, 3) == 1.0
    assert hit_at_k(["x", "y", "a"], {"a"}, 50) == 1.0
    assert hit_at_k([], {"a"}, 5) == 0.0
    assert hit_at_k(["a"], set(), 5) == 0.0
    assert hit_at_k(["x", "x", "a"], {"a"}, 2) == 1.0  # dedupes to x, a
    with pytest.raises(ValueError):
        hit_at_k(["a"], {"a"}, 0)


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["x", "y", "a"], {"a", "b"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["b"], {"a", "b"}) == 1.0
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0
    assert reciprocal_rank([], {"a"}) == 0.0
    assert reciprocal_rank(["x", "x", "a"], {"a"}) == pytest.approx(1 / 2)


def test_dedupe_ranked_keeps_first_occurrence_order() -> None:
    assert dedupe_ranked(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]
    assert dedupe_ranked([]) == []
    assert dedupe_ranked(iter(["a", "a"])) == ["a"]


# ---------------------------------------------------------------- percentile


def test_percentile_hand_computed() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # sorted: 1, 2, 3, 4; position = (n-1) * q/100
    assert percentile(values, 50) == pytest.approx(2.5)  # pos 1.5 -> 2 + 0.5*(3-2)
    assert percentile(values, 95) == pytest.approx(3.85)  # pos 2.85 -> 3 + 0.85*(4-3)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 95) == 7.0


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    for q in (-1.0, 100.5, float("nan")):
        with pytest.raises(ValueError, match=r"\[0, 100\]"):
            percentile([1.0], q)


def test_percentile_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        values = list(rng.exponential(100.0, size=int(rng.integers(1, 50))))
        q = float(rng.uniform(0, 100))
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12, abs=1e-12)
