"""When the question sets its event, against when a sentence sets it: a question about "Tuesday morning" is not
answered by a sentence about "Monday morning", nor one about "within 48 hours" by "within 24 hours", nor one about
"the 11th century" by a sentence that dates its event to the 10th. SQuAD 2.0's "impossible condition" questions are
built so: the sentence they were written over, with its day, span or period changed."""

from __future__ import annotations

import re

from rag.answering.constraints import ordinals, overlaps, periods
from rag.answering.quantities import NUMBER_WORDS
from rag.text import stem

_WEEKDAY = re.compile(r"(\w+\s+)?\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:s|'s)?\b(\s+\w+)?",
                      re.I)
# words before a weekday that leave it a day ("*On* Monday"), where another capitalised one makes it a name ("*Super*
# Tuesday", "*Good* Friday"), as do the words of titles after it ("the Sunday *Times*")
_DAY_OPENERS = frozenset("on by from last next since until till every this that early late in at during for over "
                         "before after of".split())
_DAY_TITLES = frozenset("times telegraph mirror express post herald mail star people sport night tribune "
                        "independent observer".split())
_UNITS = "second minute hour day week month year decade century"
# not an age ("the 15-year-old", "15-year-olds", "56 years old"), nor part of a bigger number ("2,000 years")
_SPAN = re.compile(rf"(?<![\d,.])\b(\d{{1,4}}|{'|'.join(NUMBER_WORDS[1:20])})[\s-]({'|'.join(_UNITS.split())})s?\b"
                   rf"(?![\s-]old(?:s|er)?\b)", re.I)


def _weekdays(text: str) -> set[str]:
    """The days of the week a text names as days, not in names ("Super Tuesday", "the Sunday Times")."""
    out = set()
    for before, day, after in _WEEKDAY.findall(text):
        word, title = before.strip(), after.strip().lower()
        if word.lower() not in _DAY_OPENERS and (title in _DAY_TITLES or word[:1].isupper()):
            continue
        out.add(day.lower())
    return out


def _spans(text: str) -> set[tuple[int, str]]:
    """(number, unit) of each span of time ("48 hours", "five years'", "two-week")."""
    out = set()
    for number, unit in _SPAN.findall(text):
        value = int(number) if number.isdigit() else NUMBER_WORDS.index(number.lower())
        out.add((value, unit.lower()))
    return out


_ORDERED = re.compile(r"\b(\w+)[\s-]+(?=([A-Za-z]{3,})\b)")


def _ordered(text: str) -> set[tuple[int, str]]:
    """(place, stemmed noun) of each ordinal before a noun ("the fourth *series*", "its 12th edition")."""
    out = set()
    for word, noun in _ORDERED.findall(text):
        place = ordinals(word)
        if place:
            out.add((place.pop(), stem(noun.lower())))
    return out


def _times(text: str) -> set[tuple[object, str]]:
    """(value, kind) of each day of the week, span of time ("48 hours": 48, "span hour") and place in a series ("the
    fourth series": 4, "place seri") the text names; two of one kind and different values tell of different times."""
    return {(day, "weekday") for day in _weekdays(text)} | {(n, f"span {unit}") for n, unit in _spans(text)} \
        | {(n, f"place {noun}") for n, noun in _ordered(text)}


def shares_time(question: str, sentence: str) -> bool:
    """The sentence names one of the question's days, spans, places in a series or periods."""
    return bool(_times(question) & _times(sentence)) or overlaps(periods(question, years=False), periods(sentence))


def other_time(question: str, sentence: str) -> bool:
    """The question gives a day of the week, a span of time, a century or decade, or a place in a series ("the
    fourth series"), and the sentence gives others of that kind but not the question's: it tells of another time
    or edition. (Not months: "a February election after the
    Iraq elections" is answered by "following the Iraq elections in January", the month of another event.)"""
    asked, said = _times(question), _times(sentence)
    for kind in {k for _, k in asked}:
        theirs = {v for v, k in said if k == kind}
        if theirs and not {v for v, k in asked if k == kind} & theirs:
            return True
    asked_periods, said_periods = periods(question, years=False), periods(sentence)
    return bool(asked_periods) and bool(said_periods) and not overlaps(asked_periods, said_periods)
