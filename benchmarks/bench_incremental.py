"""Benchmark: the incremental index (issue #11) — does a corpus built in 10 commits rank as one built at once, and
what does adding or removing one article cost?

    python benchmarks/bench_incremental.py beir [--datasets scifact nfcorpus] [--reembed]  # nDCG@10, 10 commits vs 1
    python benchmarks/bench_incremental.py bbc [--corpus /tmp/corpus_bbc]       # seeds + BBC: add / remove one article
    python benchmarks/bench_incremental.py synthetic [--passages 100000]        # the same on a 100k-passage index

`beir` embeds each corpus once and gives every build the same vectors (`Remembering`), so the figures isolate what
the store does; `--reembed` adds a build whose batches are embedded as they are committed, as a real incremental
build's are (vectors then differ in the last digits with the batch they were padded in). SciFact comes first and
NFCorpus is the held-out check. `bbc` builds the seeds + BBC index once
(about 4 minutes) under runs/bench-incremental/ and reuses it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402
from rag import indexing  # noqa: E402
from rag.embedding import Remembering, get_embedder  # noqa: E402
from rag.evaluation.beir_data import load_beir  # noqa: E402
from rag.evaluation.beir_eval import MODES, beir_settings, evaluate_mode, to_documents, warm_query_vectors  # noqa: E402
from rag.lexicon import Lexicon  # noqa: E402
from rag.models import Chunk, Document  # noqa: E402
from rag.passage_store import IndexedDocument, SentenceBlock  # noqa: E402
from rag.segment_store import SegmentStore  # noqa: E402
from rag.settings import Settings  # noqa: E402

BEIR = ROOT.parent / "shared" / "benchmarks" / "beir"


# --- what a change writes ------------------------------------------------------------------------------------------


def files(folder: Path) -> dict[Path, tuple[int, int, int]]:
    """Every file under `folder` with (size, mtime, inode): a file that is new or differs was written."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[path] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def written(folder: Path, before: dict[Path, tuple[int, int, int]]) -> int:
    """Bytes of the files under `folder` written since `before` was taken."""
    return sum(meta[0] for path, meta in files(folder).items() if before.get(path) != meta)


def index_bytes(folder: Path) -> int:
    return sum(meta[0] for meta in files(folder).values())


def timed_change(folder: Path, change) -> tuple[float, int]:
    before = files(folder)
    started = time.perf_counter()
    change()
    return time.perf_counter() - started, written(folder, before)


def summary(label: str, runs: list[tuple[float, int]], total: int) -> None:
    seconds, sizes = [s for s, _ in runs], [b for _, b in runs]
    print(f"  {label}: {statistics.median(seconds):.2f} s median, {max(seconds):.2f} s max; "
          f"{statistics.median(sizes) / 1e3:.0f} KB median, {max(sizes) / 1e3:.0f} KB max written "
          f"({100 * statistics.median(sizes) / total:.3f}% / {100 * max(sizes) / total:.3f}% of the index)")


# --- BEIR: 10 commits against one ----------------------------------------------------------------------------------


def batched(docs: list[Document], settings: Settings, embedder, folder: Path, churn: float = 0.0) -> SegmentStore:
    """`docs` committed in 10 batches to a store at `folder`; with `churn`, each commit also replaces that share of
    the documents already indexed (the same text again: their old passages become tombstones)."""
    settings = settings.model_copy(update={"index_dir": folder})
    index = SegmentStore(settings, folder)
    rng = np.random.default_rng(11)
    done: list[Document] = []
    for batch in np.array_split(np.arange(len(docs)), 10):
        again = [done[i] for i in rng.choice(len(done), int(churn * len(done)), replace=False)] if churn else []
        new = [docs[i] for i in batch]
        indexing.apply_changes(index, new + again, [], embedder, settings)
        index.commit()
        done += new
    return SegmentStore.open(folder, settings)  # served from disk, as another process would


def bench_beir(names: list[str], reembed: bool) -> None:
    for name in names:
        dataset = load_beir(BEIR / name)
        settings = beir_settings()
        embedder = Remembering(get_embedder(settings.embedding))
        docs = to_documents(dataset)
        started = time.perf_counter()
        one_shot = indexing.in_memory(docs, settings, embedder, progress=True)
        print(f"\n{name}: {len(docs)} documents, {len(dataset.queries)} judged queries; embedded and indexed in "
              f"{time.perf_counter() - started:.0f} s")
        warm_query_vectors(embedder, dataset, progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            builds = {"one commit": one_shot,
                      "10 commits": batched(docs, settings, embedder, Path(tmp) / "ten"),
                      "10 commits, each replacing 5% of earlier documents":
                          batched(docs, settings, embedder, Path(tmp) / "churn", churn=0.05)}
            if reembed:
                builds["10 commits, each batch embedded when committed"] = batched(docs, settings, embedder.inner,
                                                                                   Path(tmp) / "reembed")
            for label, index in builds.items():
                if isinstance(index, SegmentStore):
                    print(f"  {label}: {len(index.segment_names())} segments, {index.count()} live passages")
            scores = {label: {m: evaluate_mode(index, embedder, dataset, settings, m, progress=False).ndcg_at_10
                              for m in MODES} for label, index in builds.items()}
        print("\n| build | " + " | ".join(f"nDCG@10 {m}" for m in MODES) + " |\n|---|" + "---|" * len(MODES))
        reference = scores["one commit"]
        for label, by_mode in scores.items():
            cells = [f"{by_mode[m]:.4f}" + ("" if label == "one commit" else f" ({by_mode[m] - reference[m]:+.4f})")
                     for m in MODES]
            print(f"| {label} | " + " | ".join(cells) + " |")


# --- seeds + BBC: one article in and out ---------------------------------------------------------------------------


def bench_bbc(corpus_source: Path, trials: int) -> None:
    work = ROOT / "runs" / "bench-incremental" / "bbc"
    corpus, index = work / "corpus", work / "index"
    if not (index / "CURRENT").exists():
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(corpus_source, corpus)
        started = time.perf_counter()
        report = rag.build(corpus_dir=corpus, index_dir=index, progress=True)
        print(f"built {report.documents} documents, {report.passages} passages in {time.perf_counter() - started:.0f} s")
    engine = rag.load(index_dir=index, corpus_dir=corpus)
    passages, total = engine.store.count(), index_bytes(index)
    print(f"\nseeds + BBC: {len(engine.documents())} documents, {passages} passages, {total / 1e6:.0f} MB on disk "
          f"({total / passages / 1e3:.1f} KB a passage: a 100k-passage index would be {total / passages * 1e5 / 1e9:.1f}"
          " GB)")
    sources = sorted(p for p in corpus.glob("bbc_*.txt"))[:trials]
    engine.search("warm up the query path")
    commits: list[float] = []
    commit = engine.store.commit

    def timed_commit() -> None:  # how much of an add is the commit itself (the rest is reading and embedding)
        started = time.perf_counter()
        commit()
        commits.append(time.perf_counter() - started)

    engine.store.commit = timed_commit
    with tempfile.TemporaryDirectory() as tmp:
        adds, removes, names = [], [], []
        for n, source in enumerate(sources):
            upload = Path(tmp) / f"bench_added_{n:02d}.txt"
            shutil.copyfile(source, upload)
            adds.append(timed_change(index, lambda: engine.add_documents([upload])))
            names.append(upload.stem)
        added_passages = [len(engine.store.passage_ids(name)) for name in names]
        add_commits, commits[:] = list(commits), []
        started = time.perf_counter()
        reader = SegmentStore.open(index, engine.settings)
        full_load = time.perf_counter() - started
        for name in names:
            removes.append(timed_change(index, lambda: engine.remove_documents([name])))
        started = time.perf_counter()
        reader.refresh()
        refresh = time.perf_counter() - started
    print(f"  {len(adds)} articles added one at a time (read, clean, chunk, analyse, embed passages, sentences and "
          f"new words, commit), then removed one at a time; the index ends with {len(engine.store.segment_names())} "
          "segments:")
    summary("add one article", adds, total)
    print(f"    ({min(added_passages)} to {max(added_passages)} passages an article; of an add, the commit took "
          f"{statistics.median(add_commits):.2f} s median, {max(add_commits):.2f} s max)")
    summary("remove one article", removes, total)
    print(f"  another process: open the index {full_load:.2f} s; pick up the {len(names)} removals {refresh:.2f} s")


# --- a 100k-passage index of synthetic vectors ---------------------------------------------------------------------


def synthetic_doc(doc_id: str, rng: np.random.Generator, vocabulary: np.ndarray, dim: int, passages: int = 10,
                  sentences: int = 5) -> IndexedDocument:
    """A document of `passages` passages of `sentences` sentences of random words, with random unit vectors and
    3 KB analyses (what a spaCy analysis of a 140-word passage weighs)."""
    texts, spans, chunks, at = [], [], [], 0
    for n in range(passages):
        parts = [" ".join(rng.choice(vocabulary, 28)) + "." for _ in range(sentences)]
        for part in parts:
            spans.append((at, at + len(part)))
            at += len(part) + 1
        text = " ".join(parts)
        chunks.append(Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:{n}", text=text, start=at - len(text) - 1,
                            end=at - 1))
        texts.append(text)
        at += 1
    body = "  ".join(texts)

    def unit(shape):
        x = rng.normal(size=shape).astype(np.float32)
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    document = Document(doc_id=doc_id, source=f"{doc_id}.txt", text=body, content_hash=doc_id)
    return IndexedDocument(document=document, chunks=chunks, vectors=unit((passages, dim)),
                           analyses=[rng.bytes(3000) for _ in chunks],
                           sentences=SentenceBlock(np.array(spans, np.int64), unit((len(spans), dim))))


def bench_synthetic(total_passages: int, trials: int) -> None:
    rng = np.random.default_rng(5)
    vocabulary = np.array([f"w{n}" for n in range(30_000)])
    settings = Settings()
    dim = settings.embedding.dimension
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        index = SegmentStore(settings.model_copy(update={"index_dir": folder}), folder)
        started = time.perf_counter()
        per_commit = 10_000
        for start in range(0, total_passages, per_commit):  # segments of 10k passages (flat, below exact_search_max)
            index.add_documents([synthetic_doc(f"d{start + n:07d}", rng, vocabulary, dim)
                                 for n in range(0, per_commit, 10)],
                                Lexicon([f"word{start}"], np.ones((1, dim), np.float16)))
            index.commit()
        total = index_bytes(folder)
        print(f"\nsynthetic: {index.count()} passages in {len(index.segment_names())} segments, {total / 1e9:.2f} GB, "
              f"built in {time.perf_counter() - started:.0f} s")
        reader = SegmentStore.open(folder, index.settings)
        adds, removes = [], []
        for n in range(trials):
            doc = synthetic_doc(f"new{n:03d}", rng, vocabulary, dim)

            def add(doc=doc):
                with index.writing():
                    index.add_documents([doc])
                    index.commit()
            adds.append(timed_change(folder, add))
        started = time.perf_counter()
        reader.refresh()
        refresh = time.perf_counter() - started
        for n in range(trials):
            def remove(n=n):
                with index.writing():
                    index.delete_documents([f"new{n:03d}"])
                    index.commit()
            removes.append(timed_change(folder, remove))
        query = rng.normal(size=dim).astype(np.float32)
        index.sentence_search(query, 50)  # the first search stacks each segment's sentence vectors
        started = time.perf_counter()
        for _ in range(20):
            index.dense_search(query, 50), index.sentence_search(query, 50), index.lexical_search("w1 w2 w3", 50)
        print(f"  commits only (the article is already embedded); {trials} articles of 10 passages:")
        summary("add one article", adds, total)
        summary("remove one article", removes, total)
        print(f"  another process picks up {trials} commits in {refresh:.2f} s; dense + sentence + lexical search "
              f"{(time.perf_counter() - started) / 20 * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    beir = sub.add_parser("beir")
    beir.add_argument("--datasets", nargs="+", default=["scifact", "nfcorpus"])
    beir.add_argument("--reembed", action="store_true")
    bbc = sub.add_parser("bbc")
    bbc.add_argument("--corpus", type=Path, default=Path("/tmp/corpus_bbc"))
    bbc.add_argument("--trials", type=int, default=12)
    synthetic = sub.add_parser("synthetic")
    synthetic.add_argument("--passages", type=int, default=100_000)
    synthetic.add_argument("--trials", type=int, default=12)
    args = parser.parse_args()
    if args.what == "beir":
        bench_beir(args.datasets, args.reembed)
    elif args.what == "bbc":
        bench_bbc(args.corpus, args.trials)
    else:
        bench_synthetic(args.passages, args.trials)


if __name__ == "__main__":
    main()
