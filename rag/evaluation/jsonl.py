"""One JSON-lines record, with errors that name the file and line (shared by the question set and BEIR loaders)."""

from __future__ import annotations

import json
from typing import Any


def parse_object(line: str, where: str) -> dict[str, Any]:
    """The JSON object on one line; ValueError prefixed with `where` ("file:line") when it is not one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: malformed JSON line ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record
