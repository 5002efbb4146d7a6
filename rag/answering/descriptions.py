"""Short answers for questions that want a description (why, how, what did X say, who is X): the clause of the
answering sentence that carries it, found in the dependency parse."""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from rag.answering.evidence import Sentence
from rag.answering.question import SAY_VERBS, QuestionAnalysis
from rag.text import stem, tokens

REASON_MARKERS = frozenset("because since as after amid following due thanks owing so".split())
CAUSAL_MARKERS = frozenset("because due thanks owing result".split())  # "result": of "as a result of"
MANNER_MARKERS = frozenset("by through using via".split())
MAX_WORDS = 25
RESTATED_SHARE = 0.6  # set by hand: a reason adds words of its own ("accounting errors"), a restatement few


def description(sentence: Sentence, question: QuestionAnalysis) -> str | None:
    """The clause answering a descriptive question, or None when the parse shows none (the quote then answers)."""
    span = sentence.span
    kind = question.answer_type
    if kind == "DESC:reason":
        # a cause said outright first ("because", "as a result of"), then words that may only tell a time ("after");
        # not a clause that restates what the question asks about ("after it revealed it would restate its accounts")
        causal = _after_marker(span, CAUSAL_MARKERS)
        if causal:
            return causal
        found = (_after_marker(span, REASON_MARKERS), _purpose(span), _cause(span))
        return next((clause for clause in found if clause and not _restates(clause, question)), None)
    if kind == "DESC:manner":
        return _after_marker(span, MANNER_MARKERS)
    if kind == "HUM:desc":
        return _apposition(span, question)
    if kind in ("DESC:desc", "DESC:def"):
        return _reported(span) or (_apposition(span, question) if kind == "DESC:def" else None)
    return None


def _text(tokens) -> str | None:
    tokens = [t for t in tokens if not (t.is_punct and t.i in (tokens[0].i, tokens[-1].i))] if tokens else []
    if not tokens or len(tokens) > MAX_WORDS:
        return None
    doc = tokens[0].doc
    return doc[tokens[0].i:tokens[-1].i + 1].text


def _after_marker(span, markers: frozenset[str]) -> str | None:
    """"... because of poor share returns" -> "poor share returns"; "... as demand fell" -> "demand fell"."""
    for token in span:
        if "result" in markers and token.lower_ == "as" and token.i + 3 < span.end \
                and [t.lower_ for t in token.doc[token.i + 1:token.i + 4]] == ["a", "result", "of"]:  # "as a result of accounting errors"; not "as a result of which"
            cause = [c for c in token.doc[token.i + 3].children if c.dep_ == "pobj" and c.tag_ not in ("WDT", "WP")]
            clause = _text(sorted({t for c in cause for t in c.subtree}, key=lambda t: t.i))
            if clause:
                return clause
            continue
        if token.lower_ not in markers or token.dep_ not in ("mark", "prep", "advmod", "agent", "cc", "amod"):
            continue
        if token.lower_ == "as" and token.dep_ == "prep":
            continue  # "as chairman": a role, not a reason
        if token.lower_ == "since" and (token.dep_ != "mark" or token.head.tag_ == "VBG"
                                        or token.head.tag_ == "VBD" and _perfect(token.head.head)):
            continue  # "since 2004", "since going on sale", "have won three since they joined": a time; "since he
            # was injured" is a reason
        if token.dep_ == "mark":
            clause = [t for t in token.head.subtree if t.i > token.i and t.i < span.end]
        else:
            nxt = [c for c in token.children if c.dep_ in ("pobj", "pcomp", "pcomp")] or \
                  [c for c in token.doc[token.i + 1:span.end] if c.dep_ in ("pcomp", "pobj")][:1]
            if token.lower_ == "due" and token.i + 2 < span.end and token.doc[token.i + 1].lower_ == "to" \
                    and token.doc[token.i + 2].pos_ in ("VERB", "AUX"):
                continue  # "due to be held": scheduled, not a cause
            if token.lower_ in ("due", "thanks", "owing") and token.i + 1 < span.end \
                    and token.doc[token.i + 1].lower_ == "to":
                nxt = [c for c in token.doc[token.i + 1].children if c.dep_ in ("pobj", "pcomp")] or nxt
            clause = sorted({t for n in nxt for t in n.subtree}, key=lambda t: t.i)
        if clause:
            return _text(clause)
    return None


def _restates(clause: str, question: QuestionAnalysis) -> bool:
    """Most of the clause's words are the question's own (RESTATED_SHARE of them): it tells what is asked about."""
    words = {stem(w) for w in tokens(clause) if w not in STOP_WORDS}
    asked = {f.term for f in question.focus}
    return bool(words) and len(words & asked) >= RESTATED_SHARE * len(words)


def _perfect(verb) -> bool:
    """The verb is in a perfect tense ("have *recorded*"): a "since" clause on it tells from when, not why."""
    return verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)


# "in order to", "in an effort to", "in a bid to", "so as to": what the action is for
_PURPOSE_NOUNS = frozenset("order effort bid attempt".split())
# verbs whose subject is what brought something about ("accounting errors had *forced* the move")
CAUSE_VERBS = frozenset("cause force prompt trigger spark".split())


def _purpose(span) -> str | None:
    """"... in order to create new jobs" -> "create new jobs"."""
    for token in span:
        if token.lower_ != "to" or token.i < 2:
            continue
        before = token.doc[token.i - 1]
        if before.lower_ in _PURPOSE_NOUNS and before.left_edge.i > 0 and token.doc[before.left_edge.i - 1].lower_ == "in" \
                or before.lower_ == "as" and token.doc[token.i - 2].lower_ == "so":
            verb = token.head if token.head.pos_ == "VERB" and token.head.i > token.i else None
            if verb is not None:
                return _text(sorted((t for t in verb.subtree if t.i > token.i), key=lambda t: t.i))
    return None


def _cause(span) -> str | None:
    """"Accounting errors had *forced* the move" -> "Accounting errors": the subject of a verb of causing."""
    for token in span:
        if token.pos_ == "VERB" and token.lemma_.lower() in CAUSE_VERBS:
            subject = next((c for c in token.children if c.dep_ == "nsubj" and c.pos_ != "PRON"), None)
            if subject is not None:
                return _text(sorted(subject.subtree, key=lambda t: t.i))
    return None


def _reported(span) -> str | None:
    """What was said: a quotation in the sentence, or the clause a saying verb introduces."""
    text = span.text
    for open_, close in (("“", "”"), ('"', '"')):
        a = text.find(open_)
        b = text.find(close, a + 1) if a >= 0 else -1
        if a >= 0 and b > a + 1:
            quote = text[a + 1:b].strip(" ,.")
            if 2 <= len(quote.split()) <= MAX_WORDS:
                return quote
    for token in span:
        if token.lemma_.lower() in SAY_VERBS and token.pos_ == "VERB":
            clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
            if clause is not None:
                tokens = sorted(clause.subtree, key=lambda t: t.i)
                if tokens and tokens[0].lower_ == "that":
                    tokens = tokens[1:]
                return _text(tokens)
    return None


def _apposition(span, question: QuestionAnalysis) -> str | None:
    """"Birgit Kuhlhoff, from Sal Oppenheim investment bank," -> the words describing the named person."""
    names = [n.lower() for n in question.names]
    for token in span:
        if token.ent_type_ != "PERSON" and token.pos_ != "PROPN":
            continue
        if not any(token.lower_ in n.split() for n in names):
            continue
        for child in token.children:
            if child.dep_ == "appos":
                return _text(sorted(child.subtree, key=lambda t: t.i))
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ in ("from", "of", "at"):
                return _text(sorted(child.subtree, key=lambda t: t.i))
        titles = [c for c in token.children if c.dep_ in ("compound", "amod") and c.ent_type_ != "PERSON"
                  and c.pos_ == "NOUN"]
        if titles:
            first = min(t.left_edge.i for t in titles)
            return _text([t for t in token.doc[first:token.i] if t.ent_type_ != "PERSON"])
    return None
