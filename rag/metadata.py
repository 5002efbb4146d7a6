"""Document metadata: the corpus manifest first, then the file format's own, then what the text itself says."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from rag.errors import DocumentError
from rag.models import DocumentMeta

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
TITLE_MAX_CHARS = 120
DATE_SEARCH_CHARS = 1500  # datelines sit at the top of an article

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)"), lambda m: dt.date(int(m[1]), int(m[2]), int(m[3]))),
    (
        re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}}),\s+(\d{{4}})\b"),
        lambda m: dt.datetime.strptime(f"{m[1]} {m[2]} {m[3]}", "%B %d %Y").date(),
    ),
    (
        re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})\b"),
        lambda m: dt.datetime.strptime(f"{m[2]} {m[1]} {m[3]}", "%B %d %Y").date(),
    ),
]

_manifest_adapter = TypeAdapter(dict[str, DocumentMeta])


def read_manifest(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """The corpus folder's manifest.json (doc_id -> metadata); empty when there is none."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        return _manifest_adapter.validate_python(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path}: invalid manifest ({exc})") from exc


def find_date(text: str) -> dt.date | None:
    """The first full date written near the top of the text (a dateline), if any."""
    head = text[:DATE_SEARCH_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern, build in _DATE_PATTERNS:
        for match in pattern.finditer(head):
            try:
                found.append((match.start(), build(match)))
            except ValueError:
                continue
            break
    return min(found)[1] if found else None


def find_title(text: str) -> str | None:
    """The first meaningful line: at least three words and not just a date or a byline."""
    for line in text.splitlines():
        line = line.strip()
        if len(line.split()) < 3 or find_date(line) or line.lower().startswith("by "):
            continue
        if len(line) <= TITLE_MAX_CHARS:
            return line
        cut = line[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
        return cut.rstrip(",;:") + "…"
    return None


def merge_meta(doc_id: str, manifest: DocumentMeta | None, loaded: DocumentMeta, text: str) -> DocumentMeta:
    """Manifest fields win, then the format's metadata, then extraction from the cleaned text."""
    merged = DocumentMeta()
    for field in DocumentMeta.model_fields:
        for source in (manifest, loaded):
            value = getattr(source, field) if source is not None else None
            if value is not None:
                setattr(merged, field, value)
                break
    if merged.title is None:
        merged.title = find_title(text)
    if merged.date is None:
        merged.date = find_date(text)
    log.debug("%s: metadata %s", doc_id, merged.model_dump_json())
    return merged
