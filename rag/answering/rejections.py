"""Candidate spans that cannot answer whatever their score: what is left of a name once the question's words are
trimmed, hollow or restating noun phrases, a figure of another maker's things, a past affiliation, a clause of the
opposite extreme, a planned figure for a question about what happened."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.answering.answer_types import HEAD_NOUNS, NAMED
from rag.answering.candidates import FIGURE_LABELS, HONORIFICS, Candidate
from rag.answering.constraints import counts_another, measures_another, only_intended, opposite_extreme, \
    priced_for_another
from rag.answering.dating import years_of
from rag.answering.directions import against_direction
from rag.answering.kinship import KIN, KIN_GROUP, name_ending_at, relative_of, wrong_relative
from rag.answering.naming import ADDRESS, mentions, only_numerals, same_person, shares_name
from rag.answering.opposites import EXTREME_OPPOSITE
from rag.answering.question import SAY_VERBS, QuestionAnalysis, phrase_of
from rag.answering.roles import LIGHT_VERBS, RECIPROCAL_VERBS, done_by_others, holds, is_named, named_by_of, \
    objects, phrase, subjects, uses_of
from rag.answering.scoring import YEAR


def not_an_answer(candidate: Candidate, question: QuestionAnalysis, thing: bool) -> bool:
    """Spans that cannot answer whatever their score: a kind word or a numeral left of a name once the question's
    words are trimmed ("Province" of "Zhejiang Province", "III"), a hollow noun phrase or a restated name (`thing`:
    the question asks for a kind of thing), a figure of another maker's things, a past affiliation ("former *Chelsea*
    striker"), a candidate whose clause says the opposite superlative, or a figure only planned or forecast ("intends
    to ship three million") for a question about what happened."""
    if candidate.label in NAMED and (_generic(candidate) or only_numerals(candidate.text)):
        return True
    if candidate.label == "NP" and (_hollow(candidate) or thing and _restates_name(candidate, question)):
        return True
    if candidate.label in FIGURE_LABELS and (
            counts_another(candidate, question) or measures_another(candidate, question)
            or priced_for_another(candidate) or only_intended(candidate, question)):
        return True
    if candidate.label in NAMED and _former_affiliation(candidate, question):
        return True
    if question.within and _other_year(candidate.text, question.within):
        return True
    if candidate.label == "AGE" and question.names and _age_of_another(candidate, question.names):
        return True
    if question.parties and _named_person(candidate, question.parties):
        return True
    if question.head in KIN and question.answer_type.startswith("HUM") and _not_the_relative(candidate, question):
        return True
    if candidate.label == "AGE" and relative_of(_root(candidate), re.findall(r"[a-z]+", question.text.lower())):
        return True
    if question.direction and against_direction(_root(candidate), question.direction):
        return True
    if question.alongside and question.excluding and _beside_not_with(candidate, question.alongside, question.verb):
        return True
    return opposite_extreme(candidate, question)


def _root(candidate: Candidate):
    """The syntactic head of the candidate's span."""
    return candidate.sentence.span.doc[candidate.first:candidate.last].root


def _other_year(text: str, year: str) -> bool:
    """The span names years, none of them the one the question's wh-phrase asks within ("July 2004" for "which
    month of 2003")."""
    years = set(YEAR.findall(text))
    return bool(years) and year not in years


def _not_the_relative(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """For "who was the mother of X": no tie of the asked kind is told near the candidate, or the text makes it only
    other relatives, or (when the question says whose) the asked relative of another person named in full."""
    asked = question.head
    if not _kin_said(candidate, asked):
        return True
    if not question.relational:  # "which Williams *sister*": a kind of relative, nobody's in particular
        return wrong_relative(_root(candidate), asked)
    names = question.names + question.details  # a people's name may be tagged a group ("Justinian")
    return wrong_relative(_root(candidate), asked, names, _OWNER_TITLES)


def _kin_said(candidate: Candidate, relation: str) -> bool:
    """The candidate's sentence or a neighbour names a relation of the asked one's group: itself, its converse
    ("X, son of Y" for "the father of X") or a word for it ("mum"), or for a spouse a marriage."""
    return any(t.lemma_.lower() in KIN_GROUP[relation] for s in candidate.sentence.window() for t in s.span)


# words that add one more to what was told ("Arsenal *also* bid", "*another* club")
_ADDING = frozenset("also too another other others further second likewise similarly again additionally rival"
                    .split())


def _beside_not_with(candidate: Candidate, names: tuple[str, ...], verb: str | None) -> bool:
    """"Besides X, which other ...": where the candidate's own sentence names X, it answers only as one of a list
    with X ("Chelsea, *Arsenal* and X"); set elsewhere in that sentence it plays another part ("*Windows* viruses
    plunder X", "handsets running X"). A sentence beside X names the other one only as one more ("Arsenal *also*
    bid")."""
    span = candidate.sentence.span
    if not any(mentions(span.text, name) for name in names):  # beside it, the sentence adds another ("also")
        return not any(t.lower_ in _ADDING for t in span)
    root = span.doc[candidate.first:candidate.last].root
    if verb is not None and root.head.lemma_.lower() == verb and root.dep_ in ("nsubj", "nsubjpass", "dobj") \
            and not any(mentions(" ".join(t.text for t in root.subtree), name) for name in names):
        return False  # it does or undergoes what is asked: "Mourinho managed *Porto* before he joined Chelsea"
    group, todo = {root.i}, [root]
    while todo:  # the conjuncts linked to the candidate, either way
        token = todo.pop()
        linked = [c for c in token.children if c.dep_ == "conj"] + ([token.head] if token.dep_ == "conj" else [])
        for other in linked:
            if other.i not in group:
                group.add(other.i)
                todo.append(other)
    doc = span.doc
    members = [doc[doc[i].left_edge.i:i + 1].text for i in group if i != root.i]
    return not any(mentions(member, name) for member in members for name in names)


def _named_person(candidate: Candidate, names: tuple[str, ...]) -> bool:
    """The candidate is a party the question tells of (`names`: `QuestionAnalysis.parties`), named as a name ending
    in theirs and holding all of it ("Arsene Wenger", "Mr Kilroy-Silk" for "what did Wenger / Kilroy-Silk say"):
    who does or owns what is asked about is not the answer. A name the question only mentions may be the answer's
    ("which *Williams* sister won", "who founded *Dell*": Michael Dell); one that only starts with the doer's is
    another ("Manchester United" beside "Manchester"), as is a relative with another first name."""
    if candidate.label not in ("PERSON", "TITLE", "PROPN"):
        return False
    words = [w.lower() for w in re.findall(r"[\w'’-]+", candidate.text)]
    for name in names:
        asked = [w.lower().removesuffix("'s").removesuffix("’s") for w in name.split()]
        if asked and words and words[-1] == asked[-1] and all(w in words for w in asked):
            return True
    return False


def _age_of_another(candidate: Candidate, names: tuple[str, ...]) -> bool:
    """The age is set off after another person's name than the question's ("Stallone, 71," for "how old is
    McCririck")."""
    doc = candidate.sentence.span.doc
    i = candidate.first - 2  # the name's last word, before the comma
    if i < 0 or doc[i + 1].text != ",":
        return False
    owner = name_ending_at(doc[i])
    return not any(same_person(owner, name) for name in names)


# "former", "ex-": the name before the role noun is a past affiliation ("former *Chelsea* striker Adrian Mutu")
FORMER_WORDS = frozenset({"former", "ex", "ex-", "erstwhile"})
# a question about the past, or about leaving, asks for just that affiliation
PAST_WORDS = frozenset("former formerly previous previously before earlier once ex used leave left quit".split())


def _former_affiliation(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The name modifies a role noun marked as past ("the *ex*-Arsenal manager"): it says where someone was, not
    where they are, so it does not answer a question that is not about the past."""
    doc = candidate.sentence.span.doc
    root = doc[candidate.first:candidate.last].root
    if root.dep_ not in ("compound", "amod", "nmod") or root.head.i <= root.i:
        return False
    role = root.head
    marked = any(c.lower_ in FORMER_WORDS and c.i < candidate.first for c in role.children) \
        or candidate.first > 0 and doc[candidate.first - 1].lower_ in FORMER_WORDS
    return marked and not PAST_WORDS & set(re.findall(r"[a-z]+", question.text.lower()))


# forms of address, which news puts before a surname ("Mr Glazer"); alone they name no one
TITLES = HONORIFICS | ADDRESS
_OWNER_TITLES = TITLES | frozenset(HEAD_NOUNS)  # an owner by title ("the *Duchess's* sister") names no one in full


def _generic(candidate: Candidate) -> bool:
    """The candidate is only words that name a kind of thing ("Province", "City") or a form of address ("Mr"),
    not a thing."""
    tokens = [t for t in candidate.sentence.span.doc[candidate.first:candidate.last] if not t.is_punct]
    return bool(tokens) and all(t.lower_ in HEAD_NOUNS or t.lemma_.lower() in HEAD_NOUNS
                                or t.lower_.rstrip(".") in TITLES for t in tokens)


def _restates_name(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """A noun phrase in apposition to one of the question's names ("its first curator, *Anne Reyes*") describes
    who the question already names: it is not what a question about that person asks for."""
    doc = candidate.sentence.span.doc
    root = doc[candidate.first:candidate.last].root
    beside = [c for c in root.children if c.dep_ == "appos"] + ([root.head] if root.dep_ == "appos" else [])
    return any(mentions(" ".join(t.text for t in b.subtree), name) == 1.0 for b in beside for name in question.names)


def _hollow(candidate: Candidate) -> bool:
    """A noun phrase left with no noun, name or figure ("similar", "whose") names nothing ("13th" does)."""
    tokens = candidate.sentence.span.doc[candidate.first:candidate.last]
    return not any(t.pos_ in ("NOUN", "PROPN", "NUM") or any(c.isdigit() for c in t.text) for t in tokens)


def does_otherwise(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The question asks who did its verb, and the candidate's sentence says otherwise of this candidate: others, by
    name, do the verb there (`roles.done_by_others`), or the candidate does it to another party or in another
    year, or only speaks there. A sentence that says so of all its candidates tells what the question was written
    over."""
    if not question.verb or question.verb in LIGHT_VERBS or candidate.label not in NAMED:
        return False
    if question.passive:
        return _did_it(candidate, question.verb)
    if question.role != "subj":
        return False
    span = candidate.sentence.span
    return not _compares(question.text) and done_by_others(span, candidate.first, candidate.last, question.verb) \
        or _own_deed_differs(candidate, question) or _only_reports(candidate, question)


@lru_cache(maxsize=1024)  # asked for every named candidate of every sentence, of the same question
def _compares(question: str) -> bool:
    """A question of the most or least compares parties: the others a sentence names are those compared ("X led the
    way with a 262% rise, while Scotland saw the smallest" for "which region saw the biggest rise")."""
    return any(w in EXTREME_OPPOSITE for w in re.findall(r"[a-z]+", question.lower()))


# verbs that only report what someone says, and the verbs of speech acts, which a sentence reporting them may tell
# by a verb of saying ("denied a report" is answered by "X told the party leader ...")
REPORTING_VERBS = frozenset("say tell add claim argue warn explain insist admit announce reveal state comment".split())
SPEECH_ACTS = SAY_VERBS | frozenset("deny confirm accuse criticise criticize praise blame urge promise predict "
                                    "reject dismiss condemn welcome talk speak discuss".split())


def _only_reports(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """A person who only speaks in the sentence ("Tim Warner, spokesman for Finjan, *said* ...") did not do what the
    question asks when the sentence holds neither its verb nor a word for it ("who wrote the Bofra virus")."""
    if candidate.label not in ("PERSON", "PROPN") or question.verb in REPORTING_VERBS | SPEECH_ACTS:
        return False
    said = [f.term for f in question.focus if f.lemma == question.verb]
    if not said or any(term in candidate.sentence.matches for term in said):
        return False
    token = candidate.sentence.span.doc[candidate.first:candidate.last].root
    while token.dep_ in ("compound", "appos", "conj") and token.head.i != token.i:
        token = token.head
    if token.dep_ != "nsubj" or token.head.lemma_.lower() not in REPORTING_VERBS:
        return False
    # what is said of the speaker themself may be the deed in other words ("Blunkett said *he* was quitting")
    return not any(t.lower_ in _SELF for c in token.head.children if c.dep_ in ("ccomp", "xcomp") for t in c.subtree)


_SELF = frozenset("he she they his her their him them i my we our".split())


def _did_it(candidate: Candidate, verb: str) -> bool:
    """The question asks who the verb was done to ("which candidate *was suspended*"), and the candidate does it in
    its sentence ("Peter Nielson ... said he had *suspended* Mr Houston"): the doer, not who underwent it. Not for a
    verb done to each other ("met")."""
    if verb in RECIPROCAL_VERBS:
        return False
    own = phrase_of(candidate.sentence.span.doc[candidate.first:candidate.last].root)  # itself, not a clause on it
    uses = uses_of(candidate.sentence.span, verb)
    if any(own.i in {o.i for o in objects(t)} or any(c.dep_ == "nsubjpass" and phrase_of(c).i == own.i
                                                     for c in t.children) for t in uses):
        return False  # it undergoes the verb too ("was himself replaced")
    # done by it to another named party: not to itself ("injured his ankle", "hurt himself")
    return any((s.i == own.i or _reported_self(s, t, own))
               and any(is_named(named_by_of(o)) and o.i != own.i for o in objects(t))
               for t in uses for s in subjects(t))


def _reported_self(subject, verb, speaker) -> bool:
    """"X said *he* had done it": the pronoun subject of a reported clause is its speaker."""
    if subject.lower_ not in ("he", "she"):
        return False
    while verb.dep_ != "ccomp" and verb.head.i != verb.i:
        verb = verb.head
    return verb.dep_ == "ccomp" and verb.head.lemma_.lower() in REPORTING_VERBS and any(
        s.i == speaker.i for s in subjects(verb.head))


def _own_deed_differs(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The candidate does the asked verb, but each time to another named party than the question's ("Alfonso I
    captured *Zaragoza* in 1118" for "who captured Huesca in 1118") or in another year ("Mehmed I reunited the
    realm *in 1413*" for "who reunited it in 1444"): it did something else."""
    span = candidate.sentence.span
    own = [t for t in uses_of(span, question.verb) if any(holds(s, candidate.first, candidate.last)
                                                           for s in subjects(t))]
    if not own:
        return False
    # only where the sentence names the question's party too, as another's: "Peter I took *Huesca* in 1096, and
    # Alfonso I captured Zaragoza"; not "Chelsea beat Spurs" for "who beat Tottenham" (another name for it)
    patients = [name for verb, name in question.patients if verb == question.verb and mentions(span.text, name)]
    if patients and all(_done_to_another(t, patients) for t in own):
        return True
    asked_years = {year for word, year in question.dated if word == question.verb}
    years = years_of(span)
    return bool(asked_years) and all(years.get(t.i) and not years[t.i] & asked_years for t in own)


def _done_to_another(verb, names: list[str]) -> bool:
    """The verb is done to named parties only, none of them one of `names`."""
    done_to = [named_by_of(o) for o in objects(verb)]
    return bool(done_to) and all(is_named(o) and not any(shares_name(phrase(o), n) for n in names) for o in done_to)
