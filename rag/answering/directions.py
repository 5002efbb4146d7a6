"""Where from and where to: a question that asks for a movement's source cannot be answered by its goal.

"From which city did he move his capital?" over "moved his capital *to* Khanbaliq", or "what did the engine pump
*into* mines?" over "pumped water *from* mines": the sentence holds every word of the question, with the direction
reversed (one of the ways SQuAD 2.0's unanswerable questions are written). The prepositions are English's own
pair of opposite directions; "through", "across" and "via" are neither side.
"""

from __future__ import annotations

SOURCE = frozenset({"from"})
GOAL = frozenset({"to", "into", "onto", "toward", "towards"})


def direction(word: str) -> str | None:
    """ "source", "goal" or None for a preposition (lower-cased)."""
    return "source" if word in SOURCE else "goal" if word in GOAL else None


# words that make "to" or "from" part of a fixed phrase, not a movement: "according to", "due to", "up to" a sum,
# "close to", "compared to", "equivalent to", "prior to", "apart from", "away from" a subject
_FIXED = frozenset("accord accordingly according due owe owing thank thanks close next up compare compared equivalent "
                   "prior similar relative apart".split())


def _preposition(token) -> str | None:
    """The direction of the preposition `token` is the object of, where it says where a verb's doing goes or
    comes from ("moved *to* Khanbaliq"); not a date ("the three months *to December*") nor a fixed phrase."""
    head = token.head
    if token.dep_ not in ("pobj", "pcomp") or head.pos_ != "ADP" or head.dep_ not in ("prep", "dative") \
            or token.ent_type_ in _WHEN:  # a fronted wh-phrase is parsed a pcomp ("*From which city* did he")
        return None
    governor = head.head  # a question's root is its verb even when tagged a noun ("did the engine *pump*")
    before = token.doc[head.i - 1] if head.i > 0 else None
    if governor.pos_ != "VERB" and governor.dep_ != "ROOT" or governor.lemma_.lower() in _FIXED \
            or before is not None and before.lower_ in _FIXED:
        return None
    return direction(head.lower_)


_WHEN = frozenset({"DATE", "TIME"})


def _wh_phrase(wh):
    """The wh-word's phrase head: "club" of "which club", else the wh-word itself."""
    return wh.head if wh.dep_ == "det" and wh.head.pos_ in ("NOUN", "PROPN") else wh


def asked_direction(doc, wh) -> str | None:
    """The direction of the preposition the wh-phrase is the object of ("*from* which city", "*from* where", "which
    club did he move *to*?", "where did it come *from*?"); not "*up to* how much"."""
    if wh is None:
        return None
    way = _preposition(_wh_phrase(wh))
    if way is not None:
        return way
    # the parser often leaves a fronted preposition without its object ("*From* which city did he move it")
    if wh.i > 0 and doc[wh.i - 1].pos_ == "ADP" and (wh.i < 2 or doc[wh.i - 2].lower_ not in _FIXED):
        return direction(doc[wh.i - 1].lower_)
    words = [t for t in doc if not t.is_punct]
    if words and words[-1].pos_ == "ADP" and words[-1].i > wh.i + 1 and not list(words[-1].children):
        return direction(words[-1].lower_)
    return None


def directed(doc, wh) -> tuple[tuple[str, str, str], ...]:
    """(verb lemma, direction, noun lemma) for each noun the question's verbs move something from or to, besides
    the wh-phrase ("pump *into mines*" gives ("pump", "goal", "mine"))."""
    asked = {wh.i, _wh_phrase(wh).i} if wh is not None else set()
    out = []
    for token in doc:
        if token.pos_ not in ("NOUN", "PROPN") or token.i in asked:
            continue
        way = _preposition(token)
        if way is not None:
            out.append((token.head.head.lemma_.lower(), way, token.lemma_.lower()))
    return tuple(out)


def against_direction(token, asked: str | None) -> bool:
    """The candidate's head `token` is the object of a preposition of the other direction than the asked one."""
    way = _preposition(token)
    return asked is not None and way is not None and way != asked


def reverses_direction(span, moves: tuple[tuple[str, str, str], ...]) -> bool:
    """The sentence has a question's verb moving the same noun the other way, and never the asked way. (A sentence
    whose verb only lacks the asked direction is not taken to deny it: the source may be told elsewhere, "Kerr,
    formerly of Ajax, moved to Chelsea".)"""
    for verb, way, noun in moves:
        ways = {_preposition(t) for t in span if t.lemma_.lower() == noun and t.head.head.lemma_.lower() == verb}
        if ways - {None} and way not in ways:
            return True
    return False
