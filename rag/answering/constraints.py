"""Hard constraints of a question that evidence must meet: the year, edition, period, place and kind of thing it asks
about. An article that reports other years or editions, a sentence where the verb happens in another place, or a
figure that counts another maker's things, cannot answer."""

from __future__ import annotations

import re

from rag.answering.evidence import Sentence
from rag.answering.candidates import Candidate
from rag.answering.naming import mentions, shares_name
from rag.answering.opposites import EXTREME_OPPOSITE, FALL, RISE
from rag.answering.question import INTENT_NOUNS, INTENT_VERBS, QuestionAnalysis
from rag.answering.quantities import ORDINAL_WORDS, TIME_UNITS
from rag.answering.question_names import PLACE_LABELS, is_place
from rag.answering.scoring import YEAR
from rag.models import Passage
from rag.text import stem


# a year, not a clock time ("by 1200 GMT")
_STATED_YEAR = re.compile(YEAR.pattern + r"(?!\s?(?:GMT|BST|UTC|CET|EST|ET|PT|hrs|hours|local time)\b)")


def unstated_year(question: QuestionAnalysis, passage: Passage, article: str) -> bool:
    """The question asks about a year its article never states and was not written in (nor the year before, which
    news calls "last year"): the article reports other years, so it cannot answer. An undated article may be
    written the year after a year it states, which it may leave unsaid ("profits this year", after last year's)."""
    years = [int(d) for d in question.details if YEAR.fullmatch(d)]
    if not years:
        return False
    stated = {int(y) for y in _STATED_YEAR.findall(article)}
    if passage.date is not None:
        unsaid = {passage.date.year, passage.date.year - 1}
    else:
        unsaid = {y for y in years if not stated or y - 1 in stated}
    return any(year not in stated and year not in unsaid for year in years)


_ORDINAL = re.compile(rf"(?<!\w)(?:(\d{{1,3}})(?:st|nd|rd|th)|({'|'.join(ORDINAL_WORDS)}))(?!\w)", re.I)


def ordinals(text: str) -> set[int]:
    """The ordinals a text states, as numbers ("14th" and "fourteenth" are both 14)."""
    return {int(digits) if digits else ORDINAL_WORDS.index(word.lower()) + 1
            for digits, word in _ORDINAL.findall(text)}


def unstated_ordinal(question: QuestionAnalysis, article: str) -> bool:
    """The question names an edition or place in figures ("the 14th awards") that its article never states, while
    it states others: the article is about another edition."""
    wanted = ordinals(" ".join(d for d in question.details if d[:1].isdigit()))
    if not wanted:
        return False
    stated = ordinals(article)
    return bool(stated) and not wanted <= stated


def elsewhere(question: QuestionAnalysis, sentence: Sentence) -> bool:
    """The sentence has the question's verb happen in another place ("sold ... in Japan" for "sold in Europe"),
    and does not name the question's place: it reports another market, country or city. A sentence that names no
    place takes its place from the one before ("went on sale in Japan. ... the 200,000 PSPs shipped")."""
    for verb, preposition, place in question.places:
        if mentions(sentence.text, place):
            continue
        if any(_placed(t, preposition) for t in sentence.span if t.lemma_.lower() == verb):
            return True
        before = sentence.previous
        if before is None or mentions(before.text, place) or any(
                t.ent_type_ in PLACE_LABELS for t in sentence.span):
            continue
        said = {f.term for f in question.focus if f.lemma == verb}  # the verb, or a word for it ("on sale")
        if any(_placed(before.span.doc[i], preposition) for term in said for i in before.matches.get(term, (0, []))[1]):
            return True
    return False


def _placed(token, preposition: str) -> bool:
    """The token, or the verb it hangs from, is done in a place: it has `preposition` with a place as its object."""
    while token.pos_ not in ("VERB", "AUX") and token.head.i != token.i:
        token = token.head
    return any(prep.dep_ == "prep" and prep.lower_ == preposition and any(
        c.dep_ == "pobj" and is_place(c) for c in prep.children) for prep in token.children)


def counts_another(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The figure counts things of another name than the question's kind ("the 87,000 *DS* handhelds" for "how many
    *PSP* consoles"): the proper nouns between it and the noun it counts name neither the same thing nor its
    initials; or a span of time for a count of other things ("10 years" for "how many games"), or the reverse."""
    if candidate.label == "DURATION" and question.unit and question.unit not in TIME_UNITS:
        return stem(question.unit) not in {stem(w) for w in re.findall(r"[a-z]+", candidate.text.lower())}
    doc, end = candidate.sentence.span.doc, candidate.sentence.span.end
    if question.unit in TIME_UNITS and candidate.label == "CARDINAL" and candidate.last < len(doc) \
            and doc[candidate.last].pos_ == "NOUN" and doc[candidate.last].lemma_.lower().rstrip("s") not in TIME_UNITS:
        return True  # and a count of other things for a span of time ("some 30,000 *people*" for "how many days")
    if question.kind is None:
        return False
    i = candidate.last
    while i < end and doc[i].pos_ == "PROPN":
        i += 1
    if i == candidate.last or i >= end or doc[i].pos_ != "NOUN":
        return False
    other = doc[candidate.last:i].text
    return not shares_name(other, question.kind) and not shares_name(question.kind, other)


# the links at which a clause of its own begins: a plan said there is not the candidate's
_OWN_CLAUSE = frozenset({"relcl", "acl", "advcl", "parataxis"})


def only_intended(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The question asks what happened and the candidate's clause only plans, hopes or forecasts it ("Sony *intends
    to* ship three million", "sales *are expected to* reach 3m", "its *goal is to* ship 5m"): an intention is no fact."""
    if not question.past:
        return False
    token = candidate.sentence.span.doc[candidate.first:candidate.last].root
    while True:  # not "will": news tells what happened in the future tense of the day it was written
        if token.head.i == token.i or token.dep_ in _OWN_CLAUSE:
            return False
        if token.dep_ in ("xcomp", "ccomp") and (token.head.lemma_.lower() in INTENT_VERBS or any(
                c.dep_ == "nsubj" and c.lemma_.lower() in INTENT_NOUNS for c in token.head.children)):
            return True
        token = token.head


# kinds of money a sum is often named as, with the verbs that ask for each ("how much did it *lose*": a loss); a sum
# of one kind does not answer a question about another
MONEY_KINDS = {"profit": "make earn", "revenue": "make earn generate take", "sales": "sell make", "sale": "sell make",
               "turnover": "make", "loss": "lose", "earnings": "earn make", "earning": "earn make",
               "income": "earn make", "debt": "owe borrow", "dividend": "pay", "salary": "earn pay", "wage": "earn pay",
               "fine": "fine pay", "tax": "tax pay", "budget": "spend", "price": "pay cost buy sell charge",
               "cost": "cost pay spend", "fee": "pay charge", "bonus": "pay earn", "deficit": "borrow owe",
               "surplus": "make"}


def measures_another(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """A sum named as a kind of money that the question does not name ("Lenovo's *profit* ... was
    HK$327m", "a £5m *fine*" for "how much is Lenovo paying to buy IBM's PC business"): it is another sum."""
    if candidate.label != "MONEY":
        return False
    sentence = candidate.sentence
    root = sentence.span.doc[candidate.first:candidate.last].root
    noun = None
    if root.dep_ in ("attr", "acomp") and root.head.lemma_ == "be":  # "the profit was £5m"
        noun = next((c for c in root.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    elif root.dep_ in ("compound", "nmod", "amod", "nummod") and root.head.i > root.i:  # "a £5m fine"
        noun = root.head
    elif root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.pos_ == "NOUN":  # "profits of £5m"
        noun = root.head.head
    kind = next((w for w in (noun.lemma_.lower(), noun.lower_) if w in MONEY_KINDS), None) if noun is not None \
        else None
    if kind is None or stem(noun.text) in {f.term for f in question.focus}:
        return False
    asked = {f.lemma for f in question.focus} | {question.verb or ""}
    return not asked & {kind, *MONEY_KINDS[kind].split()}


def priced_for_another(candidate: Candidate) -> bool:
    """The sentence prices several things ("£4.50 *for an hour's session* or £35 *for a monthly pass*"), and the
    thing this figure is for holds none of the question's words while another figure's does."""
    sentence = candidate.sentence
    doc = sentence.span.doc
    matched = {i for _, where in sentence.matches.values() for i in where}

    def bought(after: int) -> set[int] | None:  # the words of the "for" phrase right after a figure
        if after >= sentence.span.end or doc[after].lower_ != "for":
            return None
        return {t.i for c in doc[after].children if c.dep_ == "pobj" for t in c.subtree}

    own = bought(candidate.last)
    if not own or own & matched:
        return False
    others = (bought(t.i + 1) for t in sentence.span
              if t.i + 1 != candidate.last and (t.like_num or t.ent_type_ == "MONEY"))
    return any(words and words & matched for words in others)


_CLAUSES = frozenset({"advcl", "ccomp", "relcl", "conj", "csubj", "parataxis", "acl"})


def opposite_extreme(candidate: Candidate, question: QuestionAnalysis) -> bool:
    """The candidate's own clause says the opposite superlative of the question's ("Scotland saw the *smallest*
    increase" for "which region saw the *biggest* rise") and not the question's own, or the opposite direction of
    change ("the biggest *decline* was seen in Wales")."""
    words = question.text.lower().split()
    asked = {w for i, w in enumerate(words) if w in EXTREME_OPPOSITE and not (i and words[i - 1] in ("at", "not"))}
    lemmas = {f.lemma for f in question.focus}
    direction = RISE if lemmas & RISE and not lemmas & FALL else FALL if lemmas & FALL and not lemmas & RISE \
        else None
    if not asked and direction is None:
        return False
    doc = candidate.sentence.span.doc
    verb = doc[candidate.first:candidate.last].root
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    said, said_lemmas, stack = set(), set(), [verb]
    while stack:  # the clause's words, not those of clauses inside it
        token = stack.pop()
        # "at least 15" is no extreme, nor "last year" an order
        if not (token.i and doc[token.i - 1].lower_ in ("at", "not")) and token.ent_type_ not in ("DATE", "TIME"):
            said.add(token.lower_)
        said_lemmas.add(token.lemma_.lower())
        stack += [c for c in token.children if not (c.dep_ in _CLAUSES and c.pos_ in ("VERB", "AUX"))]
    if asked and not asked & said and any(EXTREME_OPPOSITE[w] & said for w in asked):
        return True
    other = FALL if direction is RISE else RISE
    return direction is not None and not direction & said_lemmas and bool(other & said_lemmas)


# lower-case "century": "20th Century Fox" is a name
_CENTURY = re.compile(r"(?<!\w)(\d{1,2})(?:st|nd|rd|th)(?:(?:\sand\s|\s?-\s?|\sor\s|\sto\s)(\d{1,2})(?:st|nd|rd|th))?"
                      r"[\s-](?:century|centuries)(?!\s(?:BC|BCE))")
_PLAIN_YEAR = re.compile(YEAR.pattern + r"(?!'?s\b)")  # not a decade's
_DECADE = re.compile(r"(?<![\w-])(1\d|20)(\d)0'?s(?!\w)")


def periods(text: str, years: bool = True) -> list[tuple[int, int]]:
    """The spans of years a text dates things to: centuries ("the 10th and 11th centuries"), decades ("the
    1980s"; "the 1100s" is a century), and, with `years`, single years."""
    out = []
    for match in _CENTURY.finditer(text):
        for number in filter(None, match.groups()):
            century = int(number)
            out.append((100 * (century - 1), 100 * century - 1))
    for match in _DECADE.finditer(text):
        start = int(match.group(1) + match.group(2) + "0")
        out.append((start, start + 99) if match.group(2) == "0" and start % 100 == 0 else (start, start + 9))
    if years:
        out += [(int(y), int(y)) for y in _PLAIN_YEAR.findall(text)]
    return out


def unstated_period(question: QuestionAnalysis, passage: Passage, article: str) -> bool:
    """The question dates its event to a century or decade ("in the 10th century", "the 1600s") and its article
    dates nothing to that period, nor was written in it: it tells of other times."""
    asked = periods(question.text, years=False)
    if not asked:
        return False
    stated = periods(article) + ([(passage.date.year, passage.date.year)] if passage.date is not None else [])
    return not overlaps(asked, stated)


def overlaps(one: list[tuple[int, int]], other: list[tuple[int, int]]) -> bool:
    """Some span of years of one list overlaps some span of the other."""
    return any(a <= d and c <= b for a, b in one for c, d in other)
