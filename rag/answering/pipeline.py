"""`engine.ask`: validate, resolve follow-ups, retrieve, and let the generator compose a cited answer."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from rag import retrieval
from rag.answering.analysis import analyse, terms
from rag.answering.extractive import CUE_KINDS, ExtractiveGenerator
from rag.answering.spans import find_spans
from rag.answering.history import normalise_history
from rag.answering.rewriting import rewrite
from rag.chunking import sentences
from rag.models import Answer, Passage
from rag.settings import SearchMode
from rag.store import Snapshot

if TYPE_CHECKING:
    from rag.engine import Engine

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def term_idf(snapshot: Snapshot) -> dict[str, float]:
    """Inverse passage frequency of each stemmed term; unseen terms get the highest weight."""
    df: dict[str, int] = {}
    for passage in snapshot.passages:
        for term in set(terms(passage.text)):
            df[term] = df.get(term, 0) + 1
    n = max(len(snapshot.passages), 1)
    return {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()} | {"": math.log(1 + (n + 0.5) / 0.5)}


def sentence_source(engine: Engine, snapshot: Snapshot):
    """Sentences of a passage with vectors: stored ones when the index has them, else embedded now."""

    def source(passage: Passage) -> list[tuple[int, int, np.ndarray]]:
        block = snapshot.sentences.get(passage.doc_id)
        if block is not None:
            inside = block.within(passage.start, passage.end)
            return [(int(a), int(b), v) for (a, b), v in zip(block.spans[inside], block.vectors[inside])]
        text = snapshot.documents[passage.doc_id].text
        spans = sentences(text, passage.start, passage.end)
        vectors = engine.embedder.embed_passages([text[s.start:s.end] for s in spans])
        return [(s.start, s.end, v) for s, v in zip(spans, vectors)]

    return source


def answer_question(engine: Engine, question: str, history: Sequence[object] | None = None,
                    k: int | None = None, mode: SearchMode | None = None) -> Answer:
    """Answer one question in the context of a conversation; see `Engine.ask`."""
    started = time.perf_counter()
    question = retrieval.validate_query(question, engine.settings.max_question_chars)
    messages = normalise_history(history)
    resolved = rewrite(question, messages)
    analysis = analyse(resolved.focus)
    own = analyse(question)  # only what the user typed this turn is a hard constraint on the evidence
    analysis = replace(analysis, names=own.names, years=own.years)
    if resolved.kind:
        analysis = replace(analysis, kind=resolved.kind)
    if analysis.cue is None and resolved.context:
        # "And ten years later?" after a yuan figure wants a yuan figure again
        previous = [span.kind for span in find_spans(resolved.context[-1]) if span.kind in CUE_KINDS]
        analysis = replace(analysis, cue=previous[0] if previous else None)
    snapshot = engine.snapshot
    settings = engine.settings
    k = settings.retrieval.k if k is None else k
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    depth = max(k, settings.answer.passages)
    passages = retrieval.search(snapshot, engine.embedder, resolved.text, settings.retrieval, k=depth, mode=mode)
    idf = term_idf(snapshot) if engine.generator is None else {}
    generator = engine.generator or ExtractiveGenerator(
        sentence_source(engine, snapshot), engine.embedder.embed_query, lambda t: idf.get(t, idf[""]), settings.answer,
        lead=lambda doc_id: snapshot.documents[doc_id].text[: settings.answer.lead_chars])
    context_terms = tuple(t for t in terms(" ".join(resolved.context)) if t not in analysis.key_terms)
    draft = generator.generate(analysis, resolved.text, passages, context_terms)
    shown = passages[:k]
    cited = {c.chunk_id for c in draft.citations}
    shown += [p for p in passages if p.chunk_id in cited and p not in shown]
    answer = Answer(question=question, text=draft.text, answered=draft.answered, short_answer=draft.short_answer,
                    citations=draft.citations, passages=shown, rewritten_query=resolved.text,
                    confidence=draft.confidence, seconds=time.perf_counter() - started)
    log.info("ask %r -> %s (%.0f ms)", resolved.text, "answered" if answer.answered else "abstained",
             answer.seconds * 1000)
    return answer
