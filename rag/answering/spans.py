"""Find short answer candidates inside a sentence: figures with their units, dates, ordinals and names."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"\d[\d,]*(?:\.\d+)?"
_SCALE = r"(?:\s(?:thousand|million|billion|trillion))?"
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
                 "hundred thousand").split()
ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth").split()
UNITS = ("kilometers kilometres meters metres square years months days times people persons visitors tourists "
         "enterprises companies projects parks villages cities counties districts schools kindergartens spots "
         "communities households families members venues hours minutes").split()
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

_AMOUNT = rf"{_NUM}{_SCALE}(?:\s(?:yuan|dollars|percent|kilometers|square meters))?"
_NAME = r"[A-Z][a-zA-Z-]+(?:\s(?:of\s)?[A-Z][a-zA-Z0-9-]+)*"

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("range", re.compile(rf"\bbetween\s(?:US\$|\$)?{_AMOUNT}\sand\s(?:US\$|\$)?{_AMOUNT}")),
    ("number", re.compile(rf"(?<![\w.$:,]){_NUM}\sof\sthe\s{_NUM}(?:\s[a-z-]+){{0,2}}")),
    ("number", re.compile(rf"(?<![\w.$:,]){_NUM}\s[a-z-]+\sand\s{_NUM}\s[a-z-]+")),
    ("age", re.compile(r"\b\d{1,3}(?:\syears?\sold|-year-old)\b|\baged\s\d{1,3}\b")),
    ("date", re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s+\d{{4}})?\b")),
    ("ratio", re.compile(rf"(?<![\d:]){_NUM}:{_NUM}(?![\d:])")),
    ("usd", re.compile(rf"(?:US\$|\$)\s?{_NUM}{_SCALE}")),
    ("percent", re.compile(rf"(?<![\w.]){_NUM}\s?(?:%|percent\b|per cent\b)")),
    ("money", re.compile(rf"(?<![\w.$]){_NUM}{_SCALE}\s(?:yuan|dollars|euros|RMB)\b")),
    ("ordinal", re.compile(rf"\b(?:\d+(?:st|nd|rd|th)|{'|'.join(ORDINAL_WORDS)})\b", re.I)),
    ("year", re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?!\d|[.,]\d|\s?(?:yuan|percent|%))")),
    ("number", re.compile(rf"(?<![\w.$:,]){_NUM}{_SCALE}(?:\s(?:square\s)?(?:[a-z-]+\s)?(?:{'|'.join(UNITS)})\b|"
                          rf"(?:\s(?:[a-z-]+\s){{0,2}}?[a-z-]+s\b)?)")),
    ("number", re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\s(?:[a-z-]+\s){{0,3}}?[a-z-]+s\b", re.I)),
    ("name", re.compile(rf"\b{_NAME}(?:,\s{_NAME})*(?:,?\sand\s{_NAME})?")),  # a name, or a list of names
    ("name", re.compile(rf"\b{_NAME}")),  # each name of a list on its own
]
NUMERIC_KINDS = {"range", "age", "ratio", "usd", "percent", "money", "number", "year", "ordinal", "date"}
_SENTENCE_START_COMMON = frozenset("The A An In On At By For From With As This That These Those It Its He She They "
                                   "What Which Who Whom Whose When Where Why How Is Are Was Were Do Does Did "
                                   "We Our According Meanwhile Currently Now Today Also But And Since Over Under "
                                   "After Before During Among Between Some Many More Most".split())
_MONTH_NAMES = frozenset(_MONTHS.split("|"))


@dataclass(frozen=True)
class Span:
    """A candidate answer: its text, kind and character range within the sentence."""

    text: str
    kind: str
    start: int
    end: int


def find_spans(sentence: str) -> list[Span]:
    """Typed candidates, most specific pattern first; a shorter match inside an earlier one is dropped."""
    found: list[Span] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(sentence):
            text = match.group(0).strip().rstrip(",.")
            start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
            end = start + len(text)
            if kind == "name" and not _good_name(text, start):
                continue
            if any(s.start <= start and end <= s.end and (s.kind != "name" or kind != "name") for s in found):
                continue
            if any(s.start == start and s.end == end for s in found):
                continue
            found.append(Span(text, kind, start, end))
    return sorted(found, key=lambda s: s.start)


def _good_name(text: str, start: int) -> bool:
    """Capitalised runs that look like names, not sentence openers or months."""
    first = text.split()[0]
    if first in _MONTH_NAMES or text in _MONTH_NAMES:
        return False
    if start == 0 and first in _SENTENCE_START_COMMON and len(text.split()) == 1:
        return False
    return first not in _SENTENCE_START_COMMON or len(text.split()) > 1 and start > 0


def normalise_value(text: str) -> str:
    """A comparable form of a figure: lower case, no thousands separators or spaces."""
    return re.sub(r"[\s,]", "", text.lower()).replace("us$", "$").replace("percent", "%")
