"""Dense retrieval over FAISS with stable int64 passage ids: exact float32 search for small corpora; above a size,
compressed vectors (float16, or 8-bit codes whose best candidates are rescored with float16 copies) in IVF or HNSW."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import faiss
import numpy as np

from rag.settings import RetrievalSettings

log = logging.getLogger(__name__)

# One query at a time is searched; FAISS's OpenMP workers would otherwise spin after each search and fight the
# embedder's torch threads for the cores (measured: hybrid search p50 28 ms -> 14 ms on 2 cores).
faiss.omp_set_num_threads(1)

# Saved indexes are opened memory-mapped (IO_FLAG_MMAP_IFC maps flat codes, HNSW graphs and inverted lists), so a
# big index costs page cache, not process memory, and 1M vectors open in 0.14 s; a FAISS without the flag reads the
# file into memory instead.
_MMAP = getattr(faiss, "IO_FLAG_MMAP_IFC", 0) | (faiss.IO_FLAG_READ_ONLY if hasattr(faiss, "IO_FLAG_MMAP_IFC") else 0)
_CODECS = {"sq8": "SQ8", "fp16": "SQfp16", "fp32": "Flat"}
_QTYPES = {faiss.ScalarQuantizer.QT_8bit: "sq8", faiss.ScalarQuantizer.QT_fp16: "fp16"}
# The RetrievalSettings fields a built index depends on (the others apply at search time, through `configure`).
BUILD_FIELDS = ("exact_search_max", "dense_ann", "dense_codec", "hnsw_m", "hnsw_ef_construction",
                "ivf_lists_per_sqrt", "train_sample")
_ADD_BLOCK = 65_536  # vectors converted to float32 and added at a time, so a memory-mapped input is never copied whole


def kind_for(size: int, settings: RetrievalSettings) -> str:
    """The kind of index `build` makes for `size` passages: "flat" (exact, float32) up to `exact_search_max`, else
    "<structure>-<codec>" ("hnsw-sq8", "ivf-fp16", ...), or the bare structure when the codec is fp32 ("hnsw")."""
    if size <= settings.exact_search_max:
        return "flat"
    if settings.dense_codec == "fp32":
        return settings.dense_ann
    return f"{settings.dense_ann}-{settings.dense_codec}"


def ivf_lists(size: int, settings: RetrievalSettings) -> int:
    """Inverted lists for `size` vectors: `ivf_lists_per_sqrt` * sqrt(size), but with at least 39 training vectors
    each (FAISS's own floor for k-means) and at least one list."""
    trained_on = min(size, settings.train_sample)
    return max(1, min(int(settings.ivf_lists_per_sqrt * np.sqrt(size)), trained_on // 39))


def kind_of(index: faiss.Index) -> str:
    """The kind a FAISS index actually is, read from its structure (what `load` checks the manifest against)."""
    if not isinstance(index, faiss.IndexIDMap2):
        return f"unknown ({type(index).__name__})"
    inner = faiss.downcast_index(index.index)
    rescored = isinstance(inner, faiss.IndexRefine)
    if rescored:
        refine = faiss.downcast_index(inner.refine_index)
        if not (isinstance(refine, faiss.IndexScalarQuantizer) and refine.sq.qtype == faiss.ScalarQuantizer.QT_fp16):
            return f"unknown (rescored by {type(refine).__name__})"
        inner = faiss.downcast_index(inner.base_index)
    if isinstance(inner, faiss.IndexFlat):
        structure, codec = "flat", "fp32"
    elif isinstance(inner, faiss.IndexScalarQuantizer):
        structure, codec = "flat", _QTYPES.get(inner.sq.qtype, "?")
    elif isinstance(inner, faiss.IndexHNSWFlat):
        structure, codec = "hnsw", "fp32"
    elif isinstance(inner, faiss.IndexHNSWSQ):
        structure, codec = "hnsw", _QTYPES.get(faiss.downcast_index(inner.storage).sq.qtype, "?")
    elif isinstance(inner, faiss.IndexIVFFlat):
        structure, codec = "ivf", "fp32"
    elif isinstance(inner, faiss.IndexIVFScalarQuantizer):
        structure, codec = "ivf", _QTYPES.get(inner.sq.qtype, "?")
    else:
        return f"unknown ({type(inner).__name__})"
    if rescored != (codec == "sq8") or inner.metric_type != faiss.METRIC_INNER_PRODUCT:
        return f"unknown ({structure} {codec}, rescored={rescored}, metric {inner.metric_type})"
    return structure if codec == "fp32" else f"{structure}-{codec}"


def _factory(kind: str, dim: int, size: int, settings: RetrievalSettings) -> faiss.Index:
    """An empty, untrained index of `kind`; sq8 codes always get float16 copies for rescoring (`Refine(SQfp16)`)."""
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    structure, _, codec = kind.partition("-")
    codec = codec or "fp32"
    prefix = {"hnsw": f"HNSW{settings.hnsw_m},", "ivf": f"IVF{ivf_lists(size, settings)},", "flat": ""}[structure]
    spec = f"IDMap2,{prefix}{_CODECS[codec]}" + (",Refine(SQfp16)" if codec == "sq8" else "")
    index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    inner = faiss.downcast_index(index.index)
    base = faiss.downcast_index(inner.base_index) if isinstance(inner, faiss.IndexRefine) else inner
    if structure == "hnsw":
        base.hnsw.efConstruction = settings.hnsw_ef_construction
    return index


def _sample(vectors: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    """Up to `limit` rows, evenly random and in file order (cheap on a memory-mapped array), as float32."""
    if len(vectors) <= limit:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


class DenseIndex:
    """Inner-product search over normalised vectors (cosine similarity), keyed by passage id."""

    def __init__(self, index: faiss.Index, kind: str):
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, settings: RetrievalSettings) -> DenseIndex:
        """Exact `IndexFlatIP` up to `exact_search_max` passages, else the compressed ANN index the settings name.
        `vectors` may be memory-mapped and of any float dtype: it is read in blocks."""
        dim = vectors.shape[1]
        kind = kind_for(len(ids), settings)
        index = _factory(kind, dim, len(ids), settings)
        threads = settings.build_threads or os.cpu_count() or 1
        faiss.omp_set_num_threads(1 if kind == "flat" else threads)
        try:
            if not index.is_trained:
                index.train(_sample(vectors, settings.train_sample))
            for start in range(0, len(ids), _ADD_BLOCK):
                block = np.ascontiguousarray(vectors[start:start + _ADD_BLOCK], dtype=np.float32)
                index.add_with_ids(block, np.ascontiguousarray(ids[start:start + _ADD_BLOCK], dtype=np.int64))
        finally:
            faiss.omp_set_num_threads(1)
        log.info("dense index: %s over %d passages", kind, len(ids))
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path, kind: str, settings: RetrievalSettings) -> DenseIndex:
        """Open a saved index memory-mapped; faiss raises RuntimeError on a damaged file, and a file that is not
        the kind the manifest says raises ValueError, both of which callers turn into a clear error."""
        index = faiss.read_index(str(path), _MMAP)
        actual = kind_of(index)
        if actual != kind:
            raise ValueError(f"the manifest says a {kind!r} dense index, the file holds {actual!r}")
        dense = cls(index, kind)
        dense.configure(settings)
        return dense

    def configure(self, settings: RetrievalSettings) -> None:
        """Apply search-time parameters: HNSW's efSearch, IVF's nprobe, how many candidates are rescored."""
        inner = faiss.downcast_index(self.index.index)
        if isinstance(inner, faiss.IndexRefine):
            inner.k_factor = float(settings.rescore_factor)
            inner = faiss.downcast_index(inner.base_index)
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = settings.hnsw_ef_search
        elif isinstance(inner, faiss.IndexIVF):
            inner.nprobe = min(settings.ivf_nprobe, inner.nlist)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @property
    def size(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best k (ids, scores) for one query vector, best first; fewer when the index is smaller."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
