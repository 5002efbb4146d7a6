"""`engine.ask`: validate, resolve follow-ups, analyse the question, retrieve, and let the generator compose a cited
answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from rag import inputs, retrieval
from rag.answering.answer_types import HeadNounClassifier
from rag.answering.extractive import ExtractiveGenerator
from rag.answering.history import normalise_history
from rag.answering.quantities import find_quantities
from rag.answering.question import FocusTerm, QuestionAnalysis, analyse_question
from rag.answering.rewriting import Rewriter
from rag.chunking import sentences
from rag.embedding import Embedder
from rag.models import Answer, Passage
from rag.nlp import Analyzer
from rag.settings import SearchMode, Settings
from rag.store import Snapshot
from rag.text import terms

if TYPE_CHECKING:
    from rag.engine import Engine

log = logging.getLogger(__name__)
CONTEXT_WEIGHT = 0.5  # a word borrowed from earlier turns counts half as much as one the user typed now


class SnapshotEvidence:
    """The `EvidenceStore` over one snapshot: stored sentences, parses, word vectors and BM25 statistics."""

    def __init__(self, snapshot: Snapshot, analyzer: Analyzer, embedder: Embedder, settings: Settings):
        self.snapshot, self.analyzer, self.embedder, self.settings = snapshot, analyzer, embedder, settings

    @cached_property
    def _rows(self) -> dict[str, int]:
        return {p.chunk_id: row for row, p in enumerate(self.snapshot.passages)}

    def sentences(self, passage: Passage) -> list[tuple[int, int, np.ndarray]]:
        block = self.snapshot.sentences.get(passage.doc_id)
        if block is not None:
            inside = block.within(passage.start, passage.end)
            return [(int(a), int(b), v) for (a, b), v in zip(block.spans[inside], block.vectors[inside])]
        text = self.snapshot.documents[passage.doc_id].text
        spans = sentences(text, passage.start, passage.end)
        vectors = self.embedder.embed_passages([text[s.start:s.end] for s in spans])
        return [(s.start, s.end, v) for s, v in zip(spans, vectors)]

    def parse(self, passage: Passage):
        row = self._rows.get(passage.chunk_id)
        blob = self.snapshot.analyses[row] if row is not None else b""
        return self.analyzer.read(blob) if blob else self.analyzer.parse(passage.text)

    def lead(self, doc_id: str) -> str:
        doc = self.snapshot.documents[doc_id]
        return f"{doc.meta.title or ''} {doc.text[: self.settings.answer.lead_chars]}"

    def idf(self, term: str) -> float:
        return self.snapshot.lexical.idf(term)

    def word_vectors(self, words: list[str]) -> np.ndarray:
        return self.snapshot.lexicon.matrix(words, self.embedder)


class QuestionReader:
    """Parses and analyses questions, and resolves follow-ups, with one spaCy pipeline and one head-noun classifier."""

    def __init__(self, analyzer: Analyzer, embedder: Embedder):
        self.analyzer = analyzer
        self.classify = HeadNounClassifier(lambda words: embedder.embed_passages(words))
        self.rewriter = Rewriter(analyzer.parse, self.analyse)

    def analyse(self, text: str) -> QuestionAnalysis:
        return analyse_question(self.analyzer.parse(text), self.classify)


class Prepared(BaseModel):
    """A question made ready for a generator: resolved against the conversation, analysed, with its passages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str
    query: str  # the standalone text searched
    analysis: QuestionAnalysis
    passages: list[Passage]


def prepare(engine: Engine, question: str, history: Sequence[object] | None = None, k: int | None = None,
            mode: SearchMode | None = None) -> Prepared:
    """Validate, resolve follow-ups, analyse the question and retrieve its passages."""
    settings = engine.settings
    question = inputs.validate_query(question, settings.max_question_chars)
    k = inputs.validate_k(k, settings.retrieval.k, settings.retrieval.max_k)
    mode = inputs.validate_mode(mode, settings.retrieval.mode)
    reader = engine.question_reader
    messages = normalise_history(history, settings.max_history_messages, settings.max_message_chars)
    resolved = reader.rewriter.rewrite(question, messages)
    # the focus is what the user typed with its references resolved ("its" -> "Shanghai's"): its names are what
    # the user means and must be in the evidence; words borrowed from earlier turns (context) only guide the search
    analysis = reader.analyse(resolved.focus)
    if resolved.answer_type:
        analysis = analysis.model_copy(update={"answer_type": resolved.answer_type})
    if resolved.context:
        given = tuple(q.text for q in find_quantities(" ".join(resolved.context)))
        analysis = analysis.model_copy(update={"given": given})
        known = {f.term for f in analysis.focus}
        borrowed = [FocusTerm(term=t, lemma=t, weight=CONTEXT_WEIGHT, soft=False)
                    for t in dict.fromkeys(terms(" ".join(resolved.context))) if t not in known]
        analysis = analysis.model_copy(update={"focus": analysis.focus + tuple(borrowed)})
    depth = max(k, settings.answer.passages)
    passages = retrieval.search(engine.snapshot, engine.embedder, resolved.text, settings.retrieval, k=depth,
                                mode=mode)
    return Prepared(question=question, query=resolved.text, analysis=analysis, passages=passages)


def extractive_generator(engine: Engine) -> ExtractiveGenerator:
    """The default generator over the engine's current snapshot."""
    evidence = SnapshotEvidence(engine.snapshot, engine.analyzer, engine.embedder, engine.settings)
    return ExtractiveGenerator(evidence, engine.embedder.embed_query, engine.settings.answer)


def answer_question(engine: Engine, question: str, history: Sequence[object] | None = None,
                    k: int | None = None, mode: SearchMode | None = None) -> Answer:
    """Answer one question in the context of a conversation; see `Engine.ask`."""
    started = time.perf_counter()
    k = inputs.validate_k(k, engine.settings.retrieval.k, engine.settings.retrieval.max_k)
    prepared = prepare(engine, question, history, k, mode)
    generator = engine.generator or extractive_generator(engine)
    draft = generator.generate(prepared.analysis, prepared.query, prepared.passages)
    passages = prepared.passages
    shown = passages[:k]
    cited = {c.chunk_id for c in draft.citations}
    shown += [p for p in passages if p.chunk_id in cited and p not in shown]
    answer = Answer(question=prepared.question, text=draft.text, answered=draft.answered,
                    short_answer=draft.short_answer, citations=draft.citations, passages=shown,
                    rewritten_query=prepared.query, confidence=draft.confidence,
                    seconds=time.perf_counter() - started)
    log.info("ask %r -> %s (%.0f ms)", prepared.query, "answered" if answer.answered else "abstained",
             answer.seconds * 1000)
    return answer
