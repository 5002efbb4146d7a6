"""Generated answers with a model server: time to first token, total time, and how many answers are fully verified.

    RAG_LLM_BASE_URL=http://127.0.0.1:8765/v1 RAG_LLM_MODEL=smollm2 python benchmarks/bench_llm.py [-n 30]

(`bash scripts/llm-server.sh` serves the bundled SmolLM2-135M-Instruct there.) Asks the first N seed questions
through `engine.stream` on the seed index and prints p50/p95 of both times. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import rag

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    settings = rag.Settings(generator="llm")
    engine = rag.load(index_dir=ROOT / "runs" / "seed-index", corpus_dir=ROOT / "seeds", settings=settings)
    rows = [json.loads(line) for line in (ROOT / "seeds" / "questions.jsonl").read_text().splitlines() if line]
    questions = [r["question"] for r in rows if not r.get("history")][: args.n]
    first, total, verified, answered, fallbacks = [], [], 0, 0, 0
    for question in questions:
        started = time.perf_counter()
        seen = None
        for item in engine.stream(question):
            if isinstance(item, str) and seen is None:
                seen = time.perf_counter() - started
            elif isinstance(item, rag.Answer):
                answer = item
        total.append(time.perf_counter() - started)
        first.append(seen if seen is not None else total[-1])
        answered += answer.answered
        verified += bool(answer.verified)
        fallbacks += answer.generator != "llm"
    f, t = np.array(first), np.array(total)
    print(f"{len(questions)} questions, model {settings.llm.model} at {settings.llm.base_url}")
    print(f"  time to first token p50 {np.median(f):.2f} s, p95 {np.percentile(f, 95):.2f} s")
    print(f"  total per answer    p50 {np.median(t):.2f} s, p95 {np.percentile(t, 95):.2f} s")
    print(f"  answered {answered}, fully verified {verified}, fell back to extractive {fallbacks}")


if __name__ == "__main__":
    main()
