"""SQuAD 2.0 evaluation: load a SQuAD-format file, index its paragraphs, ask every question, and score the short
answers with the official SQuAD 2.0 metrics (exact match and token F1 against the best gold answer after
lower-casing and removing punctuation and articles; an abstention scores 1 on an unanswerable question, else 0)."""

from __future__ import annotations

import collections
import hashlib
import json
import re
import string
import time
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from rag.evaluation.metrics import percentile
from rag.models import Document, DocumentMeta
from rag.settings import Settings

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


class SquadQuestion(BaseModel):
    id: str
    question: str
    answers: list[str]  # empty for an unanswerable question
    doc_id: str  # the paragraph it was written on


class SquadRecord(BaseModel):
    """One question's prediction and scores."""

    id: str
    question: str
    answerable: bool
    gold: list[str]
    prediction: str  # the short answer (or the quote when there is none); "" for an abstention
    exact: float
    f1: float
    quoted_gold: bool | None = None  # answerable only: the cited quote holds a gold answer
    cited_paragraph: bool | None = None
    latency_s: float


class SquadReport(BaseModel):
    """Official SQuAD 2.0 figures (as percentages, like the official script) plus abstention and quoting rates."""

    dataset: str
    questions: int
    answerable: int
    unanswerable: int
    exact: float
    f1: float
    has_ans_exact: float
    has_ans_f1: float
    no_ans_accuracy: float  # share of unanswerable questions abstained
    answered_rate_has_ans: float
    quoted_gold_rate: float  # answerable questions whose quote holds a gold answer
    always_abstain: float  # the score of abstaining on everything
    latency_p50: float
    seconds: float
    records: list[SquadRecord] = []


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (the official script's normalisation)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(gold: str, prediction: str) -> float:
    return float(normalize_answer(gold) == normalize_answer(prediction))


def token_f1(gold: str, prediction: str) -> float:
    gold_tokens = normalize_answer(gold).split() if gold else []
    pred_tokens = normalize_answer(prediction).split() if prediction else []
    if not gold_tokens or not pred_tokens:
        return float(gold_tokens == pred_tokens)
    same = sum((collections.Counter(gold_tokens) & collections.Counter(pred_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def best_scores(golds: list[str], prediction: str) -> tuple[float, float]:
    """(EM, F1) against the best gold answer; unanswerable questions have the single gold answer ""."""
    golds = [g for g in golds if normalize_answer(g)] or [""]
    return max(exact_match(g, prediction) for g in golds), max(token_f1(g, prediction) for g in golds)


def load_squad(path: str | Path) -> tuple[list[Document], list[SquadQuestion]]:
    """Paragraphs as documents (id `<title>_p<nn>`) and every question, from a SQuAD v2.0 JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a SQuAD-format JSON file ({exc})") from exc
    docs: list[Document] = []
    questions: list[SquadQuestion] = []
    for article in data:
        title = str(article.get("title", "article"))
        slug = re.sub(r"\W+", "_", title).strip("_").lower() or "article"
        for n, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{slug}_p{n:02d}"
            text = paragraph["context"]
            meta = DocumentMeta(title=title.replace("_", " "))
            docs.append(Document(doc_id=doc_id, source=doc_id, text=text, meta=meta,
                                 content_hash=hashlib.sha256(text.encode()).hexdigest()))
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]]
                questions.append(SquadQuestion(id=qa["id"], question=qa["question"], answers=answers, doc_id=doc_id))
    if not questions:
        raise ValueError(f"{path}: no questions")
    return docs, questions


def run_squad(path: str | Path, settings: Settings | None = None, progress: bool = True,
              generator: str | None = None) -> SquadReport:
    """Index the file's paragraphs in memory, ask every question on its own, and score the answers."""
    from rag.embedding import get_embedder
    from rag.engine import Engine
    from rag.indexing import in_memory
    from rag.nlp import get_analyzer

    settings = settings or Settings()
    docs, questions = load_squad(path)
    embedder, analyzer = get_embedder(settings.embedding), get_analyzer(settings.nlp)
    engine = Engine(settings, in_memory(docs, settings, embedder, progress, analyzer), embedder, analyzer=analyzer,
                    persistent=False)
    started = time.perf_counter()
    records = []
    for q in tqdm(questions, desc="squad", unit="q", disable=not progress):
        asked = time.perf_counter()
        answer = engine.ask(q.question, generator=generator)
        latency = time.perf_counter() - asked
        quote = answer.citations[0].quote if answer.citations else ""
        prediction = (answer.short_answer or quote) if answer.answered else ""
        exact, f1 = best_scores(q.answers, prediction)
        record = SquadRecord(id=q.id, question=q.question, answerable=bool(q.answers), gold=q.answers,
                             prediction=prediction, exact=exact, f1=f1, latency_s=latency)
        if q.answers:
            quotes = " ".join(c.quote for c in answer.citations) if answer.answered else ""
            record.quoted_gold = any(normalize_answer(g) in normalize_answer(quotes) for g in q.answers)
            record.cited_paragraph = answer.answered and any(c.doc_id == q.doc_id for c in answer.citations)
        records.append(record)
    has = [r for r in records if r.answerable]
    no = [r for r in records if not r.answerable]

    def pct(values) -> float:
        values = list(values)
        return 100.0 * sum(values) / len(values) if values else 0.0

    return SquadReport(
        dataset=Path(path).name, questions=len(records), answerable=len(has), unanswerable=len(no),
        exact=pct(r.exact for r in records), f1=pct(r.f1 for r in records),
        has_ans_exact=pct(r.exact for r in has), has_ans_f1=pct(r.f1 for r in has),
        no_ans_accuracy=pct(r.exact for r in no), answered_rate_has_ans=pct(bool(r.prediction) for r in has),
        quoted_gold_rate=pct(bool(r.quoted_gold) for r in has), always_abstain=pct(not r.answerable for r in records),
        latency_p50=percentile([r.latency_s for r in records], 50), seconds=time.perf_counter() - started,
        records=records)


def format_report(report: SquadReport) -> str:
    """The figures as a small Markdown table."""
    counts = f"{report.questions} ({report.answerable} / {report.unanswerable})"
    rows = [("questions (answerable / unanswerable)", counts),
            ("overall EM / F1", f"{report.exact:.1f} / {report.f1:.1f}"),
            ("answerable EM / F1", f"{report.has_ans_exact:.1f} / {report.has_ans_f1:.1f}"),
            ("unanswerable abstained", f"{report.no_ans_accuracy:.1f}%"),
            ("answerable answered", f"{report.answered_rate_has_ans:.1f}%"),
            ("answerable with a gold answer in the quote", f"{report.quoted_gold_rate:.1f}%"),
            ("always abstaining scores", f"{report.always_abstain:.1f}"),
            ("ask p50", f"{report.latency_p50 * 1000:.0f} ms")]
    return "\n".join(["| SQuAD 2.0: " + report.dataset + " | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])
