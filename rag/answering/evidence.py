"""The evidence an answer is drawn from: the sentences of the retrieved passages, with their parse, their vectors and
where each of the question's words (or a paraphrase of it) occurs in them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np

from rag.answering.naming import mentions
from rag.answering.opposites import opposed
from rag.answering.quantities import NUMBER_WORDS, ORDINAL_WORDS
from rag.answering.question import QuestionAnalysis
from rag.models import Byline, Passage
from rag.nlp import content_words
from rag.settings import AnswerSettings
from rag.text import terms


class EvidenceStore(Protocol):
    """What answering needs from the index, beside the retrieved passages themselves."""

    def sentences(self, passage: Passage) -> list[tuple[int, int, np.ndarray]]:
        """(start, end, vector) of each sentence inside the passage, offsets in the document's cleaned text."""

    def parse(self, passage: Passage):
        """The passage's spaCy Doc (stored at index time)."""

    def lead(self, doc_id: str) -> str:
        """The document's title and opening, where news names its subject."""

    def document_text(self, doc_id: str) -> str:
        """The document's title and whole cleaned text."""

    def byline(self, doc_id: str) -> Byline | None:
        """Who the document says wrote it, and where its byline sits in the cleaned text."""

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term."""

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Unit vectors for lower-cased lemmas (zero rows for words it cannot embed)."""


@dataclass(eq=False)
class Sentence:
    """One sentence of a retrieved passage and how it matches the question."""

    passage: Passage
    rank: int  # the passage's retrieval rank
    position: int  # index of the sentence inside its passage
    start: int  # offsets in the document's cleaned text
    end: int
    vector: np.ndarray
    span: object  # the spaCy Span of its tokens (in the passage's Doc)
    similarity: float = 0.0
    matches: dict[str, tuple[float, list[int]]] = field(default_factory=dict)  # term -> (strength, token indices)
    coverage: float = 0.0
    previous: Sentence | None = None
    next: Sentence | None = None

    @property
    def text(self) -> str:
        return self.passage.text[self.start - self.passage.start:self.end - self.passage.start]

    @property
    def leans_back(self) -> bool:
        """Starts with a pronoun, so the sentence before says what it is about."""
        first = self.span[0] if len(self.span) else None
        return self.previous is not None and first is not None and first.pos_ == "PRON" and first.lower_ not in (
            "i", "we", "you")

    def window(self) -> list[Sentence]:
        return [s for s in (self.previous, self, self.next) if s is not None]


@lru_cache(maxsize=100_000)
def token_terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


def gather(passages: list[Passage], store: EvidenceStore) -> list[Sentence]:
    """Every distinct sentence of the passages, best passage first, linked to its neighbours in the passage."""
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    for rank, passage in enumerate(passages):
        doc = store.parse(passage)
        previous = None
        for position, (start, end, vector) in enumerate(store.sentences(passage)):
            span = doc.char_span(start - passage.start, end - passage.start, alignment_mode="expand")
            if span is None:
                continue
            sentence = Sentence(passage, rank, position, start, end, vector, span, previous=previous)
            if previous is not None:
                previous.next = sentence
            previous = sentence
            if (passage.doc_id, start) not in seen:
                seen.add((passage.doc_id, start))
                out.append(sentence)
    return out


def match_terms(question: QuestionAnalysis, sentences: list[Sentence], query_vector: np.ndarray,
                store: EvidenceStore, settings: AnswerSettings) -> None:
    """Fill each sentence's similarity, term matches and idf-weighted coverage of the question's focus terms.

    A token matches a focus term exactly when they share a BM25 term (stem), and softly when their lemmas' vectors
    are closer than `soft_match_threshold`, counting as `soft_match_weight` x similarity.
    """
    focus = question.focus
    lemmas = sorted(set().union(*(content_words(s.span) for s in sentences)))  # the words the lexicon holds
    qlemmas = list(dict.fromkeys(f.lemma for f in focus if f.soft))
    soft: dict[tuple[str, str], float] = {}
    if lemmas and qlemmas and settings.soft_match_weight > 0:
        sims = store.word_vectors(qlemmas) @ store.word_vectors(lemmas).T
        rows, cols = np.nonzero(sims >= settings.soft_match_threshold)
        soft = {(qlemmas[r], lemmas[c]): float(sims[r, c]) for r, c in zip(rows.tolist(), cols.tolist())
                if not opposed(qlemmas[r], lemmas[c])}  # word vectors put antonyms close: "rose" ~ "fell"
    weights = coverage_weights(question, store)
    total = sum(weights.values())
    ranks = {f.term for f in focus if f.lemma in ORDINAL_WORDS}  # the only terms `_same_rank` can match
    for sentence in sentences:
        sentence.similarity = float(sentence.vector @ query_vector)
        matches: dict[str, tuple[float, list[int]]] = {}
        for token in sentence.span:
            own = token_terms(token.text)
            lemma = token.lemma_.lower()
            noun = token.pos_ == "NOUN"
            verb = token.pos_ == "VERB"  # an irregular verb's forms are one word ("won" / "win"); other lemmas
            # shared by different words are not ("maternity *leave*" / "left", "high" / "highest" is one by its stem)
            for f in focus:
                strength = 1.0 if f.term in own or f.soft and verb and f.lemma == lemma \
                    or f.term in ranks and _same_rank(f.lemma, token) \
                    else settings.soft_match_weight * (
                        1.0 if (noun or len(f.lemma) > len(lemma)) and _agent_of(f.lemma, lemma)
                        else soft.get((f.lemma, lemma), 0.0))  # the agent noun is the longer word: "former" is none
                if strength <= 0:
                    continue
                best, where = matches.get(f.term, (0.0, []))
                if strength > best + 1e-9:
                    matches[f.term] = (strength, [token.i])
                elif abs(strength - best) <= 1e-9:
                    where.append(token.i)
        sentence.matches = matches
    if question.answer_type == "NUM:age":
        _second_references(question, sentences)
    for sentence in sentences:
        sentence.coverage = sum(weights.get(t, 0.0) * m[0] for t, m in sentence.matches.items()) / total \
            if total else 0.0


AGENT_SUFFIXES = ("man", "woman", "person", "er", "r", "or")


def _same_rank(lemma: str, token) -> bool:
    """The question's ordinal and the text's "number two" / "No 2" name the same place in a ranking ("came
    *second*": "kept Peter Kay at *number two*")."""
    if lemma not in ORDINAL_WORDS or token.i == 0:
        return False
    n = ORDINAL_WORDS.index(lemma) + 1
    return token.doc[token.i - 1].lower_ in ("number", "no", "no.") and token.lower_ in (str(n), NUMBER_WORDS[n])


@lru_cache(maxsize=100_000)  # asked for every word of every sentence against every question word
def _agent_of(one: str, other: str) -> bool:
    """One lemma names the doer of the other's action: "chair" / "chairman", "lead" / "leader", "win" / "winner"
    (English agent nouns, which the word vectors often do not put close to their verbs)."""
    short, long = sorted((one, other), key=len)
    suffix = long[len(short):]
    if len(suffix) == 3 and suffix[0] == short[-1:] and suffix[0] not in "aeiouwy":
        suffix = suffix[1:]  # a doubled consonant: "win" / "winner", "run" / "runner"
    if len(short) < 3 or not long.startswith(short) or suffix not in AGENT_SUFFIXES:
        return False
    return suffix != "r" or short.endswith("e")  # "manage" / "manager", not "cent" / "center"


SECOND_REFERENCE = re.compile(r"\bthe\s+(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)[\s-]years?[\s-]old\b", re.I)
SECOND_REFERENCE_CREDIT = 0.8  # as much as a surname alone (`mentions`)
PASSAGE_REFERENCE_CREDIT = 0.7  # named elsewhere in the passage only: as much as a name in the article's opening


def _second_references(question: QuestionAnalysis, sentences: list[Sentence]) -> None:
    """News names a person once and then calls them "the 56-year-old": such a sentence next to one naming the
    question's person is taken to speak of that person, so their name counts as matched there."""
    named = {t for name in question.names for t in terms(name)}
    for sentence in sentences:
        found = SECOND_REFERENCE.search(sentence.text)
        if not found or any(t in sentence.matches for t in named):
            continue
        credit = {t: SECOND_REFERENCE_CREDIT for other in (sentence.previous, sentence.next) if other is not None
                  for t in other.matches if t in named}
        if not credit:  # the sentence opens its passage: the person is named further on in it, if at all
            credit = {t: PASSAGE_REFERENCE_CREDIT for name in question.names
                      if mentions(sentence.passage.text, name) for t in terms(name)}
        token = sentence.span.doc.char_span(sentence.span.start_char + found.start(),
                                            sentence.span.start_char + found.end(), alignment_mode="expand")
        where = [token[0].i] if token is not None else [sentence.span.start]  # its "the": beside the age
        for term, strength in credit.items():
            sentence.matches[term] = (strength, where)


def coverage_weights(question: QuestionAnalysis, store: EvidenceStore) -> dict[str, float]:
    """Idf weight of each focus term that is not part of a name: what the question asks *about*. Names are checked
    on their own, since an article repeats its subject's name in sentence after sentence."""
    # an age is asked of a name: there the name is what the question is about ("how old is Alan Greenspan")
    named = {t for name in question.names for t in terms(name)} if question.answer_type != "NUM:age" else set()
    weights = {f.term: f.weight * store.idf(f.term) for f in question.focus if f.term not in named}
    return weights or {f.term: f.weight * store.idf(f.term) for f in question.focus}


def coverage_of(sentences: list[Sentence], question: QuestionAnalysis, store: EvidenceStore) -> float:
    """Idf-weighted coverage of the focus terms by several sentences together (a sentence and its neighbours)."""
    weights = coverage_weights(question, store)
    total = sum(weights.values())
    if not total:
        return 0.0
    best = {t: max((s.matches.get(t, (0.0, []))[0] for s in sentences), default=0.0) for t in weights}
    return sum(weights[t] * best[t] for t in weights) / total
