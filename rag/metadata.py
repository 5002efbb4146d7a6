"""Document metadata: the corpus manifest first, then the file format's own, then what the text itself says."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

from pydantic import Field, TypeAdapter, ValidationError

from rag.errors import DocumentError
from rag.models import Byline, DocumentMeta

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
TITLE_MAX_CHARS = 120
DATE_SEARCH_CHARS = 1500  # datelines sit at the top of an article

# Date-shaped strings near the top of an article: ISO dates, "Month D, YYYY" and "D Month YYYY". Which words are
# months, and whether the date exists, is dateparser's call (strict parsing), so no month list is kept here.
_DATE_SHAPES = re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)|\b[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|"
                          r"\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}\b")
# A byline: "By Jane Smith", "By Chen Ye in Hangzhou | chinadaily.com.cn", "By JOHN SMITH, BBC News", "By Ann Lee and
# Tom Ross": a line opening with "By" and one or more capitalised names, up to where the place or publisher begins.
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())  # "Émile", "Łukasz", "Ömer"
_NAME = rf"[{_UPPER}][\w'’.-]*(?:[ \t]+(?:(?:de|da|di|du|van|von|der|den|le|la|al|bin|el)[ \t]+){{0,2}}[{_UPPER}][\w'’.-]*){{0,3}}"
_BYLINE = re.compile(rf"^[ \t]*(?P<by>By)[ \t]+(?P<name>{_NAME}(?:(?:[ \t]*,[ \t]*{_NAME})*[ \t]+and[ \t]+{_NAME}|"
                     rf"[ \t]*&[ \t]*{_NAME})?)(?=[ \t]*(?:$|[|,;–—]|[ \t]-[ \t]|[ \t](?:in|for|at)[ \t]))", re.M)
# what follows the name in a byline: a place ("in Paris"), a publisher or title after a separator
_AFTER_NAME = re.compile(r"[ \t]*(?:[|,;–—-]|(?:in|for|at)[ \t])[ \t]*")
_DATEPARSER_SETTINGS = {"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"],
                        "PREFER_DAY_OF_MONTH": "first"}

class ManifestEntry(DocumentMeta):
    """A manifest line: metadata for one document id, pinned to its content when `sha256` is given."""

    sha256: str | None = Field(None, description="sha256 of the file's bytes the metadata describes; when the file "
                               "changes, the metadata no longer applies.")


_manifest_adapter = TypeAdapter(dict[str, ManifestEntry])


def read_manifest(corpus_dir: Path) -> dict[str, ManifestEntry]:
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
    import dateparser

    for match in _DATE_SHAPES.finditer(text[:DATE_SEARCH_CHARS]):
        parsed = dateparser.parse(match.group(0), languages=["en"], settings=_DATEPARSER_SETTINGS)
        if parsed is not None:
            return parsed.date()
    return None


def find_byline(text: str) -> Byline | None:
    """The article's byline near its top ("By Jane Smith in Paris | Example News"), if it has one."""
    for match in _BYLINE.finditer(text[:DATE_SEARCH_CHARS]):
        end = text.find("\n", match.start())
        end = len(text) if end < 0 else end
        rest = text[match.end():end]
        rest = rest[after.end():] if (after := _AFTER_NAME.match(rest)) else rest
        if rest[:1].islower() or _is_date(match.group("name")):
            continue  # a sentence: "By Monday, the talks had failed.", "By Easter, the shops ...", "By March 2005"
        return Byline(author=match.group("name"), start=match.start("by"), end=end)
    return None


def _is_date(text: str) -> bool:
    import dateparser

    return dateparser.parse(text, languages=["en"]) is not None


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
    for field in DocumentMeta.model_fields:  # a manifest entry's own fields (sha256) are not metadata
        for source in (manifest, loaded):
            value = getattr(source, field) if source is not None else None
            if value is not None:
                setattr(merged, field, value)
                break
    if merged.title is None:
        merged.title = find_title(text)
    if merged.date is None:
        merged.date = find_date(text)
    if merged.author is None:
        byline = find_byline(text)
        merged.author = byline.author if byline is not None else None
    log.debug("%s: metadata %s", doc_id, merged.model_dump_json())
    return merged
