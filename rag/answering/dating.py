"""News is dated: say which year "next year", "this year" or "last year" means in a quote."""

from __future__ import annotations

import datetime as dt
import re

RELATIVE_YEAR = re.compile(r"\b(next|this|last)\s+year\b", re.I)
_OFFSET = {"next": 1, "this": 0, "last": -1}
# a year news leaves unnamed, the one it reports on ("gained 7.6% *during the year*"): like "this year", it may be
# the question's
# (not "the year to March 2019", which names its year; case-sensitive so that the month's capital tells)
UNNAMED_YEAR = re.compile(rf"(?i:{RELATIVE_YEAR.pattern})|\b(?:[Dd]uring|[Oo]ver|[Tt]hroughout|[Tt]hrough)"
                          r"\s+the\s+(?:past\s+)?year\b(?!\s+(?:to|ending|ended)\s+(?:[A-Z]|\d))")


def relative_year_note(quote: str, date: dt.date | None) -> str | None:
    """A note resolving relative years in the quote against the article date, or saying the date is unknown."""
    phrases = list(dict.fromkeys(m.group(0).lower() for m in RELATIVE_YEAR.finditer(quote)))
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
    return [date.year + _OFFSET[m.group(1).lower()] for m in RELATIVE_YEAR.finditer(text)]


_YEAR_PREPOSITIONS = frozenset({"in", "of", "during"})
_RANGE_MARKS = frozenset({"-", "–", "/", "to"})


def is_year(token) -> bool:
    """A year the tagger dates, written alone: not "1500m" or "2000 jobs", nor one end of a season ("2003-04")."""
    doc = token.doc
    near = [doc[i] for i in (token.i - 1, token.i + 1) if 0 <= i < len(doc)]
    return token.text.isdigit() and len(token.text) in (3, 4) and token.ent_type_ == "DATE" \
        and not any(t.text in _RANGE_MARKS for t in near)


def _dated_word(year):
    """The word the parse attaches a year to: the verb or noun it is the time of ("reunited *in 1413*", "the Revolt
    *of 1381*", "*in April 1453*"), or the noun it modifies ("the *1215* charter")."""
    word = year
    if word.dep_ in ("nummod", "compound") and word.head.ent_type_ == "DATE" and word.head.i != word.i:
        word = word.head  # the year of a date: "April 1453"
    if word.dep_ == "pobj" and word.head.dep_ == "prep" and word.head.lower_ in _YEAR_PREPOSITIONS:
        return word.head.head
    if word is year and year.dep_ in ("nummod", "compound", "amod") and year.head.pos_ in ("NOUN", "PROPN"):
        return year.head
    return None


def dated_words(span) -> set[tuple[str, str]]:
    """(lemma, year) for each year in the span and the word it dates."""
    return {(word.lemma_.lower(), t.text) for t in span if is_year(t) and (word := _dated_word(t)) is not None}


def years_of(span) -> dict[int, set[str]]:
    """Token index of each dated word in the span -> the years the parse attaches to it."""
    years: dict[int, set[str]] = {}
    for t in span:
        if is_year(t) and (word := _dated_word(t)) is not None:
            years.setdefault(word.i, set()).add(t.text)
    return years


def dated_otherwise(asked: tuple[tuple[str, str], ...], span) -> bool:
    """Every mention of a word the question dates is dated to another year in the sentence, which never gives the
    question's year nor a year relative to the article's ("Mehmed I reunited the realm in 1413" for "who reunited
    the state in 1444"; not "fourth at the 1996 Olympics, won gold at the Olympics in Athens")."""
    if not asked or UNNAMED_YEAR.search(span.text):
        return False
    years = years_of(span)
    for word, year in asked:
        mentions = [t for t in span if t.lemma_.lower() == word]
        if mentions and year not in span.text and all(years.get(t.i) for t in mentions):
            return True
    return False


def other_years_only(asked: set[str], sentence, date: dt.date | None) -> bool:
    """The question dates one of its words to a year (`asked`) its article could not leave unsaid, and the
    sentence and its neighbours date things to other years only ("fell on 29 May 1453" for "killed defending
    Constantinople in 1402"). News leaves unsaid the year it was written in and the ones either side ("this year",
    "last year", "next year"): an undated passage may be written in a year later than all it states ("profits
    rose 5%, up from $1.9m in 2003" for "how much did profits rise in 2004"). Years as the tagger dates them,
    alone: not "1500 soldiers", nor the ends of a range ("535 to 554")."""
    if not asked:
        return False
    if date is not None:
        if any(abs(int(y) - date.year) <= 1 for y in asked):
            return False
    else:
        latest = max((int(t.text) for t in sentence.span.doc if is_year(t)), default=0)
        if any(int(y) > latest for y in asked):
            return False
    window = sentence.window()
    if any(UNNAMED_YEAR.search(s.text) or any(y in s.text for y in asked) for s in window):
        return False
    return any(is_year(t) for s in window for t in s.span)
