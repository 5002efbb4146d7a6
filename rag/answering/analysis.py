"""What a question asks for: its expected answer type, its key terms, and the names and years it is about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how much many does did do is are was were will would could can "
    "should has have had be been being the a an of to in on at for by with about as from that this these those "
    "and or it its roughly approximately exactly according tell me please name named called year years date "
    "percentage".split()
)
STOP = frozenset(STOPWORDS_EN) | QUESTION_WORDS
PERSON_NOUNS = frozenset(
    "traveler traveller secretary chairman chairwoman chair president mogul official founder chief mayor "
    "governor minister reporter author director ceo leader spokesman spokeswoman head scientist designer".split()
)
ORG_NOUNS = frozenset("company companies firm firms organization organisation group enterprise enterprises brand "
                      "university institution system".split())
PLACE_NOUNS = frozenset("city cities county counties district districts province provinces village villages "
                        "town towns country countries region regions park".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*|\d[\d,.:]*")
_POSSESSIVE = re.compile(r"['’]s$")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_TITLE_WORD = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:['’]s)?\b")


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def bare(word: str) -> str:
    """A word without its possessive ending ("Hangzhou's" -> "Hangzhou")."""
    return _POSSESSIVE.sub("", word)


def words(text: str) -> list[str]:
    """Word tokens with possessives removed, original case kept."""
    return [bare(w).strip(".,:") for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Stemmed lower-case content terms (no stop or question words): the unit of term overlap."""
    lowered = [w.lower() for w in words(text)]
    return stemmer().stemWords([w for w in lowered if w and w not in STOP and not w.isdigit()])


@dataclass(frozen=True)
class QuestionAnalysis:
    """The parts of a question the answerer scores against."""

    text: str
    kind: str  # number | figure | date | person | place | ordinal | other
    key_terms: tuple[str, ...]
    names: tuple[str, ...]  # capitalised words the evidence must mention (lower case)
    years: tuple[str, ...]
    unit_hint: str | None  # the noun the question counts or picks ("spots", "county")
    cue: str | None  # range | ratio | percent | money | usd | length | area | age | date
    plural: bool = False  # asks for several things ("which cities")


def answer_kind(q: str) -> str:
    """Expected answer type from the question's wording."""
    low = q.lower()
    if (re.search(r"\b(rank|ranking|place|position)\b", low) and re.search(r"\b(where|what|which)\b", low)
            or re.search(r"\bwhere\b.*\bamong\b", low)):
        return "ordinal"
    if re.search(r"\bwhich (\w+ )?(edition|session|plenary|congress|anniversary|round|term|meeting)\b", low):
        return "ordinal"
    if re.search(r"\b(when|what year|which year|what date|which date|by what year|in what year|what month)\b", low):
        return "date"
    if re.search(r"\b(how (many|much|far|fast|long|big|large|old|high|low)|what (share|percentage|portion|proportion|"
                 r"ratio|rate|level|value|amount|number|size)|by how much)\b", low):
        return "number"
    if re.search(r"\bwhat (is|was|are|were)\b.*\b(rate|ratio|ceiling|cap|limit)\b", low):
        return "number"
    if re.search(r"\bwhat\b.*\b(target|goal|forecast|projection|estimate|quota|aims?|aiming|reach)s?\b", low):
        return "figure"  # usually a number, but a target may be stated in words: prefer a figure, do not demand one
    if re.search(r"\bwho(m|se)?\b", low):
        return "person"
    match = re.search(r"\b(which|what)((?:\s+[\w-]+){1,3})", low)
    following = {bare(w) for w in match.group(2).split()} if match else set()
    if following & PERSON_NOUNS:
        return "person"
    if re.search(r"\bwhere\b|\bcalled\b|\bthe name of\b", low) or following & (PLACE_NOUNS | ORG_NOUNS):
        return "place"
    return "other"


def numeric_cue(q: str) -> str | None:
    """Which kind of figure a numeric question wants, when its words say so."""
    low = q.lower()
    for cue, pattern in (
        ("age", r"\bhow old\b"),
        ("date", r"\b(what|which) date\b|\bon what day\b"),
        ("range", r"\brange\b"),
        ("ratio", r"\bratio\b"),
        ("usd", r"\b(us dollars?|dollars?|us\$)\b"),
        ("percent", r"\b(percent|percentage|share|portion|proportion|rate|how fast|by how much|grow|rise|drop|fall)\b"),
        ("length", r"\b(how long|kilomet\w*|length)\b"),
        ("area", r"\b(square|space|area)\b"),
        ("money", r"\b(yuan|revenue|income|investment|worth|output|gdp|value|fund|budget|cost|sales|export|how much)\b"),
    ):
        if re.search(pattern, low):
            return cue
    return None


_AUX = frozenset("is are was were will would did do does has have had can could should in of per for by at to on "
                 "from with that".split())


def head_noun(question: str) -> str | None:
    """The noun a "how many"/"which"/"what" question counts or picks: "how many new parking spots is" -> "spots",
    "which Hangzhou district" -> "district"."""
    match = re.search(r"\b(?:how many|how much|which|what)\s+((?:[\w'’-]+\s+){0,3}[\w'’-]+)", question.lower())
    if not match:
        return None
    head = None
    for word in match.group(1).split():
        if word in _AUX:
            break
        head = bare(word)
    return head if head and head not in STOP else None


def analyse(question: str) -> QuestionAnalysis:
    """Analyse one (standalone) question."""
    names = []
    for match in _TITLE_WORD.finditer(question):
        word = bare(match.group(0))
        if match.start() == 0 or word.lower() in STOP:
            continue
        names.append(word.lower())
    head = head_noun(question)
    return QuestionAnalysis(
        text=question,
        kind=answer_kind(question),
        key_terms=tuple(dict.fromkeys(terms(question))),
        names=tuple(dict.fromkeys(names)),
        years=tuple(dict.fromkeys(_YEAR.findall(question))),
        unit_hint=head,
        plural=bool(head and head.endswith("s") and not head.endswith("ss")),
        cue=numeric_cue(question),
    )


EXPANSIONS = {"gdp": ("gross", "domest", "product"), "ai": ("artifici", "intellig"), "it": ("inform", "technolog")}


def term_present(term: str, present: set[str]) -> bool:
    """A stemmed term is in a sentence's terms, or spelled out there (GDP as gross domestic product)."""
    return term in present or (term in EXPANSIONS and all(t in present for t in EXPANSIONS[term]))


def mentions(text_lower: str, word: str) -> bool:
    """Case-insensitive containment of a word or its inflections (province ~ provincial; text lower-cased)."""
    word = word.lower()
    stem = stemmer().stemWord(word)
    pattern = rf"(?<![a-z0-9])(?:{re.escape(word)}(?![a-z0-9])|{re.escape(stem)})"
    return re.search(pattern, text_lower) is not None
