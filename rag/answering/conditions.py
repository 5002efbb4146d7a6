"""When the question sets its event, against when a sentence sets it: a question about "Tuesday morning" is not
answered by a sentence about "Monday morning", nor one about "within 48 hours" by "within 24 hours", nor one about
"the 11th century" by a sentence that dates its event to the 10th. SQuAD 2.0's "impossible condition" questions are
built so: the sentence they were written over, with its day, span or period changed."""

from __future__ import annotations

import re

from rag.answering.constraints import ordinals, periods
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


def shares_time(question: str, sentence: str) -> bool:
    """The sentence names one of the question's days, spans, places in a series or periods."""
    if _weekdays(question) & _weekdays(sentence) or _spans(question) & _spans(sentence) \
            or _ordered(question) & _ordered(sentence):
        return True
    asked, said = periods(question, years=False), periods(sentence)
    return any(a <= d and c <= b for a, b in asked for c, d in said)


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
        said = {o for o, n in said_order if n == noun}
        if said and not {o for o, n in asked_order if n == noun} & said:
            return True
    asked_periods = periods(question, years=False)
    said_periods = periods(sentence)
    return bool(asked_periods) and bool(said_periods) and not any(
        a <= d and c <= b for a, b in asked_periods for c, d in said_periods)
