"""The steps of benchmarks/bench_scale.py, each run in its own interpreter (`python scale_workers.py STEP SPEC OUT`)
so every step's peak RSS is its own: prepare the vectors, build and save the index, open it and search."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel

# this checkout's rag (not an installed copy) and the sibling benchmark modules
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
import scale_data  # noqa: E402
import scale_update  # noqa: E402

from rag.dense import BUILD_FIELDS, DenseIndex, kind_for  # noqa: E402
from rag.settings import RetrievalSettings  # noqa: E402

REAL_PASSAGES = 10_000
QUERIES = 500  # per row; real: 254 BBC development questions + 246 SciFact test queries
SEARCH_SECONDS = 120.0  # the search loop stops after this long even if queries remain
WARM_UP = 20  # queries searched before timing (page faults of a freshly mapped index, FAISS's first-call setup)
SEED = 20261202
# The structures the default was chosen among (bench_scale.py --choice); sq8 is always rescored in float16.
CHOICES: list[dict] = [
    {"dense_ann": "flat", "dense_codec": "fp32"},
    {"dense_ann": "flat", "dense_codec": "sq8"},
    {"dense_ann": "hnsw", "dense_codec": "fp32"},
    {"dense_ann": "hnsw", "dense_codec": "fp16"},
    {"dense_ann": "hnsw", "dense_codec": "fp16", "hnsw_ef_search": 256},
    {"dense_ann": "hnsw", "dense_codec": "sq8"},
    {"dense_ann": "ivf", "dense_codec": "sq8", "ivf_nprobe": 32},
    {"dense_ann": "ivf", "dense_codec": "fp16", "ivf_nprobe": 32},
    {"dense_ann": "ivf", "dense_codec": "sq8"},
    {"dense_ann": "ivf", "dense_codec": "fp16"},
]


class RowSpec(BaseModel):
    """One row of the table: a size, real or synthetic vectors, and RetrievalSettings fields to override."""

    size: str
    n: int
    data: str
    settings: dict = {}

    @property
    def index_key(self) -> str:
        """Names the saved index by what it is: rows that differ only in search-time settings share one build."""
        settings = RetrievalSettings(**self.settings)
        built = {f: getattr(settings, f) for f in BUILD_FIELDS if f != "exact_search_max"}
        digest = hashlib.sha256(json.dumps(built, sort_keys=True).encode()).hexdigest()[:8]
        return f"{self.data}-{self.n}-{kind_for(self.n, settings)}-{digest}"


class RowResult(BaseModel):
    """Everything measured for one row (`update` stays None until measured)."""

    size: str
    n: int
    data: str
    kind: str
    settings: dict
    forced: bool
    build_seconds: float
    vectors_per_second: float
    texts_per_second: float | None = None
    encode_seconds: float | None = None
    save_seconds: float
    open_ms: float
    p50_ms: float
    p95_ms: float
    queries: int
    depth: int
    recall_at_10: float
    recall_at_10_mixture: float | None = None
    build_rss_mb: float
    search_rss_mb: float
    search_baseline_rss_mb: float
    disk_mb: float
    update: scale_update.UpdateCost | None = None

    @property
    def label(self) -> str:
        """The kind, with any other setting the row overrides, and whether it was forced below its size."""
        extra = [f"{k}={v}" for k, v in self.settings.items()
                 if k not in ("exact_search_max", "dense_ann", "dense_codec")]
        below = self.forced and self.n <= RetrievalSettings().exact_search_max
        return " ".join([self.kind, *extra]) + (" (forced)" if below else "")

    @classmethod
    def assemble(cls, spec: RowSpec, data: dict, built: dict, searched: dict, update: dict) -> RowResult:
        return cls(size=spec.size, n=spec.n, data=spec.data, settings=spec.settings,
                   forced=spec.settings.get("exact_search_max") == 0, update=update or None, **data, **built,
                   **searched)


def cores() -> int:
    return os.cpu_count() or 1


def build_threads() -> int:
    return RetrievalSettings().build_threads or cores()


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def data_dir(spec: RowSpec, out: Path) -> Path:
    return out / "data" / f"{spec.data}-{spec.n}"


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10, block: int = 100_000) -> np.ndarray:
    """Row numbers of each query's k best vectors by exact float32 inner product, reading `block` rows at a time."""
    rows, scores = [], []
    for start in range(0, len(vectors), block):
        part = queries @ np.asarray(vectors[start:start + block], dtype=np.float32).T
        top = np.argpartition(-part, k - 1, axis=1)[:, :k] if part.shape[1] > k else np.argsort(-part, axis=1)
        rows.append(top + start)
        scores.append(np.take_along_axis(part, top, 1))
    order = np.argsort(-np.concatenate(scores, 1), axis=1, kind="stable")[:, :k]
    return np.take_along_axis(np.concatenate(rows, 1), order, 1)


def prepare(spec: RowSpec, out: Path) -> dict:
    """Write vectors.npy, queries.npy and truth.npy for the row's data once (later runs reuse them). Every row is
    queried with the real questions' vectors; synthetic rows also with queries drawn from the mixture, which sit
    among the passages as questions do not (their recall is reported apart)."""
    folder = data_dir(spec, out)
    real, real_queries, sample = scale_data.load_or_encode(out, REAL_PASSAGES, QUERIES)
    info = {"texts_per_second": sample.texts_per_second, "encode_seconds": sample.encode_seconds} \
        if spec.data == "real" else {}
    if (folder / "truth.npy").exists():
        return info
    folder.mkdir(parents=True, exist_ok=True)
    queries = real_queries
    if spec.data == "real":
        if spec.n > len(real):
            raise ValueError(f"the real sample has {len(real)} passages, not {spec.n}")
        np.save(folder / "vectors.npy", real[:spec.n])
    else:
        mixture = scale_data.Mixture(real, seed=SEED)
        scale_data.write_synthetic(folder / "vectors.npy", mixture, spec.n, SEED)
        queries = np.concatenate([real_queries, mixture.sample(QUERIES, SEED - 1)])
    np.save(folder / "queries.npy", queries)
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    np.save(folder / "truth.npy", exact_top(vectors, queries))
    return info


def build(spec: RowSpec, out: Path) -> dict:
    """Build the row's index from the memory-mapped vectors and save it; time and peak RSS of this alone. An index
    built before with the same build settings is reused with the figures measured then."""
    settings = RetrievalSettings(**spec.settings)
    folder = out / "index" / spec.index_key
    if (folder / "build.json").exists():
        return json.loads((folder / "build.json").read_text())
    vectors = np.load(data_dir(spec, out) / "vectors.npy", mmap_mode="r")
    ids = np.arange(len(vectors), dtype=np.int64)
    started = time.perf_counter()
    dense = DenseIndex.build(ids, vectors, settings)
    seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dense.save(folder / "dense.faiss")
    result = {"kind": dense.kind, "build_seconds": seconds, "vectors_per_second": len(ids) / seconds,
              "save_seconds": time.perf_counter() - started, "build_rss_mb": peak_rss_mb(),
              "disk_mb": (folder / "dense.faiss").stat().st_size / 1e6}
    (folder / "build.json").write_text(json.dumps(result))
    return result


def warm_page_cache(path: Path) -> None:
    """Read the file once (plain reads, which do not count in this process's RSS) so timings are of a server
    whose index pages are cached, not of the disk."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def search(spec: RowSpec, out: Path) -> dict:
    """Open the saved index as the product does and search one query at a time at the product's depth; recall@10
    of the real questions and, apart, of the mixture's queries."""
    settings = RetrievalSettings(**spec.settings)
    folder = out / "index" / spec.index_key
    queries = np.load(data_dir(spec, out) / "queries.npy")
    truth = np.load(data_dir(spec, out) / "truth.npy")
    warm_page_cache(folder / "dense.faiss")
    baseline = peak_rss_mb()
    started = time.perf_counter()
    dense = DenseIndex.load(folder / "dense.faiss", json.loads((folder / "build.json").read_text())["kind"], settings)
    open_ms = (time.perf_counter() - started) * 1000
    depth = max(settings.candidates, settings.k)
    for q in queries[:WARM_UP]:
        dense.search(q, depth)
    times, found = [], np.zeros(len(queries))
    deadline = time.perf_counter() + SEARCH_SECONDS
    for i, (q, expected) in enumerate(zip(queries, truth)):
        started = time.perf_counter()
        ids, _ = dense.search(q, depth)
        times.append(time.perf_counter() - started)
        found[i] = len(set(ids[:10].tolist()) & set(expected[:10].tolist())) / 10
        if time.perf_counter() > deadline:
            break
    ms = np.array(times) * 1000
    real, mixture = found[:min(QUERIES, len(times))], found[QUERIES:len(times)]
    return {"open_ms": open_ms, "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "queries": len(times), "depth": depth, "recall_at_10": float(real.mean()),
            "recall_at_10_mixture": float(mixture.mean()) if len(mixture) else None,
            "search_rss_mb": peak_rss_mb(), "search_baseline_rss_mb": baseline}


def update(spec: RowSpec, out: Path) -> dict:
    """Add and remove one article on a 10k real-text index built with rag.build (see scale_update)."""
    return scale_update.measure_real(out / "update", REAL_PASSAGES).model_dump()


STEPS = {"prepare": prepare, "build": build, "search": search, "update": update}

if __name__ == "__main__":
    step, raw, out_dir = sys.argv[1:4]
    print(json.dumps(STEPS[step](RowSpec.model_validate_json(raw), Path(out_dir))))
