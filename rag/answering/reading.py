"""Reading a question in its conversation: resolve references to earlier turns and analyse what it asks for."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering.answer_types import HeadNounClassifier
from rag.answering.quantities import find_quantities
from rag.answering.question import FocusTerm, QuestionAnalysis, analyse_question
from rag.answering.rewriting import Rewrite, Rewriter
from rag.embedding import Embedder
from rag.models import ChatMessage
from rag.nlp import Analyzer
from rag.text import terms

CONTEXT_WEIGHT = 0.5  # a word borrowed from earlier turns counts half as much as one the user typed now


class QuestionReader:
    """Parses and analyses questions and resolves follow-ups, with one spaCy pipeline and one head-noun classifier."""

    def __init__(self, analyzer: Analyzer, embedder: Embedder):
        self.analyzer = analyzer
        self.classify = HeadNounClassifier(lambda words: embedder.embed_passages(words))
        self.rewriter = Rewriter(analyzer.parse, self.analyse)

    def analyse(self, text: str) -> QuestionAnalysis:
        return analyse_question(self.analyzer.parse(text), self.classify)

    def read(self, question: str, history: Sequence[ChatMessage]) -> tuple[Rewrite, QuestionAnalysis]:
        """The standalone rewrite of `question` and the analysis the answerer scores evidence against.

        The focus is what the user typed with its references resolved ("its" -> "Shanghai's"): its names are what
        the user means and must be in the evidence; words borrowed from earlier turns only guide the search, and
        figures the conversation already gave are not new answers."""
        resolved = self.rewriter.rewrite(question, list(history))
        analysis = self.analyse(resolved.focus)
        if resolved.answer_type:
            analysis = analysis.model_copy(update={"answer_type": resolved.answer_type})
        if resolved.context:
            given = tuple(q.text for q in find_quantities(" ".join(resolved.context)))
            known = {f.term for f in analysis.focus}
            borrowed = [FocusTerm(term=t, lemma=t, weight=CONTEXT_WEIGHT, soft=False)
                        for t in dict.fromkeys(terms(" ".join(resolved.context))) if t not in known]
            analysis = analysis.model_copy(update={"focus": analysis.focus + tuple(borrowed), "given": given})
        return resolved, analysis
