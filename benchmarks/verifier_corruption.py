"""How many unsupported claims the verifier catches: answers corrupted on purpose, one way at a time.

    python benchmarks/verifier_corruption.py            # the seed index (built under runs/ on first use)

For every seed question the extractive answerer gets right, the claim "<its quoted sentence> [1]" citing its passage
is the supported baseline; then the same claim with a figure changed, a name swapped for another article's, the
citation pointing at a passage that was not given, the citation removed, and another article's sentence cited as
[1]. Prints the share of each kind the verifier flags (and of the baseline it wrongly flags). Needs no model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import rag
from rag.answering.verify import Verifier

ROOT = Path(__file__).resolve().parents[1]


def corrupt_number(text: str) -> str | None:
    match = re.search(r"\d+(?:\.\d+)?", text)
    if not match:
        return None
    value = match.group(0)
    changed = str(int(float(value) * 2 + 3)) if "." not in value else f"{float(value) * 2 + 0.3:.2f}"
    return text[:match.start()] + changed + text[match.end():]


def main() -> None:
    engine = rag.load(index_dir=ROOT / "runs" / "seed-index", corpus_dir=ROOT / "seeds")
    evidence = engine.evidence
    verifier = Verifier(engine.embedder.embed_passages, engine.analyzer.parse,
                        lambda p: evidence().sentences(p), engine.settings.llm.support_threshold)
    rows = [json.loads(line) for line in (ROOT / "seeds" / "questions.jsonl").read_text().splitlines() if line]
    texts = [engine.store.document(d.doc_id).text for d in engine.store.catalogue()]
    people = sorted({e.text for text in texts for e in engine.analyzer.parse(text[:3000]).ents
                     if e.label_ == "PERSON" and " " in e.text})
    counts: dict[str, list[int]] = {}

    def record(kind: str, text: str | None, passages, question: str) -> None:
        if text is None:
            return
        claims = verifier.check(text, passages, question)
        flagged = any(not c.supported for c in claims)
        counts.setdefault(kind, [0, 0])
        counts[kind][0] += flagged
        counts[kind][1] += 1

    for row in rows:
        if not row.get("answerable", True) or row.get("history"):
            continue
        answer = engine.ask(row["question"])
        if not answer.answered or not answer.citations:
            continue
        citation = answer.citations[0]
        passage = next(p for p in answer.passages if p.chunk_id == citation.chunk_id)
        other = next((p for p in answer.passages if p.doc_id != passage.doc_id), None)
        claim = citation.quote.replace("\n", " ").strip()
        question = row["question"]
        record("supported (baseline: should not be flagged)", f"{claim} [1]", [passage], question)
        record("a figure changed", (lambda t: t and f"{t} [1]")(corrupt_number(claim)), [passage], question)
        names = [p for p in people if p in claim]
        if names:
            stranger = next(p for p in people if p not in passage.text)
            record("a name swapped", f"{claim.replace(names[0], stranger)} [1]", [passage], question)
        record("cites a passage not given", f"{claim} [2]", [passage], question)
        record("cites nothing", claim, [passage], question)
        if other is not None:
            foreign = engine.evidence().sentences(other)[0]
            text = engine.store.document(other.doc_id).text[foreign[0]:foreign[1]]
            record("another article's sentence cited", f"{text} [1]", [passage], question)
    print("| corruption | flagged | of |\n|---|---|---|")
    for kind, (flagged, total) in counts.items():
        print(f"| {kind} | {flagged / total:.1%} | {total} |")
    caught = [v for k, v in counts.items() if not k.startswith("supported")]
    print(f"\nunsupported claims caught overall: {sum(f for f, _ in caught) / sum(t for _, t in caught):.1%}")


if __name__ == "__main__":
    main()
