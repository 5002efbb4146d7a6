"""Scale benchmark of the dense index (rag.dense.DenseIndex) at 10k, 100k and 1M passages.

    python benchmarks/bench_scale.py                       # the README table: 10k real, 10k/100k/1M synthetic
    python benchmarks/bench_scale.py --sizes 10k,100k      # skip 1M
    python benchmarks/bench_scale.py --sizes 100k --choice # also the structures the default was chosen among
                                                           # (at 1M that includes HNSW builds of over 40 minutes)
    python benchmarks/bench_scale.py --set hnsw_ef_search=64 --set rescore_factor=2   # other RetrievalSettings
    python benchmarks/bench_scale.py --update              # also add/remove one article on a 10k real-text index

What is real and what is synthetic (every row says which):
- real: 10,000 passages of real text, encoded with the product's embedder (ONNX, 2 cores) once and cached under
  --out: every BBC article of ../shared/corpora/bbc-news-dev cleaned and chunked by rag, then SciFact documents, then
  NFCorpus documents to make up the count; queries are the BBC development questions and SciFact's test queries.
- synthetic: seeded unit vectors from a Gaussian mixture fitted to the real sample (its k-means centres and residual
  covariance; scale_data.Mixture), queried with the real questions' vectors and, reported apart, with queries drawn
  from the mixture. Encoding 100k or 1M real passages would take hours on 2 cores, so only the real rows have
  texts/s; the synthetic rows time the index alone.

Each size runs in fresh subprocesses (prepare, build, search) so peak RSS of one step or size does not leak into
another: build RSS includes the input vectors (memory-mapped .npy pages), search RSS is a process that opens the
saved index (memory-mapped) and answers queries, which is what serving costs. Search is one query at a time on one
thread, as the product searches. Recall@10 is against exact float32 search over the same vectors. Every loop is
bounded by a count and a time limit, and each subprocess by a timeout. Prints figures and the 1M targets; asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel

# this checkout's rag (not an installed copy) and the sibling benchmark modules
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
import scale_workers  # noqa: E402
from scale_update import UpdateCost  # noqa: E402
from scale_workers import RowResult, RowSpec  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
TARGETS_1M = {"p50_ms": 30.0, "recall_at_10": 0.95, "search_rss_mb": 2048.0}
FORCED = {"exact_search_max": 0}  # the compressed index even below the default size where it switches on


class Report(BaseModel):
    machine: str
    load_average: tuple[float, float]  # 1-minute load at start and end: the machine is shared, timings move with it
    rows: list[RowResult]


def table_rows(sizes: list[str], overrides: dict, choice: bool) -> list[RowSpec]:
    """The README table (the product's defaults at each size, the compressed index forced at 10k real and
    synthetic for comparison) and, with `choice`, the alternatives the defaults were chosen among."""
    rows = []
    for label in sizes:
        n = SIZES[label]
        if n <= 10_000:
            rows.append(RowSpec(size=label, n=n, data="real", settings=overrides))
            rows.append(RowSpec(size=label, n=n, data="real", settings=FORCED | overrides))
            rows.append(RowSpec(size=label, n=n, data="synthetic", settings=FORCED | overrides))
        else:
            rows.append(RowSpec(size=label, n=n, data="synthetic", settings=overrides))
        if choice:
            for variant in scale_workers.CHOICES:
                rows.append(RowSpec(size=label, n=n, data="synthetic" if n > 10_000 else "real",
                                    settings=FORCED | variant | overrides))
    return rows


def call(step: str, spec: RowSpec, out: Path, timeout: float) -> dict:
    """Run one step of one row in a fresh interpreter and return the JSON it prints last."""
    command = [sys.executable, str(Path(scale_workers.__file__)), step, spec.model_dump_json(), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{step} {spec.size} {spec.data} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def cost(update: UpdateCost | None, step: str) -> str:
    """One step ("add", "remove") of an update's figures, or a marked gap for the segmented store to fill."""
    if update is None:
        return "not measured"
    seconds, written = ((update.add_seconds, update.add_bytes) if step == "add"
                        else (update.remove_seconds, update.remove_bytes))
    return f"{seconds:.2f} / {written:,}"


def markdown(rows: list[RowResult]) -> str:
    head = ("| passages | data | kind | build s | vectors/s | texts/s (encode) | search p50 / p95 ms "
            "| recall@10 questions / mixture | peak RSS build / search MB | disk MB | add article s / bytes "
            "| remove article s / bytes |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.size} | {r.data} | {r.label} | {r.build_seconds:.1f} | {r.vectors_per_second:,.0f} "
            f"| {fmt(r.texts_per_second, ',.0f')} | {r.p50_ms:.2f} / {r.p95_ms:.2f} "
            f"| {r.recall_at_10:.3f} / {fmt(r.recall_at_10_mixture, '.3f')} "
            f"| {r.build_rss_mb:,.0f} / {r.search_rss_mb:,.0f} | {r.disk_mb:,.1f} "
            f"| {cost(r.update, 'add')} | {cost(r.update, 'remove')} |")
    return "\n".join(lines)


def check_targets(rows: list[RowResult]) -> list[str]:
    """PASS/FAIL lines for the 1M targets on the product-default 1M row."""
    lines = []
    for r in rows:
        if r.n == 1_000_000 and not r.forced:
            for name, bound in TARGETS_1M.items():
                value = getattr(r, name)
                ok = value >= bound if name == "recall_at_10" else value <= bound
                sign = ">=" if name == "recall_at_10" else "<="
                lines.append(f"{'PASS' if ok else 'FAIL'} 1M {r.label} {name} {value:.3f} (target {sign} {bound:g})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k, 100k, 1M")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-scale"), help="data, indexes and results")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a RetrievalSettings field for every row (JSON value)")
    parser.add_argument("--choice", action="store_true", help="also time the alternative structures")
    parser.add_argument("--update", action="store_true", help="measure add/remove one article at 10k real text")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per subprocess")
    args = parser.parse_args()
    overrides = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown sizes {sorted(unknown)}: use {', '.join(SIZES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {platform.python_version()}, {scale_workers.cores()} cores, load "
          f"average {load_start:.1f}; search on 1 thread, builds on {scale_workers.build_threads()}")
    results = []
    for spec in table_rows(sizes, overrides, args.choice):
        started = time.perf_counter()
        data = call("prepare", spec, args.out, args.timeout)
        built = call("build", spec, args.out, args.timeout)
        searched = call("search", spec, args.out, args.timeout)
        update = call("update", spec, args.out, args.timeout) if args.update and spec.data == "real" \
            and not spec.settings else {}
        row = RowResult.assemble(spec, data, built, searched, update)
        results.append(row)
        print(f"{row.size} {row.data} {row.label}: build {row.build_seconds:.1f} s, p50 {row.p50_ms:.2f} ms, "
              f"recall@10 {row.recall_at_10:.3f} / {fmt(row.recall_at_10_mixture, '.3f')}, "
              f"RSS {row.build_rss_mb:.0f}/{row.search_rss_mb:.0f} MB, disk {row.disk_mb:.1f} MB "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    print("\n" + markdown(results) + "\n")
    for line in check_targets(results):
        print(line)
    load_end = os.getloadavg()[0]
    print(f"load average at the end: {load_end:.1f}")
    report = Report(machine=f"{platform.machine()} {scale_workers.cores()} cores", load_average=(load_start, load_end),
                    rows=results)
    (args.out / "results.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    print(f"\nwrote {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
