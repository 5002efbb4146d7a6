"""Turn a follow-up question into a standalone query from the conversation, without a language model.

References are resolved by entity type, from spaCy's analysis of the earlier turns: "he/him/his" becomes the person
last named, "they/them/their" the organisation or group, "there" the place, "it" the thing, and "that club" the last
entity a club can be. Elliptical questions ("And the year before?", "What about Arsenal?") borrow the previous turn's
names and years, or its whole topic, as context, and inherit its answer type. A question that stands alone is
returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.answering.answer_types import HEAD_NOUNS, compatibility
from rag.answering.question import WH_WORDS, QuestionAnalysis
from rag.models import ChatMessage
from rag.text import STOPWORDS, terms

_OPENERS = re.compile(r"^\s*(and what about|and how about|what about|how about|and|also|then|same for|what of|"
                      r"so)\b[\s,]*", re.I)
_SWITCH = re.compile(r"^\s*(switching to|turning to|now about|on another (topic|note)|new question)\b[\s,:]*", re.I)
_PERSON = frozenset({"PERSON"})
_GROUP = frozenset({"ORG", "NORP", "GPE", "PRODUCT", "WORK_OF_ART"})  # "they" are people, firms or things
_THING = frozenset({"ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "LAW", "GPE"})
PRONOUN_LABELS = {
    "he": _PERSON, "him": _PERSON, "his": _PERSON, "she": _PERSON, "her": _PERSON, "himself": _PERSON,
    "herself": _PERSON, "they": _GROUP, "them": _GROUP, "their": _GROUP, "theirs": _GROUP,
    "it": _THING, "its": _THING, "there": frozenset({"GPE", "LOC", "FAC"}),
}
# people may be named anywhere in the last turn; "it", "they" and "there" only resolve to its answer, since the
# question's other names are usually the context ("What were Hangzhou's exports?" -> "How much did *they* rise?")
_ANSWER_ONLY = frozenset(PRONOUN_LABELS) - {"he", "him", "his", "she", "her", "himself", "herself"}
TIME_WORDS = frozenset("later earlier before after ago previous next then since".split())
TIME_CLASSES = frozenset({"NUM:date", "NUM:period", "NUM:time"})
MAX_TURNS = 4  # a reference reaches back a few turns at most; older ones are not re-read
TURN_CHARS = 500  # an earlier question is read up to this length ...
ANSWER_CHARS = 1500  # ... and an earlier answer (its short answer and first quote) up to this

Parse = Callable[[str], object]
Analyse = Callable[[str], QuestionAnalysis]


@dataclass(frozen=True)
class Rewrite:
    """The query to search (`text`), the question with references resolved (`focus`), and borrowed context."""

    text: str
    focus: str
    context: tuple[str, ...] = field(default_factory=tuple)
    answer_type: str | None = None  # inherited from the previous turn by an elliptical question


@dataclass(frozen=True)
class _Mention:
    text: str
    label: str
    answer: bool = False  # the previous turn's short answer


def _strip_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", text).strip()


def short_answer_of(answer: str) -> str:
    """The first line of an assistant reply: our answers lead with the short answer (quotes start with “)."""
    first = answer.strip().split("\n", 1)[0] if answer.strip() else ""
    first = _strip_markers(first)
    return "" if first.startswith("“") or first.startswith("The articles do not") else first.strip(" .\"")


class Rewriter:
    """Resolves follow-ups turn by turn, so a chain of follow-ups keeps its topic."""

    def __init__(self, parse: Parse, analyse: Analyse):
        self.parse = parse
        self.analyse = analyse

    def rewrite(self, question: str, history: list[ChatMessage]) -> Rewrite:
        """Resolve `question` after the last MAX_TURNS user turns (each read up to TURN_CHARS) and their answers."""
        users = [i for i, m in enumerate(history) if m.role == "user"]
        history = history[users[-MAX_TURNS]:] if len(users) > MAX_TURNS else history
        resolved: Rewrite | None = None
        answer: ChatMessage | None = None
        pending: str | None = None
        for message in history:
            if message.role == "user":
                if pending is not None:
                    resolved, answer = self.turn(pending, resolved, answer), None
                pending = message.content[:TURN_CHARS]
            elif pending is not None:
                resolved, answer, pending = self.turn(pending, resolved, answer), message, None
        if pending is not None:
            resolved, answer = self.turn(pending, resolved, answer), None
        return self.turn(question, resolved, answer)

    def stands_alone(self, question: str) -> bool:
        """No opener, no third-person pronoun or demonstrative reference, and enough content of its own."""
        if _SWITCH.match(question):
            return True
        if _OPENERS.match(question):
            return False
        doc = self.parse(question)
        for token in doc:
            if token.lower_ in PRONOUN_LABELS and token.pos_ in ("PRON", "ADV", "DET") and not (
                    token.lower_ == "it" and token.dep_ == "expl"):
                return False
            if token.lower_ in ("that", "this") and token.dep_ in ("nsubj", "attr", "dobj", "pobj") \
                    and token.tag_ != "WDT" and token.head.dep_ != "relcl":  # not "the company *that* makes it"
                return False  # "how much is *that* in dollars" (whatever the tagger calls "that": often SCONJ)
            if token.lower_ in ("that", "this", "those", "these", "same") and token.dep_ in ("det", "amod") and \
                    HEAD_NOUNS.get(token.head.lemma_.lower()) not in TIME_CLASSES:
                return False
        own = self.analyse(question)
        content = [f for f in own.focus if HEAD_NOUNS.get(f.lemma) not in TIME_CLASSES]
        return len(content) >= 2 or bool(own.names and content)

    def turn(self, question: str, previous: Rewrite | None, reply: ChatMessage | None) -> Rewrite:
        """Resolve one question against the previous (already resolved) turn and its answer."""
        question = question.strip()
        if _SWITCH.match(question):
            rest = _SWITCH.sub("", question) or question
            topic, comma, asked = rest.partition(", ")
            if comma and asked and len(topic.split()) <= 4:
                # "Switching to Hangzhou, what is it aiming for?": the new topic is what "it" means
                rest = self._resolve(asked, [_Mention(topic, label, answer=True) for label in _THING | _PERSON])
            return Rewrite(text=rest, focus=rest)
        if previous is None or self.stands_alone(question):
            return Rewrite(text=question, focus=question)
        # the reply as data when the client kept it (the app, the CLI and the evaluation do), else as text
        structured = reply.answer if reply is not None else None
        previous_answer = (reply.content if reply is not None else "")[:ANSWER_CHARS]
        short = (structured.short_answer or "" if structured.answered else "") if structured is not None \
            else short_answer_of(previous_answer)
        previous_type = previous.answer_type or (structured.answer_type if structured is not None else None) \
            or self.analyse(previous.focus).answer_type
        mentions = self._mentions(short, previous_type, previous.focus, previous_answer)
        focus = self._resolve(question, mentions)
        context: list[str] = []
        stripped = _OPENERS.sub("", focus)
        own = self.analyse(stripped) if stripped.strip() else None
        own_content = [f for f in own.focus if f.soft and HEAD_NOUNS.get(f.lemma) not in TIME_CLASSES
                       and f.lemma not in TIME_WORDS] + list(own.names) if own else []
        if focus == question or _OPENERS.match(question):
            prev = self.analyse(previous.focus)
            if own_content and _OPENERS.match(question):
                # a new focus on the same subject ("And what about life expectancy?"): keep where and when, and
                # what the turn before borrowed when it was itself a follow-up (a chain keeps its topic)
                context += list(prev.names) + list(prev.details)
                if re.search(r"\b(?:it|its|they|them|their|that|this)\b", stripped, re.I):
                    context += list(previous.context)
            else:
                # the same topic again ("By what year?", "And the year before?"): carry it over
                context += [w for w in re.findall(r"[\w'’.-]+", previous.text) if terms(w) or w[:1].isdigit()]
                if short and len(short.split()) <= 6:
                    context.append(short)
        context = list(dict.fromkeys(c for c in context if c and c.lower() not in focus.lower()
                                     and c.lower() not in STOPWORDS))
        text = focus if not context else f"{focus.rstrip(' ?')} ({' '.join(context)})?"
        wh = any(t.lower_ in WH_WORDS for t in self.parse(stripped)) if stripped.strip() else False
        return Rewrite(text=text, focus=focus, context=tuple(context),
                       answer_type=None if wh else previous_type)

    def _mentions(self, short: str, short_type: str, previous_focus: str, previous_answer: str) -> list[_Mention]:
        """Entities of the previous turn, most salient first: its short answer (typed by the question it answered:
        spaCy cannot tell what a lone "Asimo" is, the question "what is Honda's robot called" can), then the names in
        that question, then those in the answer's quote."""
        out: list[_Mention] = []
        if short:
            labels = [e.label_ for e in self.parse(short).ents]
            typed = _label_for(short_type)
            out.append(_Mention(short, typed if typed != "NP" or not labels else labels[0], answer=True))
        for text in (previous_focus, _strip_markers(previous_answer)):
            out += [_Mention(e.text, e.label_) for e in self.parse(text[:2000]).ents]
        return out

    def _resolve(self, question: str, mentions: list[_Mention]) -> str:
        """Replace pronouns and "that N" by the most salient earlier mention of a compatible type."""
        doc = self.parse(question)
        pieces: list[str] = []
        skip_until = -1
        for token in doc:
            if token.i < skip_until:
                continue
            replacement = None
            low = token.lower_
            pronoun = token.pos_ in ("PRON", "ADV", "DET") and not (low == "it" and token.dep_ == "expl")
            if low in PRONOUN_LABELS and pronoun:
                answered = any(m.answer for m in mentions)  # without an answer, the question's subject is salient
                replacement = next((m.text for m in mentions if m.label in PRONOUN_LABELS[low]
                                    and (m.answer or low not in _ANSWER_ONLY or not answered)), None)
                if replacement and low in ("his", "her", "its", "their") and token.dep_ == "poss":
                    replacement = f"{replacement}'s"
            elif low in ("that", "this", "those", "these") and token.dep_ == "det" and token.head.i > token.i:
                noun_class = HEAD_NOUNS.get(token.head.lemma_.lower())
                if noun_class and not noun_class.startswith("NUM:"):  # "that ratio" is the topic, not its value
                    found = _pick(mentions, noun_class)
                    if found:
                        replacement, skip_until = found, token.head.i + 1
            pieces.append((replacement if replacement else token.text) + token.whitespace_)
        return "".join(pieces).strip()


def _label_for(answer_type: str) -> str:
    """The entity label a short answer of this type most likely has (for answers spaCy cannot label alone); "NP"
    when the type favours no one label (the answer to "which three paths" is not a person, so not "his")."""
    fits = {label: compatibility(answer_type, label)
            for label in ("PERSON", "ORG", "GPE", "PRODUCT", "WORK_OF_ART", "EVENT", "MONEY", "DATE")}
    best = max(fits, key=fits.get)
    return best if fits[best] > 0 and list(fits.values()).count(fits[best]) == 1 else "NP"


def _pick(mentions: list[_Mention], wanted: str) -> str | None:
    """The first mention whose label suits the wanted answer class well ("that club" -> an ORG)."""
    return next((m.text for m in mentions if compatibility(wanted, m.label) >= 0.6), None)
