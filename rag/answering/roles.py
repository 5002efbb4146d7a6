"""Who does what, in the question and in the evidence: a sentence where someone else is the subject of the question's
verb does not answer a question that names the verb's subject. "When did King Harold II conquer England?" is not
answered by "Duke William II conquered England, killing King Harold II", nor "Who did Charles III swear fealty to?"
by "Rollo agreed to swear fealty to Charles III". Nor does a sentence where the question's object is the one doing
it: "who beat Franz Ferdinand" is not answered by "Franz Ferdinand beat Morrissey"."""

from __future__ import annotations

import re

from rag.answering.answer_types import WH_TAGS, WH_WORDS
from rag.answering.naming import mentions, shares_name
from rag.answering.opposites import CONVERSE, CONVERSE_SIDE

# verbs too light to say who did what ("be", "have", "do", "get", "make": their subjects vary with the phrasing)
LIGHT_VERBS = frozenset("be have do get make take give go come say".split())
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})
# verbs whose subject and object do the same to each other ("who did Blair meet" is answered by "Bush met Blair")
RECIPROCAL_VERBS = frozenset("meet marry wed face play draw tie merge partner fight battle clash debate negotiate "
                             "talk compete contact join ally resemble match equal rival date kiss embrace".split())
# a noun phrase's parts that are not its own words (a relative clause, a participle, a clause of its own)
_CLAUSES = frozenset({"relcl", "acl", "advcl", "ccomp", "xcomp", "punct", "cc", "conj"})


def uses_of(span, verb: str) -> list:
    """The span's tokens tagged as verbs with this lemma: where the asked verb is done."""
    return [t for t in span if t.pos_ == "VERB" and t.lemma_.lower() == verb]


def subjects(verb, inherit: bool = True, agents: bool = True) -> list:
    """The logical subjects of a verb: its nsubj, or a passive's agent ("conquered *by William*"); with `inherit`, a
    verb without one takes the subject of the verb it is controlled by or coordinated with ("Rollo agreed to
    *swear*", "came and *saw*"), and a relative clause's "who/which" is the noun it describes."""
    passive = any(c.dep_ == "auxpass" or c.lemma_ == "be" and c.dep_ == "aux" and verb.tag_ == "VBN"
                  for c in verb.children)  # "was Adrian Mutu banned": its subject is who it happened to
    found = [] if passive else [c for c in verb.children if c.dep_ in ("nsubj", "csubj")]
    if agents:
        found += [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if inherit and not found and not any(c.dep_ in ("nsubjpass", "expl") for c in verb.children):
        if verb.dep_ in ("xcomp", "conj") and verb.head.i != verb.i and verb.head.pos_ in ("VERB", "AUX"):
            controller = [c for c in verb.head.children if c.dep_ == "dobj"] if verb.dep_ == "xcomp" else []
            if controller:  # "Parliament ordered *Pym* to capture": the object does it
                return controller
            # the subject is shared, a passive's agent is not ("sacked by Chelsea and banned for seven months")
            return subjects(verb.head, agents=False)
        if verb.dep_ == "relcl":
            return [verb.head]
    out = []
    for token in found:
        out.append(verb.head if token.tag_ in ("WDT", "WP") and verb.dep_ == "relcl" else token)
        out += [c for c in token.children if c.dep_ == "conj"]  # "Danes and Norwegians conquered"
    return out


def objects(verb) -> list:
    """The logical objects of a verb: its direct object, or a passive's subject ("Morrissey *was beaten*")."""
    found = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    return found + [c for token in found for c in token.children if c.dep_ == "conj"]


def phrase(token) -> str:
    """The words of the noun phrase a token heads, without the clauses hanging from it."""
    skip: set[int] = set()
    for child in token.children:
        if child.dep_ in _CLAUSES:
            skip.update(t.i for t in child.subtree)
    words = " ".join(t.text for t in token.subtree if t.i not in skip)
    return f"{token.doc[token.i - 1].text} {words}" if _regnal(token) else words


def is_named(token) -> bool:
    """The noun phrase is a name ("Duke William II of Normandy", "Chelsea"), not a description that may be the same
    party's second reference ("the 73-year-old former Chelsea chairman") or a pronoun."""
    return token.pos_ == "PROPN" or (token.ent_type_ in NAME_LABELS and token.pos_ != "PRON") or _regnal(token)


def _regnal(token) -> bool:
    """A regnal numeral the small parser takes for the pronoun and subject ("Mehmed *I* reunited"), its name before
    it (which the parser may call a noun or a verb): the numeral stands for the whole name. Not the pronoun after
    an opening word ("Today I", "Then I") or before a present verb ("Perhaps I *am*")."""
    if token.text != "I" or token.pos_ != "PRON" or token.i == 0:
        return False
    before, after = token.doc[token.i - 1], token.nbor(1) if token.i + 1 < len(token.doc) else None
    return before.is_title and before.pos_ in ("PROPN", "NOUN", "VERB") and not before.is_stop \
        and before.dep_ != "pobj" and before.ent_type_ not in ("DATE", "TIME", "GPE", "LOC", "ORG", "NORP") \
        and (after is None or after.tag_ not in ("VBP", "MD"))  # not "In *Spain* I won", "Then I", "I am"


def actors(doc, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(verb lemma, name) for each of the question's names that is the subject of one of its content verbs: the
    name is the subject's head ("did *King Harold II* conquer", not "*Labour* prime minister Lord Callaghan"), and
    the subject is not the asked phrase ("which *TV Angola* programme reunited")."""
    out = _after_do(doc, names)
    for verb in doc:
        if verb.pos_ != "VERB" or verb.lemma_.lower() in LIGHT_VERBS or verb.dep_ == "xcomp" \
                or any(c.lower_ == "to" and c.dep_ == "aux" for c in verb.children):
            continue  # "want *his fund* to provide": an infinitive's subject is often the object of the verb above
        if any(c.lower_ in WH_WORDS for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")):
            continue  # "*which* All Black scored": the subject is the asked phrase, however it was parsed
        for subject in subjects(verb, inherit=False):
            if any(t.lower_ in WH_WORDS for t in subject.subtree):
                continue
            out += [(verb.lemma_.lower(), name) for name in _headed_by(subject, names)]
    return tuple(dict.fromkeys(out))


def undergoers(doc, names: tuple[str, ...], asked_doer: bool = True) -> tuple[tuple[str, str], ...]:
    """(verb lemma, name) for each of the question's names that is the object of one of its content verbs; with
    `asked_doer`, only when the wh-phrase is that verb's subject: "who beat *Franz Ferdinand*", "which club signed
    *Kerr*" (without it, "when did Murad I capture *Bursa*" too)."""
    out = []
    for verb in doc:
        if verb.pos_ != "VERB" or verb.lemma_.lower() in LIGHT_VERBS | RECIPROCAL_VERBS:
            continue
        if asked_doer and not any(t.lower_ in WH_WORDS for s in subjects(verb, inherit=False) for t in s.subtree):
            continue
        for thing in objects(verb):
            out += [(verb.lemma_.lower(), name) for name in _headed_by(thing, names)]
    return tuple(dict.fromkeys(out))


def _headed_by(token, names: tuple[str, ...]) -> list[str]:
    """The names whose words hold the token heading a phrase: it names that party ("*King Harold II*")."""
    text = token.doc.text
    out = []
    for name in names:
        at = text.find(name, token.left_edge.idx)
        if 0 <= at <= token.idx < at + len(name):
            out.append(name)
    return out


_ROMAN = re.compile(r"[IVX]{1,4}")


def _after_do(doc, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """Do-support puts the subject between "did" and the bare verb ("when did *King Harold II* conquer"): read it
    from the word order, which holds where the small parser stumbles over such questions."""
    do = next((t for t in doc[:5] if t.lemma_ == "do" and t.i > 0), None)
    if do is None or not any(t.tag_ in WH_TAGS or t.lower_ in WH_WORDS for t in doc[:do.i]):
        return []
    rest = doc.text[doc[do.i + 1].idx:] if do.i + 1 < len(doc) else ""
    offset = len(doc.text) - len(rest)
    for name in names:
        at = rest.find(name)
        if at < 0 or any(not (w[:1].isupper() or w == "the") for w in rest[:at].split()):
            continue  # the name must open the subject, after at most a title or "the" ("did King Charles III")
        # a regnal numeral the name left out is still the name's ("did Murad *I* capture")
        after = next((t for t in doc if t.idx >= offset + at + len(name) and not t.is_space
                      and not _ROMAN.fullmatch(t.text)), None)
        if after is not None and after.is_alpha \
                and after.pos_ not in ("ADP", "ADV", "CCONJ", "DET", "PART", "PRON", "PUNCT") \
                and after.lower_ not in LIGHT_VERBS:
            return [(after.lower_, name)]  # the bare form is the lemma, whatever the tagger called it
    return []


def someone_else(span, actors_: tuple[tuple[str, str], ...], names: tuple[str, ...] = ()) -> bool:
    """The sentence has the question's verb done by a named party the question never names, and never by the
    question's own: it reports what someone else did. (A doer the question names otherwise is no conflict: "when
    did Bush meet Blair" is answered by "Blair met Bush".)"""
    for verb, name in actors_:
        instances = uses_of(span, verb)
        if not instances:
            continue
        doers = [s for t in instances for s in subjects(t)]
        if not doers or any(not is_named(s) or any(shares_name(phrase(s), n) for n in (name, *names))
                            for s in doers):
            continue
        return True
    return False


def did_the_converse(span, doers: tuple[tuple[str, str], ...], names: tuple[str, ...]) -> bool:
    """The question's doer does the converse of its verb to another of the question's names, in the sentence's own
    clause, and no word of the asked verb's side is there: "James I *conquered* ... Valencia" for "when did James I
    lose Valencia". Another object ("Beckham joined *Real Madrid*" for "when did Beckham leave Manchester United"), a
    relative clause ("Kraft, *which sold* its pizza arm, took over Cadbury") or the asked deed told too ("is due to
    *exit*") leaves the sentence be."""
    for verb, name in doers:
        if verb not in CONVERSE or any(t.lemma_.lower() in CONVERSE_SIDE[verb] for t in span):
            continue
        others = [n for n in names if not shares_name(n, name)]
        for t in span:
            if t.pos_ != "VERB" or t.lemma_.lower() not in CONVERSE[verb] or t.dep_ in ("relcl", "acl"):
                continue
            if any(is_named(s) and shares_name(phrase(s), name) for s in subjects(t)) and any(
                    shares_name(phrase(named_by_of(o)), other) for o in objects(t) for other in others):
                return True
    return False


def something_else(span, undergoers_: tuple[tuple[str, str], ...], names: tuple[str, ...] = ()) -> bool:
    """The sentence has the question's verb done to named parties the question never names, and never names the
    question's own: it reports what was done to something else ("conquered *Majorca*" for "who conquered
    Sardinia")."""
    for verb, name in undergoers_:
        done_to = [named_by_of(o) for t in uses_of(span, verb) for o in objects(t)]
        if not done_to or mentions(span.text, name) or any(
                not is_named(o) or any(shares_name(phrase(o), n) for n in (name, *names)) for o in done_to):
            continue
        return True
    return False


def named_by_of(token):
    """A common noun named by its "of" phrase stands for the name: "the port *of Caffa*", "the city of Bursa"."""
    if is_named(token):
        return token
    return next((g for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                 for g in c.children if g.dep_ == "pobj" and is_named(g)), token)


def roles_reversed(span, undergoers_: tuple[tuple[str, str], ...]) -> bool:
    """The sentence has the question's verb done by the party the question says it was done to, and never done to
    that party: it tells the reverse ("Franz Ferdinand beat Morrissey" for "who beat Franz Ferdinand")."""
    for verb, name in undergoers_:
        instances = uses_of(span, verb)
        if any(shares_name(phrase(o), name) for t in instances for o in objects(t)):
            continue
        if any(is_named(s) and shares_name(phrase(s), name) for t in instances for s in subjects(t)):
            return True
    return False


def done_by_others(span, first: int, last: int, verb: str) -> bool:
    """The sentence says who does the asked verb, by name each time, and the candidate (tokens `first` to `last`)
    is none of them: "Mehmed I reunited the realm in 1413, and his son *Murad II* restored ..." does not make Murad
    II who reunited it. A pronoun or a description as a subject may be anyone, so it decides nothing; nor does a
    subject of a verb done to each other ("Blair met Bush" answers "who met Blair")."""
    if verb in RECIPROCAL_VERBS:
        return False
    instances = uses_of(span, verb)
    doers = [s for t in instances for s in subjects(t)]
    if not doers or not all(is_named(s) for s in doers):
        return False
    if any(holds(s, first, last) for s in doers):
        return False
    label = span.doc[first].ent_type_
    if label and all(s.ent_type_ and s.ent_type_ != label for s in doers):
        return False  # another kind of party than the doers: "Ruslana won Eurovision for *Ukraine*"
    # a party the verb is done with or for shares the deed: "founded Microsoft *with Paul Allen*", "signed Drogba
    # *for Chelsea*"
    return not any(c.dep_ == "prep" and c.lower_ in _SHARING and any(first <= w.i < last for w in c.subtree)
                   for t in instances for c in t.children)


_SHARING = frozenset("with for alongside beside behalf".split())


def holds(subject, first: int, last: int) -> bool:
    """The subject's phrase (with the name before a regnal numeral) holds a token of `first` to `last`."""
    if _regnal(subject) and first <= subject.i - 1 < last:
        return True
    return any(first <= t.i < last for t in subject.subtree)
