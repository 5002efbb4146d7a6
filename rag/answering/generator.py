"""The answer-composition interface: question and passages in, answer text with citations out.

The extractive generator is the default; a language-model backend implements the same `generate` and plugs in
without touching retrieval, the pipeline or the UI.
"""

from __future__ import annotations

from pydantic import BaseModel

from rag.answering.question import QuestionAnalysis
from rag.models import Citation, Passage


class Draft(BaseModel):
    """What a generator returns; the pipeline adds the question, passages, rewrite and timing."""

    text: str
    answered: bool
    short_answer: str | None = None
    citations: list[Citation] = []
    confidence: float = 0.0


class Generator:
    """Composes an answer from retrieved passages; every claim must come with a citation."""

    def generate(self, question: QuestionAnalysis, query: str, passages: list[Passage]) -> Draft:
        """Answer `question` (analysed; `query` is the standalone text searched) from `passages`, best first."""
        raise NotImplementedError
