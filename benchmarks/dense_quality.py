"""Quality gate of the compressed dense indexes: SciFact dense nDCG@10 with each kind forced on (exact_search_max=0)
against the exact float32 index; the issue allows a drop of at most 0.005. NFCorpus is held out: never run here.

    python benchmarks/dense_quality.py [--kinds ivf-fp16,hnsw-sq8,ivf-fp16:ivf_nprobe=7] [--cache DIR]

A kind may carry RetrievalSettings fields after a colon: SciFact's 5,183 documents make only 132 IVF lists, so the
default nprobe (128) scans nearly all of them; `ivf-fp16:ivf_nprobe=7` scans the 5% a 1M index scans.

The first run embeds SciFact (several minutes on 2 cores) into the cache `rag beir` uses; later runs re-derive the
dense index from the cached vectors in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's rag, not an installed copy

from rag.evaluation.beir_eval import run_beir  # noqa: E402
from rag.settings import RetrievalSettings, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "beir" / "scifact"
ALLOWED_DROP = 0.005


def settings_for(spec: str) -> Settings:
    """Settings that force `spec`'s kind with its extra fields ("flat" is the default exact index)."""
    kind, _, extra = spec.partition(":")
    if kind == "flat":
        return Settings()
    fields = {k: int(v) for k, v in (item.split("=", 1) for item in extra.split(",") if item)}
    ann, _, codec = kind.partition("-")
    return Settings(retrieval=RetrievalSettings(exact_search_max=0, dense_ann=ann, dense_codec=codec or "fp32",
                                                **fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default="ivf-fp16,ivf-fp16:ivf_nprobe=7,ivf-sq8,hnsw-fp16,hnsw-sq8,flat-sq8")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "beir-cache" / "scifact")
    args = parser.parse_args()
    rows = []
    for kind in ["flat", *[k for k in args.kinds.split(",") if k and k != "flat"]]:
        started = time.perf_counter()
        report = run_beir(SCIFACT, modes=("dense",), cache_dir=args.cache, settings=settings_for(kind),
                          progress=False)
        rows.append((kind, report.modes[0].ndcg_at_10, report.modes[0].recall_at_100))
        print(f"{kind}: nDCG@10 {rows[-1][1]:.4f}, Recall@100 {rows[-1][2]:.4f} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    exact = rows[0][1]
    print("\n| dense index | SciFact nDCG@10 | change | Recall@100 | gate (drop <= 0.005) |\n|---|---|---|---|---|")
    for kind, ndcg, recall in rows:
        verdict = "–" if kind == "flat" else ("PASS" if exact - ndcg <= ALLOWED_DROP else "FAIL")
        print(f"| {kind} | {ndcg:.4f} | {ndcg - exact:+.4f} | {recall:.4f} | {verdict} |")


if __name__ == "__main__":
    main()
