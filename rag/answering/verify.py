"""Check a generated answer against the passages it cites, sentence by sentence.

A sentence is supported when it cites at least one passage that was given, every figure, date and name it states
occurs in a cited passage ("£8m" and "8 million pounds" are the same figure), and it is close in meaning to one of
that passage's sentences (embedding cosine at or above `support_threshold`). Everything else is an unsupported
claim: it cites nothing, cites a passage that was not given, states a fact the passages do not, or says something
they do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel

from rag.answering.quantities import find_quantities
from rag.answering.question_names import NAME_LABELS as QUESTION_NAME_LABELS
from rag.chunking import sentences
from rag.models import Passage

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
NAME_LABELS = QUESTION_NAME_LABELS - {"LANGUAGE"}  # a language named in an answer is not a claim to check
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9, "tn": 1e12,
           "trillion": 1e12}
_CURRENCIES = {"£": "gbp", "pound": "gbp", "sterling": "gbp", "$": "usd", "dollar": "usd", "€": "eur", "euro": "eur",
               "¥": "jpy", "yen": "jpy", "yuan": "cny", "rmb": "cny", "rouble": "rub", "ruble": "rub",
               "rupee": "inr", "franc": "chf"}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_PRONOUN = re.compile(r"(?:it|its|they|their|he|his|she|her|this|these|that|those)\b", re.I)
_YEAR = re.compile(r"(?<![\d.,])(?:1[0-9]|20)\d\d(?![\d.,]\d)")


class Claim(BaseModel):
    """One sentence of a generated answer and what the check found."""

    sentence: str  # as written, markers included
    cited: list[int]
    supported: bool
    reason: str | None = None  # why not
    support: dict[int, tuple[int, int, float]] = {}  # passage number -> (start, end) of its closest sentence, cos


def split_claims(text: str) -> list[str]:
    """The answer's sentences, each keeping the citation markers written right after it."""
    spans = sentences(text)
    out: list[str] = []
    for span in spans:
        piece = text[span.start:span.end].strip()
        if out and (MARKER.fullmatch(piece.replace("][", "],[")) or re.fullmatch(r"(\[\d+\]\s*)+[.]?", piece)):
            out[-1] = f"{out[-1]} {piece}"  # "... in 2004. [1]" split after the full stop
        elif piece:
            out.append(piece)
    return out


def cited_numbers(sentence: str) -> list[int]:
    return sorted({int(n) for group in MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group)})


def figures(text: str) -> set[str]:
    """Canonical forms of the figures a text states: money as currency and value, percentages, plain numbers."""
    out: set[str] = set()
    for q in find_quantities(text):
        low = q.text.lower()
        numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(low)]
        if not numbers:
            continue
        scale = next((v for word, v in _SCALES.items() if re.search(rf"(?<=\d){word}\b|\s{word}\b", low)), 1.0)
        if q.label == "MONEY":
            currency = next((code for mark, code in _CURRENCIES.items() if mark in low), "")
            out.update(f"{currency}:{n * scale:.6g}" for n in numbers)
        elif q.label == "PERCENT":
            out.update(f"{n:.6g}%" for n in numbers)
        elif q.label in ("RATIO", "SCORE", "TIME"):
            out.add(re.sub(r"\s+", "", low))
        else:
            out.update(f"{n * scale:.6g}" for n in numbers)
    out.update(f"year:{m.group(0)}" for m in _YEAR.finditer(text))
    return out


def _figure_found(figure: str, known: set[str]) -> bool:
    """Stated in the passages, allowing a currency named on only one side ("$5m" for "5m")."""
    if figure in known:
        return True
    currency, colon, value = figure.rpartition(":")
    return bool(colon) and currency != "year" and any(
        k.rpartition(":")[2] == value and (not currency or not k.rpartition(":")[0]) for k in known)


class Verifier:
    """Checks claims with the embedder (sentence vectors) and the spaCy parse (names)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], parse: Callable[[str], object],
                 sentence_vectors: Callable[[Passage], list[tuple[int, int, np.ndarray]]], threshold: float):
        self.embed, self.parse, self.sentence_vectors, self.threshold = embed, parse, sentence_vectors, threshold

    def check(self, text: str, passages: Sequence[Passage], question: str = "") -> list[Claim]:
        """Every sentence of `text`; `passages[n - 1]` is passage [n]. A sentence opening with a pronoun ("It takes
        40 minutes") is compared with the sentence before it (or the question) in front, which says what it is."""
        claims = split_claims(text)
        if not claims:
            return []
        bare = [MARKER.sub("", c).strip() for c in claims]
        meant = [f"{bare[i - 1] if i else question} {b}" if _PRONOUN.match(b) else b for i, b in enumerate(bare)]
        vectors = self.embed(meant)
        out = []
        for claim, plain, vector in zip(claims, bare, vectors):
            out.append(self._check_one(claim, plain, vector, passages))
        return out

    def _check_one(self, claim: str, plain: str, vector: np.ndarray, passages: Sequence[Passage]) -> Claim:
        cited = cited_numbers(claim)
        if not cited:
            return Claim(sentence=claim, cited=[], supported=False, reason="cites no passage")
        missing = [n for n in cited if not 1 <= n <= len(passages)]
        if missing:
            return Claim(sentence=claim, cited=cited, supported=False,
                         reason=f"cites passage {missing[0]}, which was not given")
        given = [passages[n - 1] for n in cited]
        text = " ".join(p.text for p in given)
        known = set().union(*(figures(p.text) for p in given))
        for figure in figures(plain):
            if not _figure_found(figure, known):
                return Claim(sentence=claim, cited=cited, supported=False,
                             reason=f"states a figure the cited passages do not ({figure.split(':')[-1]})")
        vocabulary = set(re.findall(r"\w+", text.lower()))
        for ent in self.parse(plain).ents:
            if ent.label_ in NAME_LABELS:
                words = [w for w in re.findall(r"\w+", ent.text.lower()) if w not in ("the", "of")]
                if words and not all(w in vocabulary for w in words) and words[-1] not in vocabulary:
                    return Claim(sentence=claim, cited=cited, supported=False,
                                 reason=f"names {ent.text!r}, which the cited passages do not")
        support: dict[int, tuple[int, int, float]] = {}
        for n, passage in zip(cited, given):
            rows = self.sentence_vectors(passage)
            if rows:
                sims = np.array([float(v @ vector) for _, _, v in rows])
                best = int(sims.argmax())
                support[n] = (rows[best][0], rows[best][1], float(sims[best]))
        closest = max((s[2] for s in support.values()), default=0.0)
        if closest < self.threshold:
            return Claim(sentence=claim, cited=cited, supported=False, support=support,
                         reason=f"says something the cited passages do not (closest sentence {closest:.2f})")
        return Claim(sentence=claim, cited=cited, supported=True, support=support)
