"""Benchmark: what an opened segment store holds in memory (issue #11, memory at scale).

    python benchmarks/store_memory.py [--passages 100000] [--folder runs/store-memory]

Builds a store of synthetic documents (`bench_incremental.synthetic_doc`: 10 passages of 5 sentences each, random
unit vectors, 3 KB analyses) once, then, in a fresh process each, opens it and prints the RSS after opening, after
a dense and a lexical search, and after a sentence search, with the store's vectors memory-mapped (as the product
opens them) and read into memory (as it used to). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build(folder: Path, passages: int) -> None:
    import bench_incremental
    from rag.lexicon import Lexicon
    from rag.segment_store import SegmentStore
    from rag.settings import Settings

    rng, vocabulary = np.random.default_rng(5), np.array([f"w{n}" for n in range(30_000)])
    settings = Settings().model_copy(update={"index_dir": folder})
    dim = settings.embedding.dimension
    store = SegmentStore(settings, folder)
    for start in range(0, passages, 10_000):
        store.add_documents([bench_incremental.synthetic_doc(f"d{start + n:07d}", rng, vocabulary, dim)
                             for n in range(0, min(10_000, passages - start), 10)],
                            Lexicon([f"word{start}"], np.ones((1, dim), np.float16)))
        store.commit()


def measure(folder: Path, mapped: bool) -> None:
    if not mapped:  # read every array into memory, as the store did before it mapped them
        load = np.load
        np.load = lambda *a, **k: load(*a, **{x: y for x, y in k.items() if x != "mmap_mode"})
    from rag.segment_store import SegmentStore
    from rag.settings import Settings

    before = rss_mb()
    store = SegmentStore.open(folder, Settings().model_copy(update={"index_dir": folder}))
    opened = rss_mb()
    query = np.random.default_rng(1).normal(size=store.settings.embedding.dimension).astype(np.float32)
    store.dense_search(query, 50), store.lexical_search("w1 w2 w3", 50)
    searched = rss_mb()
    store.sentence_search(query, 50)
    label = "memory-mapped" if mapped else "read into memory"
    print(f"{label:>16}: open +{opened - before:,.0f} MB; after dense + lexical search {searched:,.0f} MB; "
          f"after a sentence search {rss_mb():,.0f} MB ({store.count():,} passages)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=ROOT / "runs" / "store-memory")
    parser.add_argument("--measure", choices=("mapped", "copied"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.folder / "index"
    if args.measure:
        measure(folder, args.measure == "mapped")
        return
    if not (folder / "CURRENT").exists():
        build(folder, args.passages)
    for how in ("mapped", "copied"):
        subprocess.run([sys.executable, __file__, "--folder", str(args.folder), "--measure", how], check=True)


if __name__ == "__main__":
    main()
