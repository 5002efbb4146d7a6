"""The default generator: pick the sentence that answers, lead with the figure or name it holds, quote it.

Every sentence of the retrieved passages is scored by embedding similarity to the query, by how much of the
question's key terms it holds (weighted by rarity), by whether it holds the kind of answer asked for, and by its
passage's rank. Hard checks make the system abstain rather than guess: the names and years the question is about
must appear in the passage, and "how many"/"when"/"who" questions need a figure, date or name not already in the
question. Answer text is only spans and quotes from the passages, citation markers and fixed connecting words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.answering.analysis import QuestionAnalysis, mentions, term_present, terms
from rag.answering.dating import relative_year_note
from rag.answering.generator import Draft, Generator
from rag.answering.spans import NUMERIC_KINDS, Span, find_spans, normalise_value
from rag.models import Citation, Passage
from rag.settings import AnswerSettings

WANTED = {
    "number": {"range", "ratio", "usd", "percent", "money", "number"},
    "figure": {"range", "ratio", "usd", "percent", "money", "number"},
    "date": {"date", "year"},
    "person": {"name"},
    "place": {"name"},
    "ordinal": {"ordinal"},
}
CUE_KINDS = {"range": {"range"}, "ratio": {"ratio"}, "usd": {"usd"}, "percent": {"percent"}, "money": {"money", "usd"},
             "length": {"number"}, "area": {"number"}}
STRICT = {"number", "date", "person", "ordinal", "place"}
STRICT_TYPES = {"number", "date", "ordinal"}
LOOSE = {"other", "figure"}
CHANGE_QUESTION = re.compile(r"\bby how much\b|\bhow much (?:did|has|have|will)\b.*\b(rise|grow|fall|drop|increase|"
                             r"decrease|decline|change)", re.I)
CHANGE_BEFORE = re.compile(r"\b(increase|decrease|rise|drop|fall|growth|grew|rose|fell|up|down|plunged|surged|"
                           r"declined|decreased|increased)\w*\s+(?:of\s+|by\s+)?(?:a\s+\w+\s+)?$")
PERSON_ROLES = ("chairman", "chairwoman", "president", "secretary", "chief", "mayor", "governor", "director",
                "minister", "founder", "head", "professor", "spokesman", "spokeswoman", "CEO", "Party")
_GENERIC_PLACE = frozenset("province city county district of the and".split())
ORG_WORDS = frozenset("University Province Provincial City District County Committee Group Company Party Government "
                      "Park Bureau Daily Games Conference Expo Corridor Center Centre Museum Council".split())
ABSTAIN_TEXT = "The articles do not answer this question."


@dataclass
class Candidate:
    """One sentence of a retrieved passage with its features."""

    passage: Passage
    rank: int
    start: int  # offsets in the document's cleaned text
    end: int
    text: str
    vector: np.ndarray
    previous: str = ""  # the sentence before, inside the same passage
    previous_start: int | None = None
    score: float = 0.0
    spans: list[Span] | None = None

    @property
    def leans_back(self) -> bool:
        """Starts with a pronoun, so the previous sentence says what it is about."""
        return bool(self.previous) and re.match(r"(It|Its|He|His|She|Her|They|Their|This|These|That)\b", self.text) is not None


SentenceSource = Callable[[Passage], list[tuple[int, int, np.ndarray]]]


class ExtractiveGenerator(Generator):
    """Sentence selection and span extraction over retrieved passages (no language model)."""

    def __init__(self, sentences: SentenceSource, query_vector: Callable[[str], np.ndarray],
                 idf: Callable[[str], float], settings: AnswerSettings, lead: Callable[[str], str] = lambda _: ""):
        self.sentences = sentences
        self.lead = lead  # doc_id -> the article's opening, where its subject is named
        self.query_vector = query_vector
        self.idf = idf
        self.settings = settings

    def generate(self, question: QuestionAnalysis, query: str, passages: list[Passage],
                 context_terms: tuple[str, ...] = ()) -> Draft:
        candidates = self._candidates(passages)
        if not candidates:
            return self._abstain(passages, 0.0)
        qv = self.query_vector(query)
        # figures already in the question or in earlier answers carried into the query are not new answers
        question_values = {normalise_value(s.text) for s in find_spans(f"{question.text} {query}")}
        name_terms = set(terms(" ".join(question.names)))
        focus_terms = tuple(t for t in question.key_terms if t not in name_terms)
        # figures and dates are already checked by type; names and free answers need the asked-about words
        check_focus = bool(focus_terms) and question.kind not in STRICT_TYPES

        def new_spans(text: str, shift: int = 0) -> list[Span]:
            return [Span(s.text, s.kind, s.start + shift, s.end + shift) for s in find_spans(text)
                    if normalise_value(s.text) not in question_values]

        viable = []
        for cand in candidates:
            cand.spans = new_spans(cand.text)
            if cand.leans_back:
                cand.spans += new_spans(cand.previous, -len(cand.previous) - 1)
            sentence_terms = set(terms(cand.text))
            window_terms = sentence_terms | set(terms(cand.previous))
            overlap = max(self._overlap(question.key_terms, context_terms, sentence_terms),
                          0.85 * self._overlap(question.key_terms, context_terms, window_terms))
            focus = self._overlap(focus_terms, (), window_terms) if check_focus else 1.0
            has_type = any(self._wanted(question, s) for s in cand.spans)
            cand.score = (self.settings.similarity_weight * float(cand.vector @ qv)
                          + self.settings.overlap_weight * overlap
                          + self.settings.type_weight * (1.0 if has_type else 0.5 if question.kind in LOOSE else 0)
                          + self.settings.rank_weight / (1 + cand.rank))
            if focus >= self.settings.min_focus_overlap and self._admissible(question, cand, overlap, has_type):
                viable.append(cand)
        if not viable:
            return self._abstain(passages, self._confidence(max(c.score for c in candidates)))
        viable.sort(key=lambda c: -c.score)
        best = viable[0]
        confidence = self._confidence(best.score)
        if best.score < self.settings.abstain_below:
            return self._abstain(passages, confidence)
        return self._compose(question, best, viable[1:], confidence)

    def _candidates(self, passages: list[Passage]) -> list[Candidate]:
        seen: set[tuple[str, int]] = set()
        out = []
        for rank, passage in enumerate(passages):
            previous, previous_start = "", None
            for start, end, vector in self.sentences(passage):
                text = passage.text[start - passage.start:end - passage.start]
                if (passage.doc_id, start) not in seen:
                    seen.add((passage.doc_id, start))
                    out.append(Candidate(passage, rank, start, end, text, vector, previous, previous_start))
                previous, previous_start = text, start
        return out

    @staticmethod
    def _wanted(question: QuestionAnalysis, span: Span) -> bool:
        """Whether a span is the kind of answer the question asks for."""
        if question.cue in ("age", "date"):
            return span.kind == question.cue
        if span.kind == "name" and question.kind == "person":
            parts = span.text.split()
            return not (set(parts) & ORG_WORDS) and not any(any(c.isdigit() for c in w) or w.isupper() for w in parts)
        return span.kind in WANTED.get(question.kind, set())

    def _overlap(self, key_terms: tuple[str, ...], context_terms: tuple[str, ...], present: set[str]) -> float:
        """Share of the question's key-term weight (rare terms count more) among a sentence's terms (`present`)."""
        weights = {t: self.idf(t) for t in key_terms}
        weights.update({t: 0.7 * self.idf(t) for t in context_terms if t not in weights})
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if term_present(t, present)) / total if total else 0.0

    def _admissible(self, question: QuestionAnalysis, cand: Candidate, overlap: float, has_type: bool) -> bool:
        """Hard checks: the question's names and years are in the passage (or the article's title and opening, which
        name what "the city" refers to), and the answer type is present."""
        where = f"{cand.passage.text} {cand.passage.title or ''} {self.lead(cand.passage.doc_id)}".lower()
        if any(not mentions(where, name) for name in question.names):
            return False
        if any(year not in where for year in question.years):
            return False
        if question.kind in STRICT and not has_type:
            return False
        return overlap >= self.settings.min_overlap

    def _confidence(self, score: float) -> float:
        low, high = self.settings.confidence_low, self.settings.confidence_high
        return float(min(1.0, max(0.0, (score - low) / (high - low))))

    def _choose_span(self, question: QuestionAnalysis, cand: Candidate) -> Span | None:
        """The figure or name in the sentence that answers: of the wanted kind, new to the question, described by
        the question's words just before it, and matching the unit or noun the question asks about."""
        if question.kind not in WANTED:
            return None
        preferred = CUE_KINDS.get(question.cue or "", set())
        asked = set(re.findall(r"[a-z0-9]+", question.text.lower()))
        lowered = cand.text.lower()
        keys = [(t, m.start()) for t in question.key_terms for m in re.finditer(re.escape(t[:5]), lowered)]
        best, best_score = None, -math.inf
        for span in cand.spans or []:
            if not self._wanted(question, span):
                continue
            score = 2.0 if span.kind in preferred else 0.0
            if question.unit_hint and self._names_head(question.unit_hint, span, lowered):
                score += 1.5
            if span.kind not in preferred and lowered[:max(span.start, 0)].rstrip().endswith("("):
                score -= 0.5  # a figure in parentheses is an aside, usually a currency conversion
            if CHANGE_QUESTION.search(question.text) and CHANGE_BEFORE.search(lowered[:max(span.start, 0)]):
                score += 1.0
            if span.kind == "name":
                score += self._name_score(question, span, cand.text, asked)
            if question.kind == "person" and len(span.text.split()) in (2, 3):
                score += 1.0
            if question.cue == "length" and re.search(r"kilomet|meter|metre", span.text):
                score += 1.0
            if question.cue == "area" and "square" in span.text:
                score += 1.0
            if keys:
                # a figure's description sits right beside it ("total annual investment of 52.2 billion yuan")
                near = {t for t, at in keys if span.start - 40 <= at < span.start or span.end <= at < span.end + 40}
                score += 0.3 * len(near)
                score -= 0.002 * min(max(span.start - at, at - span.end, 0) for _, at in keys)
            if score > best_score:
                best, best_score = span, score
        return best

    @staticmethod
    def _names_head(head: str, span: Span, sentence: str) -> bool:
        """Whether the span is, or is right before, the noun the question asks about ("55,000 parking spots" for
        "how many spots", "Anji county" for "which county")."""
        singular = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
        window = f"{span.text.lower()} {sentence[span.end:span.end + 25]}"
        return re.search(rf"\b{re.escape(singular)}(?:s|es)?\b", window) is not None

    @staticmethod
    def _name_score(question: QuestionAnalysis, span: Span, sentence: str, asked: set[str]) -> float:
        """Prefer names the question does not already say ("Nanning", not the "China" of China-ASEAN), quoted
        names for "what is it called", people introduced with their role, and lists when several are asked for."""
        words = re.findall(r"[a-z0-9]+", span.text.lower())
        specific = [w for w in words if w not in _GENERIC_PLACE] or words
        if all(w in asked for w in words):
            score = -2.0
        else:
            score = -1.0 * sum(w in asked for w in specific) / len(specific)
        score += min(0.1 * len(words), 0.5)
        before, after = sentence[:max(span.start, 0)], sentence[span.end:]
        if re.search(r"\b(called|named|name|known as)\b", question.text) and re.search(r"[\"“]\s*$", before) \
                and re.match(r"\s*[\"”]", after):
            score += 1.5
        if question.kind == "person" and (re.match(r",\s(?:\w+\s){0,3}?(?:" + "|".join(PERSON_ROLES) + r")\b", after)
                                          or re.search(r"\bsaid\s*$", before)):
            score += 1.0
        if ("," in span.text or " and " in span.text) and question.unit_hint:
            score += 0.5 if question.plural else -0.5
        return score
    def _compose(self, question: QuestionAnalysis, best: Candidate, others: list[Candidate],
                 confidence: float) -> Draft:
        span = self._choose_span(question, best)
        short = self._full_name(span.text, best.passage.text) if span and span.kind == "name" else span.text if span else None
        cited = [best]
        lead = f"{short} [1]" if short else None
        differences: list[str] = []
        value = normalise_value(span.text) if span else None
        for other in others:
            if other.passage.doc_id in {c.passage.doc_id for c in cited} or len(cited) >= 3:
                continue
            if float(other.vector @ best.vector) < self.settings.agreement_similarity:
                continue
            n = len(cited) + 1
            other_values = {normalise_value(s.text): s for s in other.spans or []}
            if span and value not in other_values:
                rival = next((s for s in other.spans or [] if s.kind == span.kind), None)
                if rival is None:
                    continue
                lead = f"{lead}; {rival.text} [{n}] (the sources give different figures)"
            else:
                if span and lead.endswith("]") and "(" not in lead:
                    lead = f"{lead}[{n}]"
                differences += self._differences(best, other, n)
            cited.append(other)
        citations = [self._citation(i + 1, c) for i, c in enumerate(cited)]
        lines = [lead] if lead else []
        if differences:
            lines.append("The sources differ: " + "; ".join(differences) + ".")
        for citation in citations:
            note = f" ({citation.note})" if citation.note else ""
            lines.append(f"“{citation.quote}” [{citation.n}]{note}")
        return Draft(text="\n\n".join(lines), answered=True, short_answer=short,
                     citations=citations, confidence=confidence)

    @staticmethod
    def _differences(best: Candidate, other: Candidate, n: int) -> list[str]:
        """Figures of the same kind that two near-identical sentences state differently."""
        out = []
        for kind in NUMERIC_KINDS - {"year", "date", "ordinal"}:
            mine = [s for s in best.spans or [] if s.kind == kind]
            theirs = [s for s in other.spans or [] if s.kind == kind]
            if len(mine) == 1 and len(theirs) == 1 and normalise_value(mine[0].text) != normalise_value(theirs[0].text):
                out.append(f"{mine[0].text} [1] vs {theirs[0].text} [{n}]")
        return out

    @staticmethod
    def _full_name(name: str, passage_text: str) -> str:
        """A one-word name ("Wang") completed from the passage ("Wang Hao") when the passage spells it out."""
        if " " in name:
            return name
        match = re.search(rf"\b{re.escape(name)}\s[A-Z][a-z]+\b", passage_text)
        return match.group(0) if match else name

    @staticmethod
    def _citation(n: int, cand: Candidate) -> Citation:
        p = cand.passage
        start = cand.previous_start if cand.leans_back and cand.previous_start is not None else cand.start
        quote = p.text[start - p.start:cand.end - p.start]
        return Citation(n=n, doc_id=p.doc_id, chunk_id=p.chunk_id, title=p.title, date=p.date, publisher=p.publisher,
                        quote=quote, start=start, end=cand.end, passage_text=p.text, passage_start=p.start,
                        score=p.score, note=relative_year_note(quote, p.date))

    @staticmethod
    def _abstain(passages: list[Passage], confidence: float) -> Draft:
        lines = [ABSTAIN_TEXT]
        if passages:
            lines.append("Nearest passages:")
            lines += [f"- {p.title or p.doc_id} ({p.chunk_id})" for p in passages[:3]]
        return Draft(text="\n".join(lines), answered=False, confidence=confidence)
