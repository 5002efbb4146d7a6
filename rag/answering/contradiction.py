"""Whether a sentence says the reverse of what the question asks: the opposite of an asked word, the asked verb
denied ("did not return"), a negated adjective ("illegal" for "legal"), or, for a negated question ("which club did
*not* ..."), no negation at all. SQuAD 2.0's antonym and negation questions are built so: the sentence they were
written over, with one word reversed."""

from __future__ import annotations

import re

from rag.answering.directions import reverses_direction
from rag.answering.evidence import Sentence
from rag.answering.opposites import OPPOSITE, SIDE, says_opposite
from rag.answering.question import FAILING_VERBS, QuestionAnalysis
from rag.answering.roles import LIGHT_VERBS, did_the_converse, uses_of

# what says that something did not happen or is not so, besides a negated verb ("*failed* to", "*without*"); "no"
# is also "No 10", which only lets a sentence through
NEGATIVE_WORDS = frozenset("not never no without fail refuse deny lack neither nor none nothing nobody unable "
                           "absent".split())


def says_otherwise(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence says the reverse of what the question asks: it holds the opposite of a word the question asks
    about ("shares *fell*" for "whose shares *rose*") and not that word or its near-synonyms, the negated form of
    one of its adjectives, or the question's verb only negated ("did not return", "does not plan to sign" for "when
    did it return", "when does he plan to sign"); or the question negates its verb ("which club did *not* ...")
    and nothing in the sentence (or, for a why or how, beside it) is negated."""
    asked = asked_words(question)
    if not question.negated:
        said = _words(sentence)
        return says_opposite(asked, said) or _negated_adjective(question.adjectives, sentence.span, said) \
            or denies(sentence.span, question.verb) or reverses_direction(sentence.span, question.moves) \
            or did_the_converse(sentence.span, question.doers, question.names)
    # an entity asked for ("which club did not ...") is named where the negation is; a reason may follow it
    where = sentence.window() if question.descriptive else [sentence]
    return not any(negates(s, asked) for s in where)


def asked_words(question: QuestionAnalysis) -> list[str]:
    """The question's lemmas and words, lower-cased, but not those of its names nor the measure after "how" ("how
    *fast* did it grow" asks the rate, whatever it was: "grew 6.1%, slower than in 2003" answers it)."""
    named = {w for name in question.names for w in name.lower().split()}
    text = question.text.lower()
    measures = set(re.findall(r"^(?:[a-z]+\s+)?how\s+([a-z]+)", text))  # the wh-phrase's: "(by) how much"
    words = [f.lemma for f in question.focus] + re.findall(r"[a-z]+", text)
    return [w for w in dict.fromkeys(words) if w not in named and w not in measures]


def negates(sentence: Sentence, asked: list[str]) -> bool:
    """The sentence holds a negation: a negated word, a negative one ("never", "failed to"), or the opposite of an
    asked word ("rejected" for "did not accept"; not a verb of failing's: "accepted" does not negate "refused")."""
    negative = NEGATIVE_WORDS | FAILING_VERBS | {o for w in asked if w not in FAILING_VERBS for o in OPPOSITE.get(w, ())}
    return any(t.dep_ == "neg" or t.lemma_.lower() in negative for t in sentence.span)


def says_asked(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence says what the question asks, of the words a reverse is judged by: a word of an asked word's
    own side ("gained" for "rise"), an asked adjective, or the asked verb done, not denied."""
    said = _words(sentence)
    if any(word in SIDE and SIDE[word] & said for word in asked_words(question)):
        return True
    if any(a in said for a in question.adjectives):
        return True
    verb = question.verb
    return verb is not None and verb in said and not denies(sentence.span, verb)


# prefixes that negate an English adjective ("*un*known", "*il*legal", "*ir*regular"); not "in-" / "im-", whose
# words are as often no negation ("invaluable", "infamous", "inland", "intense", "impress")
_NEGATING_PREFIXES = ("un", "il", "ir")


def _negated_adjective(asked: tuple[str, ...], span, said: set[str]) -> bool:
    """The sentence has the negated form of an adjective of the question, or the plain form of a negated one, and
    not the asked form itself ("it was *il*legal" for "when was it made legal", "was successful" for "whose bid
    was unsuccessful")."""
    adjectives = {t.lower_ for t in span if t.pos_ == "ADJ"}
    for word in asked:
        if len(word) < 4 or word in said:
            continue
        if any(p + word in adjectives for p in _NEGATING_PREFIXES):
            return True
        if any(word.startswith(p) and word[len(p):] in adjectives for p in _NEGATING_PREFIXES
               if len(word) - len(p) >= 4):
            return True
    return False


# words that make a negation deny a degree or a time, not the event ("did not score *enough* goals", "did not
# return *until* 10 March": it happened, then)
_DEGREE_WORDS = frozenset("than enough many much more less fewer too until till".split())


def denies(span, verb: str | None, every: bool = True) -> bool:
    """The sentence has the question's verb only negated ("his show did *not* return", "*failed* to reach"): it
    says the asked thing did not happen, so it cannot tell when, where or by whom it did. With `every` false, one
    negated use of the verb is enough ("the RMT did *not accept* it")."""
    if verb is None or verb in LIGHT_VERBS:
        return False
    instances = uses_of(span, verb)
    if any(w.lower_ in _DEGREE_WORDS for t in instances for w in t.subtree):
        return False  # "did not score *more than* one goal", "not ... *until* March": it happened, less or later
    negated = [_negated_verb(t) or t.dep_ == "xcomp" and (t.head.lemma_.lower() in FAILING_VERBS
                                                           or _negated_verb(t.head)) for t in instances]
    return bool(instances) and (all(negated) if every else any(negated))


def _negated_verb(token) -> bool:
    return any(c.dep_ == "neg" for c in token.children)


def _words(sentence: Sentence) -> set[str]:
    """A sentence's lemmas and words, lower-cased, but not those of its names ("*North* Yorkshire")."""
    tokens = [t for t in sentence.span if not t.ent_type_ and t.pos_ != "PROPN"]
    return {t.lemma_.lower() for t in tokens} | {t.lower_ for t in tokens}
