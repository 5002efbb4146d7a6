"""Turn a follow-up question into a standalone query from the conversation, without a language model.

Pronouns for people become the person last named; "that city" becomes the place last named; other references
("it", "that ratio", "those sales") and elliptical questions ("And fire accidents?") borrow the previous turn's
topic as context. A question that stands alone is returned unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answering.analysis import PLACE_NOUNS, analyse, terms, words
from rag.answering.spans import find_spans
from rag.models import ChatMessage

_OPENERS = re.compile(r"^\s*(and what about|and how about|what about|how about|and|also|then|same for|what of)\b[\s,]*",
                      re.I)
_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_SWITCH = re.compile(r"^\s*(switching to|turning to|now about|on another (topic|note)|new question)\b", re.I)
_PERSON_PRONOUN = re.compile(r"\b(he|him|his|she|her)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(it|its|they|them|their|there)\b", re.I)
_DEMONSTRATIVE = re.compile(r"\b(that|this|those|these|the same)\s+([a-z-]+)", re.I)
_TIME_WORDS = frozenset(terms("year years later earlier before after month months ago previous next time period "
                              "one two three four five six seven eight nine ten twenty"))
_INSTITUTIONS = frozenset("Party Committee Government Congress Council Group Company University Bureau "
                          "Department Ministry Office Plan".split())
_PLACE_WORDS = frozenset("City Province District County Park Village Town Zone Corridor Museum Center Centre "
                         "Group Committee University Conference Games Expo".split())


@dataclass(frozen=True)
class Rewrite:
    """The query to search (`text`), the question with references resolved (`focus`), and borrowed context."""

    text: str
    focus: str
    context: tuple[str, ...] = field(default_factory=tuple)
    kind: str | None = None  # answer type inherited from the previous turn for elliptical questions


def _strip_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", text).strip()


def _short_answer(answer: str) -> str:
    """The first line of an assistant reply: our answers lead with the short answer."""
    first = answer.strip().split("\n", 1)[0] if answer.strip() else ""
    return _strip_markers(first).strip(" .“”\"")


def _people(text: str) -> list[str]:
    """Capitalised two- or three-word runs that look like people's names."""
    out = []
    for span in find_spans(text):
        parts = span.text.split()
        if span.kind == "name" and 2 <= len(parts) <= 3 and not (_PLACE_WORDS & set(parts)):
            out.append(span.text)
    return out


def _places(text: str) -> list[str]:
    """Capitalised names that are not people nor bare institutions ("Party", "Committee")."""
    people = _people(text)
    return [s.text for s in find_spans(text) if s.kind == "name" and len(s.text.split()) <= 3
            and s.text not in people and not set(s.text.split()) <= _INSTITUTIONS]


def stands_alone(question: str) -> bool:
    """No reference to earlier turns: no opener, pronoun or demonstrative, and enough content of its own."""
    if _SWITCH.match(question):
        return True
    if _OPENERS.match(question) or _PERSON_PRONOUN.search(question) or _THING_PRONOUN.search(question):
        return False
    if _DEMONSTRATIVE.search(question):
        return False
    own = analyse(question)
    content = [t for t in own.key_terms if t not in _TIME_WORDS]
    return len(content) >= 2 or bool(own.names and content)


def rewrite_turn(question: str, previous: Rewrite | None, previous_answer: str) -> Rewrite:
    """Resolve one question against the previous (already resolved) turn and its answer."""
    question = question.strip()
    if _SWITCH.match(question):
        question = _SWITCH.sub("", question).lstrip(" ,")  # "Switching to X, ..." is conversational filler
        return Rewrite(text=question, focus=question, kind=analyse(question).kind)
    if previous is None or stands_alone(question):
        return Rewrite(text=question, focus=question, kind=analyse(question).kind)
    short = _short_answer(previous_answer)
    prev_people = _people(short) + _people(previous.focus) + _people(previous_answer)
    prev_places = _places(previous.text) + _places(short)
    focus = question
    context: list[str] = []

    if _PERSON_PRONOUN.search(focus) and prev_people:
        person = prev_people[0]
        if prev_places:
            focus = re.sub(rf"\b(his|her)\s+({'|'.join(PLACE_NOUNS)})\b", prev_places[0], focus, flags=re.I)
        focus = re.sub(r"\b(his|her)\b(?=\s+[a-z])", f"{person}'s", focus, flags=re.I)
        focus = re.sub(r"\b(he|him|she|her)\b", person, focus, flags=re.I)
        context += prev_places[:2]
    for match in _DEMONSTRATIVE.finditer(question):
        if match.group(2).lower() in PLACE_NOUNS and prev_places:
            focus = focus.replace(match.group(0), prev_places[0])
    needs_topic = (_THING_PRONOUN.search(focus) or _DEMONSTRATIVE.search(focus) or _OPENERS.match(focus)
                   or not stands_alone(focus))
    if needs_topic:
        stripped = _OPENERS.sub("", focus)
        own_terms = [t for t in analyse(stripped).key_terms if t not in _TIME_WORDS]
        if _OPENERS.match(focus) and own_terms and not _THING_PRONOUN.search(stripped):
            # ellipsis with a new focus ("And what about life expectancy?"): keep only where and when
            prev = analyse(previous.focus)
            context += [w for w in words(previous.focus) if w.lower() in prev.names] + list(prev.years)
        else:
            # a reference to the previous topic ("it", "those sales", "By what year?"): carry the topic over
            context += [w for w in words(previous.text) if terms(w) or w[:1].isdigit()]
            if short and len(short.split()) <= 6:
                context.append(short)
    context = list(dict.fromkeys(c for c in context if c and c.lower() not in focus.lower()))
    text = focus if not context else f"{focus.rstrip(' ?')} ({' '.join(context)})?"
    kind = analyse(focus).kind
    if kind == "other" and not _WH.search(_OPENERS.sub("", focus)):  # "And fire accidents?" wants the same kind of answer as before
        kind = previous.kind or "other"
    return Rewrite(text=text, focus=focus, context=tuple(context), kind=kind)


def rewrite(question: str, history: list[ChatMessage]) -> Rewrite:
    """Resolve the conversation turn by turn, so a chain of follow-ups keeps its topic."""
    resolved: Rewrite | None = None
    answer = ""
    pending: str | None = None
    for message in history:
        if message.role == "user":
            if pending is not None:
                resolved, answer = rewrite_turn(pending, resolved, answer), ""
            pending = message.content
        elif pending is not None:
            resolved, answer, pending = rewrite_turn(pending, resolved, answer), message.content, None
    if pending is not None:
        resolved, answer = rewrite_turn(pending, resolved, answer), ""
    return rewrite_turn(question, resolved, answer)
