"""Normalise chat history from any client (Gradio, OpenAI-style dicts, pydantic) into `ChatMessage`s.

Client-supplied history is untrusted: only the most recent messages are read, each up to a length, content nested
more than a few levels deep is refused, and unpaired surrogates are repaired.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ValidationError

from rag.inputs import repair_text
from rag.models import Answer, ChatMessage

log = logging.getLogger(__name__)

_ROLE_ALIASES = {"user": "user", "human": "user", "assistant": "assistant", "bot": "assistant", "ai": "assistant"}
MAX_DEPTH = 4  # Gradio's message content is a list of blocks: two or three levels is all a real client sends


def content_text(content: object, max_chars: int = 1_000_000) -> str | None:
    """Text of a message content: a string, or Gradio's list of blocks ({"type": "text", "text": ...}); None when it
    holds no text. Read without recursion; ValueError when nested deeper than MAX_DEPTH."""
    parts: list[str] = []
    stack: list[tuple[object, int]] = [(content, 0)]
    size = 0
    while stack and size < max_chars:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"message content is nested more than {MAX_DEPTH} levels deep")
        text = item if isinstance(item, str) else item.get("text") if isinstance(item, dict) else None
        if isinstance(text, str):
            parts.append(text[:max_chars - size])
            size += len(parts[-1])
        if isinstance(item, (list, tuple)):
            stack.extend((child, depth + 1) for child in reversed(item))
    texts = [p for p in parts if p]
    return repair_text("\n".join(texts))[:max_chars] if texts else None


def normalise_history(history: Sequence[object] | None, max_messages: int = 20,
                      max_chars: int = 4000) -> list[ChatMessage]:
    """The last `max_messages` readable user/assistant turns, each cut to `max_chars`; other roles (system, tool)
    are skipped, unreadable entries raise ValueError."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise ValueError("history must be a list of messages like {'role': 'user', 'content': '...'}")
    start = max(0, len(history) - max_messages)
    if start:
        log.info("history of %d messages: reading the last %d", len(history), max_messages)
    messages: list[ChatMessage] = []
    for position in range(start, len(history)):
        item = history[position]
        if isinstance(item, ChatMessage):
            messages.append(ChatMessage(role=item.role, content=repair_text(item.content)[:max_chars],
                                        answer=item.answer))
            continue
        data = item.model_dump() if hasattr(item, "model_dump") else item
        if not isinstance(data, dict) or "role" not in data or "content" not in data:
            raise ValueError(f"history item {position} is not a message with 'role' and 'content': {item!r:.80}")
        role = _ROLE_ALIASES.get(str(data["role"]).lower())
        if role is None:
            log.info("history item %d: ignoring role %r", position, data["role"])
            continue
        try:
            text = content_text(data["content"], max_chars)
        except ValueError as exc:
            raise ValueError(f"history item {position}: {exc}") from None
        if text is None:
            if data["content"] is None or isinstance(data["content"], (list, tuple, dict)):
                continue  # files, images and other non-text blocks carry nothing a text answerer can use
            raise ValueError(f"history item {position}: content must be text, got {type(data['content']).__name__}")
        messages.append(ChatMessage(role=role, content=text, answer=_answer_of(data) if role == "assistant" else None))
    return messages


def _answer_of(data: dict) -> Answer | None:
    """The structured answer a client sent back with an assistant message (the app's /ask returns one), if valid."""
    raw = data.get("answer")
    if not isinstance(raw, dict):
        return None
    try:
        return Answer.model_validate(raw)
    except ValidationError:
        log.info("ignoring an assistant message's answer that is not a valid Answer")
        return None
