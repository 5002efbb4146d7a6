"""HTML for the chat, sources and documents panels, built only from escaped pieces.

Every piece of article text (titles, publishers, passages, quotes, answers quoting them) is untrusted: it is passed
through `html.escape` before it is put into markup, and highlights are built from separately escaped segments, so a
document containing `<script>` or `<img onerror=...>` is shown as text and never becomes an element.
No Gradio import here: these are plain functions, unit-tested on their own.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence

from rag.models import Answer, Citation, DocumentInfo, Passage

ABSTAIN_TITLE = "The articles do not answer this"
EMPTY_SOURCES = '<div class="rag-empty">Ask a question: the passages behind the answer appear here.</div>'
EMPTY_PASSAGES = '<div class="rag-empty">No passages retrieved yet.</div>'
PENDING_ANSWER = '<div class="rag-pending">Searching the articles…</div>'
PENDING_SOURCES = '<div class="rag-empty">Finding the supporting passages…</div>'

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SPACES = re.compile(r"\s+")


def esc(text: object) -> str:
    """HTML-escaped text (quotes included); None becomes ''."""
    return html.escape("" if text is None else str(text), quote=True)


def esc_lines(text: object) -> str:
    """Escaped text with line breaks as <br>, so the result never contains a blank line (which ends an HTML block
    in the Chatbot's markdown)."""
    return esc(str(text or "").replace("\r\n", "\n").strip()).replace("\n", "<br>")


def esc_lines_raw(text: str) -> str:
    """Like esc_lines but without stripping, for the pieces between markers."""
    return esc(text.replace("\r\n", "\n")).replace("\n", "<br>")


def answer_html(text: str) -> str:
    """Answer text with its [n] citation markers as superscripts; everything between them escaped."""
    parts, last = [], 0
    for match in _MARKER.finditer(text or ""):
        parts.append(esc_lines_raw(text[last:match.start()]))
        parts.append(f'<sup class="rag-cite">[{int(match.group(1))}]</sup>')
        last = match.end()
    parts.append(esc_lines_raw(text[last:] if text else ""))
    return "".join(parts).strip()


def quote_span(passage_text: str, quote: str, start: int | None = None) -> tuple[int, int] | None:
    """Where `quote` sits in `passage_text`: at `start` (offset within the passage) when it matches there, else its
    first occurrence, else a whitespace-insensitive match; None when the quote is not in the passage."""
    if not quote:
        return None
    if start is not None and 0 <= start and passage_text[start:start + len(quote)] == quote:
        return start, start + len(quote)
    found = passage_text.find(quote)
    if found >= 0:
        return found, found + len(quote)
    words = [re.escape(w) for w in quote.split()]
    if words:
        match = re.search(r"\s+".join(words), passage_text)
        if match:
            return match.start(), match.end()
    return None


def highlight(passage_text: str, quote: str, start: int | None = None) -> str:
    """The passage escaped, with the quote wrapped in <mark>; escaped before/quote/after separately so offsets are
    taken on the raw text. A quote not found in the passage is shown marked beneath it."""
    passage_text = passage_text or ""
    span = quote_span(passage_text, quote, start)
    if span is None:
        body = esc_lines(passage_text)
        return body + (f'<div class="rag-quote-alone"><mark>{esc_lines(quote)}</mark></div>' if quote else "")
    a, b = span
    return (esc_lines_raw(passage_text[:a]) + "<mark>" + esc_lines_raw(passage_text[a:b]) + "</mark>"
            + esc_lines_raw(passage_text[b:])).strip()


def citation_highlight(citation: Citation) -> str:
    """The cited passage with the supporting sentence highlighted (offsets are in the document's cleaned text)."""
    return highlight(citation.passage_text, citation.quote, citation.start - citation.passage_start)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def meta_line(publisher: str | None, date: dt.date | None, score: float | None = None,
              doc_id: str | None = None) -> str:
    """'Publisher · 2021-12-06 · score 0.048 · doc_id', escaped; unknown publisher or date are said so."""
    bits = [esc(publisher) if publisher else '<span class="rag-unknown">publisher unknown</span>',
            esc(_date(date)) if date else '<span class="rag-unknown">undated</span>']
    if score is not None:
        bits.append(f"score {score:.3f}")
    if doc_id:
        bits.append(f'<code>{esc(doc_id)}</code>')
    return " · ".join(bits)


def same_query(typed: str, rewritten: str) -> bool:
    """True when the rewritten query only differs from what was typed by case, spacing or end punctuation."""
    def norm(s: str) -> str:
        return _SPACES.sub(" ", (s or "").casefold()).strip().rstrip("?.!")
    return norm(typed) == norm(rewritten)


# ---- chat messages -------------------------------------------------------------------------------------------------

def user_message(question: str) -> str:
    """The user's turn as shown in the chat."""
    return f'<div class="rag-question">{esc_lines(question)}</div>'


def _without_title(text: str) -> str:
    """Abstention text minus a first line that only repeats the notice's title."""
    first, _, rest = (text or "").strip().partition("\n")
    return rest if first.casefold().startswith(ABSTAIN_TITLE.casefold()) else text


def answer_message(answer: Answer) -> str:
    """The assistant's turn: the answer with markers and a compact source list, or a distinct abstention notice."""
    if not answer.answered:
        return ('<div class="rag-abstain">'
                f'<div class="rag-abstain-title">⚠ {ABSTAIN_TITLE}</div>'
                f'<div class="rag-abstain-body">{esc_lines(_without_title(answer.text))}</div>'
                '<div class="rag-abstain-foot">No passage supports an answer; the nearest ones are shown under '
                'Sources for reference only.</div></div>')
    sources = "".join(
        f'<li><span class="rag-num">{c.n}</span> {esc(c.title or c.doc_id)}'
        f'{" · " + esc(c.publisher) if c.publisher else ""}{" · " + esc(_date(c.date)) if c.date else ""}</li>'
        for c in answer.citations)
    if answer.generator == "llm":
        body = generated_html(answer)
    else:
        head, sep, rest = (answer.text or "").strip().partition("\n\n")
        body = (f'<div class="rag-short">{answer_html(head)}</div><div class="rag-answer-quotes">'
                f'{answer_html(rest.strip())}</div>') if sep and len(head) <= 200 else answer_html(answer.text)
    notice = f'<div class="rag-notice-line">⚠ {esc(answer.notice)}</div>' if answer.notice else ""
    checked = ""
    if answer.generator == "llm":
        checked = (" · every sentence checked against its source" if answer.verified else
                   f" · {len(answer.unsupported_claims)} sentence(s) not supported by their sources")
    return ('<div class="rag-answer">' + notice + f'<div class="rag-answer-text">{body}</div>'
            + (f'<ul class="rag-answer-sources">{sources}</ul>' if sources else "")
            + f'<div class="rag-answer-foot">confidence {answer.confidence:.0%} · {answer.seconds:.1f}s'
              f'{esc(checked)}</div></div>')


def generated_html(answer: Answer) -> str:
    """A model's answer with every sentence that failed the check struck through and flagged."""
    text = answer.text or ""
    parts, last = [], 0
    for claim in answer.unsupported_claims:
        at = text.find(claim, last)
        if at < 0:
            continue
        parts.append(answer_html(text[last:at]))
        parts.append(f'<del class="rag-unsupported" title="not supported by the passage it cites">'
                     f'{answer_html(claim)}</del><span class="rag-flag-unsupported"> (unsupported)</span>')
        last = at + len(claim)
    parts.append(answer_html(text[last:]))
    return "".join(parts)


def streaming_message(text: str) -> str:
    """A model's answer while it is being written (checked once complete)."""
    return (f'<div class="rag-answer rag-streaming"><div class="rag-answer-text">{answer_html(text)}</div>'
            '<div class="rag-answer-foot">writing… (each sentence is checked against its source when done)</div>'
            '</div>')


def error_message(message: str) -> str:
    """A failed turn, shown as an error rather than an answer."""
    return f'<div class="rag-error">Could not answer: {esc_lines(message)}</div>'


# ---- sources panel --------------------------------------------------------------------------------------------------

def _citation_card(c: Citation) -> str:
    note = f'<div class="rag-note">Note: {esc(c.note)}</div>' if c.note else ""
    return ('<div class="rag-card">'
            f'<div class="rag-card-head"><span class="rag-num">{c.n}</span>'
            f'<span class="rag-title">{esc(c.title or c.doc_id)}</span></div>'
            f'<div class="rag-meta">{meta_line(c.publisher, c.date, c.score, c.doc_id)}</div>{note}'
            f'<blockquote class="rag-passage">{citation_highlight(c)}</blockquote></div>')


def _passage_card(rank: int, p: Passage, marked: str | None = None) -> str:
    body = marked if marked is not None else esc_lines(p.text)
    return ('<div class="rag-card rag-card-plain">'
            f'<div class="rag-card-head"><span class="rag-rank">#{rank}</span>'
            f'<span class="rag-title">{esc(p.title or p.doc_id)}</span></div>'
            f'<div class="rag-meta">{meta_line(p.publisher, p.date, p.score, p.chunk_id)}</div>'
            f'<blockquote class="rag-passage">{body}</blockquote></div>')


def sources_html(answer: Answer) -> str:
    """The sources panel for one answer: a card per citation, or for an abstention the nearest passages."""
    head = f'<div class="rag-sources-for">Sources for: <q>{esc(answer.question)}</q></div>'
    if not answer.answered or not answer.citations:
        nearest = "".join(_passage_card(i, p) for i, p in enumerate(answer.passages[:3], 1))
        return (f'<div class="rag-sources">{head}<div class="rag-abstain rag-abstain-small">'
                f'<div class="rag-abstain-title">⚠ {ABSTAIN_TITLE}</div>'
                'Nearest passages, for reference only (they do not contain the answer):</div>'
                f'{nearest or EMPTY_PASSAGES}</div>')
    return f'<div class="rag-sources">{head}{"".join(_citation_card(c) for c in answer.citations)}</div>'


def passages_html(answer: Answer) -> str:
    """Every retrieved passage (cited sentences highlighted) and the standalone query when it was rewritten."""
    parts = []
    if answer.rewritten_query and not same_query(answer.question, answer.rewritten_query):
        parts.append(f'<div class="rag-rewrite">Searched as: <q>{esc(answer.rewritten_query)}</q></div>')
    quotes: dict[str, list[Citation]] = {}
    for c in answer.citations:
        quotes.setdefault(c.chunk_id, []).append(c)
    for rank, p in enumerate(answer.passages, 1):
        cited = quotes.get(p.chunk_id)
        marked = highlight(p.text, cited[0].quote, cited[0].start - p.start) if cited else None
        parts.append(_passage_card(rank, p, marked))
    return "".join(parts) or EMPTY_PASSAGES


# ---- documents tab --------------------------------------------------------------------------------------------------

DOC_HEADERS = ["id", "title", "author", "publisher", "date", "passages"]


def document_rows(docs: Iterable[DocumentInfo]) -> list[list]:
    """Rows for the corpus table (plain strings: the table shows them as text)."""
    return [[d.doc_id, d.title or "", d.author or "", d.publisher or "", _date(d.date), d.passages] for d in docs]


def document_choices(docs: Iterable[DocumentInfo]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for the removal dropdown."""
    out = []
    for d in docs:
        title = d.title or ""
        out.append((f"{d.doc_id} — {title[:70]}{'…' if len(title) > 70 else ''}" if title else d.doc_id, d.doc_id))
    return out


def corpus_summary(docs: Sequence[DocumentInfo]) -> str:
    return f"**{len(docs)}** documents, **{sum(d.passages for d in docs)}** passages in the index."


def file_results_html(results: Sequence[tuple[str, bool | None, str]]) -> str:
    """One line per uploaded file: (file name, ok, message); ok None marks the file being indexed now."""
    if not results:
        return ""
    marks = {True: ("rag-ok", "✔"), False: ("rag-bad", "✘"), None: ("rag-pending", "…")}
    items = "".join(
        f'<li class="{marks[ok][0]}"><span class="rag-flag">{marks[ok][1]}</span> '
        f'<strong>{esc(name)}</strong>: {esc(message)}</li>' for name, ok, message in results)
    return f'<ul class="rag-results">{items}</ul>'


def notice_html(message: str, ok: bool) -> str:
    """A one-line success or error notice."""
    return f'<div class="{"rag-ok" if ok else "rag-bad"} rag-notice">{esc(message)}</div>'
