"""Benchmark: index build rate vs raw sentence-transformers encoding, search and ask latency, peak memory.

    python benchmarks/bench.py                 # seeds only (about a minute)
    python benchmarks/bench.py --bbc           # also seeds + ../shared/corpora/bbc-news-dev, built with and without
                                               # the spaCy pass, and ask latency on it (about 10 minutes)
    python benchmarks/bench.py --scifact       # also ../shared/benchmarks/beir/scifact (several minutes on CPU)

Prints figures; asserts nothing (timing targets live in the README, not in tests).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import rag
from rag.embedding import get_embedder
from rag.indexing import in_memory
from rag.models import Document, DocumentMeta
from rag.settings import ChunkingSettings, Settings

ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float]) -> str:
    ms = np.array(values) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms   (n={len(ms)})"


def timed(call, inputs: list[str]) -> list[float]:
    """Seconds each call(input) took."""
    times = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - started)
    return times


def raw_encode_seconds(texts: list[str], settings: Settings) -> float:
    """Stock sentence-transformers encode (PyTorch) over the same texts, same batch size: the reference the pipeline
    (on ONNX Runtime by default) is compared with."""
    model = get_embedder(settings.embedding.model_copy(update={"backend": "torch"})).model
    started = time.perf_counter()
    model.encode(texts, batch_size=settings.embedding.batch_size, normalize_embeddings=True, show_progress_bar=False)
    return time.perf_counter() - started


def queries_from_question_set() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "seeds" / "questions.jsonl").read_text().splitlines()]
    questions = [r["question"] for r in rows]
    variants = [f"{q.rstrip('?')} in detail?" for q in questions]
    return (questions + variants)[:max(200, len(questions))]


def bench_seeds() -> None:
    settings = Settings()
    get_embedder(settings.embedding)  # model load is not build time
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "seeds", corpus)
        started = time.perf_counter()
        report = rag.build(corpus_dir=corpus, index_dir=Path(tmp) / "index", settings=settings)
        build_s = time.perf_counter() - started
        engine = rag.load(index_dir=Path(tmp) / "index", corpus_dir=corpus, settings=settings)
        index, texts = engine.store, []
        for entry in index.catalogue():
            text = index.document(entry.doc_id).text
            texts += [p.text for p in index.passages(index.passage_ids(entry.doc_id))]
            texts += [text[a:b] for a, b in index.sentence_block(entry.doc_id).spans]
        raw_s = raw_encode_seconds(texts, settings)
        print(f"seeds: {report.documents} docs, {report.passages} passages, {len(texts)} texts embedded "
              f"(passages + sentences)")
        print(f"  build {build_s:.2f} s = {len(texts) / build_s:.0f} texts/s; raw encode {raw_s:.2f} s = "
              f"{len(texts) / raw_s:.0f} texts/s; pipeline overhead {100 * (build_s - raw_s) / raw_s:+.0f}%")
        queries = queries_from_question_set()
        for mode in ("hybrid", "dense", "lexical"):
            engine.search("warm-up query", mode=mode)
            print(f"  search {mode:7s} {pct(timed(lambda q: engine.search(f'{q} ({mode})', mode=mode), queries))}")
        questions = [json.loads(line)["question"] + " " for line in
                     (ROOT / "seeds" / "questions.jsonl").read_text().splitlines()]
        print(f"  ask (first turn, cold query cache) {pct(timed(engine.ask, questions))}")
        print(f"  ask (warm: same questions again)   {pct(timed(engine.ask, questions))}")


def bench_scifact(folder: Path) -> None:
    from rag.evaluation.beir_data import load_beir

    data = load_beir(folder)
    settings = Settings(index_sentences=False, index_analysis=False,
                        chunking=ChunkingSettings(target_words=100_000, max_words=100_000, overlap_sentences=0))
    docs = [Document(doc_id=d.id, source=d.id, text=d.embedding_text, meta=DocumentMeta(title=d.title or None),
                     content_hash=d.id) for d in data.corpus]
    embedder = get_embedder(settings.embedding)
    started = time.perf_counter()
    index = in_memory(docs, settings, embedder)
    build_s = time.perf_counter() - started
    raw_s = raw_encode_seconds([d.embedding_text for d in data.corpus], settings)
    n = index.count()
    print(f"scifact: {len(docs)} docs -> {n} passages")
    print(f"  build {build_s:.1f} s = {n / build_s:.1f} passages/s; raw encode {raw_s:.1f} s = {n / raw_s:.1f}/s; "
          f"pipeline overhead {100 * (build_s - raw_s) / raw_s:+.1f}%")
    engine = rag.Engine(settings, index, embedder, persistent=False)
    queries = list(data.queries.values())
    for mode in ("hybrid", "dense", "lexical"):  # distinct text per mode: no query-cache hits
        print(f"  search {mode:7s} {pct(timed(lambda q: engine.search(f'{q} ({mode})', k=10, mode=mode), queries))}")


def bench_bbc(folder: Path, limit: int | None) -> None:
    """Seeds + BBC articles: build time with and without the spaCy analysis (its overhead), then ask latency."""
    from rag.evaluation.questions import load_questions

    files = sorted(folder.glob("bbc_*.txt"))[:limit]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "seeds", corpus)
        for path in files:
            shutil.copyfile(path, corpus / path.name)
        seconds = {}
        for analysis in (False, True):
            settings = Settings(index_analysis=analysis)
            get_embedder(settings.embedding)
            started = time.perf_counter()
            report = rag.build(corpus_dir=corpus, index_dir=Path(tmp) / f"index-{analysis}", settings=settings)
            seconds[analysis] = time.perf_counter() - started
        print(f"seeds + bbc: {report.documents} docs, {report.passages} passages")
        print(f"  build without analysis {seconds[False]:.1f} s, with spaCy analysis and word lexicon "
              f"{seconds[True]:.1f} s: NLP pass adds {100 * (seconds[True] - seconds[False]) / seconds[False]:+.0f}%")
        engine = rag.load(index_dir=Path(tmp) / "index-True", corpus_dir=corpus)
        questions = [q.question for q in load_questions(ROOT / "tests" / "data" / "bbc_dev_questions.jsonl")
                     if not q.history]
        engine.ask("warm-up question about the budget?")
        print(f"  ask, BBC development questions (first turn, cold query cache) {pct(timed(engine.ask, questions))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", action="store_true", help="also benchmark the SciFact corpus")
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "beir")
    parser.add_argument("--bbc", action="store_true", help="also benchmark seeds + the BBC development corpus")
    parser.add_argument("--bbc-dir", type=Path, default=ROOT.parent / "shared" / "corpora" / "bbc-news-dev")
    parser.add_argument("--bbc-limit", type=int, default=None, help="use only the first N BBC articles")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores, "
          f"python {platform.python_version()}")
    bench_seeds()
    if args.bbc:
        bench_bbc(args.bbc_dir, args.bbc_limit)
    if args.scifact:
        bench_scifact(args.beir / "scifact")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
