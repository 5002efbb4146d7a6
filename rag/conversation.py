"""A conversation as data: the turns asked so far with the answers given, assembled once for the app, the CLI and
the evaluation alike."""

from __future__ import annotations

from pydantic import BaseModel

from rag.models import Answer, ChatMessage


class Turn(BaseModel):
    question: str
    answer: Answer


class Conversation(BaseModel):
    """Questions and their answers, oldest first; `messages()` is the history `Engine.ask` takes."""

    turns: list[Turn] = []

    def add(self, question: str, answer: Answer) -> Conversation:
        """This conversation with one more turn (a new object: a Gradio state is replaced, never mutated)."""
        return Conversation(turns=[*self.turns, Turn(question=question, answer=answer)])

    def messages(self) -> list[ChatMessage]:
        """user, assistant, user, ... with each assistant message carrying its structured answer."""
        out: list[ChatMessage] = []
        for turn in self.turns:
            out.append(ChatMessage(role="user", content=turn.question))
            out.append(ChatMessage(role="assistant", content=turn.answer.text, answer=turn.answer))
        return out
