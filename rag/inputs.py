"""Validation of what callers hand the engine: one rule for questions, `k`, modes and chat history, used by the
library, the CLI and the app alike (a bad value is a clear ValueError, never a TypeError deep inside)."""

from __future__ import annotations

import logging
import math
from typing import get_args

from pydantic import TypeAdapter, ValidationError

from rag.settings import SearchMode

log = logging.getLogger(__name__)

MODES = get_args(SearchMode)
_WHOLE = TypeAdapter(int)  # built once: constructing an adapter costs more than the search it guards


def repair_text(text: str) -> str:
    """The text with lone UTF-16 surrogates ("\\ud800", which no encoder accepts) replaced by U+FFFD; proper
    surrogate pairs become the character they encode."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def validate_query(query: object, max_chars: int) -> str:
    """The query stripped; ValueError when it is not text or blank, truncated with a warning when huge."""
    if not isinstance(query, str):
        raise ValueError(f"the query must be a string, got {type(query).__name__}")
    query = repair_text(query).strip()
    if not query:
        raise ValueError("the query is empty: type a question or some search words")
    if len(query) > max_chars:
        log.warning("query of %d characters truncated to %d", len(query), max_chars)
        query = query[:max_chars]
    return query


def validate_k(k: object, default: int, max_k: int) -> int:
    """`k` as a whole number of results from 1 to `max_k` (an integral float or numeric string is accepted; 1.5,
    NaN, booleans and words are not); None means `default`."""
    if k is None:
        return default
    if isinstance(k, bool) or isinstance(k, float) and not math.isfinite(k):
        raise ValueError(f"k must be a whole number from 1 to {max_k}, got {k!r}")
    try:
        value = _WHOLE.validate_python(k)
    except ValidationError as exc:
        raise ValueError(f"k must be a whole number from 1 to {max_k}, got {k!r}") from exc
    if not 1 <= value <= max_k:
        raise ValueError(f"k must be a whole number from 1 to {max_k}, got {k!r}")
    return value


def validate_mode(mode: object, default: str) -> str:
    """A search mode name; None means `default`."""
    if mode is None:
        return default
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}: use {', '.join(MODES)}")
    return str(mode)
