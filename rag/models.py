"""Pydantic models for everything that crosses a module or API boundary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DocumentMeta(BaseModel):
    """What is known about an article besides its text; unknown stays None."""

    title: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    author: str | None = None  # the byline's name(s)


class Byline(BaseModel):
    """Who an article says wrote it ("By Jane Smith in Paris"), and where that line sits in its cleaned text."""

    author: str
    start: int
    end: int


class Document(BaseModel):
    """A loaded, cleaned article. `text` is the cleaned text every offset refers to."""

    doc_id: str
    source: str = Field(description="File name inside the corpus folder.")
    text: str
    meta: DocumentMeta = DocumentMeta()
    content_hash: str


class Span(BaseModel):
    """A half-open character range [start, end) into a document's cleaned text."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int


class Chunk(BaseModel):
    """A passage as produced by chunking, before it is scored."""

    doc_id: str
    chunk_id: str
    text: str
    start: int
    end: int


class Passage(BaseModel):
    """A retrieved passage, best first in result lists."""

    doc_id: str
    chunk_id: str
    text: str
    score: float
    title: str | None = None
    date: dt.date | None = None
    publisher: str | None = None
    start: int
    end: int
    id: int | None = Field(None, description="The passage's stable id in the index (None for passages made "
                           "elsewhere).")


class SkippedFile(BaseModel):
    """A corpus file that was not indexed, and why."""

    path: str
    reason: str


class BuildReport(BaseModel):
    """What a build or update did."""

    index_dir: str
    documents: int = Field(description="Documents in the index after the build.")
    passages: int = Field(description="Passages in the index after the build.")
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    skipped: list[SkippedFile] = []
    embedded_passages: int = 0
    seconds: float = 0.0
    rebuilt: bool = Field(False, description="True when every document was re-processed.")
    optimized: bool = Field(False, description="True when the index was compacted into one segment afterwards.")

    def summary(self) -> str:
        """One human line for logs and the CLI."""
        return (
            f"{self.documents} documents, {self.passages} passages "
            f"(added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}; "
            f"embedded {self.embedded_passages} passages in {self.seconds:.1f}s)"
        )


class DocumentInfo(BaseModel):
    """A row of the corpus table."""

    doc_id: str
    source: str
    title: str | None
    publisher: str | None
    date: dt.date | None
    author: str | None = None
    passages: int


def relative_name(path: Path, root: Path) -> str:
    """A path shown relative to root when inside it (for stable, short reports)."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


class ChatMessage(BaseModel):
    """One turn of a conversation, in the shape Gradio and OpenAI-style clients use; an assistant message may carry
    the structured `Answer` it shows, so follow-ups read the conversation as data rather than re-parsing text."""

    role: Literal["user", "assistant"]
    content: str
    answer: Answer | None = None


class Citation(BaseModel):
    """A numbered source of an answer: the quoted sentence and where it sits in the cited document."""

    n: int = Field(ge=1, description="The marker number used in the answer text, e.g. [1].")
    doc_id: str
    chunk_id: str
    title: str | None = None
    date: dt.date | None = None
    publisher: str | None = None
    quote: str = Field(description="A sentence taken verbatim from the cited passage.")
    start: int = Field(description="Offset of the quote in the document's cleaned text.")
    end: int
    passage_text: str = Field(description="The cited passage, for showing the quote in context.")
    passage_start: int = Field(description="Offset of the passage in the document's cleaned text.")
    score: float = Field(description="Retrieval score of the cited passage.")
    note: str | None = Field(None, description="Reading aid, e.g. which year 'next year' means.")


class Answer(BaseModel):
    """An answer with its evidence; `answered` is False when the corpus does not support one."""

    question: str
    text: str
    answered: bool
    short_answer: str | None = Field(None, description="The isolated figure or name, when one was found.")
    citations: list[Citation] = []
    passages: list[Passage] = []
    rewritten_query: str
    confidence: float = Field(ge=0, le=1)
    seconds: float = 0.0
    answer_type: str | None = Field(None, description="What the question asked for (a Li & Roth class).")
    generator: Literal["extractive", "llm"] = "extractive"
    verified: bool | None = Field(None, description="Every sentence of a generated answer is supported by the "
                                  "passage it cites (always True for extractive answers, which only quote).")
    unsupported_claims: list[str] = Field(default_factory=list, description="Sentences that failed the check.")
    notice: str | None = Field(None, description="Why the answer came from another generator than asked "
                               "(e.g. the model server was unreachable).")


ChatMessage.model_rebuild()
