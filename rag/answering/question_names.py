"""What a question names: its proper names and groups (which the evidence must hold), the places its verb happens
in, the alternatives of "which of A and B", and the preposition its wh-phrase is the object of."""

from __future__ import annotations

import re

from rag.answering.answer_types import HEAD_NOUNS, NAMED, WH_WORDS

NAME_LABELS = frozenset(NAMED) - {"PROPN"}


def misparsed_name(token) -> bool:
    """A name the parser took for the verb: capitalised inside the question, with the real verb as its complement
    ("which operator will *Easymobile* rent its airtime from")."""
    return token.pos_ == "VERB" and token.i > 0 and token.text[:1].isupper() and not token.is_sent_start \
        and any(c.dep_ == "xcomp" and c.pos_ == "VERB" and c.i == token.i + 1 for c in token.children)


PLACE_LABELS = frozenset({"GPE", "LOC"})
def is_place(token) -> bool:
    """The object of a preposition names a place: tagged as one, or after "at" a proper name that the small model
    left untagged, as it often leaves towns of the past ("defeated Totila *at Taginae*"), or a named event, which
    is where it happened ("*at the Battle of* Taginae", "scored *at Euro 2004*"), or a building or ground ("at
    Wembley"); not one it tags as an organisation, which "at" may be a workplace of ("at Google", "at Chelsea")."""
    return token.ent_type_ in PLACE_LABELS or token.head.lower_ == "at" and (
        token.pos_ == "PROPN" and not token.ent_type_ or token.ent_type_ in ("EVENT", "FAC"))


def places_in(doc) -> tuple[tuple[str, str, str], ...]:
    """Where the question's verb happens: (verb lemma, preposition, place) for "sold *in Europe*", "defeated Totila
    *at Ad Decimum*"."""
    out = []
    for token in doc:
        if token.dep_ == "pobj" and token.head.dep_ == "prep" and token.head.head.pos_ == "VERB" and is_place(token):
            place = doc[token.left_edge.i:token.i + 1]
            place = place[1:] if place[0].pos_ == "DET" else place
            out.append((token.head.head.lemma_.lower(), token.head.lower_, place.text))
    return tuple(out)


def preposition_of(doc, wh) -> str | None:
    """The preposition the wh-phrase is the object of, before it ("*to* what figure") or stranded at the end
    ("which operator will they rent it *from*?"): the answer is that preposition's object in the evidence."""
    if wh is None or wh.lower_ in ("when", "where", "why", "how"):
        return None
    if wh.i > 0 and doc[wh.i - 1].pos_ == "ADP":
        return doc[wh.i - 1].lower_
    words = [t for t in doc if not t.is_punct]
    if words and words[-1].pos_ == "ADP" and words[-1].i > wh.i + 1 and not list(words[-1].children):
        return words[-1].lower_
    return None


def choices_in(doc, wh) -> set[int]:
    """Token indices of the alternatives in "which of A and B": what the answer is chosen from. Not a set named by
    one noun ("which of *Kublai's invasions of Japan*", "which of the clubs interested in Edu"): its modifiers say
    which set, and its members are no alternatives the question gives."""
    if wh is None or wh.lower_ not in ("which", "who") or wh.i + 1 >= len(doc) or doc[wh.i + 1].lower_ != "of":
        return set()
    obj = next((c for c in doc[wh.i + 1].children if c.dep_ == "pobj"), None)
    if obj is None or obj.pos_ == "PRON" or not any(t.dep_ in ("conj", "appos") and not _in_phrase(t, obj)
                                                   for t in obj.subtree):
        return set()
    return {t.i for t in obj.subtree}


def _in_phrase(token, top) -> bool:
    """`token` hangs from `top` through a preposition ("invasions *of Japan and Korea*"), not as part of it."""
    while token.i != top.i and token.head.i != token.i:
        token = token.head
        if token.pos_ == "ADP" and token.i != top.i:
            return True
    return False


def names_in(doc, wh, choices: set[int] = frozenset()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Proper names in the question (its named entities and runs of proper nouns, not the wh-word), and its
    nationality or group adjectives (NORP: "Israeli", "Labour")."""
    out: list[tuple[str, int]] = []  # (name, index of its first token)
    groups: list[str] = []
    covered: set[int] = set()
    for ent in doc.ents:
        covered.update(range(ent.start, ent.end))
        if ent.label_ in NAME_LABELS:
            text = ent.text.removeprefix("the ").removeprefix("The ")
            text = text[:-2] if text.endswith(("'s", "’s")) else text.rstrip("'’")  # "Roy Williams' calculations"
            if text and (wh is None or wh.i not in range(ent.start, ent.end)) and ent.start not in choices:
                if ent.label_ == "NORP":
                    groups.append(text)
                else:
                    out += _split_names(doc, ent, text)
    run: list[str] = []
    for token in [*doc, None]:
        if token is not None and (token.pos_ == "PROPN" or misparsed_name(token)) \
                and token.i not in covered | choices and token.i > 0:
            run.append(token.text)
            continue
        if run:
            out.append((" ".join(run), token.i - len(run) if token is not None else len(doc) - len(run)))
            run = []
    out = [_without_year(n, start) for n, start in out]
    keep = [n for n, start in out if n.lower() not in WH_WORDS and not _role_word(doc, n, start)
            and (any(c.isupper() for c in n) or " " in n)]
    return tuple(dict.fromkeys(keep)), tuple(dict.fromkeys(groups))


# a year before a name is a constraint of its own (the question's years), not part of the name ("the *2005* Six
# Nations"); and a one-word name has a capital letter: the tagger's lower-case words ("wi" of "wi-fi", "8x10") are
# none, though a phrase it tags may be ("the janissary corps")
_LEADING_YEAR = re.compile(r"^(?:1\d|20)\d\d\s+(?=\S)")


def _without_year(name: str, start: int) -> tuple[str, int]:
    """The name and its first token's index, less a leading year when two words or more are left ("the 2005 Six
    Nations"; not "the 1922 Committee")."""
    rest = _LEADING_YEAR.sub("", name)
    return (rest, start + 1) if rest != name and " " in rest else (name, start)


# a preposition between two capitalised parts joins two names the model took for one ("the *Champions League with
# Real Madrid*"); "Gone with the Wind", "Bank of England" keep theirs (lower case after it, or "of")
_JOINED = re.compile(r" (?:with|against|at|in|from|for|to|by|on|over|v|vs) (?=[A-Z])")


def _split_names(doc, ent, text: str) -> list[tuple[str, int]]:
    """The names in one entity's text, each with the index of its first token."""
    out, at, base = [], 0, ent.start_char + max(ent.text.find(text), 0)  # `text` may have lost "the "
    for part in _JOINED.split(text):
        at = text.find(part, at)
        first = next((t.i for t in ent if t.idx >= base + at), ent.start)
        out.append((part, first))
        at += len(part)
    return out


def _role_word(doc, name: str, start: int) -> bool:
    """A role word ("which *MP*", "the *Chancellor*") is what the question asks for, not a name the evidence must
    hold; but English puts no singular noun bare in subject position, so one that stands there is a name ("how much
    did *Prince* earn")."""
    if name.lower() not in HEAD_NOUNS:
        return False
    token, before = doc[start], doc[start - 1] if start > 0 else None
    bare = before is not None and before.lower_ not in WH_WORDS and before.pos_ not in ("DET", "PRON") \
        and before.tag_ != "POS"
    return not (bare and token.dep_ in ("nsubj", "nsubjpass") and token.tag_ in ("NN", "NNP"))
