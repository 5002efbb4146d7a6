"""What a question asks for, from its dependency parse: the expected answer type (Li & Roth fine class), the head
noun, the focus terms to find in the evidence, and the constraints: the names the evidence must hold, and the details
(nationalities, years, figures) it should."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from rag.answering.answer_types import DESCRIPTIVE, HEAD_NOUNS, NAMING_VERBS, WH_TAGS, WH_WORDS, coarse
from rag.answering.dating import dated_words
from rag.answering.directions import asked_direction, directed
from rag.answering.quantities import find_quantities
from rag.answering.question_names import NAME_LABELS, choices_in, misparsed_name, names_in, places_in, preposition_of
from rag.answering.roles import actors, undergoers
from rag.nlp import CONTENT_POS
from rag.text import STOPWORDS, terms

HOW = {"many": "NUM:count", "much": "NUM:money", "long": "NUM:period", "old": "NUM:age", "far": "NUM:dist",
       "big": "NUM:size", "large": "NUM:size", "fast": "NUM:speed", "quickly": "NUM:speed", "high": "NUM:dist",
       "tall": "NUM:dist", "deep": "NUM:dist", "wide": "NUM:dist", "heavy": "NUM:weight", "hot": "NUM:temp",
       "cold": "NUM:temp", "warm": "NUM:temp", "often": "NUM:other", "frequently": "NUM:other", "soon": "NUM:date",
       "late": "NUM:date", "early": "NUM:date"}
# nouns that say "the X of Y" asks about Y ("the name of the film", "what kind of car")
OF_NOUNS = frozenset("name title kind type sort form brand make version part".split())
# "what/which" + these verbs ask for a statement, not a thing
SAY_VERBS = frozenset("say tell claim argue warn add describe call explain suggest think believe mean happen do "
                      "announce reveal admit insist urge want hope plan propose".split())
# verbs that report or intend another verb's content
CONTROL_VERBS = SAY_VERBS | frozenset("agree expect aim seek try decide intend offer refuse manage plan hope want "
                                      "need promise threaten vow pledge continue begin start".split())
# verbs whose complement is a plan, hope or forecast rather than a thing done ("intends to *ship* three million")
INTENT_VERBS = frozenset("intend plan aim expect hope want seek target forecast predict project promise pledge vow "
                         "propose anticipate".split())
# nouns that make "the *goal* is to ship 5 million" a plan
INTENT_NOUNS = frozenset("goal aim target plan intention ambition hope objective forecast".split())
# modals that make a question about a plan or a possibility, not about what happened
_MODALS = frozenset("will shall would could may might 'll".split())
# "who *wrote* the *story*", "who is the *author* of the *article*": the article's byline answers
BYLINE_VERBS = frozenset("write report author file pen".split())
ARTICLE_NOUNS = frozenset("story article piece column dispatch".split())  # not "report": often a study
WRITER_NOUNS = frozenset("author writer reporter journalist correspondent byline".split())
# things whose "how long" is a length, though the head-noun list classes them otherwise ("the rail *network*")
LENGTH_NOUNS = frozenset("network line route road railway tunnel bridge river border coast pipeline runway track "
                         "canal wall".split())
RANK_VERBS = frozenset("rank finish come place stand sit put".split())
# verbs whose complement is a figure ("total", "add up to", "rise to")
# verbs of change, whose speed news gives as a percentage ("grew by 8.1%")
CHANGE_VERBS = frozenset("grow rise fall increase decrease expand shrink climb drop decline slow accelerate "
                         "improve recover narrow widen slip slide jump soar plunge".split())
QUANTITY_VERBS = frozenset("total add amount reach rise fall climb drop grow increase decrease cost earn close "
                           "value fetch".split())

# the question class of an alternative's entity label ("which of Jet Airways and Air Sahara" asks for an ORG)
ENTITY_CLASSES = {"PERSON": "HUM:ind", "ORG": "HUM:gr", "NORP": "HUM:gr", "GPE": "LOC:other", "LOC": "LOC:other",
                  "FAC": "LOC:other", "PRODUCT": "ENTY:product", "WORK_OF_ART": "ENTY:cremat", "EVENT": "ENTY:event"}

HeadClassifier = Callable[[str], str | None]


class FocusTerm(BaseModel):
    """A question word the evidence should contain: its BM25 term (stem), its lemma, and how much it counts."""

    model_config = ConfigDict(frozen=True)

    term: str
    lemma: str
    weight: float = 1.0
    soft: bool = True  # may match a paraphrase (content words do; names and numbers must match exactly)


class QuestionAnalysis(BaseModel):
    """The parts of a question the answerer scores evidence against."""

    model_config = ConfigDict(frozen=True)

    text: str
    wh: str | None = None
    answer_type: str = "ENTY:other"  # a Li & Roth fine class, e.g. NUM:money, HUM:ind, LOC:city
    head: str | None = None  # lemma of the noun the question asks about ("club", "year")
    unit: str | None = None  # for counts, the thing counted ("jobs")
    plural: bool = False
    verb: str | None = None  # lemma of the verb the wh-phrase depends on: "how much did X agree to *pay*"
    role: str | None = None  # "subj" or "obj": the answer's grammatical role, from the wh-word's
    passive: bool = False  # the wh-phrase is the passive subject of the asked verb: "which candidate *was suspended*"
    focus: tuple[FocusTerm, ...] = ()
    names: tuple[str, ...] = ()  # proper names the evidence must mention
    details: tuple[str, ...] = ()  # nationalities, years and figures the evidence should state (news often omits
    # the current year, and "Israeli" is written "Israel's", so these count towards the score but do not exclude)
    given: tuple[str, ...] = ()  # figures the conversation already gave: an answer must be new
    choices: str | None = None  # "which of *Jet Airways and Air Sahara*": the answer is one of these, not a given
    preposition: str | None = None  # "*to* what figure ...", "which operator ... rent it *from*": the answer's too
    direction: str | None = None  # "source" or "goal", of that preposition ("*from* where"): not the other's object
    moves: tuple[tuple[str, str, str], ...] = ()  # (verb lemma, direction, noun lemma): "pump *into mines*"
    owned: str | None = None  # "which animal's *saliva*", "whose *goal*": the answer is the owner of this noun
    relational: bool = False  # the head noun is a party's ("the mother *of X*", "*X's* mother"), not a kind
    places: tuple[tuple[str, str, str], ...] = ()  # (verb lemma, preposition, place): "sold *in Europe*"
    actors: tuple[tuple[str, str], ...] = ()  # (verb lemma, name): "when did *King Harold II conquer* England"; not
    # groups ("the Normans"), whose doings news credits to their leaders
    doers: tuple[tuple[str, str], ...] = ()  # the actors and groups doing a verb: "which town did *the Ottomans lose*"
    undergoers: tuple[tuple[str, str], ...] = ()  # (verb lemma, name) done to a name by the asked one: "who beat *X*"
    patients: tuple[tuple[str, str], ...] = ()  # (verb lemma, name) done to a name by anyone: "did Y capture *X*"
    dated: tuple[tuple[str, str], ...] = ()  # (lemma, year) the question dates: "reunited *in 1444*", "Revolt *of 1351*"
    kind: str | None = None  # the name that makes the head noun one maker's or brand's: "how many *PSP* consoles"
    negated: bool = False  # "which player did *not* score": a negated verb in the evidence may answer
    byline: bool = False  # asks who wrote the article itself ("who reported the story on ..."): its byline answers
    named: bool = False  # "what is the system ... *called*": its name answers, quoted or capitalised, not a kind of it
    alongside: tuple[str, ...] = ()  # "*besides* Hamm, who else ...": names the answer is listed or told with
    excluding: bool = False  # those names are set apart ("besides", "apart from"), not partners ("alongside")
    parties: tuple[str, ...] = ()  # names of parties the question tells of, besides the asked one: "did *Wenger* say"
    adjectives: tuple[str, ...] = ()  # its adjectives, lower-cased: a sentence with their negated forms says otherwise
    within: str | None = None  # the year the wh-phrase itself names ("which month *of 2003*"): the answer's year
    past: bool = False  # asks what happened ("how many *were sold*"), not what is planned: a forecast cannot answer

    @property
    def coarse(self) -> str:
        return coarse(self.answer_type)

    @property
    def descriptive(self) -> bool:
        """Wants a clause or sentence (why, how, what did X say), not an entity."""
        return self.answer_type in DESCRIPTIVE


def _says_of_main(clause) -> bool:
    """The clause is what the main clause says ("says he *is* not glad", "is he not *determined*") or a relative
    clause of its subject ("computers that have not been *hijacked*"), not a clause further down nor one of its
    object ("bought the brewer that had not paid its staff")."""
    if clause.dep_ in ("ccomp", "acomp"):
        return clause.head.dep_ == "ROOT"
    return clause.dep_ == "relcl" and clause.head.dep_ in ("nsubj", "nsubjpass") and clause.head.head.dep_ == "ROOT"


# verbs whose infinitive did not happen ("*failed* to reach an agreement")
FAILING_VERBS = frozenset("fail refuse decline".split())


def _negated(doc, verb: str | None) -> bool:
    """The question asks about something that did not happen or is not so: its main or asked verb is negated
    ("which firms did *not* cut rates", "did he *fail* to hold"), or what it says of its subject ("which leader says
    he is *not* glad", "computers that have *not* been hijacked"). A negation in an adverbial clause ("*not*
    counting options", "if it is *not* held") leaves the question positive."""
    return any(t.dep_ == "neg" and (t.head.dep_ == "ROOT" or t.head.lemma_.lower() == verb or _says_of_main(t.head))
               for t in doc) \
        or any(t.dep_ == "ROOT" and t.lemma_.lower() in FAILING_VERBS and any(c.dep_ == "xcomp" for c in t.children)
               for t in doc)


# what sets an answer beside named others ("*apart from* the Buccaneers, which other team"), up to the clause's end
_EXCLUDING = r"besides|apart from|other than|except(?: for)?|as well as|in addition to"
_BESIDES = re.compile(rf"\b({_EXCLUDING}|alongside|along with|together with)\s+(.+?)(?=\s+(?:who|whom|whose|what|which|where|when|how|else)\b"
                      r"|[?;]|$)", re.I)


def _alongside(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The question's names that the answer comes besides ("*besides* Microsoft Outlook, what other program")."""
    spans = [m.group(2) for m in _BESIDES.finditer(text)]
    return tuple(n for n in names if any(n in span for span in spans))


def _parties(doc, wh, head, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names that are neither in the wh-phrase ("which *Williams* sister") nor what a verb is done to ("who
    founded *Dell*"): the parties the question says act or own ("what did *Wenger* say", "*Wenger's* assistant"),
    whom the answer is not."""
    phrase = set(range(wh.i, head.i + 1)) if wh is not None and head is not None and head.i >= wh.i else set()
    if wh is not None:
        phrase.add(wh.i)
    out = []
    for name in names:
        at = doc.text.find(name)
        tokens = [t for t in doc if at <= t.idx < at + len(name)] if at >= 0 else []
        if tokens and not any(t.i in phrase or t.dep_ in ("dobj", "nsubjpass", "pobj") for t in tokens):
            out.append(name)
    return tuple(out)


def _excluding(text: str) -> bool:
    """The answer is set apart from the names ("*besides* X, which other"), not told with them ("*alongside* X")."""
    return any(re.fullmatch(_EXCLUDING, m.group(1), re.I) for m in _BESIDES.finditer(text))


def _year_within(head) -> str | None:
    """The year inside the wh-phrase ("which month *of 2003*", "what day in 2004"): the answer must be in it."""
    if head is None:
        return None
    return next((t.text for t in head.subtree if t.i > head.i and _is_year(t)), None)


def _is_year(token) -> bool:
    """A four-digit number, as questions write years ("in 2003")."""
    return token.like_num and len(token.text) == 4 and token.text.isdigit()


def analyse_question(doc, classify: HeadClassifier | None = None) -> QuestionAnalysis:
    """Analyse a parsed question (a spaCy Doc). `classify` maps an unknown head noun to a fine class (by embedding)."""
    wh = next((t for t in doc if t.tag_ in WH_TAGS or t.lower_ in WH_WORDS), None)
    answer_type, head = _answer_type(doc, wh, classify or (lambda _: None))
    unit = head.lemma_.lower() if head is not None and answer_type == "NUM:count" else None
    verb = _asked_verb(doc, wh, head)
    choices = choices_in(doc, wh)
    names, groups = names_in(doc, wh, choices)
    doers = actors(doc, names + groups)  # the actors are the doers that are names, not groups
    figures = [q.text for q in find_quantities(doc.text) if q.label != "ORDINAL" or q.text[0].isdigit()]
    figures += [t.text for t in doc if _is_year(t)]
    focus = []
    for token in doc:
        if token == wh or token.i in choices or token.pos_ in ("AUX", "DET", "ADP", "PUNCT", "PRON", "CCONJ", "SCONJ", "PART", "SPACE"):
            continue
        if token.lower_ in WH_WORDS or token.lower_ in STOPWORDS or token.lemma_ in ("do", "be", "have") or (
                wh is not None and wh.lower_ == "how"
                and token.i == wh.i + 1 and token.lower_ in HOW):
            continue
        for term in terms(token.text):
            weight = 0.5 if head is not None and token.i == head.i else 1.0
            focus.append(FocusTerm(term=term, lemma=token.lemma_.lower(), weight=weight,
                                   soft=token.pos_ in CONTENT_POS and token.is_alpha))
    unique = list({f.term: f for f in focus}.values())
    return QuestionAnalysis(
        text=doc.text, wh=wh.lower_ if wh is not None else None, answer_type=answer_type, role=_role(wh, head),
        passive=_passive(wh, head, verb),
        head=head.lemma_.lower() if head is not None else None, unit=unit,
        plural=head is not None and head.tag_ in ("NNS", "NNPS"), verb=verb, focus=tuple(unique),
        names=names, details=tuple(dict.fromkeys([*groups, *figures])),
        choices=doc[min(choices):max(choices) + 1].text if choices else None, preposition=preposition_of(doc, wh),
        direction=asked_direction(doc, wh), moves=directed(doc, wh), owned=_owned(wh, head),
        relational=head is not None and any(c.dep_ == "poss" or c.dep_ == "prep" and c.lower_ == "of"
                                            for c in head.children),
        places=places_in(doc), actors=tuple((v, n) for v, n in doers if n in names), doers=doers,
        undergoers=undergoers(doc, names),
        patients=undergoers(doc, names, asked_doer=False), kind=_kind(head),
        negated=_negated(doc, verb), alongside=_alongside(doc.text, names),
        excluding=_excluding(doc.text), parties=_parties(doc, wh, head, names), within=_year_within(head),
        dated=tuple(sorted(dated_words(doc[:]))),
        adjectives=tuple(dict.fromkeys(t.lower_ for t in doc if t.pos_ == "ADJ")), past=_asks_what_happened(doc),
        named=_asks_name(doc, wh), byline=_asks_byline(doc, wh))


def _passive(wh, head, verb: str | None) -> bool:
    """The wh-phrase is the passive subject of the asked verb, as the parse shows it: "which candidate *was
    suspended*" (not "which sons *are said* to be leading", whose asked verb is "lead")."""
    subject = head if head is not None and wh is not None and wh.dep_ == "det" else wh
    return subject is not None and verb is not None and subject.dep_ == "nsubjpass" \
        and subject.head.lemma_.lower() == verb and any(c.dep_ == "auxpass" for c in subject.head.children)


def _owned(wh, head) -> str | None:
    """The noun the wh-phrase owns: "which animal's *saliva*", "whose *goal*" (a lemma)."""
    owner = head if head is not None and wh is not None and head.i > wh.i else wh
    if owner is None or owner.dep_ != "poss" or owner.head.pos_ not in ("NOUN", "PROPN"):
        return None
    return owner.head.lemma_.lower()


def _asks_what_happened(doc) -> bool:
    """The question's verb is in the past tense and no word of it is about a plan, hope or possibility ("was *set
    to* overtake" and "were *due to* unveil" are plans)."""
    return any(t.tag_ == "VBD" for t in doc) and not any(
        t.tag_ == "MD" and t.lower_ in _MODALS  # not the month "May" nor the name "Will"
        or t.pos_ == "VERB" and t.lemma_.lower() in INTENT_VERBS
        or t.pos_ == "NOUN" and t.lemma_.lower() in INTENT_NOUNS
        or t.lower_ == "due" or t.lemma_ == "set" and any(c.dep_ == "xcomp" for c in t.children) for t in doc)


def _kind(head) -> str | None:
    """The proper nouns right before the head noun ("how many *Nintendo DS* consoles"), if any."""
    if head is None:
        return None
    first = head.i
    while first > 0 and head.doc[first - 1].pos_ == "PROPN" and head.doc[first - 1].dep_ == "compound":
        first -= 1
    return head.doc[first:head.i].text if first < head.i else None


def _answer_type(doc, wh, classify: HeadClassifier):
    """(fine class, head-noun token or None) from the wh-word and the noun it modifies or asks about."""
    if wh is None:
        head = _copula_noun(doc, None) or _imperative_object(doc)
        return (_head_class(head, classify) or "DESC:desc", head) if head is not None else ("DESC:desc", None)
    word = wh.lower_
    if word == "how":
        nxt = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if nxt is not None and nxt.lower_ in HOW:
            fine = HOW[nxt.lower_]
            noun = _modified_noun(nxt)
            if noun is not None and any(t.pos_ in ("AUX", "VERB") for t in doc[nxt.i + 1:noun.i]):
                noun = None  # "how much will each session cost": the noun is the subject, not what is counted
            root = next((t for t in doc if t.dep_ == "ROOT"), wh)
            if fine in ("NUM:speed", "NUM:dist") and CHANGE_VERBS & {_asked_verb(doc, wh, None), root.lemma_}:
                # "how fast did the economy grow": a rate of change; "how far did the gap narrow": any figure
                return ("NUM:perc" if fine == "NUM:speed" else "NUM:other"), None
            if noun is not None and fine in ("NUM:count", "NUM:money"):
                if fine == "NUM:count":
                    return fine, noun
                noun_class = _head_class(noun, classify)
                return (noun_class if noun_class and noun_class.startswith("NUM:") else "NUM:other"), noun
            if fine == "NUM:money" and (not _about_money(doc) or wh.i > 0 and doc[wh.i - 1].lower_ == "by"):
                return "NUM:other", None
            # "how big is the fund" asks for money, "how long is the line (being built)" a length
            subject = _copula_noun(doc, wh) or _be_subject(doc, nxt)
            if subject is not None and fine in ("NUM:size", "NUM:dist", "NUM:period"):
                subject_class = _head_class(subject, classify)
                if subject_class and subject_class.startswith("NUM:") and subject_class != "NUM:count":
                    return subject_class, subject
                lemma = subject.lemma_.lower()
                if fine == "NUM:period" and (HEAD_NOUNS.get(lemma) is None or coarse(subject_class or "") == "LOC"
                                             or lemma in LENGTH_NOUNS):
                    return "NUM:dist", subject  # "how long is the bridge / river / network"; a film's, a term's
                    # or a tournament's length is a period
            return fine, None
        return "DESC:manner", None
    if word == "why":
        return "DESC:reason", None
    if word == "when":
        return "NUM:date", None
    if word == "where":
        if any(t.lemma_.lower() in RANK_VERBS for t in doc):
            return "NUM:ord", None  # "where does X rank / finish / come"
        return "LOC:other", None
    if word in ("who", "whom", "whose"):
        rest = [t for t in doc if t.i != wh.i and not t.is_punct and t.pos_ != "AUX"]
        if word == "who" and rest and all(t.ent_type_ in ("PERSON", "ORG") or t.pos_ == "PROPN" for t in rest):
            return "HUM:desc", None  # "Who is Birgit Kuhlhoff?" wants a description
        role = _copula_noun(doc, wh)  # "who was the duke ..." asks for the person holding that role
        fine = _head_class(role, classify) if role is not None else None
        return (fine if fine and fine.startswith("HUM:") else "HUM:ind"), role
    # what / which
    head = _modified_noun(wh)
    while head is not None and head.ent_type_ == "DATE" and head.i + 1 < len(doc) \
            and doc[head.i + 1].pos_ in ("NOUN", "ADJ", "PROPN") and not doc[head.i + 1].ent_type_:
        head = doc[head.i + 1]  # "which 1950s *musical*": the decade dates the thing asked for
    if head is None:
        if wh.head.lemma_ in ("of",) or (wh.i + 1 < len(doc) and doc[wh.i + 1].lower_ == "of"):
            of = doc[wh.i + 1]
            head = next((c for c in of.children if c.dep_ == "pobj"), None)
            if head is not None and head.pos_ == "PROPN":  # "which of Jet Airways and Air Sahara": one of those
                return ENTITY_CLASSES.get(head.ent_type_, "ENTY:other"), None
        else:
            head = _copula_noun(doc, wh)
    if head is not None:
        head = _through_of(head)
        fine = _head_class(head, classify)
        if fine == "NUM:money" and word == "which":
            return "ENTY:other", head  # "which fund", "which bid": one of several things, not an amount
        if fine:
            return fine, head
        return "ENTY:other", head
    verb = wh.head if wh.head.lemma_ not in ("to", "at", "by") else wh.head.head
    if verb.pos_ not in ("VERB", "AUX"):  # the wh-word misparsed as a noun's determiner: the clause's verb
        verb = next((t for t in doc if t.dep_ == "ROOT"), verb)
    if verb.lemma_ == "stand" and any(c.lower_ == "for" for c in verb.children):
        return "ABBR:exp", None
    if verb.lemma_.lower() in QUANTITY_VERBS:
        return "NUM:other", None  # "what did fraud add up to", "what did the shares close at": a figure
    if verb.pos_ == "VERB" and verb.lemma_ in SAY_VERBS:
        return "DESC:desc", None  # "what did X say / do": a statement; "what did X blame": a thing (below)
    return "ENTY:other", None


SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
OBJECT_DEPS = frozenset({"dobj", "pobj", "dative", "oprd", "nsubjpass"})


def phrase_of(token):
    """The token that fills a role for `token`: climbing out of compounds, appositions, conjunctions and modifiers."""
    while token.dep_ in ("compound", "appos", "conj", "amod", "nmod") and token.head.i != token.i:
        token = token.head
    return token


def role_of(token) -> str | None:
    """The logical role of a token, 'subj' or 'obj' (climbing out of compounds, appositions and conjunctions; the
    agent of a passive is its subject, "replaced *by his deputy*", and the passive subject its object), else None."""
    token = phrase_of(token)
    if token.dep_ == "pobj" and token.head.dep_ == "agent":
        return "subj"
    if token.dep_ in SUBJECT_DEPS:
        return "subj"
    return "obj" if token.dep_ in OBJECT_DEPS else None


def _asked_verb(doc, wh, head) -> str | None:
    """The verb the wh-phrase hangs from in the parse (the nearest verb above it), else the main verb."""
    node = head if head is not None and wh is not None and wh.dep_ == "det" else wh
    while node is not None and node.pos_ != "VERB" and node.head.i != node.i:
        node = node.head
    if node is None or node.pos_ != "VERB":
        node = next((t for t in doc if t.dep_ == "ROOT"), None)
    if node is not None and misparsed_name(node):
        node = next(c for c in node.children if c.dep_ == "xcomp")
    if node is not None and node.lemma_ == "have" and node.pos_ == "VERB":
        # "how many goals *has* Henry *scored*": the small parser makes the perfect's "has" the main verb
        node = next((t for t in doc[node.i + 1:] if t.tag_ == "VBN" and t.pos_ == "VERB"), node)
    while node is not None and node.lemma_.lower() in CONTROL_VERBS:
        # "say it could *save*", "agree to *pay*": the verb that carries the content
        inner = next((c for c in node.children if c.dep_ in ("xcomp", "ccomp") and c.pos_ == "VERB"), None)
        if inner is None:
            break
        node = inner
    if node is not None and node.dep_ == "ROOT" and any(c.dep_ == "aux" and c.lemma_ == "do" for c in node.children):
        return node.lemma_.lower()  # "when did his show *return*": do-support's head is a verb, however it was tagged
    return node.lemma_.lower() if node is not None and node.pos_ in ("VERB", "AUX") else None


def _role(wh, head) -> str | None:
    """Who *won* (subject) or whom did they *beat* (object): the role the answer plays in the evidence."""
    if wh is None or wh.lower_ in ("when", "where", "why", "how"):
        return None
    phrase_end = head.i if head is not None and head.i > wh.i else wh.i
    doc = wh.doc
    if phrase_end + 2 < len(doc) and doc[phrase_end + 1].lemma_ == "do" \
            and doc[phrase_end + 2].pos_ in ("NOUN", "PROPN", "PRON", "DET", "ADJ", "NUM"):
        return "obj"  # do-support puts a subject after the wh-phrase: "what product did *villagers* sell" asks the object
    # "what two sectors form": the wh-word opens its noun's phrase, whatever the parser attached it to
    in_phrase = head is not None and head.i > wh.i and all(
        t.pos_ in ("NUM", "ADJ", "NOUN", "PROPN") for t in doc[wh.i + 1:head.i])
    return role_of(head if head is not None and (wh.dep_ == "det" or in_phrase) else wh)


def _modified_noun(token):
    """The noun a wh- or how-word modifies ("which *club*", "how many *jobs*")."""
    if token.dep_ in ("det", "amod", "advmod", "nummod", "dep") and token.head.pos_ in ("NOUN", "PROPN") \
            and token.head.i > token.i:
        if any(t.pos_ == "AUX" or t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in token.doc[token.i + 1:token.head.i]):
            return None  # a misparse: "what did card *fraud* add up to" asks about no noun
        return token.head
    nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    doc = token.doc
    while nxt is not None and (nxt.pos_ in ("ADJ", "NOUN", "PROPN", "NUM") or nxt.tag_ in ("VBG", "VBN")) \
            and nxt.i + 1 < len(doc) and (doc[nxt.i + 1].pos_ in ("NOUN", "PROPN") or doc[nxt.i + 1].pos_ == "NUM"
                                          and nxt.i + 2 < len(doc) and doc[nxt.i + 2].pos_ in ("NOUN", "PROPN")):
        nxt = doc[nxt.i + 1]  # "which football club", "which Expo 2005 venue": the compound's last noun is the head
    # the head may be a role word the tagger took for a name ("which veteran Labour *MP*")
    if nxt is not None and (nxt.pos_ == "NOUN" or nxt.pos_ == "PROPN" and nxt.lower_ in HEAD_NOUNS) \
            and token.lower_ in ("which", "what", "much", "many"):
        return nxt
    return None


def _asks_byline(doc, wh) -> bool:
    """"Who wrote / reported the story on X?", "Who is the author of the article?": the article's writer, whom news
    names in its byline, not in its text. Not a story told of something else ("the *short* story", "the story *the
    film is based on*", "a piece *of* music")."""
    if wh is None or wh.lower_ != "who":
        return False

    def the_article(noun) -> bool:
        return noun.lemma_.lower() in ARTICLE_NOUNS and not any(
            c.dep_ in ("amod", "relcl") or c.dep_ == "prep" and c.lower_ == "of" for c in noun.children)

    for token in doc:
        lemma = token.lemma_.lower()
        if lemma in BYLINE_VERBS and token.pos_ == "VERB" and any(
                c.dep_ == "dobj" and the_article(c) for c in token.children):
            return True
        if lemma in WRITER_NOUNS and any(c.dep_ == "prep" and c.lower_ in ("of", "behind") and any(
                the_article(g) for g in c.children) for c in token.children):
            return True
    return False


def _asks_name(doc, wh) -> bool:
    """"What is X called?", "... known as?", "... called by locals?": "what" is the name the participle gives, not
    its subject or object ("what was named in the report", "what has the union called for")."""
    if wh is None or wh.lower_ != "what" or wh.dep_ not in ("attr", "oprd"):
        return False
    for token in doc:
        known = token.lower_ == "known" and doc[token.i + 1:token.i + 2].text.lower() == "as"
        if token.lower_ in NAMING_VERBS or known:
            rest = [t for t in doc[token.i + 1 + known:] if not t.is_punct]
            return not rest or rest[0].lower_ == "by"
    return False


def _copula_noun(doc, wh):
    """In "what is/was the N ...", N: the subject or attribute of the copula that is not the wh-word."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be":
        return None
    for child in root.children:
        if child.dep_ in ("nsubj", "attr", "nsubjpass") and child != wh and child.pos_ in ("NOUN", "PROPN") \
                and child.ent_type_ not in NAME_LABELS:
            return child
    return None


def _be_subject(doc, word):
    """In "how long *is* the network being built", the noun the how-phrase asks about: the subject after "be"."""
    if word.i + 1 >= len(doc) or doc[word.i + 1].lemma_ != "be":
        return None
    return next((t for t in doc[word.i + 2:] if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "NOUN"
                 and t.ent_type_ not in NAME_LABELS), None)


def _imperative_object(doc):
    """"Name the MP who ..." / "Give the year ...": the object of the imperative verb."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.i != 0 or root.lemma_ not in ("name", "give", "list", "identify", "tell", "state"):
        return None
    return next((c for c in root.children if c.dep_ == "dobj" and c.pos_ == "NOUN"), None)


def _through_of(head):
    """"the name of the film" -> film; "what kind of car" -> car (but "number of jobs" stays a count)."""
    if head.lemma_.lower() in OF_NOUNS:
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if obj is not None:
            return obj if head.lemma_.lower() != "name" or obj.pos_ == "NOUN" else head
    return head


def _head_class(head, classify: HeadClassifier) -> str | None:
    lemma = head.lemma_.lower()
    compound = _hyphen_compound(head)
    if compound is not None:  # "fly-half", "right-back", "stand-in": the whole word, not its last part; a person's
        # relative or former role keeps the part's class ("half-brother", "ex-wife", "co-founders")
        part = _word_class(lemma, classify)
        return _word_class(compound, classify) or (part if part and part.startswith("HUM:") else None)
    return HEAD_NOUNS.get(lemma) or HEAD_NOUNS.get(head.lower_) or _word_class(lemma, classify)


def _word_class(word: str, classify: HeadClassifier) -> str | None:
    """A listed head noun's class, a person for an agent noun ("strategist"), else the classifier's guess."""
    return HEAD_NOUNS.get(word) or ("HUM:ind" if _agent_noun(word) else classify(word))


def _hyphen_compound(head) -> str | None:
    """The hyphen-joined word the head noun ends ("fly-*half*"), lower-cased, or None."""
    doc, i = head.doc, head.i
    while i >= 2 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_ and not doc[i - 2].whitespace_:
        i -= 2
    return (doc[i:head.i].text + head.lemma_).lower() if i < head.i else None


# English "-ist" / "-yst" / "-ician" nouns name people ("strategist", "lobbyist", "analyst", "technician"); a compound
# of "list" does not ("shortlist", "playlist")
_AGENT_SUFFIX = re.compile(r"(?:ist|yst|ician)$")
_LIST_COMPOUND = re.compile(r"(?:play|short|check|wish|black|white|hit|set|track|long|price|guest|mailing)list$")


def _agent_noun(lemma: str) -> bool:
    return len(lemma) >= 6 and _AGENT_SUFFIX.search(lemma) is not None and _LIST_COMPOUND.search(lemma) is None


def _about_money(doc) -> bool:
    """"How much did X pay/cost/raise ..." asks for money; "how much did prices rise" for an amount."""
    money = {"pay", "cost", "spend", "raise", "earn", "sell", "buy", "worth", "charge", "invest", "owe", "lose",
             "make", "fetch", "value", "fine", "borrow", "lend", "receive", "save", "donate", "offer", "bid"}
    return any(t.lemma_.lower() in money or HEAD_NOUNS.get(t.lemma_.lower()) == "NUM:money" for t in doc)
