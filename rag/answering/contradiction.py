"""Whether a sentence says the reverse of what the question asks: the opposite of an asked word, the asked verb
denied ("did not return"), a negated adjective ("illegal" for "legal"), or, for a negated question ("which club did
*not* ..."), no negation at all. SQuAD 2.0's antonym and negation questions are built so: the sentence they were
written over, with one word reversed."""

from __future__ import annotations

import re

from rag.answering.evidence import Sentence
from rag.answering.opposites import OPPOSITE, says_opposite
from rag.answering.question import FAILING_VERBS, QuestionAnalysis
from rag.answering.roles import LIGHT_VERBS

# what says that something did not happen or is not so, besides a negated verb ("*failed* to", "*without*"); "no"
# is also "No 10", which only lets a sentence through
NEGATIVE_WORDS = frozenset("not never no without fail refuse deny lack neither nor none nothing nobody unable "
                           "absent".split())


def says_otherwise(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence says the reverse of what the question asks: it holds the opposite of a word the question asks
    about ("shares *fell*" for "whose shares *rose*") and not that word or its near-synonyms, or has the question's
    verb only negated ("did not return", "does not plan to sign" for "when did it return", "when does he plan to
    sign"); or the question
    negates its verb ("which club did *not* ...") and nothing in the sentence (or, for a why or how, beside it) is
    negated, where the opposite of an asked word is a negation ("*rejected*" for "did not accept")."""
    named = {w for name in question.names for w in name.lower().split()}
    words = [f.lemma for f in question.focus] + re.findall(r"[a-z]+", question.text.lower())
    asked = [w for w in dict.fromkeys(words) if w not in named]
    if not question.negated:
        said = _words(sentence)
        return says_opposite(asked, said) or _negated_adjective(asked, sentence.span, said) \
            or _denies(sentence.span, question.verb)
    negative = NEGATIVE_WORDS | {o for w in asked for o in OPPOSITE.get(w, ())}
    # an entity asked for ("which club did not ...") is named where the negation is; a reason may follow it
    where = sentence.window() if question.descriptive else [sentence]
    return not any(t.dep_ == "neg" or t.lemma_.lower() in negative for s in where for t in s.span)


# prefixes that negate an English adjective ("*il*legal", "*un*known", "*non*-existent")
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "non-")


def _negated_adjective(asked: list[str], span, said: set[str]) -> bool:
    """The sentence has the negated form of an adjective the question asks about, or the plain form of a negated
    one, and not the asked form itself ("it was *il*legal" for "when was it made legal")."""
    adjectives = {t.lower_ for t in span if t.pos_ == "ADJ"}
    for word in asked:
        if len(word) < 4 or word in said:
            continue
        if any(p + word in adjectives for p in _NEGATING_PREFIXES):
            return True
        if any(word.startswith(p) and word[len(p):] in adjectives for p in _NEGATING_PREFIXES if len(word) - len(p) >= 4):
            return True
    return False


# words that make a negation deny a degree, not the event ("did not score *enough* goals")
_DEGREE_WORDS = frozenset("than enough many much more less fewer too".split())


def _denies(span, verb: str | None) -> bool:
    """The sentence has the question's verb only negated ("his show did *not* return", "*failed* to reach"): it
    says the asked thing did not happen, so it cannot tell when, where or by whom it did."""
    if verb is None or verb in LIGHT_VERBS:
        return False
    instances = [t for t in span if t.pos_ == "VERB" and t.lemma_.lower() == verb]
    if any(w.lower_ in _DEGREE_WORDS for t in instances for w in t.subtree):
        return False  # "did not score *more than* one goal", "*enough* goals": it happened, only less
    return bool(instances) and all(_negated_verb(t) or t.dep_ == "xcomp" and (
        t.head.lemma_.lower() in FAILING_VERBS or _negated_verb(t.head)) for t in instances)


def _negated_verb(token) -> bool:
    return any(c.dep_ == "neg" for c in token.children)


def _words(sentence: Sentence) -> set[str]:
    """A sentence's lemmas and words, lower-cased, but not those of its names ("*North* Yorkshire")."""
    tokens = [t for t in sentence.span if not t.ent_type_ and t.pos_ != "PROPN"]
    return {t.lemma_.lower() for t in tokens} | {t.lower_ for t in tokens}
