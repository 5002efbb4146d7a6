"""Whether a text names a person, group or place the question names: in full, by surname, or by a distinctive word."""

from __future__ import annotations

import re

from rag.answering.answer_types import HEAD_NOUNS
from spacy.lang.en.stop_words import STOP_WORDS


def mentions(text: str, name: str) -> float:
    """1 when `text` names `name` (case-insensitive, whole words), 0.8 when only its last word (a surname or the
    head of an organisation's name) appears, or a clipped or spelled-out form of a one-word name, else 0."""
    low = text.lower()
    if re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", low):
        return 1.0
    parts = name.split()
    if len(parts) > 1 and re.search(rf"(?<!\w){re.escape(parts[-1].lower())}(?!\w)", low):
        return 0.8
    if len(parts) == 1 and (_clipped(text, name) or _spelled_out(text, name)):
        return 0.8
    return 0.0


def demonym_of(text: str, name: str) -> bool:
    """`text` has a capitalised adjective of the one-word place `name`: "European" for "Europe", "Italian" for
    "Italy", "Japanese" for "Japan", "Iraqi" for "Iraq" (the name, less a final vowel or y, and a demonym ending)."""
    if len(name) < 4 or not name[:1].isupper() or " " in name:
        return False
    stem_ = re.escape(name[:-1] if name[-1].lower() in "aeiouy" else name)
    # used as an adjective: before a lower-case word, not inside a name ("Roman Abramovich", "Mark Cuban")
    for match in re.finditer(rf"(?<![\w-]){stem_}(?:an|ian|ean|ese|i)s?\s+[a-z]", text):
        before = text[:match.start()].split()
        if not before or not before[-1][:1].isupper() or before[-1].lower() in STOP_WORDS:
            return True
    return False


_ACRONYM = re.compile(r"[A-Z]{2,6}")
_JOINER = r"(?:\s+(?:of|and|for|the|&))?"


def _spelled_out(text: str, name: str) -> bool:
    """`text` writes out the acronym `name`: "information technology" for "IT", "World Trade Organisation" for
    "WTO" (content words with its initials, "of" and "and" between capitalised ones allowed)."""
    if not _ACRONYM.fullmatch(name):
        return False
    # capitalised words of four letters or more ("World Trade Organisation"), or lower-case ones of six or more
    # ("information technology"): short lower-case pairs are too often chance ("under severe" is no "US")
    capitalised = r"(?<![\w-])" + (_JOINER + r"\s+").join(f"({c}[a-z]{{3,}})" for c in name) + r"(?![\w-])"
    lower = r"(?<![\w-])" + r"\s+".join(f"({c.lower()}[a-z]{{5,}})" for c in name) + r"(?![\w-])"
    return any(not any(w.lower() in STOP_WORDS for w in match.groups())
               for pattern in (capitalised, lower) for match in re.finditer(pattern, text))


_CLIPPED = re.compile(r"(?<!\w)([A-Z][a-z]{3,})s(?!\w)")


def _clipped(text: str, name: str) -> bool:
    """`text` has the clipped form of a long one-word name: "Notts" for "Nottinghamshire", "Lancs" for "Lancashire"
    (a capitalised stem of 4+ letters, a prefix of the name, closed by "s")."""
    if len(name) < 8:
        return False
    return any(name.startswith(stem) and len(stem) <= len(name) - 3 for stem in _CLIPPED.findall(text))


# Roman numerals as written ("II", "XIV"; not an acronym like "ICI"), digits, initials
_NUMERAL = re.compile(r"(?=[IVXLC])X{0,3}(?:IX|IV|V?I{0,3})|C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})|\d+|[A-Z]\.?")


def only_numerals(text: str) -> bool:
    """Every word is a numeral or an initial ("III", "II", "B."): a part of a name, not a name."""
    words = text.split()
    return bool(words) and all(_NUMERAL.fullmatch(w) for w in words)


def shares_name(text: str, name: str) -> bool:
    """`text` has a distinctive word of `name` (not a title like "King" or a numeral like "II"): it may be the same
    party, called otherwise ("William" for "William the Conqueror")."""
    words = [w for w in name.split() if len(w) > 1 and not only_numerals(w) and w.lower() not in HEAD_NOUNS
             and w[:1].isupper()] or name.split()
    return any(mentions(text, word) == 1.0 for word in words) or _abbreviated(text, name) \
        or _abbreviated(name, text)


def other_first_name(one: str, other: str) -> bool:
    """Two two-word names with the same surname and different first names are two people ("Daniel Ashcombe", "Ruth
    Ashcombe"): a family, not one person named twice. Not a title ("Mr Blair", "Cllr Smith"), an initial ("J.
    Smith", "JK Rowling") or a longer name ("US President Joe Biden"), which may be the same person."""
    a, b = one.split(), other.split()
    if len(a) != 2 or len(b) != 2 or a[1].lower() != b[1].lower() or a[0].lower() == b[0].lower():
        return False
    return all(len(w) > 2 and w.isalpha() and w[0].isupper() and not w.isupper() and w.lower() not in HEAD_NOUNS
               and w.lower() not in ADDRESS for w in (a[0], b[0]))


def same_person(one: str, other: str) -> bool:
    """The two names may be one person: a shared distinctive word, and not a family's two first names."""
    return shares_name(one, other) and not other_first_name(one, other)


# forms of address that stand before a surname ("Mr Blair" is Tony Blair); with the honorifics of
# `candidates.HONORIFICS` ("Lord", "Duke") they are the titles news writes before names
ADDRESS = frozenset("mr mrs ms miss dr prof cllr rev revd sgt insp supt sir dame lord lady saint st".split())


def _abbreviated(text: str, name: str) -> bool:
    """`text` has the initials of `name`'s capitalised parts as a word ("PSP" for "PlayStation Portable", "FA" for
    "The Football Association")."""
    initials = "".join(ch for word in name.split() if word not in ("The", "A", "An") for ch in word if ch.isupper())
    return len(initials) >= 2 and re.search(rf"(?<!\w){initials}(?!\w)", text) is not None
