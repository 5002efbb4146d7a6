"""Vectors for benchmarks/bench_scale.py: a real sample (BBC passages, SciFact, NFCorpus, encoded once and cached)
and seeded synthetic vectors from a Gaussian mixture fitted to that sample, written in blocks to a .npy file."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel

from rag.chunking import chunk_document
from rag.documents import read_document
from rag.embedding import get_embedder
from rag.evaluation.beir_data import load_beir
from rag.settings import Settings

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news-dev"
BEIR = SHARED / "benchmarks" / "beir"
DIM = 384
BLOCK = 50_000  # synthetic vectors generated per block: 75 MB of float32, so generation never holds 1M at once


class RealSample(BaseModel):
    """What the cached real sample holds and what encoding it cost."""

    passages: int
    sources: dict[str, int]
    queries: int
    query_sources: dict[str, int]
    encode_seconds: float
    texts_per_second: float


def real_texts(limit: int, settings: Settings) -> tuple[list[str], dict[str, int]]:
    """Up to `limit` passages: every BBC article cleaned and chunked as the product does, then SciFact documents,
    then NFCorpus documents (BEIR style: one document, title + text, one passage)."""
    texts: list[str] = []
    sources: dict[str, int] = {}
    for path in sorted(BBC.glob("bbc_*.txt")):
        doc = read_document(path, None, settings)
        for chunk in chunk_document(doc.doc_id, doc.text, settings.chunking):
            texts.append(chunk.text)
            sources["bbc"] = sources.get("bbc", 0) + 1
    for name in ("scifact", "nfcorpus"):
        for item in load_beir(BEIR / name).corpus:
            if len(texts) >= limit:
                break
            if item.embedding_text:
                texts.append(item.embedding_text)
                sources[name] = sources.get(name, 0) + 1
    return texts[:limit], sources


def real_queries(limit: int) -> tuple[list[str], dict[str, int]]:
    """Real questions: the BBC development set, then SciFact's judged test queries (NFCorpus queries are held out)."""
    bbc = [json.loads(line)["question"] for line in
           (ROOT / "tests" / "data" / "bbc_dev_questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    scifact = list(load_beir(BEIR / "scifact").queries.values())
    queries = (bbc + scifact)[:limit]
    return queries, {"bbc_dev": min(len(bbc), limit), "scifact": max(0, len(queries) - len(bbc))}


def load_or_encode(cache: Path, limit: int, query_limit: int) -> tuple[np.ndarray, np.ndarray, RealSample]:
    """The real sample's passage and query vectors, encoded with the product's embedder on first use and cached
    (encoding 10,000 passages takes minutes on 2 cores; the cache keeps the time it took)."""
    meta_path, vectors_path, queries_path = (cache / f"real-{limit}.{ext}" for ext in ("json", "npy", "queries.npy"))
    if meta_path.exists() and vectors_path.exists() and queries_path.exists():
        return np.load(vectors_path), np.load(queries_path), RealSample.model_validate_json(meta_path.read_text())
    settings = Settings()
    texts, sources = real_texts(limit, settings)
    queries, query_sources = real_queries(query_limit)
    embedder = get_embedder(settings.embedding)
    embedder.embed_passages(texts[:8])  # model load and warm-up are not encoding time
    started = time.perf_counter()
    vectors = embedder.embed_passages(texts, progress=True)
    seconds = time.perf_counter() - started
    query_vectors = np.stack([embedder.embed_query(q) for q in queries]).astype(np.float32)
    sample = RealSample(passages=len(texts), sources=sources, queries=len(queries), query_sources=query_sources,
                        encode_seconds=seconds, texts_per_second=len(texts) / seconds)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors.astype(np.float32))
    np.save(queries_path, query_vectors)
    meta_path.write_text(sample.model_dump_json(indent=2))
    return vectors, query_vectors, sample


class Mixture:
    """A Gaussian mixture fitted to real vectors: k-means centres, one shared residual covariance, points
    normalised to the unit sphere. Its neighbourhoods are shaped like the real sample's, unlike isotropic noise."""

    def __init__(self, real: np.ndarray, centres: int = 100, seed: int = 0):
        kmeans = faiss.Kmeans(real.shape[1], centres, niter=20, seed=seed, spherical=False, verbose=False)
        kmeans.train(np.ascontiguousarray(real, dtype=np.float32))
        self.centres = kmeans.centroids.astype(np.float64)
        _, assigned = kmeans.index.search(np.ascontiguousarray(real, dtype=np.float32), 1)
        residuals = real - self.centres[assigned[:, 0]]
        self.weights = np.bincount(assigned[:, 0], minlength=centres) / len(real)
        covariance = np.cov(residuals, rowvar=False) + 1e-8 * np.eye(real.shape[1])
        self.chol = np.linalg.cholesky(covariance)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """n unit vectors, float32, reproducible from the seed."""
        rng = np.random.default_rng(seed)
        members = rng.choice(len(self.centres), size=n, p=self.weights)
        points = self.centres[members] + rng.standard_normal((n, self.chol.shape[0])) @ self.chol.T
        return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def write_synthetic(path: Path, mixture: Mixture, n: int, seed: int) -> np.ndarray:
    """n synthetic vectors as a float32 .npy file, generated BLOCK at a time; returns it memory-mapped."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, DIM))
    for block, start in enumerate(range(0, n, BLOCK)):
        stop = min(n, start + BLOCK)
        out[start:stop] = mixture.sample(stop - start, seed * 1_000_003 + block)
    out.flush()
    del out
    return np.load(path, mmap_mode="r")
