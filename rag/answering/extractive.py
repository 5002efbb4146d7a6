"""The default generator: find the span that answers, lead with it, and quote the sentence it stands in.

The classic factoid design: analyse the question (expected answer type, focus terms, constraints), collect candidate
spans of compatible types from the retrieved passages' sentences, score each by features of the span and its
sentence (`rag.answering.scoring`), and abstain when the question's names are absent from the evidence or
the best score is below a threshold. Answer text is only spans and quotes of the passages, citation markers and
fixed connecting words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel

from rag.answering.answer_types import HEAD_NOUNS, coarse, wanted_labels
from rag.answering.candidates import FIGURE_LABELS, Candidate, find_candidates, trim_known
from rag.answering.constraints import unstated_ordinal, unstated_period, unstated_year
from rag.answering.dating import relative_year_note
from rag.answering.descriptions import description
from rag.answering.evidence import EvidenceStore, Sentence, gather, match_terms
from rag.answering.naming import ADDRESS, demonym_of, mentions
from rag.answering.generator import ABSTAIN_TEXT, Generator
from rag.answering.quantities import normalise_figure
from rag.answering.question import ARTICLE_NOUNS, BYLINE_VERBS, WRITER_NOUNS, QuestionAnalysis
from rag.answering.question_names import PLACE_LABELS
from rag.answering.reading import QuestionReader
from rag.answering.rejections import does_otherwise, not_an_answer
from rag.answering.roles import LIGHT_VERBS
from rag.answering.veto import affirms, contradictions
from rag.answering.scoring import candidate_features, score, sentence_features
from rag.models import Answer, ChatMessage, Citation, Passage
from rag.settings import AnswerSettings
from rag.text import stem, terms



class Draft(BaseModel):
    """The extractive answer before the pipeline's common fields are added."""

    text: str
    answered: bool
    short_answer: str | None = None
    citations: list[Citation] = []
    confidence: float = 0.0


# a sentence that contradicts the question vetoes a lesser answer only if it is one of the two most about it
# (standing 1/2): the question was written over it (set by hand: lower lets any stray "fell" in another article veto)
REVERSED_STANDING = 0.5


class ExtractiveGenerator(Generator):
    """Typed span extraction over retrieved passages (no language model)."""

    name = "extractive"

    def __init__(self, evidence: Callable[[], EvidenceStore], reader: QuestionReader,
                 query_vector: Callable[[str], np.ndarray], settings: AnswerSettings):
        self.evidence = evidence  # the store of the index as it is now (it changes when documents do)
        self.reader = reader
        self.query_vector = query_vector
        self.settings = settings

    def generate(self, question: str, history: Sequence[ChatMessage], passages: list[Passage]) -> Answer:
        resolved, analysis = self.reader.read(question, history)
        draft = self.compose_answer(analysis, resolved.text, passages)
        return Answer(question=question, text=draft.text, answered=draft.answered, short_answer=draft.short_answer,
                      citations=draft.citations, passages=passages, rewritten_query=resolved.text,
                      confidence=draft.confidence, answer_type=analysis.answer_type, generator="extractive",
                      verified=True if draft.answered else None)

    def compose_answer(self, question: QuestionAnalysis, query: str, passages: list[Passage]) -> Draft:
        """The answer to an analysed question (`query` is the standalone text that was searched)."""
        if question.byline:
            return self._from_byline(question, passages)
        ranked = self.candidates(question, query, passages)
        if not ranked or ranked[0].score < self.settings.abstain_below:
            return self._abstain(passages, self._confidence(ranked[0].score if ranked else 0.0))
        return self._compose(question, ranked, self._confidence(ranked[0].score))

    def candidates(self, question: QuestionAnalysis, query: str, passages: list[Passage]) -> list[Candidate]:
        """Every admissible candidate answer in the passages, with its features and score, best first."""
        store = self.evidence()
        sentences = gather(passages, store)
        if not sentences:
            return []
        match_terms(question, sentences, self.query_vector(query), store, self.settings)
        return self.rank(question, sentences, store)

    def rank(self, question: QuestionAnalysis, sentences: list[Sentence], store: EvidenceStore) -> list[Candidate]:
        """Every admissible candidate of the (matched) sentences with its features and score, best first."""
        wanted = wanted_labels(question.answer_type, question.named)
        weights_by_term = {f.term: f.weight * store.idf(f.term) for f in question.focus}
        question_terms = {f.term for f in question.focus} | set(terms(" ".join(question.names)))
        head = stem(question.head) if question.head else None
        known = lambda term: term in question_terms or term == head  # noqa: E731
        # asked for a kind of thing ("what *condition*"), not a description of someone ("what *post*")
        thing = coarse(HEAD_NOUNS.get(question.head or "", "HUM")) not in ("HUM", "DESC")
        out: list[Candidate] = []
        barred: dict[str, bool] = {}  # doc_id -> its article cannot answer (the year, edition or period bars)
        vetoes: list[tuple[float, frozenset[str]]] = []  # (standing, kinds) of sentences that contradict the question
        order = sorted(sentences, key=lambda s: -(s.similarity + s.coverage))
        standing = {id(s): 1.0 / (1 + i) for i, s in enumerate(order)}
        for sentence in sentences:
            shared = sentence_features(sentence, question, store)
            shared["standing"] = standing[id(sentence)]
            admissible, kinds = self._admissible(sentence, question, shared, store, barred)
            if not admissible:
                if kinds and shared["standing"] >= REVERSED_STANDING:
                    vetoes.append((shared["standing"], kinds))
                continue
            if question.descriptive:
                out.append(self._describe(sentence, question, shared))
                continue
            told_otherwise, kept = False, len(out)
            for candidate in find_candidates(sentence, wanted, plural=question.plural, head=question.head):
                candidate = trim_known(candidate, known)
                if not_an_answer(candidate, question, thing):
                    continue
                if does_otherwise(candidate, question):
                    told_otherwise = True
                    continue
                features = candidate_features(candidate, question, shared, weights_by_term, question_terms)
                if features["type"] <= 0 or features["in_question"] >= 0.999:
                    continue
                candidate.features = features
                candidate.score = score(features, self.settings.weights)
                out.append(candidate)
            if told_otherwise and len(out) == kept and shared["standing"] >= REVERSED_STANDING:
                vetoes.append((shared["standing"], frozenset({"deed"})))  # a lesser match must say the asked deed
        if question.answer_type == "DESC:reason":
            out = _reason_follows(out)
        out.sort(key=lambda c: -c.score)
        if out and any(out[0].features["standing"] < standing_
                       and not all(affirms(kind, question, out[0].sentence) for kind in kinds)
                       for standing_, kinds in vetoes):
            return []  # a sentence most about the question contradicts it: a lesser match must say what it denies
        return out

    def _admissible(self, sentence: Sentence, question: QuestionAnalysis, shared: dict[str, float],
                    store: EvidenceStore, barred: dict[str, bool]) -> tuple[bool, frozenset[str]]:
        """Hard checks: every name and figure of the question is in the passage or its article's title and opening,
        the sentence does not contradict the question (`veto.contradictions`), and with its neighbours it holds
        enough of what the question asks about. Beside the verdict, the ways a barred sentence contradicts the
        question when it may veto lesser answers: it is about what a factoid question asks (its names in its
        passage, enough of its words); not for a why or how, whose reason may lie beside such a sentence."""
        where = f"{sentence.passage.text} {sentence.passage.title or ''} {store.lead(sentence.passage.doc_id)}"
        if _opens_with_pronoun(sentence):  # "He noted that ...": the person may be named passages before
            where = store.document_text(sentence.passage.doc_id)
        doc_id = sentence.passage.doc_id
        if any(not _named(where, name, store) and not _named_before(where, name, store.document_text(doc_id))
               for name in question.names):
            return False, frozenset()
        if doc_id not in barred:  # the same for every sentence of the article
            article = store.document_text(doc_id)
            barred[doc_id] = unstated_year(question, sentence.passage, article) or unstated_ordinal(
                question, article) or unstated_period(question, sentence.passage, article)
        if barred[doc_id]:
            return False, frozenset()
        kinds = contradictions(question, sentence)
        covered = not question.focus or shared["window"] >= self.settings.min_window_coverage
        # "besides X, which other ...": the answer is told with X, in a list or beside it
        apart = question.alongside and not any(mentions(" ".join(s.text for s in sentence.window()), name)
                                               for name in question.alongside)
        if kinds or apart:
            about = covered and not question.descriptive and all(
                _named(sentence.passage.text, name, store) for name in question.names)
            return False, kinds if about else frozenset()
        return covered or _about_its_names(question, sentence), frozenset()

    def _describe(self, sentence: Sentence, question: QuestionAnalysis, shared: dict[str, float]) -> Candidate:
        """A whole sentence as the candidate for a why/how/what-did-they-say question, with its clause if found."""
        clause = description(sentence, question)
        features = dict(shared, type=1.0 if clause else 0.6, proximity=0.5, dependency=0.5, head=0.0,
                        in_question=0.0, number=1.0, verb=0.5, role=0.0, aside=0.0)
        span = sentence.span
        text = clause or sentence.text
        start = sentence.start + (sentence.text.find(clause) if clause and clause in sentence.text else 0)
        candidate = Candidate(sentence, text, "CLAUSE" if clause else "SENTENCE", start, start + len(text),
                              span.start, span.end, features)
        candidate.score = score(features, self.settings.weights)
        return candidate

    def _from_byline(self, question: QuestionAnalysis, passages: list[Passage]) -> Draft:
        """"Who wrote the story on X": the byline of the article the question found first, quoted from the passage
        holding it, when that article is about X (its names in the article, most of its other words in the title
        and opening); else an abstention, since the articles do not say."""
        store = self.evidence()
        top = passages[0].doc_id if passages else None
        byline = store.byline(top) if top is not None else None
        holder = next((p for p in passages if byline is not None and p.doc_id == top
                       and p.start <= byline.start and byline.end <= p.end), None)
        if holder is None or not self._about(question, top, store):
            return self._abstain(passages, 0.0)
        citation = self._cite(1, holder, byline.start, byline.end)
        return Draft(text=f"{byline.author} [1]\n\n“{citation.quote}” [1]", answered=True, short_answer=byline.author,
                     citations=[citation], confidence=self._confidence(self.settings.abstain_below))

    def _about(self, question: QuestionAnalysis, doc_id: str, store: EvidenceStore) -> bool:
        """The article is the one a byline question names: every name of the question is in it, and at least
        `byline_min_share` of the question's other content words are in its title and opening."""
        if any(not _named(store.document_text(doc_id), name, store) for name in question.names):
            return False
        named = {t for name in question.names for t in terms(name)}
        asked = {f.term for f in question.focus if f.soft and f.term not in named
                 and f.lemma not in BYLINE_VERBS | ARTICLE_NOUNS | WRITER_NOUNS}
        lead = set(terms(store.lead(doc_id)))
        return not asked or len(asked & lead) >= self.settings.byline_min_share * len(asked)

    @staticmethod
    def _confidence(value: float) -> float:
        """The score is the fitted log-odds that the answer is right: its logistic is the confidence."""
        return float(1 / (1 + math.exp(-max(min(value, 50.0), -50.0))))

    def _compose(self, question: QuestionAnalysis, ranked: list[Candidate], confidence: float) -> Draft:
        best = ranked[0]
        if question.plural and not best.is_list:  # "which cities": the list the best one stands in, when there is one
            best = next((c for c in ranked if c.is_list and c.sentence is best.sentence
                         and c.start <= best.start and best.end <= c.end), best)
        if question.coarse == "LOC":
            best = _narrowest_place(best, ranked)
        short = None if best.label == "SENTENCE" else _full_name(best)
        cited = [best]
        lead = f"{short} [1]" if short else None
        value = normalise_figure(best.text) if best.label in FIGURE_LABELS else None
        disagreement = False
        for other in ranked[1:]:
            if len(cited) >= 3 or other.sentence.passage.doc_id in {c.sentence.passage.doc_id for c in cited}:
                continue
            if float(other.sentence.vector @ best.sentence.vector) < self.settings.agreement_similarity:
                continue
            n = len(cited) + 1
            if value is not None:  # a figure: another article states the same one, or a different one
                if other.label != best.label:
                    continue
                if normalise_figure(other.text) != value:
                    if disagreement:
                        continue
                    lead, disagreement = f"{lead}; {other.text} [{n}] (the sources give different figures)", True
                elif disagreement:
                    continue
                else:
                    lead = f"{lead}[{n}]"
            elif short is not None:  # a name: only another article naming the same one agrees
                if other.text.lower() != best.text.lower():
                    continue
                lead = f"{lead}[{n}]"
            cited.append(other)
        citations = [self._citation(i + 1, c.sentence) for i, c in enumerate(cited)]
        lines = [lead] if lead else []
        for citation in citations:
            note = f" ({citation.note})" if citation.note else ""
            lines.append(f"“{citation.quote}” [{citation.n}]{note}")
        return Draft(text="\n\n".join(lines), answered=True, short_answer=short, citations=citations,
                     confidence=confidence)

    @staticmethod
    def _citation(n: int, sentence: Sentence) -> Citation:
        start = sentence.previous.start if sentence.leans_back and sentence.previous is not None else sentence.start
        return ExtractiveGenerator._cite(n, sentence.passage, start, sentence.end)

    @staticmethod
    def _cite(n: int, p: Passage, start: int, end: int) -> Citation:
        """Citation `n`: the passage's text from `start` to `end` (offsets in the document's cleaned text)."""
        quote = p.text[start - p.start:end - p.start]
        return Citation(n=n, doc_id=p.doc_id, chunk_id=p.chunk_id, title=p.title, date=p.date, publisher=p.publisher,
                        quote=quote, start=start, end=end, passage_text=p.text, passage_start=p.start,
                        score=p.score, note=relative_year_note(quote, p.date))

    @staticmethod
    def _abstain(passages: list[Passage], confidence: float) -> Draft:
        lines = [ABSTAIN_TEXT]
        if passages:
            lines.append("Nearest passages:")
            lines += [f"- {p.title or p.doc_id} ({p.chunk_id})" for p in passages[:3]]
        return Draft(text="\n".join(lines), answered=False, confidence=confidence)




def _reason_follows(candidates: list[Candidate]) -> list[Candidate]:
    """News states what happened, then why ("Half-Life 2 did not appear in the list. This was *because* it was only
    released on PC"): a sentence that gives no reason is no answer to "why" when the next one gives it."""
    followed = {id(c.sentence.previous) for c in candidates if c.label == "CLAUSE" and c.sentence.previous is not None}
    return [c for c in candidates if not (c.label == "SENTENCE" and id(c.sentence) in followed)]


def _named(text: str, name: str, store: EvidenceStore) -> bool:
    """`text` names `name` in full, or by its last word when that word is also its most distinctive (highest idf)
    or the most distinctive one is there too: a surname ("Blair"), but not the generic head of an organisation's
    name ("Shanda Interactive *Entertainment*")."""
    score = mentions(text, name)
    if score == 0.0 and " " not in name:
        return demonym_of(text, name)  # "European football" for "Europe"
    if score == 1.0 or score == 0.0 or " " not in name:
        return score > 0.0  # a one-word name's partial mention is its clipped form ("Notts")
    words = [w for w in name.split() if terms(w)]  # reversed: of words as rare, the last ("Mr *Lakhani*")
    rarest = max(reversed(words), key=lambda w: store.idf(terms(w)[0]), default=name.split()[-1])
    return mentions(text, rarest) == 1.0




def _named_before(text: str, name: str, article: str) -> bool:
    """`text` names `name` by a title and its last word and the article names it in full: news introduces "Yaseen
    Lakhani" once and then writes "Mr Lakhani" (not "Venus Williams" for Serena, nor "Conservative Party" for
    Labour's)."""
    parts = name.split()
    if len(parts) < 2 or mentions(article, name) < 1.0:
        return False
    return re.search(rf"{_TITLE}{re.escape(parts[-1])}(?!\w)", text, re.I) is not None


_TITLE = rf"(?<!\w)(?:{'|'.join(sorted(ADDRESS))})\.?\s+"  # "Mr ", "Dr. ", "Cllr "


def _opens_with_pronoun(sentence: Sentence) -> bool:
    """The sentence starts with a third-person pronoun, so it speaks of someone named before it."""
    first = sentence.span[0] if len(sentence.span) else None
    return first is not None and first.pos_ == "PRON" and first.lower_ in ("he", "she", "they", "his", "her", "their")


def _narrowest_place(best: Candidate, ranked: list[Candidate]) -> Candidate:
    """News puts a place inside a larger one ("at Gleneagles in Scotland", "at London's Abbey Road studios",
    "in Melbourne, Australia"): where something happens is the smaller, with the larger kept beside it when it
    follows "in" or a comma that is no list's ("in Paris, London and Rome")."""
    sentence = best.sentence
    for other in ranked:
        if other.sentence is not sentence or other is best or other.label == "PERSON" \
                or other.features.get("type", 0.0) <= 0:
            continue
        between = sentence.text[other.end - sentence.start:best.start - sentence.start] if other.end <= best.start \
            else None
        if best.label in PLACE_LABELS and (between == " in " or between == ", " and other.label in PLACE_LABELS
                                           and _within(sentence.span.doc, other, best)):
            return Candidate(sentence, sentence.text[other.start - sentence.start:best.end - sentence.start],
                             other.label, other.start, best.end, other.first, best.last, dict(best.features),
                             best.score)
        if best.end <= other.start and other.label in PLACE_LABELS | {"FAC"} \
                and sentence.text[best.end - sentence.start:other.start - sentence.start] in ("'s ", "’s "):
            return other
    return best


def _within(doc, smaller: Candidate, larger: Candidate) -> bool:
    """"X, Y" names a place in a larger one: the parser hangs one on the other as an apposition or modifier, not as
    a conjunct of a list."""
    a, b = doc[smaller.first:smaller.last].root, doc[larger.first:larger.last].root
    return b.dep_ == "appos" and b.head.i == a.i or a.dep_ in ("nmod", "compound") and a.head.i == b.i


def _about_its_names(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """A question that is about its names, with at most two other words ("when did the Siege of Antioch take
    place", "in what country is Normandy located"), is covered by a sentence that names them all: those few words
    are often said otherwise ("after the Siege of Antioch in 1097", "Normandy, a region in France")."""
    named = {t for name in question.names for t in terms(name)}
    others = [f for f in question.focus if f.term not in named and f.lemma != question.head]
    if question.role == "subj" and question.verb and question.verb not in LIGHT_VERBS and not any(
            f.lemma == question.verb and f.term in s.matches for f in others for s in sentence.window()):
        return False  # "who founded DeepSeek": who did it needs the doing, not only the name
    return bool(question.names) and len(others) <= 2 and all(mentions(sentence.text, n) == 1.0
                                                            for n in question.names)






def _full_name(candidate: Candidate) -> str:
    """A surname alone ("Kuhlhoff") completed from a fuller mention of the same person in the passage, and a bare
    noun from the passage's fuller mention before it (news shortens "the vampire bat" to "the bat")."""
    if candidate.label == "NP":
        return _fuller_mention(candidate)
    if candidate.label not in ("PERSON", "PROPN") or " " in candidate.text:
        return candidate.text
    doc = candidate.sentence.span.doc
    for ent in doc.ents:
        if ent.label_ == "PERSON" and len(ent) > 1 and ent[-1].text == candidate.text:
            return ent.text
    return candidate.text


def _fuller_mention(candidate: Candidate) -> str:
    """The latest noun phrase before a one-noun candidate whose head is the same noun with modifiers of its own
    ("the *vampire* bat" ... "the bat's saliva"), without its article; else the candidate."""
    doc = candidate.sentence.span.doc
    words = [t for t in doc[candidate.first:candidate.last] if not t.is_punct]
    if len(words) != 1 or words[0].pos_ != "NOUN":
        return candidate.text
    noun = words[0]
    fuller = [c for c in doc.noun_chunks if c.end <= candidate.first and c.root.lemma_ == noun.lemma_
              and any(t.dep_ in ("compound", "amod") and t.i < c.root.i for t in c)]
    if not fuller:
        return candidate.text
    chunk = fuller[-1]
    start = next(t.i for t in chunk if t.dep_ not in ("det", "poss", "case") and not t.is_punct)
    return doc[start:chunk.root.i + 1].text
