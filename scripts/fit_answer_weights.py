"""Fit the answer-candidate feature weights and the abstention threshold on development questions.

    .venv/bin/python scripts/fit_answer_weights.py --questions tests/data/bbc_dev_questions.jsonl \
        --index runs/bbc-index --corpus runs/bbc-corpus

Every candidate the extractive answerer considers for each question becomes one example: positive when it lies in a
gold source and its SQuAD token F1 against an accepted answer is at least 0.5, negative otherwise (all candidates of
unanswerable questions are negative). A logistic regression over `rag.answering.scoring.FEATURES` gives weights
whose score is the log-odds that a candidate is right, so the abstention threshold is a probability. The threshold
is then chosen to maximise accuracy over all development questions (an answerable question counts when its answer
is right, an unanswerable one when it is abstained), so each kind weighs as often as it is asked.
Prints the values to put in `rag/settings.py`. Only ever run it on development questions, never on the seed,
held-out or SQuAD sets that measure the result.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rag  # noqa: E402

from rag.answering.scoring import FEATURES  # noqa: E402
from rag.evaluation.qa_eval import Replay  # noqa: E402
from rag.evaluation.questions import load_questions  # noqa: E402
from rag.evaluation.squad import token_f1  # noqa: E402


def examples(engine, questions):
    """Per question: (feature matrix, labels, answerable)."""
    generator = engine.asker.generators["extractive"]
    replay = Replay(engine)
    out = []
    for q in questions:
        history = replay.conversation(q.history).messages()
        resolved, analysis = engine.question_reader.read(q.question, history)
        passages = engine.asker.retrieve(resolved.text, engine.settings.answer.passages, "hybrid")
        candidates = generator.candidates(analysis, resolved.text, passages)
        x = np.array([[c.features.get(f, 0.0) for f in FEATURES] for c in candidates]).reshape(-1, len(FEATURES))
        y = np.array([q.answerable and c.sentence.passage.doc_id in q.sources
                      and (max(token_f1(a, c.text) for a in q.answers) >= 0.5
                           or c.label == "SENTENCE" and any(a.lower() in c.text.lower() for a in q.answers))
                      for c in candidates], dtype=bool)
        out.append((x, y, q.answerable))
    return out


def listwise(data, start: np.ndarray, c: float) -> np.ndarray:
    """Weights maximising, per answerable question, the softmax probability of its right candidates."""
    from scipy.optimize import minimize

    groups = [(xq, yq) for xq, yq, ok in data if ok and yq.any()]

    def loss(w):
        total, grad = 0.5 / c * w @ w, w / c
        for xq, yq in groups:
            s = xq @ w
            s = s - s.max()
            p = np.exp(s)
            z, zp = p.sum(), p[yq].sum()
            total -= math.log(zp / z)
            grad = grad - (p[yq] @ xq[yq]) / zp + (p @ xq) / z
        return total, grad

    return minimize(loss, start, jac=True, method="L-BFGS-B").x


def fit(data, c: float, use_listwise: bool) -> tuple[np.ndarray, float]:
    """(weights, bias) fitted on `data`."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([d[0] for d in data])
    y = np.concatenate([d[1] for d in data])
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, y)
    weights = listwise(data, model.coef_[0], c) if use_listwise else model.coef_[0]
    return weights, float(model.intercept_[0])


def top1(data, weights: np.ndarray) -> float:
    """Share of answerable questions whose best-scored candidate is right."""
    answerable = [(xq, yq) for xq, yq, ok in data if ok]
    return sum(bool(len(yq)) and bool(yq[int(np.argmax(xq @ weights))]) for xq, yq in answerable) / len(answerable)


def cross_validate(data, folds: int) -> None:
    """Held-out top-1 for a few regularisation strengths, pointwise and listwise."""
    for use_listwise in (False, True):
        for c in (0.3, 1.0, 3.0, 10.0):
            scores = []
            for k in range(folds):
                train = [d for i, d in enumerate(data) if i % folds != k]
                test = [d for i, d in enumerate(data) if i % folds == k]
                scores.append(top1(test, fit(train, c, use_listwise)[0]))
            print(f"  cv {'listwise' if use_listwise else 'pointwise'} C={c}: top-1 {np.mean(scores):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--c", type=float, default=1.0, help="Inverse L2 regularisation strength.")
    parser.add_argument("--folds", type=int, default=0, help="First report k-fold cross-validated top-1 accuracy "
                        "for several regularisation strengths (questions split in file order).")
    parser.add_argument("--listwise", action="store_true", help="Refit the weights to rank each question's right "
                        "candidates first (softmax over its candidates), keeping the regression's bias.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = rag.load(index_dir=args.index, corpus_dir=args.corpus)
    data = examples(engine, load_questions(args.questions))
    if args.folds > 1:
        cross_validate(data, args.folds)
    coef, bias = fit(data, args.c, args.listwise)
    y = np.concatenate([d[1] for d in data])
    print(f"{len(data)} questions, {len(y)} candidates, {int(y.sum())} positive")
    print("weights:", ", ".join(f"{k}={v:.3f}" for k, v in zip(FEATURES, coef.tolist())), f"bias={bias:.3f}")
    best = []  # (best score, best is right, answerable)
    for xq, yq, answerable in data:
        if len(yq) == 0:
            best.append((-math.inf, False, answerable))
            continue
        scores = xq @ coef + bias
        top = int(np.argmax(scores))
        best.append((float(scores[top]), bool(yq[top]), answerable))
    answerable = [b for b in best if b[2]]
    unanswerable = [b for b in best if not b[2]]
    reachable = sum(bool(yq.any()) for _, yq, ok in data if ok) / len(answerable)
    print(f"top-1 right (no threshold): {sum(b[1] for b in answerable) / len(answerable):.3f}; "
          f"a right candidate exists for {reachable:.3f}")
    rows = []
    for threshold in np.arange(-4.0, 6.01, 0.1):
        right = sum(s >= threshold and ok for s, ok, _ in answerable)
        abstained = sum(s < threshold for s, _, _ in unanswerable)
        rows.append(((right + abstained) / len(best), threshold, right / len(answerable),
                     abstained / max(len(unanswerable), 1)))
    for accuracy, threshold, right, abstained in rows[::5]:
        print(f"  threshold {threshold:+.1f}: accuracy {accuracy:.3f}, answerable right {right:.3f}, "
              f"unanswerable abstained {abstained:.3f}")
    accuracy, threshold, right, abstained = max(rows, key=lambda r: (r[0], r[1]))
    print(f"best accuracy {accuracy:.3f} at abstain_below={threshold:.2f} "
          f"(right {right:.3f}, abstained {abstained:.3f})")


if __name__ == "__main__":
    main()
