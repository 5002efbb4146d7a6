"""When the question sets its event, against when a sentence sets it: a question about "Tuesday morning" is not
answered by a sentence about "Monday morning", nor one about "within 48 hours" by "within 24 hours", nor one about
"the 11th century" by a sentence that dates its event to the 10th. SQuAD 2.0's "impossible condition" questions are
built so: the sentence they were written over, with its day, span or period changed."""

from __future__ import annotations

import re

from rag.answering.constraints import ordinals, periods
from rag.answering.quantities import NUMBER_WORDS
from rag.text import stem

_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.I)
_UNITS = "second minute hour day week month year decade century"
# not an age ("the 15-year-old", "56 years old")
_SPAN = re.compile(rf"\b(\d{{1,4}}|{'|'.join(NUMBER_WORDS[1:20])})[\s-]({'|'.join(_UNITS.split())})s?\b(?![\s-]old\b)",
                   re.I)


def _weekdays(text: str) -> set[str]:
    return {m.lower() for m in _WEEKDAY.findall(text)}


def _spans(text: str) -> set[tuple[int, str]]:
    """(number, unit) of each span of time ("48 hours", "five years'", "two-week")."""
    out = set()
    for number, unit in _SPAN.findall(text):
        value = int(number) if number.isdigit() else NUMBER_WORDS.index(number.lower())
        out.add((value, unit.lower()))
    return out


_ORDERED = re.compile(r"\b(\w+)[\s-]+(?=([a-z]{3,})\b)")


def _ordered(text: str) -> set[tuple[int, str]]:
    """(place, stemmed noun) of each ordinal before a noun ("the fourth *series*", "its 12th edition")."""
    out = set()
    for word, noun in _ORDERED.findall(text):
        place = ordinals(word)
        if place:
            out.add((place.pop(), stem(noun)))
    return out


def other_time(question: str, sentence: str) -> bool:
    """The question gives a day of the week, a span of time, a century or decade, or a place in a series ("the
    fourth series"), and the sentence gives others of that kind but not the question's: it tells of another time
    or edition. (Not months: "a February election after the
    Iraq elections" is answered by "following the Iraq elections in January", the month of another event.)"""
    wanted, found = _weekdays(question), _weekdays(sentence)
    if wanted and found and not wanted & found:
        return True
    wanted_spans = _spans(question)
    found_spans = _spans(sentence)
    for unit in {u for _, u in wanted_spans}:
        asked = {n for n, u in wanted_spans if u == unit}
        said = {n for n, u in found_spans if u == unit}
        if said and not asked & said:
            return True
    asked_order, said_order = _ordered(question), _ordered(sentence)
    for noun in {n for _, n in asked_order}:
        if {o for o, n in said_order if n == noun} and not asked_order & said_order:
            return True
    asked_periods = periods(question, years=False)
    said_periods = periods(sentence)
    return bool(asked_periods) and bool(said_periods) and not any(
        a <= d and c <= b for a, b in asked_periods for c, d in said_periods)
