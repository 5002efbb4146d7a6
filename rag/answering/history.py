"""Normalise chat history from any client (Gradio, OpenAI-style dicts, pydantic) into `ChatMessage`s."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rag.models import ChatMessage

log = logging.getLogger(__name__)

_ROLE_ALIASES = {"user": "user", "human": "user", "assistant": "assistant", "bot": "assistant", "ai": "assistant"}


def content_text(content: object) -> str | None:
    """Text of a message content: a string, or Gradio's list of blocks ({"type": "text", "text": ...}); else None."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        if isinstance(content.get("text"), str):
            return content["text"]
        return None
    if isinstance(content, (list, tuple)):
        parts = [content_text(block) for block in content]
        texts = [p for p in parts if p]
        return "\n".join(texts) if texts else None
    return None


def normalise_history(history: Sequence[object] | None) -> list[ChatMessage]:
    """Readable user/assistant turns; other roles (system, tool) are skipped, unreadable entries raise ValueError."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise ValueError("history must be a list of messages like {'role': 'user', 'content': '...'}")
    messages: list[ChatMessage] = []
    for position, item in enumerate(history):
        if isinstance(item, ChatMessage):
            messages.append(item)
            continue
        data = item.model_dump() if hasattr(item, "model_dump") else item
        if not isinstance(data, dict) or "role" not in data or "content" not in data:
            raise ValueError(f"history item {position} is not a message with 'role' and 'content': {item!r:.80}")
        role = _ROLE_ALIASES.get(str(data["role"]).lower())
        if role is None:
            log.info("history item %d: ignoring role %r", position, data["role"])
            continue
        text = content_text(data["content"])
        if text is None:
            if data["content"] is None or isinstance(data["content"], (list, tuple, dict)):
                continue  # files, images and other non-text blocks carry nothing a text answerer can use
            raise ValueError(f"history item {position}: content must be text, got {type(data['content']).__name__}")
        messages.append(ChatMessage(role=role, content=text))
    return messages
