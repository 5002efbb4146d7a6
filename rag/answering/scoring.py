"""Score answer candidates: a weighted sum of features that say how well a span answers the question.

Features (each in [0, 1]):
- type: how well the candidate's label fits the expected answer type (`answer_types.compatibility`);
- similarity: cosine of the candidate's sentence and the question;
- coverage / window: idf-weighted share of the question's focus terms (or paraphrases) in the sentence / in it and
  its neighbours;
- names: share of the question's names and details (years, figures, nationalities) in the sentence and its
  neighbours (LEAD_CREDIT when only in the passage or the article's opening);
- proximity: how close, in tokens, the candidate sits to the focus terms its sentence matches;
- dependency: the same along the dependency parse (path length between the candidate and each matched word);
- head: the question's head noun or counted unit sits beside the candidate ("Labour *MP* John Smith", "400 *jobs*");
- in_question: share of the candidate's own words that the question already says (an answer is new information);
- rank: 1 / (1 + the passage's retrieval rank);
- number: the candidate is a list exactly when the question asks for several things ("which countries");
- verb: closeness along the parse to the question's main verb (or its paraphrase) in the sentence;
- role: the candidate is the subject (object) of its clause when the wh-word is the question's subject (object);
- previous: the coverage of the sentence before (news often restates the question, then answers it next);
- standing: 1 / (1 + the sentence's place among all candidate sentences by similarity + coverage);
- aside: the candidate sits in parentheses, where news puts conversions and asides ("5.65bn euros ($7.4bn)");
- conflict: the question names a year or an ordinal, and the sentence and its neighbours name others of the kind
  but not that one ("in 2022" for 2025, "its 12th year" for the 11th).
The weights live in `AnswerSettings.weights`.
"""

from __future__ import annotations

import re

from rag.answering.answer_types import NAMING_VERBS, compatibility
from rag.answering.candidates import NUMERIC_LABELS, Candidate, named_as
from rag.answering.dating import RELATIVE_YEAR, UNNAMED_YEAR, relative_years
from rag.answering.evidence import EvidenceStore, Sentence, coverage_of, token_terms
from rag.answering.naming import mentions
from rag.answering.quantities import UNIT_KINDS, unit_kind
from rag.answering.question import CHANGE_VERBS, QuestionAnalysis, phrase_of, role_of
from rag.answering.question_names import NAME_LABELS
from rag.settings import ScoringWeights
from rag.text import stem

LEAD_CREDIT = 0.7
YEAR = re.compile(r"(?<!\d)(?:1[0-9]|20)\d\d(?!\d)")
_ORDINAL = re.compile(r"(?<!\w)\d{1,3}(?:st|nd|rd|th)(?!\w)")


def _conflicts(details: tuple[str, ...], text: str, pattern: re.Pattern) -> bool:
    """The question gives a year (or an ordinal: "its 11th year"), and the text gives others of that kind but not
    it: the text is about another year (or edition)."""
    wanted = {d for d in details if pattern.fullmatch(d)}
    found = set(pattern.findall(text))
    return bool(wanted) and bool(found) and not wanted & found
LIGHT_VERBS = frozenset({"be", "do", "have", "get", "make", "take"})
# a figure answering a "what N" question whose noun is no kind of figure (fine classes list the nouns that are)
OTHER_HEAD_FIGURE = 0.4
# "what time" wants a clock time and "what date" a day: a vaguer one ("Friday night", "the end of 2004") counts this
# much (set by hand, like OTHER_HEAD_FIGURE: well below a precise one, above the wrong kind)
VAGUE_TIME = 0.6
OTHER_UNIT = 0.3  # a quantity whose unit measures another thing than asked (set by hand, like the two above)
# "how much did exports rise": the level they rose to ("exports were 61.23bn yuan", "fell *to* 1.96:1") is not the
# change ("an increase *of* 17.7%", "rose *by* 8%"); set by hand, like the three above
LEVEL_NOT_CHANGE = 0.5
_DAY = re.compile(r"(?<![\d.,])(?:[12]?\d|3[01])(?:st|nd|rd|th)?(?![\d.,])|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
                  r"\b(?:today|yesterday|tomorrow)\b", re.I)
_CENTURY = re.compile(r"\b(?:century|centuries|millennium|millennia)\b", re.I)
_CLOCK_WORD = re.compile(r"\b(?:midnight|noon|midday|o'clock)\b", re.I)  # clock readings in words
FEATURES = ("type", "similarity", "coverage", "window", "names", "proximity", "dependency", "head", "in_question",
            "rank", "number", "verb", "role", "previous", "standing", "aside", "conflict")


def sentence_features(sentence: Sentence, question: QuestionAnalysis, store: EvidenceStore) -> dict[str, float]:
    """The features shared by every candidate of a sentence."""
    window = sentence.window()
    window_text = " ".join(s.text for s in window)
    context = f"{sentence.passage.text} {sentence.passage.title or ''} {store.lead(sentence.passage.doc_id)}"
    constraints = list(question.names) + list(question.details)
    # a name in the sentence or beside it counts fully; named only earlier in the article (news names its subject
    # once, in the opening), it counts LEAD_CREDIT
    names = sum(max(mentions(window_text, c), LEAD_CREDIT * mentions(context, c)) for c in constraints) / len(
        constraints) if constraints else 1.0
    dated = " ".join([window_text, *map(str, relative_years(window_text, sentence.passage.date))])  # "this year"
    # an undated article's "this year" may be the question's year, whatever other years are beside it
    unknown_year = sentence.passage.date is None and UNNAMED_YEAR.search(sentence.text) is not None
    conflict = float(not unknown_year and _conflicts(question.details, dated, YEAR)
                     or _conflicts(question.details, window_text, _ORDINAL))
    return {"conflict": conflict, "similarity": max(sentence.similarity, 0.0), "coverage": sentence.coverage,
            "window": coverage_of(window, question, store), "names": names, "rank": 1.0 / (1 + sentence.rank),
            "previous": sentence.previous.coverage if sentence.previous is not None else 0.0}


def candidate_features(candidate: Candidate, question: QuestionAnalysis, shared: dict[str, float],
                       weights_by_term: dict[str, float], question_terms: set[str]) -> dict[str, float]:
    """All features of one candidate (`shared` holds its sentence's)."""
    sentence = candidate.sentence
    features = dict(shared)
    features["type"] = compatibility(question.answer_type, candidate.label, question.named)
    if question.answer_type == "ENTY:other" and question.head and candidate.label in NUMERIC_LABELS:
        features["type"] *= OTHER_HEAD_FIGURE  # "what *disease*", "what *campaign*": a thing, not a date or figure
    features["type"] *= _precision(candidate, question)
    kind = unit_kind(candidate.text) if candidate.label == "QUANTITY" and question.answer_type in UNIT_KINDS else None
    if kind is not None and kind != question.answer_type:
        features["type"] *= OTHER_UNIT  # "how fast": "two feet" measures a length, "1.35km/h" a speed
    doc = sentence.span.doc
    if " how much " in f" {question.text.lower()} " and CHANGE_VERBS & {question.verb, *(f.lemma for f in question.focus)} \
            and candidate.label in NUMERIC_LABELS and _level(doc, candidate):  # "how far had it narrowed": to where
        features["type"] *= LEVEL_NOT_CHANGE
    if question.unit and candidate.label == "QUANTITY" and stem(question.unit) in token_terms(candidate.text):
        features["type"] = 1.0  # "how many tonnes": "3,217 tonnes" counts the very unit asked for
    if _named_by_head(doc, candidate, question) or question.choices and candidate.text in question.choices \
            or question.answer_type == "ABBR:exp" and any(spells(candidate.text, name) for name in question.names):
        features["type"] = 1.0  # named as what is asked for, one of the question's alternatives, or the expansion
    own = [t for t in doc[candidate.first:candidate.last] if not t.is_punct]
    head = stem(question.head) if question.head else None
    if candidate.label in NUMERIC_LABELS:  # a figure is in the question when its digits are ("2004", "£8m")
        digits = _numbers(candidate.text)
        said = _numbers(f"{question.text} {' '.join(question.given)}")  # whole numbers: "2km" is new beside "230"
        features["in_question"] = float(bool(digits) and all(d in said for d in digits))
    else:
        asked = question.text.replace(question.choices, " ") if question.choices else question.text
        words = asked.lower().split()  # the alternatives of "which of A and B" are not given: one is the answer
        titled = candidate.label in ("TITLE", "QUOTE")  # every word of a title is the title's ("Stage *Not* Screen")
        if titled and own and own[0].lower_ in ("the", "a", "an"):
            own = own[1:]  # but not its article: "The" of "The Simpsons" is no word the question gives
        own_terms = [term for t in own if not _hyphened(t) for term in (
            token_terms(t.text) or (() if t.is_stop and not titled else (t.lower_,)))
            if term != head]
        own_terms += _hyphen_words(doc[candidate.first:candidate.last])  # "T-Mobile" is one word: "mobile" in the
        # question does not give it (the dash is read too: "Kilroy-Silk", not "kilroysilk")
        bare_head = head is not None and any(head in token_terms(t.text) for t in own)  # "campaign" alone
        features["in_question"] = sum(_said(t, question_terms) or t in words for t in own_terms) / len(own_terms) \
            if own_terms else float(bare_head or all(t.is_stop for t in own))  # "of" says nothing new
        if question.named and features["in_question"] < 1:
            features["in_question"] = 0.0  # a name echoes what it names: "the system that acts as a brain", "City Brain"
    features["number"] = float(question.plural == candidate.is_list)
    near = far = total = 0.0
    for term, (strength, where) in sentence.matches.items():
        outside = [i for i in where if not candidate.first <= i < candidate.last]
        if not outside:
            continue
        weight = weights_by_term.get(term, 1.0) * strength
        distance = min(candidate.first - i if i < candidate.first else i - candidate.last + 1 for i in outside)
        path = min(_path_length(doc, candidate, i) for i in outside)
        near += weight / (1 + distance / 4)
        far += weight / (1 + path / 2)
        total += weight
    features["proximity"] = near / total if total else 0.0
    features["dependency"] = far / total if total else 0.0
    features["head"] = _head_feature(candidate, question)
    verb = stem(question.verb) if question.verb and question.verb not in LIGHT_VERBS else None
    # a verb the sentence negates ("his side did *not* score") states no doing, unless the question negates it too
    said_at = [i for i in sentence.matches.get(verb, (0.0, []))[1] if not candidate.first <= i < candidate.last] \
        if verb else []
    where = [i for i in said_at if question.negated or not any(c.dep_ == "neg" for c in doc[i].children)]
    features["verb"] = max((1 / (1 + _path_length(doc, candidate, i) / 2) for i in where), default=0.0)
    root = doc[candidate.first:candidate.last].root
    if question.owned:  # "which animal's saliva": "the bat's saliva", "the saliva of the vampire bat"
        owner = phrase_of(root)
        owned = owner.head.head if owner.dep_ == "pobj" and owner.head.lower_ == "of" else owner.head
        features["role"] = float(owner.dep_ in ("poss", "pobj") and owned.lemma_.lower() == question.owned)
    elif question.preposition:  # "to what figure would it rise": "rise by $19bn *to* $419.3bn"
        features["role"] = float(root.dep_ == "pobj" and root.head.lower_ == question.preposition)
    else:  # when the sentence has the asked verb, the role must be in its clause ("manager Kerr *admitted* his
        # side did not *score*" names no scorer)
        features["role"] = float(question.role is not None and role_of(root) == question.role
                                 and (not said_at or _governor(root).i in said_at))
    features["aside"] = float(_in_parentheses(doc, candidate))
    return features


def spells(phrase: str, acronym: str) -> bool:
    """The initials of the phrase's words spell the acronym's letters: "Realise And Witness Talent" for "Raw T",
    "World Trade Organisation" for "WTO" ("of" and "the" may be skipped)."""
    if any(c.isdigit() for c in acronym):
        return False  # "HS2", "G4S": its figures are no initials
    letters = re.sub(r"[^a-z]", "", acronym.lower())
    words = re.findall(r"[A-Za-z]+", phrase)
    if len(letters) < 2 or len(words) < 2:
        return False
    initials = "".join(w[0] for w in words).lower()
    content = "".join(w[0] for w in words if w.lower() not in ("of", "the", "and", "for", "&")).lower()
    return letters in (initials, content)


def _level(doc, candidate: Candidate) -> bool:
    """The figure is a level, not a change: what something is ("exports were 61.23bn yuan", "reached 2m") or the
    end of a change ("fell *to* 1.96:1", "rose *from* 5%")."""
    root = doc[candidate.first:candidate.last].root
    head = root.head
    if root.dep_ in ("attr", "acomp") and head.lemma_ == "be" or root.dep_ == "dobj" and head.lemma_ == "reach":
        return True
    return root.dep_ == "pobj" and head.lower_ in ("to", "from") and head.head.lemma_.lower() in CHANGE_VERBS


def _governor(token):
    """The verb whose argument a token is, after `role_of`'s climbing out of compounds and conjunctions, through
    prepositions and the nouns they hang from."""
    head = phrase_of(token).head
    while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:  # "blamed the cuts *on* ...": the verb
        head = head.head
    return head


def _precision(candidate: Candidate, question: QuestionAnalysis) -> float:
    """How far a time is as precise as asked: a time without a clock reading ("Friday night"; "midnight" is one)
    for "what time", a date without a day for "what date", or one without a year for "what year" ("the early 90s",
    "two years ago") counts VAGUE_TIME; a century for "what year" is none, since it names a hundred years."""
    if question.answer_type == "NUM:time" and candidate.label == "TIME":
        vague = not any(ch.isdigit() for ch in candidate.text) and _CLOCK_WORD.search(candidate.text) is None
        return VAGUE_TIME if vague else 1.0
    if question.head == "date" and candidate.label == "DATE":
        return VAGUE_TIME if _DAY.search(candidate.text) is None else 1.0
    if question.head == "year" and candidate.label == "DATE":
        if YEAR.search(candidate.text) or RELATIVE_YEAR.search(candidate.text):
            return 1.0
        return 0.0 if _CENTURY.search(candidate.text) else VAGUE_TIME  # "the early 90s", "two years ago": vague
    return 1.0


def _named_by_head(doc, candidate: Candidate, question: QuestionAnalysis) -> bool:
    """A name followed by the question's head noun is one of what the question asks for, whatever spaCy labelled
    it: "Tonglu and Chun'an *counties*" for "which counties", "the Sichuan *team*" for "which team" (not when a name
    follows the noun, as in "Chelsea *striker* Adrian Mutu"). Only for things and places: a name before a person's
    role says where or what they serve ("the Manchester Central *MP*"), and a maker before a work is who made it
    ("the BBC *show*"). Only spaCy's entities, not any capitalised word ("Charming *City*")."""
    if not question.head or question.coarse == "NUM":
        return False
    if named_as(candidate, question.head):
        return True  # "hit musical The Pajama Game" for "which musical"
    if candidate.label not in NAME_LABELS or question.answer_type == "HUM:ind":
        return False
    if question.answer_type == "ENTY:cremat" and candidate.label in MAKER_LABELS:
        return False  # "the *BBC* show", "a *Disney* film": who made the work, not its name
    after = doc[candidate.last] if candidate.last < len(doc) else None
    if after is None or after.lemma_.lower() != question.head:
        return False
    return not (after.i + 1 < len(doc) and doc[after.i + 1].pos_ == "PROPN")


MAKER_LABELS = frozenset({"ORG", "PERSON", "NORP", "GPE"})  # who or where a film, show or album comes from


def _named_after(doc, first: int) -> bool:
    """The span starting at `first` follows a naming verb ("called", "known as")."""
    before = doc[first - 1] if first > 0 else None
    if before is not None and before.lower_ in ("the", "a", "an") and first > 1:
        before = doc[first - 2]
    if before is None:
        return False
    return before.lower_ in NAMING_VERBS or before.lower_ == "as" and before.i > 0 \
        and doc[before.i - 1].lower_ == "known"


def _in_parentheses(doc, candidate: Candidate) -> bool:
    """An opening bracket before the candidate with no closing one between them, within its sentence; not the
    precise figure of a share told in words ("more than half *(55%)* of respondents")."""
    for token in reversed(doc[candidate.sentence.span.start:candidate.first]):
        if token.text in (")", "]"):
            return False
        if token.text in ("(", "["):
            return not (candidate.label in ("PERCENT", "CARDINAL") and token.i > 0
                        and doc[token.i - 1].lower_ in _SHARE_WORDS)
    return False


# shares told in words, which news follows with the figure in brackets
_SHARE_WORDS = frozenset("half halves third thirds quarter quarters fifth fifths tenth tenths majority minority "
                         "most".split())


def _hyphened(token) -> bool:
    """The token is part of a hyphen-joined word ("T", "-" and "Mobile" of "T-Mobile")."""
    doc, dash = token.doc, token.text == "-"
    joined_after = not token.whitespace_ and token.i + 1 < len(doc) and (dash or doc[token.i + 1].text == "-")
    joined_before = token.i > 0 and not doc[token.i - 1].whitespace_ and (dash or doc[token.i - 1].text == "-")
    return joined_after or joined_before


def _hyphen_words(tokens) -> list[str]:
    """The hyphen-joined words among `tokens`, lower-cased whole ("t-mobile")."""
    words, current = [], ""
    for t in tokens:
        if _hyphened(t):
            current += t.lower_ + t.whitespace_
            if t.whitespace_ or t.i + 1 >= len(t.doc) or not _hyphened(t.doc[t.i + 1]):
                words.append(current.strip())
                current = ""
    return [w for w in words if "-" in w.strip("-")]


def _said(term: str, question_terms: set[str]) -> bool:
    """A candidate's term is in the question, also as a derived form ("Australia" for "Australian")."""
    if term in question_terms:
        return True
    return len(term) >= 5 and any(len(q) >= 5 and (q.startswith(term) or term.startswith(q)) for q in question_terms)


def score(features: dict[str, float], weights: ScoringWeights) -> float:
    """The weighted sum of the features, plus the bias."""
    return weights.bias + sum(getattr(weights, name) * features.get(name, 0.0) for name in FEATURES)


FREE_EDGES = frozenset({"appos", "compound", "flat", "poss", "case"})


def _path_length(doc, candidate: Candidate, token_index: int) -> int:
    """Content words between the candidate's syntactic root and a token along the dependency tree (same sentence).

    Prepositions and determiners are not counted, nor the step from a name to the noun it stands beside ("his
    deputy, Priya Nandra"): "replaced by his deputy, Priya Nandra" puts Nandra one step from "replaced"."""
    root = doc[candidate.first:candidate.last].root
    other = doc[token_index]

    def step(node) -> int:
        return 0 if node.dep_ in FREE_EDGES or node.head.pos_ in ("ADP", "DET") else 1

    up: dict[int, int] = {}
    node, depth = root, 0
    while True:
        up[node.i] = depth
        if node.head.i == node.i:
            break
        node, depth = node.head, depth + step(node)
    node, depth = other, 0
    while node.i not in up:
        if node.head.i == node.i:
            return depth + max(up.values()) + 2  # different trees (sentence split differs from the parse)
        node, depth = node.head, depth + step(node)
    return depth + up[node.i]


CURRENCIES = {"dollar": ("$", "dollar"), "pound": ("£", "pound", "sterling"), "sterling": ("£", "pound", "sterling"),
              "euro": ("€", "euro"), "yen": ("¥", "yen"), "yuan": ("yuan", "rmb"), "rouble": ("rouble",),
              "ruble": ("ruble",), "rupee": ("rupee", "rs"), "franc": ("franc",)}


def _head_feature(candidate: Candidate, question: QuestionAnalysis) -> float:
    """1 when the question's head noun (or counted unit) is beside the candidate or governs it, or when the question
    names a currency the candidate is in ("how much is that in US dollars" -> "US$27,828")."""
    if candidate.label == "MONEY":
        asked = [marks for word, marks in CURRENCIES.items() if word in question.text.lower()]
        if asked:
            return float(any(mark in candidate.text.lower() for marks in asked for mark in marks))
    doc = candidate.sentence.span.doc
    if question.coarse == "ENTY" and _named_after(doc, candidate.first):
        return 1.0  # "a search system called *Spotlight*": the name English gives after a naming verb
    head = question.unit or question.head
    if not head or question.named and candidate.label == "NP" and doc[candidate.first:candidate.last].root.pos_ != "PROPN":
        return 0.0  # asked what it is called, a common noun beside the head is a kind of it ("a *subway* system")
    target = stem(head)
    # a counted unit follows its number ("3,217 *tonnes*"); one before it counts something else ("3,217 tonnes, or
    # about 113.5m ounces")
    lo = candidate.first if question.unit and candidate.label in NUMERIC_LABELS else max(
        candidate.sentence.span.start, candidate.first - 3)
    hi = min(candidate.sentence.span.end, candidate.last + 3)
    whole = candidate.last - candidate.first == 1
    titled = question.coarse == "HUM"  # "Duke William" answers "the duke"; "this year" does not answer "which year"
    for token in doc[lo:hi]:
        inside = candidate.first <= token.i < candidate.last
        if inside and (whole or not titled):
            continue  # the head word itself is no answer ("club" for "which club")
        if target in token_terms(token.text) or token.lemma_.lower() == head:
            return 1.0
    root = doc[candidate.first:candidate.last].root
    if target in token_terms(root.head.text):
        return 1.0
    # "a total annual investment *of* more than 52.2 billion yuan": the noun the figure is of
    return float(root.dep_ == "pobj" and root.head.lower_ == "of" and target in token_terms(root.head.head.text))


def _numbers(text: str) -> set[str]:
    """The numbers written in a text, whole ("1,000" and "3.5", not their digits)."""
    return {n.rstrip(".,") for n in re.findall(r"\d[\d.,]*", text)}
