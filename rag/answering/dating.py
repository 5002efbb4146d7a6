"""News is dated: say which year "next year", "this year" or "last year" means in a quote."""

from __future__ import annotations

import datetime as dt
import re

_RELATIVE = re.compile(r"\b(next|this|last)\s+year\b", re.I)
_OFFSET = {"next": 1, "this": 0, "last": -1}


def relative_year_note(quote: str, date: dt.date | None) -> str | None:
    """A note resolving relative years in the quote against the article date, or saying the date is unknown."""
    phrases = list(dict.fromkeys(m.group(0).lower() for m in _RELATIVE.finditer(quote)))
    if not phrases:
        return None
    if date is None:
        return f"“{phrases[0]}” is relative to an undated article"
    resolved = ", ".join(f"“{p}” = {date.year + _OFFSET[p.split()[0]]}" for p in phrases)
    return f"{resolved}; article dated {date:%-d %B %Y}"


def relative_years(text: str, date: dt.date | None) -> list[int]:
    """The years "next year", "this year" and "last year" in `text` stand for, in an article of `date`."""
    if date is None:
        return []
    return [date.year + _OFFSET[m.group(1).lower()] for m in _RELATIVE.finditer(text)]
