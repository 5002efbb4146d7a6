"""Calibrate the verifier's support threshold on BBC development articles (never on the question sets).

    .venv/bin/python scripts/calibrate_verifier.py [--corpus ../shared/corpora/bbc-news-dev] [--articles 200]

A generated claim restates part of one passage sentence, usually shorter and with a pronoun for its subject. So:
- supported pairs: a sentence's leading clause (its first 50-80% of words, the subject replaced by "It" or "They"
  half of the time) against the sentences of its own passage;
- unsupported pairs: the same claims against the best sentence of another article of the same area (the closest
  wrong evidence a retriever would hand over).
Prints both distributions and the threshold that accepts at most 5% of unsupported pairs.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.chunking import sentences  # noqa: E402
from rag.embedding import get_embedder  # noqa: E402
from rag.settings import EmbeddingSettings  # noqa: E402


def claim_of(sentence: str, rng: random.Random) -> str:
    words = sentence.rstrip(".").split()
    keep = max(4, int(len(words) * rng.uniform(0.5, 0.8)))
    words = words[:keep]
    if rng.random() < 0.5 and len(words) > 4:
        words = [rng.choice(["It", "They"])] + words[2:]
    return " ".join(words) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora"
                        / "bbc-news-dev")
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    files = sorted(args.corpus.glob("bbc_*.txt"))
    files = rng.sample(files, min(args.articles, len(files)))
    embed = get_embedder(EmbeddingSettings()).embed_passages
    docs = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        spans = [text[s.start:s.end] for s in sentences(text) if len(text[s.start:s.end].split()) >= 8]
        if len(spans) >= 3:
            docs.append((path.stem.split("_")[1], spans))
    vectors = [embed(spans) for _, spans in docs]
    positives, negatives = [], []
    for i, (area, spans) in enumerate(docs):
        j = rng.randrange(len(spans))
        claim = embed([claim_of(spans[j], rng)])[0]
        positives.append(float((vectors[i] @ claim).max()))
        others = [k for k, (a, _) in enumerate(docs) if a == area and k != i]
        if others:
            k = rng.choice(others)
            negatives.append(float((vectors[k] @ claim).max()))
    pos, neg = np.array(positives), np.array(negatives)
    print(f"{len(pos)} supported pairs: p5 {np.percentile(pos, 5):.3f} p50 {np.median(pos):.3f}")
    print(f"{len(neg)} unsupported pairs: p50 {np.median(neg):.3f} p95 {np.percentile(neg, 95):.3f}")
    threshold = float(np.percentile(neg, 95))
    print(f"threshold accepting 5% of unsupported pairs: {threshold:.2f}; it accepts "
          f"{(pos >= threshold).mean():.1%} of supported ones")


if __name__ == "__main__":
    main()
