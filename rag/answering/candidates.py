"""Candidate answers inside a sentence: figures with their units (the quantity grammar), spaCy's named entities,
proper names it left unlabelled, quoted titles, noun phrases, and lists of these joined by commas and "and"."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.answering.answer_types import NAMED
from rag.answering.evidence import Sentence, token_terms
from rag.answering.quantities import find_quantities

NUMERIC_ENTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
NUMERIC_LABELS = NUMERIC_ENTS | {"SCORE", "RATIO", "AGE", "DURATION"}  # spaCy's figures and the quantity grammar's
# amounts (not dates, times or ranks): what another article may state differently
FIGURE_LABELS = frozenset({"MONEY", "PERCENT", "RATIO", "CARDINAL", "QUANTITY", "SCORE", "AGE", "DURATION"})
_OPENING_QUOTES, _CLOSING_QUOTES = ('"', "“", "‘"), ('"', "”", "’")
_QUOTED = re.compile(r"[“\"‘']([^“”\"\n]{2,80}?)[”\"’'](?!\w)")
# titles that are part of a person's name in English news; spaCy leaves them out of the PERSON entity
HONORIFICS = frozenset("lord lady sir dame baroness baron earl duke duchess king queen prince princess pope saint "
                       "emperor empress sheikh".split())
_LEADING_DET = re.compile(r"^(?:the|a|an|this|that|these|those|its|their|his|her|our|my|your)\s", re.I)


@dataclass(eq=False)
class Candidate:
    """A span of a sentence that may answer the question."""

    sentence: Sentence
    text: str
    label: str
    start: int  # offsets in the document's cleaned text
    end: int
    first: int  # token indices [first, last) in the passage's Doc
    last: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    is_list: bool = False  # several answers joined by commas and "and"


def find_candidates(sentence: Sentence, wanted: frozenset[str], plural: bool = False,
                    head: str | None = None) -> list[Candidate]:
    """Candidates of the wanted labels in one sentence, most specific first where spans overlap. A name of any label
    is a candidate too when the question's head noun (`head`, a lemma) names what it is (`named_as`), since the small
    model's labels are often wrong ("musical *The Pajama Game*" as a place)."""
    text = sentence.span.text
    offset = sentence.span.start_char  # where the sentence starts in the passage text
    spans: list[tuple[int, int, str]] = []  # sentence-relative [a, b) and label
    taken = bytearray(len(text))

    def take(a: int, b: int, label: str) -> None:
        if b > a and not any(taken[a:b]):
            spans.append((a, b, label))
            taken[a:b] = b"\x01" * (b - a)

    ents = list(sentence.span.ents)
    # figures from the grammar first (they carry units), except bare numbers inside a spaCy date or time
    for q in find_quantities(text):
        # a bare number inside a date is the date's; inside a name, or right after a proper noun, the name's
        # ("Spider-Man 2", "Channel 4")
        inside = q.label == "CARDINAL" and (any(
            (e.label_ in ("DATE", "TIME") or e.label_ in NAMED) and e.start_char - offset <= q.start
            and q.end <= e.end_char - offset for e in ents) or _after_name(sentence, offset + q.start))
        if not inside:
            take(q.start, q.end, "DATE" if q.label == "CARDINAL" and _year_of_event(sentence, offset + q.end)
                 else q.label)
    for e in ents:
        a, b = e.start_char - offset, e.end_char - offset
        a, b = _trim_determiner(text, a, b) if e.label_ not in NUMERIC_ENTS else (a, b)
        if text[a:a + 1] in _OPENING_QUOTES and not any(m in text[a + 1:b] for m in _CLOSING_QUOTES):
            a += 1  # the model often takes an opening quote mark into the name ('the "City Brain"')
        if e.label_ == "PERSON" and e.start > sentence.span.start and e.doc[e.start - 1].lower_ in HONORIFICS \
                and e.doc[e.start - 1].is_title:
            a = e.doc[e.start - 1].idx - offset  # "Lord Liverpool", "Sir Alex Ferguson": the title is the name's
        if e.label_ == "CARDINAL" and not any(taken[a:b]) and re.fullmatch(r"(?:1[5-9]|20)\d\d", text[a:b]):
            take(a, b, "DATE")  # a year spaCy called a number
        else:
            take(a, b, e.label_)
    if "PROPN" in wanted:
        for a, b in _proper_runs(sentence):
            take(a - offset, b - offset, "PROPN")
    if "TITLE" in wanted:
        for a, b in _title_runs(sentence):
            a, b = a - offset, b - offset
            if any(taken[a:b]) and not _covers_entities(spans, a, b):
                continue  # a run may hold whole entities ("Make *Love*, Not Spam"), not cut one
            spans.append((a, b, "TITLE"))
            for part in re.finditer(r"[^,]+?(?=\s+and\s+|,\s+|$)", text[a:b]):  # "Shaun of the Dead and Shrek"
                pa, pb = a + part.start(), a + part.end()
                pa += len(text[pa:pb]) - len(text[pa:pb].lstrip())
                if (pa, pb) != (a, b) and text[pa:pb].strip() and text[pa:pa + 4] != "and ":
                    spans.append((pa, pb, "TITLE"))
    _ages_in_apposition(sentence, text, spans)
    if "QUOTE" in wanted:
        for m in _QUOTED.finditer(text):
            if len(m.group(1).split()) <= 10:
                spans.append((m.start(1), m.end(1), "QUOTE"))
    if "NP" in wanted:
        for start, end in _noun_phrases(sentence.span):
            a, b = _trim_determiner(text, start - offset, end - offset)
            if b > a and not any(s[0] == a and s[1] == b for s in spans):
                spans.append((a, b, "NP"))
    out = [_make(sentence, text, a, b, label) for a, b, label in spans
           if label in wanted or head and label in NAMED + ("TITLE",)]
    out = [c for c in out if c is not None and (c.label in wanted or named_as(c, head))]
    if plural:
        out += _lists(sentence, text, out)
    return out


# prepositions that put an event at a time ("took Adrianople *around* 1369", "repaired *in* 1850"); not "by", "from"
# or "to", which as often give an amount ("rose *by* 1500", "*from* 1200 to 1500")
_TIME_PREPOSITIONS = frozenset("around about circa c. in since until till before after".split())
_YEAR_LIKE = re.compile(r"1\d{3}|20\d\d")


def _year_of_event(sentence: Sentence, end: int) -> bool:
    """The number ending at passage offset `end` is a year-like figure that dates a verb's event, so a time, not a
    count: tagged a date by spaCy, or after a preposition of time on a verb that already has its object ("took
    Adrianople around 1369") or is a participle without a subject or agent ("a spinning jenny, invented around
    1764"). A verb with no object may be counting ("police arrested around 1200"), a passive its sum ("were paid
    around 1500")."""
    token = next((t for t in sentence.span if t.idx + len(t.text) == end), None)
    if token is None or not _YEAR_LIKE.fullmatch(token.text):
        return False
    if token.ent_type_ == "DATE":
        return True
    preposition = token.head
    verb = preposition.head
    if token.dep_ != "pobj" or preposition.lower_ not in _TIME_PREPOSITIONS or verb.pos_ != "VERB":
        return False
    deps = {c.dep_ for c in verb.children}
    if "agent" in deps or preposition.i > 0 and token.doc[preposition.i - 1].pos_ == "ADP":
        return False  # "viewed by around 1500": who did it, counted
    # a past participle; the small model tags one without a subject in a clause of its own a past tense ("invented").
    # Not a passive with its subject: "victims were paid around 1200 each" may be the sum
    participle = verb.tag_ == "VBN" or verb.tag_ == "VBD" and verb.dep_ in ("acl", "advcl")
    return "dobj" in deps or participle and not deps & {"nsubj", "nsubjpass", "aux", "auxpass"}


_NOUN_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "conj"})


def _noun_phrases(span) -> list[tuple[int, int]]:
    """Character bounds of the span's noun phrases: spaCy's noun chunks (not a pronoun, which names nothing, nor a
    date or figure, a candidate of its own label), and a word the tagger did not know ("X") in a noun's place with
    its modifiers, which noun chunks drop ("respiratory disease *emphysema*")."""
    out = [(c.start_char, c.end_char) for c in span.noun_chunks
           if c.root.pos_ != "PRON" and c.root.ent_type_ not in NUMERIC_ENTS]
    for token in span:
        if token.pos_ == "X" and token.dep_ in _NOUN_DEPS and token.is_alpha:
            left = span.doc[max(token.left_edge.i, span.start)]  # not into the sentence before
            out.append((left.idx, token.idx + len(token)))
    return out


def _after_name(sentence: Sentence, char: int) -> bool:
    """The token at `char` is a number directly after a proper noun and counts no noun after it ("Shrek 2 on DVD",
    not "Sony's 3 million consoles")."""
    doc = sentence.span.doc
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None or span.start <= sentence.span.start:
        return False
    token = span[0]
    before, after = doc[token.i - 1], doc[token.i + 1] if token.i + 1 < len(doc) else None
    return before.pos_ == "PROPN" and bool(before.whitespace_) and not (after is not None and after.pos_ == "NOUN")


def named_as(candidate: Candidate, head: str | None) -> bool:
    """The head noun (a lemma) says what the name is: it stands right before it ("hit musical *The Pajama Game*",
    "property investment fund *Molsiris*", "the name *The Great Carsoni*", "its campaign, *Stage Not Screen*") or is
    the name's own last word ("the *Shri Swaminarayan Mandir Temple*" for "which temple")."""
    if not head or candidate.label not in NAMED and candidate.label != "TITLE":
        return False
    doc, start = candidate.sentence.span.doc, candidate.sentence.span.start
    before = candidate.first - 1
    if before > start and doc[before].lower_ in ("the", "a", "an", ","):  # "its campaign, Stage Not Screen,"
        before -= 1
    if before >= start and doc[before].lemma_.lower() == head and not doc[before].ent_type_:
        return True
    words = doc[candidate.first:candidate.last]
    return len(words) > 1 and words[-1].lemma_.lower() == head and words[0].is_title


def _covers_entities(spans: list[tuple[int, int, str]], a: int, b: int) -> bool:
    """Every taken span that [a, b) overlaps lies wholly inside it."""
    return all(a <= sa and sb <= b for sa, sb, _ in spans if sa < b and a < sb)


_APPOSED_NUMBER = re.compile(r",\s(\d{1,3}),")


def _ages_in_apposition(sentence: Sentence, text: str, spans: list[tuple[int, int, str]]) -> None:
    """"Dr Greenspan, 79, said": a small number set off by commas right after a name is the person's age."""
    doc, offset = sentence.span.doc, sentence.span.start_char
    for match in _APPOSED_NUMBER.finditer(text):
        before = doc.char_span(offset + match.start() - 1, offset + match.start(), alignment_mode="expand")
        if before is None or not (before[0].ent_type_ == "PERSON" or before[0].pos_ == "PROPN"):
            continue
        a, b = match.span(1)
        for i, (sa, sb, label) in enumerate(spans):
            if sa == a and sb == b:
                spans[i] = (a, b, "AGE")
                break
        else:
            spans.append((a, b, "AGE"))


def trim_known(candidate: Candidate, known: Callable[[str], bool]) -> Candidate:
    """Drop the candidate's leading and trailing words that the question already says ("medical sitcom Scrubs" ->
    "Scrubs" for "which medical sitcom", "Australian Lynton Crosby" -> "Lynton Crosby"); figures are kept whole
    ("21 consecutive years" for "how many years")."""
    doc = candidate.sentence.span.doc
    first, last = candidate.first, candidate.last
    if 0 < first and last < len(doc) and doc[first - 1].text in _OPENING_QUOTES and doc[last].text in _CLOSING_QUOTES:
        return candidate  # a quoted name is the name as written, words of the question and all ('the "City Brain"')

    def said(token) -> bool:
        words = token_terms(token.text)
        return token.is_punct or token.lower_ in ("'s", "’s", "the", "a", "an") or bool(words) and all(
            known(w) for w in words)

    # whole words only: tokens written without a space between them go together ("T-Mobile" keeps "Mobile" for
    # "which mobile operator"; "non-League Yeading" loses all of "non-League")
    words, i = [], first
    while i < last:
        j = i + 1
        while j < last and not doc[j - 1].whitespace_:
            j += 1
        words.append((i, j))
        i = j
    dropped = lambda a, b: all(said(t) and not t.like_num for t in doc[a:b])  # noqa: E731
    while len(words) > 1 and dropped(*words[0]):
        words.pop(0)
    # a person keeps the end of the name, the surname: "Arsene Wenger" is not "Arsene" for a question naming "Wenger"
    while len(words) > 1 and dropped(*words[-1]) and candidate.label != "PERSON":
        words.pop()
    first, last = words[0][0], words[-1][1]
    while first < last - 1 and doc[first].is_punct:
        first += 1
    if (first, last) != (candidate.first, candidate.last):  # what trimming left hanging: "King *of*" of "King of
        while last - 1 > first and doc[last - 1].pos_ in ("ADP", "DET", "CCONJ", "PART"):  # France" without France
            last -= 1
    if (first, last) == (candidate.first, candidate.last) or candidate.label in NUMERIC_LABELS \
            or candidate.label in ("TITLE", "QUOTE"):
        return candidate  # a title's words are the title, said in the question or not ("Make Love, Not Spam")
    span = doc[first:last]
    start = candidate.sentence.passage.start + span.start_char
    return Candidate(candidate.sentence, span.text, candidate.label, start, start + len(span.text), first, last,
                     is_list=candidate.is_list)


def _make(sentence: Sentence, text: str, a: int, b: int, label: str) -> Candidate | None:
    piece = text[a:b]
    stripped = piece.rstrip(" ,.;:")
    if stripped.endswith(("'s", "’s")):
        stripped = stripped[:-2]
    b = a + len(stripped)
    if b <= a:
        return None
    offset = sentence.span.start_char
    span = sentence.span.doc.char_span(offset + a, offset + b, alignment_mode="expand")
    if span is None:
        return None
    start = sentence.passage.start + offset + a
    return Candidate(sentence, stripped, label, start, start + len(stripped), span.start, span.end)


_TRAILING_JOINER = re.compile(r"(?:\s+(?:and|or|&)|\s*[,;:])+$")


def _trim_determiner(text: str, a: int, b: int) -> tuple[int, int]:
    """A span without its leading article, and without a trailing "and" or comma the model left on a name ("Filthy
    Love and" of "Filthy Love and Channel 4's Shameless")."""
    match = _LEADING_DET.match(text[a:b])
    a = a + match.end() if match and a + match.end() < b else a
    tail = _TRAILING_JOINER.search(text[a:b])
    return (a, a + tail.start()) if tail and tail.start() > 0 else (a, b)


def _proper_runs(sentence: Sentence) -> list[tuple[int, int]]:
    """Runs of proper nouns spaCy did not put in an entity; a lone capitalised word opening the sentence is left out,
    since it is usually a capitalised common word."""
    runs, current = [], []
    for token in [*sentence.span, None]:
        joined = bool(current) and current[-1].text in ("-", "&")  # after a joiner any capitalised word: "T-Mobile"
        if token is not None and not token.ent_type_ and token.text.isalnum() and (
                token.pos_ == "PROPN" or joined and (token.is_title or token.is_upper)):
            current.append(token)
            continue
        if token is not None and current and token.text in ("-", "&") and not current[-1].whitespace_ \
                and not token.whitespace_:
            current.append(token)  # "T-Mobile", "AT&T"
            continue
        while current and current[-1].text in ("-", "&"):
            current.pop()
        if current and not (len(current) == 1 and current[0].i == sentence.span.start):
            runs.append((current[0].idx, current[-1].idx + len(current[-1])))
        current = []
    return runs


TITLE_GLUE = frozenset("of the a an and in on from to for at with not de la le du von van y".split())


def _title_runs(sentence: Sentence) -> list[tuple[int, int]]:
    """Capitalised word runs that may be titles of works or campaigns, which spaCy's small model often misses:
    "School of Rock", "Make Love, Not Spam", "Touching From A Distance" (small words and commas may sit inside)."""
    tokens = list(sentence.span)
    runs = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not (token.is_title or token.is_upper and len(token) > 1) or not token.text.isalnum():
            i += 1
            continue
        j = i
        while j + 1 < len(tokens):
            nxt = tokens[j + 1]
            if nxt.is_alpha and (nxt.is_title or nxt.is_upper or nxt.lower_ in TITLE_GLUE):
                j += 1
            elif nxt.text == "," and j + 2 < len(tokens) and tokens[j + 2].is_title:
                j += 1
            elif nxt.text == "-" and not tokens[j].whitespace_ and not nxt.whitespace_ and j + 2 < len(tokens) \
                    and (tokens[j + 2].is_title or tokens[j + 2].is_upper):
                j += 1  # "G60 High-Tech Corridor"
            else:
                break
        while j > i and (tokens[j].lower_ in TITLE_GLUE and not tokens[j].is_title or tokens[j].text == ","):
            j -= 1
        if not (j == i and i == 0):  # one capitalised word opening the sentence is usually a common word
            runs.append((tokens[i].idx, tokens[j].idx + len(tokens[j])))
        i = j + 1
    return runs


def _same_kind(a: str, b: str) -> bool:
    """Labels that may share a list: equal ones, or two kinds of name (spaCy's small model often labels the names
    of one list differently: "Tonglu (PERSON) and Chun'an (NORP) counties")."""
    return a == b or a in NAMED and b in NAMED


_JOIN = re.compile(r"^(?:,\s|\sand\s|,\sand\s|\s&\s|\sor\s|,\sor\s)$")


def _lists(sentence: Sentence, text: str, found: list[Candidate]) -> list[Candidate]:
    """"Denmark, Iceland and Norway": consecutive candidates of one label joined by commas and a final "and"."""
    base = sentence.passage.start + sentence.span.start_char
    ordered = sorted(found, key=lambda c: c.start)
    out = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and _same_kind(ordered[j + 1].label, ordered[i].label) and _JOIN.match(
                text[ordered[j].end - base:ordered[j + 1].start - base]):
            j += 1
        if j > i:
            first, last = ordered[i], ordered[j]
            out.append(Candidate(sentence, text[first.start - base:last.end - base], first.label, first.start,
                                 last.end, first.first, last.last, is_list=True))
        i = j + 1
    return out
