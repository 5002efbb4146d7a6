"""When the sentence most about a question contradicts it, a lesser match must say what it denies.

SQuAD 2.0's unanswerable questions are written over one sentence with one thing changed: a word reversed, the
roles swapped, another doer, place or time, a negation added. That sentence is then the best match for the
question, and the hard checks bar it; but a sentence that matches the question less then wins, and answers what
nobody asked. So a contradiction found in one of the sentences most about the question vetoes the others, unless
the answer's own sentence states something the contradiction denies: the asked time ("rose 3% on Monday. ... a
further 2% on Tuesday" answers "on Tuesday"), the asked doer ("Chelsea signed Kerr. Arsenal bought Bell" answers
"which winger did Arsenal sign"), the asked place, the asked word's side ("gained" for "rise"), a negation."""

from __future__ import annotations

from rag.answering.conditions import other_time, shares_time
from rag.answering.constraints import elsewhere
from rag.answering.dating import dated_otherwise, other_years_only
from rag.answering.contradiction import asked_words, denies, says_asked, says_otherwise
from rag.answering.evidence import Sentence
from rag.answering.naming import mentions, shares_name
from rag.answering.opposites import OPPOSITE
from rag.answering.question import QuestionAnalysis
from rag.answering.question_names import PLACE_LABELS
from rag.answering.roles import LIGHT_VERBS, is_named, objects, phrase, roles_reversed, someone_else, \
    something_else, subjects


def contradictions(question: QuestionAnalysis, sentence: Sentence) -> frozenset[str]:
    """Every way the sentence contradicts the question: "reverse" (an opposite, a denial), "roles" (swapped),
    "doer", "object" (done to another), "place", "time", or "negation" (a negated question over a sentence with none)."""
    kinds = set()
    if says_otherwise(question, sentence):
        kinds.add("negation" if question.negated else "reverse")
    if roles_reversed(sentence.span, question.undergoers):
        kinds.add("roles")
    if someone_else(sentence.span, question.actors, question.names):
        kinds.add("doer")
    if something_else(sentence.span, question.patients, question.names):
        kinds.add("object")
    if elsewhere(question, sentence):
        kinds.add("place")
    years = {year for _, year in question.dated}  # years the question dates a word to ("defending X *in 1402*")
    if other_time(question.text, sentence.text) or dated_otherwise(question.dated, sentence.span) \
            or other_years_only(years, sentence, sentence.passage.date):
        kinds.add("time")
    return frozenset(kinds)


def affirms(kind: str, question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence states what a contradiction of this kind denies, so it may answer despite it."""
    if kind == "doer":
        return any(_does(sentence, name) for _, name in question.actors)
    if kind in ("roles", "object"):  # the asked verb done to the asked party ("Y beat *X*")
        done_to = question.undergoers if kind == "roles" else question.patients
        return any(t.lemma_.lower() == verb and any(shares_name(phrase(o), name) for o in objects(t))
                   for t in sentence.span for verb, name in done_to)
    if kind == "place":
        return any(_placed_in(sentence, place) for _, _, place in question.places)
    if kind == "deed":  # the asked verb done to the asked party or in the asked year
        return any(t.lemma_.lower() == question.verb and any(shares_name(phrase(o), name) for o in objects(t))
                   for t in sentence.span for _, name in question.patients) \
            or any(year in sentence.text for _, year in question.dated)
    if kind == "time":
        return shares_time(question.text, sentence.text) or any(year in sentence.text for _, year in question.dated)
    if kind == "negation":
        verb = question.verb
        if verb is None or verb in LIGHT_VERBS or verb == "be":
            return True  # "did not take part", "was not happy": the answer's sentence holds a negation to be admitted
        if any(t.lemma_.lower() == verb for t in sentence.span):
            return denies(sentence.span, verb, every=False)  # the asked verb denied: "the RMT did *not accept* it"
        return _opposite_only(question, sentence)  # "the RMT *rejected* it"
    return says_asked(question, sentence)  # "reverse"


def _does(sentence: Sentence, name: str) -> bool:
    """The named party is a subject (or a passive's agent) in the sentence, or "they/it" right after a sentence
    naming it ("Wigan moved in. *They* bought ...")."""
    for verb in sentence.span:
        if verb.pos_ != "VERB":
            continue
        for subject in subjects(verb):
            if is_named(subject) and shares_name(phrase(subject), name):
                return True
            if subject.pos_ == "PRON" and sentence.previous is not None and mentions(sentence.previous.text, name):
                return True
    return False


def _placed_in(sentence: Sentence, place: str) -> bool:
    """The sentence names the place, or names none and follows one that does ("reached Britain. ... 20,000 sold")."""
    if mentions(sentence.text, place):
        return True
    before = sentence.previous
    return before is not None and mentions(before.text, place) and not any(
        t.ent_type_ in PLACE_LABELS for t in sentence.span)


def _opposite_only(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """Without the asked verb, the sentence negates it by its opposite ("the RMT *rejected* it" for "did not
    accept"); another verb's negation ("the US is not convinced") is not of the asked thing."""
    opposite = {o for w in asked_words(question) for o in OPPOSITE.get(w, ())}
    return any(t.lemma_.lower() in opposite for t in sentence.span)
