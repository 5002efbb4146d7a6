"""When the sentence most about a question contradicts it, a lesser match must say what it denies.

SQuAD 2.0's unanswerable questions are written over one sentence with one thing changed: a word reversed, the
roles swapped, another doer, place or time, a negation added. That sentence is then the best match for the
question, and the hard checks bar it; but a sentence that matches the question less then wins, and answers what
nobody asked. So a contradiction found in one of the sentences most about the question vetoes the others, unless
the answer's own sentence states the very thing the contradiction denies: the asked time ("rose 3% on Monday. ...
a further 2% on Tuesday" answers "on Tuesday"), the asked doer ("Chelsea signed Kerr. Arsenal bought Bell"
answers "which winger did Arsenal sign"), the asked place, the asked verb (not) done."""

from __future__ import annotations

from rag.answering.conditions import other_time, shares_time
from rag.answering.constraints import elsewhere
from rag.answering.contradiction import NEGATIVE_WORDS, denies, says_otherwise
from rag.answering.evidence import Sentence
from rag.answering.naming import mentions, shares_name
from rag.answering.question import QuestionAnalysis
from rag.answering.roles import objects, phrase, roles_reversed, someone_else


def contradiction(question: QuestionAnalysis, sentence: Sentence) -> str | None:
    """What in the sentence contradicts the question, if anything: "reverse" (an opposite, a denial), "roles"
    (swapped), "doer", "place", "time", or "negation" (a negated question over a sentence with none)."""
    if says_otherwise(question, sentence):
        return "negation" if question.negated else "reverse"
    if roles_reversed(sentence.span, question.undergoers):
        return "roles"
    if someone_else(sentence.span, question.actors, question.names):
        return "doer"
    if elsewhere(question, sentence):
        return "place"
    if other_time(question.text, sentence.text):
        return "time"
    return None


def affirms(kind: str, question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence states what a contradiction of this kind denies, so it may answer despite it."""
    text = sentence.text
    if kind == "doer":  # the asked doer as a subject ("*Arsenal* bought winger Sam Bell"), not "made by the likes of"
        return any(t.dep_ == "nsubj" and shares_name(phrase(t), name) for t in sentence.span
                   for _, name in question.actors)
    if kind == "roles":  # the asked verb done to the asked party ("Y beat *X*")
        return any(t.lemma_.lower() == verb and any(shares_name(phrase(o), name) for o in objects(t))
                   for t in sentence.span for verb, name in question.undergoers)
    if kind == "place":
        return any(mentions(text, place) for _, _, place in question.places)
    if kind == "time":
        return shares_time(question.text, text)
    if kind == "negation":  # the asked verb itself denied ("the RMT did *not accept* it")
        return denies(sentence.span, question.verb, every=False) or (
            question.verb is None and any(t.dep_ == "neg" or t.lower_ in NEGATIVE_WORDS for t in sentence.span))
    return question.verb is not None and any(  # "reverse": the asked verb, done
        t.lemma_.lower() == question.verb and t.pos_ == "VERB" for t in sentence.span) and not denies(
        sentence.span, question.verb)
