"""Benchmark: query and batch encoding on PyTorch vs ONNX Runtime, hybrid search against a stock encode, and what
dynamic int8 quantisation costs in retrieval quality.

    python benchmarks/bench_encoding.py              # query latency, batch throughput, search on the seeds (~2 min)
    python benchmarks/bench_encoding.py --int8       # also SciFact nDCG@10 with fp32 vs int8 ONNX (~15 min)

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench import timed  # the scripts share this folder

import rag
from rag.embedding import SentenceTransformerEmbedder, default_model_path
from rag.onnx_embedding import OnnxEmbedder
from rag.settings import EmbeddingSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def p50(call, inputs: list[str]) -> tuple[float, float]:
    """(p50, p95) in ms of call(x) over inputs, after 5 warm-up calls."""
    for x in inputs[:5]:
        call(x + " warm")
    ms = np.array(timed(call, inputs)) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def queries(n: int) -> list[str]:
    """Distinct question-like strings (distinct so no cache answers them)."""
    import json
    base = [json.loads(line)["question"] for line in (ROOT / "tests/data/bbc_dev_questions.jsonl").open()]
    return [f"{base[i % len(base)]} ({i})" for i in range(n)]


def passages(n: int) -> list[str]:
    files = sorted((SHARED / "corpora/bbc-news-dev").rglob("*.txt"))[:n]
    return [" ".join(f.read_text(encoding="utf-8", errors="replace").split()[:150]) for f in files]


def bench_queries_and_batches() -> None:
    from sentence_transformers import SentenceTransformer

    stock = SentenceTransformer(str(default_model_path()), device="cpu")
    qs = queries(200)
    print("query encoding, 200 distinct queries, 2 cores")
    stock_p50, stock_p95 = p50(lambda q: stock.encode([q]), qs)
    print(f"  stock SentenceTransformer.encode([q])   p50 {stock_p50:5.1f} ms  p95 {stock_p95:5.1f} ms")
    torch_embedder = SentenceTransformerEmbedder(EmbeddingSettings(backend="torch"))
    t50, t95 = p50(torch_embedder._encode_query, qs)
    print(f"  rag torch (direct forward)               p50 {t50:5.1f} ms  p95 {t95:5.1f} ms")
    for threads in (1, 2):
        onnx = OnnxEmbedder(EmbeddingSettings(backend="onnx", onnx_threads=threads))
        o50, o95 = p50(onnx._encode_query, qs)
        print(f"  rag onnx, {threads} thread(s)                   p50 {o50:5.1f} ms  p95 {o95:5.1f} ms")
    texts = passages(512)
    print("batch encoding, 512 BBC passages of 150 words")
    for name, embedder in (("torch", torch_embedder), ("onnx", OnnxEmbedder(EmbeddingSettings(backend="onnx")))):
        started = time.perf_counter()
        embedder.embed_passages(texts)
        seconds = time.perf_counter() - started
        print(f"  {name:5s} {seconds:5.1f} s = {len(texts) / seconds:5.1f} passages/s")

    print("hybrid search on the seeds (engine, distinct uncached queries) against the stock encode above")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("torch", "onnx"):
            settings = Settings(embedding=EmbeddingSettings(backend=backend))
            engine = rag.load(corpus_dir=ROOT / "seeds", index_dir=Path(tmp) / backend, settings=settings)
            s50, s95 = p50(lambda q: engine.search(q, k=5, mode="hybrid"), queries(200))
            print(f"  {backend:5s} hybrid search p50 {s50:5.1f} ms  p95 {s95:5.1f} ms = {s50 / stock_p50:.2f}x stock")


PER_CHANNEL = True


def bench_int8() -> None:
    """SciFact nDCG@10 (dense and hybrid) with the fp32 export against a dynamically quantised int8 copy."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.evaluation.beir_eval import run_beir

    folder = SHARED / "benchmarks/beir/scifact"
    fp32 = OnnxEmbedder(EmbeddingSettings(backend="onnx"))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "fp32.onnx"
        target = Path(tmp) / "int8.onnx"
        from rag.onnx_embedding import export
        export(default_model_path(), source)
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=PER_CHANNEL)
        int8 = OnnxEmbedder(EmbeddingSettings(backend="onnx"))
        int8.session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        texts = passages(256)
        a, b = fp32.embed_passages(texts), int8.embed_passages(texts)
        print(f"int8 vs fp32 cosine over 256 passages: mean {np.mean(np.sum(a * b, 1)):.4f}, "
              f"min {np.min(np.sum(a * b, 1)):.4f}")
        for name, embedder in (("fp32", fp32), ("int8", int8)):
            started = time.perf_counter()
            report = run_beir(folder, modes=("dense", "hybrid"), embedder=embedder, progress=False)
            scores = ", ".join(f"{m.mode} nDCG@10 {m.ndcg_at_10:.4f}" for m in report.modes)
            print(f"  {name}: {scores}  (index {report.index_seconds:.0f} s, total {time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--int8", action="store_true", help="also measure int8 quantisation on SciFact")
    args = parser.parse_args()
    bench_queries_and_batches()
    if args.int8:
        bench_int8()


if __name__ == "__main__":
    main()
