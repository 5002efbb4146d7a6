"""Dense retrieval (rag.dense.DenseIndex): exact vs HNSW over float32 vectors on a few thousand synthetic vectors,
and persistence (the compressed kinds are tested in test_dense_quantized.py)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.dense import DenseIndex
from rag.settings import RetrievalSettings

DIM, N, CLUSTERS, QUERIES, K = 384, 3000, 60, 100, 10
HNSW = {"exact_search_max": 1000, "dense_ann": "hnsw", "dense_codec": "fp32"}  # the float32 HNSW kind, "hnsw"


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clustered unit vectors (like topical passages) with sparse, non-contiguous int64 ids, and queries near them."""
    rng = np.random.default_rng(7)
    centers = unit(rng.normal(size=(CLUSTERS, DIM)))
    members = rng.integers(0, CLUSTERS, size=N)
    vectors = unit(centers[members] + 0.35 * rng.normal(size=(N, DIM)) / np.sqrt(DIM) * 4)
    ids = rng.choice(10 * N, size=N, replace=False).astype(np.int64) + 1_000_000_000_000
    queries = unit(centers[rng.integers(0, CLUSTERS, size=QUERIES)] + 0.5 * rng.normal(size=(QUERIES, DIM)) /
                   np.sqrt(DIM) * 4)
    return ids, vectors, queries


@pytest.fixture(scope="module")
def indexes(data) -> tuple[DenseIndex, DenseIndex]:
    ids, vectors, _ = data
    exact = DenseIndex.build(ids, vectors, RetrievalSettings())
    hnsw_settings = RetrievalSettings(**HNSW)
    hnsw = DenseIndex.build(ids, vectors, hnsw_settings)
    hnsw.configure(hnsw_settings)
    return exact, hnsw


def test_index_kind_follows_exact_search_max(indexes) -> None:
    exact, hnsw = indexes
    assert exact.kind == "flat" and hnsw.kind == "hnsw"
    assert exact.size == hnsw.size == N


def test_exact_search_is_exact(data, indexes) -> None:
    ids, vectors, queries = data
    exact, _ = indexes
    for q in queries[:20]:
        got_ids, got_scores = exact.search(q, K)
        truth = np.argsort(-(vectors @ q), kind="stable")[:K]
        assert np.allclose(got_scores, (vectors @ q)[truth], atol=1e-5)
        assert set(got_ids.tolist()) == set(ids[truth].tolist())
        assert list(got_scores) == sorted(got_scores, reverse=True)


def test_hnsw_recall_at_10_against_exact(data, indexes) -> None:
    _, _, queries = data
    exact, hnsw = indexes
    found = 0
    for q in queries:
        truth, _ = exact.search(q, K)
        approx, scores = hnsw.search(q, K)
        assert len(approx) == K and list(scores) == sorted(scores, reverse=True)
        found += len(set(truth.tolist()) & set(approx.tolist()))
    recall = found / (K * len(queries))
    assert recall >= 0.95, recall


def test_search_returns_ids_not_rows_and_clamps_k(data, indexes) -> None:
    ids, vectors, _ = data
    exact, hnsw = indexes
    for index in (exact, hnsw):
        got, scores = index.search(vectors[123], 1)
        assert got.tolist() == [ids[123]] and scores[0] == pytest.approx(1.0, abs=1e-4)
    few = DenseIndex.build(ids[:3], vectors[:3], RetrievalSettings())
    got, _ = few.search(vectors[0], 50)
    assert sorted(got.tolist()) == sorted(ids[:3].tolist())
    empty = DenseIndex.build(np.zeros(0, np.int64), np.zeros((0, DIM), np.float32), RetrievalSettings())
    got, scores = empty.search(vectors[0], 5)
    assert len(got) == len(scores) == 0


def test_saved_hnsw_index_loads_with_the_same_results(data, indexes, tmp_path: Path) -> None:
    _, _, queries = data
    _, hnsw = indexes
    settings = RetrievalSettings(**HNSW, hnsw_ef_search=64)
    hnsw.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss", "hnsw", settings)
    assert loaded.kind == "hnsw" and loaded.size == N
    assert faiss.downcast_index(loaded.index.index).hnsw.efSearch == 64
    hnsw.configure(settings)
    try:
        for q in queries[:10]:
            assert loaded.search(q, K)[0].tolist() == hnsw.search(q, K)[0].tolist()
    finally:
        hnsw.configure(RetrievalSettings(**HNSW))


def test_hnsw_settings_are_applied(data, indexes) -> None:
    """A deliberately weak graph (M=4, efSearch=10) measurably loses recall: the knobs reach FAISS."""
    ids, vectors, queries = data
    exact, _ = indexes
    weak_settings = RetrievalSettings(**HNSW, hnsw_m=4, hnsw_ef_search=10, hnsw_ef_construction=20)
    weak = DenseIndex.build(ids, vectors, weak_settings)
    weak.configure(weak_settings)
    graph = faiss.downcast_index(weak.index.index).hnsw
    assert graph.efSearch == 10 and graph.efConstruction == 20
    found = sum(len(set(exact.search(q, K)[0].tolist()) & set(weak.search(q, K)[0].tolist())) for q in queries)
    assert found / (K * len(queries)) < 0.95
