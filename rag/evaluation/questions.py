"""The fixed Q&A evaluation set: one JSON object a line, validated strictly so a typo never silently skews scores."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from rag.evaluation.jsonl import parse_object

Category = Literal["factual", "follow-up", "unanswerable"]
CATEGORIES: tuple[Category, ...] = ("factual", "follow-up", "unanswerable")


class EvalQuestion(BaseModel):
    """A question with its accepted answers and gold source doc ids; `history` holds the earlier user turns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    question: str
    answers: list[str] = []
    sources: list[str] = []
    history: list[str] = []
    answerable: bool = True

    @property
    def category(self) -> Category:
        """unanswerable, follow-up (has history) or factual: the groups every metric is reported by."""
        if not self.answerable:
            return "unanswerable"
        return "follow-up" if self.history else "factual"


def _describe(exc: ValidationError) -> str:
    """Pydantic's errors as one short line: 'field: message; ...'."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_question(line: str, where: str) -> EvalQuestion:
    """One line as an EvalQuestion; ValueError prefixed with `where` (file:line) on any problem."""
    record = parse_object(line, where)
    if not str(record.get("id") or "").strip():
        raise ValueError(f"{where}: missing question id")
    try:
        question = EvalQuestion.model_validate(record)
    except ValidationError as exc:
        raise ValueError(f"{where}: {_describe(exc)}") from exc
    if not question.question.strip():
        raise ValueError(f"{where}: question {question.id!r} has empty question text")
    if question.answerable and not (question.answers and question.sources):
        raise ValueError(f"{where}: answerable question {question.id!r} needs both answers and sources")
    if not question.answerable and question.answers:
        raise ValueError(f"{where}: unanswerable question {question.id!r} must not list answers")
    return question


def load_questions(path: str | Path) -> list[EvalQuestion]:
    """All questions of a JSONL file in file order (blank lines skipped); ValueError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"question file {path} does not exist")
    questions: list[EvalQuestion] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        question = parse_question(line, f"{path}:{lineno}")
        if question.id in first_line:
            raise ValueError(f"{path}:{lineno}: duplicate question id {question.id!r} "
                             f"(first on line {first_line[question.id]})")
        first_line[question.id] = lineno
        questions.append(question)
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions
