"""The same sentence-transformers model run by ONNX Runtime: about 3x faster per query on CPU, identical vectors.

The model is exported locally from the installed weights on first use (torch.onnx, no download), checked against
PyTorch on probe sentences (cosine >= `EmbeddingSettings.onnx_min_cosine`) and cached under
`EmbeddingSettings.onnx_cache_dir`, keyed by the weights' checksum, so every later process just opens the file.
Tokenisation is the model's own `tokenizer.json` through the `tokenizers` library; pooling and normalisation follow
the model's sentence-transformers configuration.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.embedding import Embedder, default_model_path
from rag.errors import ModelLoadError
from rag.settings import EmbeddingSettings

log = logging.getLogger(__name__)

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# sentences of several lengths and kinds, to check an export against PyTorch before it is used
PROBES = ("What is the city's 2025 target for the urban-rural income ratio?",
          "Shares in the bank fell 3.5% to £8.20 after it reported a £1.2bn loss for the year to March.",
          "The match ended 3-1. " * 30, "Ça va? Über-teuer — 東京 🙂")


def available() -> bool:
    """ONNX Runtime and the exporter's `onnx` package are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _pooling(path: Path) -> tuple[str, int, bool]:
    """(pooling mode, max tokens, normalise) from the model's sentence-transformers files."""
    modules = json.loads((path / "modules.json").read_text(encoding="utf-8")) if (path / "modules.json").exists() \
        else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    pooling = next((m for m in modules if m.get("type", "").endswith("Pooling")), None)
    if pooling is None:
        raise ModelLoadError(f"{path} has no sentence-transformers pooling module")
    config = json.loads((path / pooling["path"] / "config.json").read_text(encoding="utf-8"))
    if config.get("pooling_mode_mean_tokens"):
        mode = "mean"
    elif config.get("pooling_mode_cls_token"):
        mode = "cls"
    else:
        raise ModelLoadError(f"{path}: only mean and CLS pooling run on ONNX here; use backend 'torch'")
    if set(kinds) - {"Transformer", "Pooling", "Normalize"}:
        raise ModelLoadError(f"{path} has modules ONNX export here does not cover ({kinds}); use backend 'torch'")
    st_config = path / "sentence_bert_config.json"
    max_tokens = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length", 512) if st_config.exists() \
        else 512
    return mode, int(max_tokens), "Normalize" in kinds


def _weights_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        if (path / name).is_file():
            with open(path / name, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:24]


def export(path: Path, target: Path) -> None:
    """Write the transformer of the model at `path` as ONNX to `target` (atomically), with dynamic batch and length."""
    import torch
    from transformers import AutoModel

    # eager attention traces to plain ONNX ops (the SDPA path branches on Python values while tracing)
    model = AutoModel.from_pretrained(str(path), local_files_only=True, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)

    def write(tmp: str) -> None:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about constant shapes, which the dynamic axes cover
            torch.onnx.export(Hidden(model), (sample, sample, torch.zeros_like(sample)), tmp, input_names=list(INPUTS),
                              output_names=["hidden"], opset_version=OPSET, dynamo=False,
                              dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")})

    # an unwritable cache folder or a failed export: the caller falls back to PyTorch
    write_atomically(target, write, f"the ONNX export to {target.parent}", f"export {path} to ONNX")


def write_atomically(target: Path, write: Callable[[str], None], what: str, doing: str) -> None:
    """Have `write` fill a temporary file beside `target`, then put it in place in one step, so a reader never
    opens half a model; ModelLoadError ("cannot write `what`", "cannot `doing`") when either fails."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".write-", suffix=".onnx")
    except OSError as exc:  # a read-only cache folder
        raise ModelLoadError(f"cannot write {what}: {exc}") from exc
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except Exception as exc:  # the exporter and the quantiser raise many types
        raise ModelLoadError(f"cannot {doing}: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class OnnxEmbedder(Embedder):
    """The sentence-transformers model on ONNX Runtime (CPU); vectors match PyTorch to cosine >= 0.9999."""

    def __init__(self, settings: EmbeddingSettings, reference: Embedder | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        super().__init__(settings.query_cache_size)
        self.settings, self.name, self.backend = settings, settings.model_name, "onnx"
        path = Path(settings.model_path) if settings.model_path else default_model_path()
        if not (path / "tokenizer.json").is_file():
            raise ModelLoadError(f"{path} has no tokenizer.json, which ONNX Runtime needs; use backend 'torch'")
        self.pooling, self.max_tokens, self.normalise = _pooling(path)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.no_padding()
        cache = Path(settings.onnx_cache_dir).expanduser() if settings.onnx_cache_dir else _default_cache()
        model_file = cache / f"{path.name}-{_weights_digest(path)}-opset{OPSET}.onnx"
        fresh = not model_file.is_file()
        if fresh:
            log.info("exporting %s to ONNX at %s (once)", self.name, model_file)
            export(path, model_file)
        options = ort.SessionOptions()
        options.intra_op_num_threads = settings.onnx_threads
        options.inter_op_num_threads = 1
        self.options, self.model_file = options, model_file
        self._int8: OnnxEmbedder | ModelLoadError | None = None  # made on first use (sentence_vectors='int8')
        self._int8_lock = threading.Lock()
        try:
            self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: export again once
            if fresh:
                raise ModelLoadError(f"ONNX Runtime cannot open the exported model {model_file}: {exc}") from exc
            log.warning("cached ONNX model %s is unreadable (%s); exporting again", model_file, exc)
            export(path, model_file)
            self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
            fresh = True  # checked against PyTorch below like any new export
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.dimension = int(self._run([self.tokenizer.encode("probe")])[0].shape[0])
        if self.dimension != settings.dimension:
            raise ModelLoadError(f"model at {path} gives {self.dimension}-dim vectors, settings expect "
                                 f"{settings.dimension}")
        if fresh and reference is not None:
            try:
                self.check_against(reference)
            except ModelLoadError:
                model_file.unlink(missing_ok=True)  # never reused by a later process
                raise
        log.info("embedder %s on ONNX Runtime (%d dims, %d-token window)", self.name, self.dimension, self.max_tokens)

    def int8(self) -> OnnxEmbedder:
        """This embedder on a dynamically quantised int8 copy of the model (per-channel weight scales), made and
        cached beside the export on first use and checked against it (cosine >= `int8_min_cosine`) whenever a
        process first opens it. ModelLoadError when it cannot be made or fails the check (remembered: one try per
        process); an unreadable cached copy is made again once."""
        with self._int8_lock:
            if isinstance(self._int8, ModelLoadError):
                raise self._int8
            if self._int8 is None:
                try:
                    self._int8 = self._open_int8()
                except ModelLoadError as exc:
                    self._int8 = exc
                    raise
            return self._int8

    def _open_int8(self) -> OnnxEmbedder:
        import copy
        from collections import OrderedDict

        import onnxruntime as ort

        target = self.model_file.with_name(f"{self.model_file.stem}-int8pc.onnx")
        fresh = not target.is_file()
        if fresh:
            self._quantise(target)
        quantised = copy.copy(self)  # shares the tokenizer and settings, not the query cache
        quantised._cache, quantised._lock, quantised._int8 = OrderedDict(), threading.Lock(), None
        try:
            quantised.session = ort.InferenceSession(str(target), self.options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged or vanished cached copy: make it again once
            if fresh:
                raise ModelLoadError(f"ONNX Runtime cannot open the int8 copy {target}: {exc}") from exc
            log.warning("cached int8 model %s is unreadable (%s); quantising again", target, exc)
            self._quantise(target)
            quantised.session = ort.InferenceSession(str(target), self.options, providers=["CPUExecutionProvider"])
        lowest = quantised.probe_cosine(self)
        if lowest < self.settings.int8_min_cosine:
            target.unlink(missing_ok=True)
            raise ModelLoadError(f"the int8 copy of {self.name} differs from the model (cosine {lowest:.4f} < "
                                 f"{self.settings.int8_min_cosine})")
        quantised._int8 = quantised
        return quantised

    def _quantise(self, target: Path) -> None:
        """Write the per-channel int8 copy of the export to `target` (atomically)."""
        from onnxruntime.quantization import QuantType, quantize_dynamic

        write_atomically(target, lambda tmp: quantize_dynamic(str(self.model_file), tmp, weight_type=QuantType.QInt8,
                                                              per_channel=True),
                         f"the int8 copy to {target.parent}", f"quantise {self.model_file} to int8")

    def check_against(self, reference: Embedder) -> float:
        """The lowest cosine between this embedder's and `reference`'s vectors of the probe sentences; raises
        ModelLoadError below `onnx_min_cosine` (an export that does not reproduce the model is never used)."""
        lowest = self.probe_cosine(reference)
        if lowest < self.settings.onnx_min_cosine:
            raise ModelLoadError(f"the ONNX export of {self.name} differs from PyTorch (cosine {lowest:.5f} < "
                                 f"{self.settings.onnx_min_cosine}); use backend 'torch'")
        return lowest

    def probe_cosine(self, reference: Embedder) -> float:
        """The lowest cosine between this embedder's and `reference`'s vectors of the probe sentences."""
        return float(np.min(np.sum(self.embed_passages(PROBES) * reference.embed_passages(PROBES), axis=1)))

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Batches of similar length (little padding), in the input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts)) if texts else []
        for rows in self._batches(encodings, progress):
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _batches(self, encodings: list, progress: bool):
        """Row numbers in batches of similar token length, longest first."""
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")[::-1]
        steps = range(0, len(order), self.settings.batch_size)
        if progress:
            from tqdm.auto import tqdm
            steps = tqdm(steps, desc="embedding", unit="batch")
        for begin in steps:
            yield order[begin:begin + self.settings.batch_size]

    def embed_pooled(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: bool = False
                     ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors and, from the same forward pass, a vector for each character span of each text, mean-pooled
        from the span's token states ("late chunking"); None for a span the token window cut off."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[None] * len(s) for s in spans]
        encodings = self.tokenizer.encode_batch(list(texts)) if texts else []
        for rows in self._batches(encodings, progress):
            vectors, hidden = self._run([encodings[i] for i in rows], with_states=True)
            out[rows] = vectors
            for j, row in enumerate(rows):
                e = encodings[row]
                ends = np.array([b if not special else -1 for (_, b), special in zip(e.offsets, e.special_tokens_mask)])
                starts = np.array([a for a, _ in e.offsets])
                for n, (a, b) in enumerate(spans[row]):
                    inside = (starts >= a) & (ends <= b) & (ends > a)
                    if inside.any():
                        v = hidden[j, :len(e.ids)][inside].mean(axis=0)
                        pooled[row][n] = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
        return out, pooled

    def _encode_query(self, text: str) -> np.ndarray:
        encoding = self.tokenizer.encode(text)
        if len(encoding.overflowing):
            log.warning("query of %d characters is longer than the model's %d-token window; truncated", len(text),
                        self.max_tokens)
        return self._run([encoding])[0]

    def _run(self, encodings: list, with_states: bool = False):
        width = max(len(e.ids) for e in encodings)
        feeds = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
        for row, e in enumerate(encodings):
            n = len(e.ids)
            feeds["input_ids"][row, :n] = e.ids
            feeds["attention_mask"][row, :n] = e.attention_mask
            feeds["token_type_ids"][row, :n] = e.type_ids
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        if self.normalise:
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return (vectors, hidden) if with_states else vectors


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rag" / "onnx"
