"""Split cleaned text into paragraphs and sentences with offsets, and pack sentences into passages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import blingfire

from rag.models import Chunk, Span
from rag.settings import ChunkingSettings

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WORD = re.compile(r"\S+")


def paragraphs(text: str) -> list[Span]:
    """Spans of the blank-line separated paragraphs, whitespace trimmed."""
    spans, pos = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append(_trim(text, pos, match.start()))
        pos = match.end()
    spans.append(_trim(text, pos, len(text)))
    return [s for s in spans if s.end > s.start]


MAX_SENTENCE_WORDS = 120  # a "sentence" longer than this (a table, a list, a line without full stops) is cut
MAX_SENTENCE_CHARS = 1500  # ... and so is one whose words are very long (a run with no spaces at all)


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans inside text[start:end] (blingfire's rule-based splitter), offsets into `text`; over-long ones
    are cut at word boundaries into pieces of at most MAX_SENTENCE_WORDS words and MAX_SENTENCE_CHARS characters."""
    end = len(text) if end is None else end
    piece = text[start:end]
    if not piece.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(piece)
    spans = [_trim(text, start + a, start + b) for a, b in offsets]
    return [part for s in spans if s.end > s.start for part in _bounded(text, s)]


def _bounded(text: str, span: Span) -> list[Span]:
    """`span` cut into pieces short enough to embed, parse and show (linear in its length)."""
    if span.end - span.start <= MAX_SENTENCE_CHARS and word_count(text[span.start:span.end]) <= MAX_SENTENCE_WORDS:
        return [span]
    pieces, start, words, last_space = [], span.start, 0, None
    i = span.start
    while i < span.end:
        if text[i].isspace():
            if i > start and not text[i - 1].isspace():
                words += 1
            last_space = i
        too_long = i - start >= MAX_SENTENCE_CHARS or words >= MAX_SENTENCE_WORDS
        if too_long:
            cut = last_space if last_space is not None and last_space > start else i  # no space: cut the run
            pieces.append(_trim(text, start, cut))
            start, words, last_space = cut, 0, None
            while start < span.end and text[start].isspace():
                start += 1
            i = start
            continue
        i += 1
    pieces.append(_trim(text, start, span.end))
    return [p for p in pieces if p.end > p.start]


def document_sentences(text: str) -> Iterator[tuple[int, Span]]:
    """Every sentence of a document with the index of its paragraph."""
    for p_no, para in enumerate(paragraphs(text)):
        for sent in sentences(text, para.start, para.end):
            yield p_no, sent


def word_count(text: str) -> int:
    """Whitespace-separated words, the unit of every chunk-size setting."""
    return len(_WORD.findall(text))


def chunk_document(doc_id: str, text: str, settings: ChunkingSettings) -> list[Chunk]:
    """Pack whole sentences into passages of about `target_words`, preferring paragraph breaks.

    A passage never crosses documents and never cuts a sentence; when a paragraph itself is split, the next
    passage repeats the last `overlap_sentences` sentences so no sentence loses its context.
    """
    whole = _trim(text, 0, len(text))
    if whole.end > whole.start and word_count(text) <= min(settings.target_words, settings.max_words) \
            and whole.end - whole.start <= settings.max_chars:
        # fits in one passage: sentence splitting could not change the result, so skip it (BEIR-sized corpora)
        return [Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:0", text=text[whole.start:whole.end], start=whole.start,
                      end=whole.end)]
    units = [(p, s, word_count(text[s.start : s.end])) for p, s in document_sentences(text)]
    para_words: dict[int, int] = {}
    for p, _, n in units:
        para_words[p] = para_words.get(p, 0) + n
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0

    def length(group: list[int], extra: int) -> int:
        return units[extra][1].end - units[group[0]][1].start if group else 0

    for i, (para, _, n) in enumerate(units):
        if current:
            new_paragraph = para != units[current[-1]][0]
            too_big = words + n > settings.max_words or length(current, i) > settings.max_chars
            full_at_break = (
                new_paragraph
                and words >= settings.target_words // 3  # a heading stays with the paragraph it introduces
                and words + para_words[para] > settings.target_words
            )
            if too_big or full_at_break or (not new_paragraph and words >= settings.target_words):
                groups.append(current)
                keep = [] if new_paragraph else current[-settings.overlap_sentences :] if settings.overlap_sentences else []
                keep = [j for j in keep if units[j][0] == para]
                # never let the overlap alone push the passage over the limits
                while keep and (sum(units[j][2] for j in keep) + n > settings.max_words
                                or length(keep, i) > settings.max_chars):
                    keep.pop(0)
                current, words = list(keep), sum(units[j][2] for j in keep)
        current.append(i)
        words += n
    if current:
        groups.append(current)
    chunks = []
    for number, group in enumerate(groups):
        start, end = units[group[0]][1].start, units[group[-1]][1].end
        chunks.append(Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:{number}", text=text[start:end], start=start, end=end))
    return chunks


def _trim(text: str, start: int, end: int) -> Span:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start=start, end=end)
