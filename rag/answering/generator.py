"""The answer-composition seam: a generator turns a question, the conversation before it and the retrieved passages
into a cited `Answer`; `stream` yields the answer text as it is produced, then the finished `Answer`.

The extractive generator is the default; `OpenAIChatGenerator` drives any OpenAI-compatible model server. The
pipeline fills in what is common to both (the query searched, the passages shown, timing).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.models import Answer, ChatMessage, Passage

ABSTAIN_TEXT = "The articles do not answer this question."  # every generator's abstention, word for word


class Generator:
    """Composes an answer from retrieved passages; every claim must come with a citation."""

    name = "base"

    def generate(self, question: str, history: Sequence[ChatMessage], passages: list[Passage]) -> Answer:
        """Answer `question` (as the user typed it; `history` holds the turns before it) from `passages`, best
        first."""
        raise NotImplementedError

    def stream(self, question: str, history: Sequence[ChatMessage], passages: list[Passage]) -> Iterator[str | Answer]:
        """Text deltas as they are produced, then the finished Answer (by default: all the text at once)."""
        answer = self.generate(question, history, passages)
        yield answer.text
        yield answer
