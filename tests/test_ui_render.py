"""Fast checks of the UI's HTML helpers: escaping, quote highlighting by offsets, abstention rendering."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rag.models import Answer, Citation, DocumentInfo, Passage
from ui import render

HOSTILE = 'Bad <script>alert(1)</script> <img src=x onerror="alert(2)"> & done'


def _no_raw_tags(html: str) -> None:
    """No element from article text survived: only escaped forms."""
    assert "<script" not in html and "<img" not in html


def _citation(passage: str, quote: str, passage_start: int = 100, **extra) -> Citation:
    start = passage_start + passage.index(quote)
    data = dict(n=1, doc_id="doc1", chunk_id="doc1:0", title="Title", quote=quote, start=start,
                end=start + len(quote), passage_text=passage, passage_start=passage_start, score=0.5)
    data.update(extra)
    return Citation(**data)


def _answer(answered: bool = True, **extra) -> Answer:
    passage = "First sentence. The ratio will fall to 1.7:1. Last one."
    data = dict(question="What ratio?", text="“The ratio will fall to 1.7:1.” [1]", answered=answered,
                citations=[_citation(passage, "The ratio will fall to 1.7:1.")] if answered else [],
                passages=[Passage(doc_id="doc1", chunk_id="doc1:0", text=passage, score=0.5, title="Title",
                                  start=100, end=100 + len(passage))],
                rewritten_query="What ratio?", confidence=0.8)
    data.update(extra)
    return Answer(**data)


def test_esc_escapes_markup_and_quotes() -> None:
    out = render.esc(HOSTILE)
    _no_raw_tags(out)
    assert "&lt;script&gt;" in out and "&amp; done" in out and "&quot;" in out
    assert render.esc(None) == ""


def test_highlight_uses_offsets_and_escapes_each_segment() -> None:
    passage = "<b>bold</b> lead. The quote & more. <i>tail</i>"
    quote = "The quote & more."
    out = render.highlight(passage, quote, passage.index(quote))
    assert out == ("&lt;b&gt;bold&lt;/b&gt; lead. <mark>The quote &amp; more.</mark> &lt;i&gt;tail&lt;/i&gt;")


def test_highlight_picks_the_occurrence_at_the_offset() -> None:
    passage = "Same. Other. Same."
    out = render.highlight(passage, "Same.", 13)
    assert out == "Same. Other. <mark>Same.</mark>"


def test_highlight_falls_back_when_offsets_are_wrong_or_quote_missing() -> None:
    passage = "Alpha beta.\nGamma   delta epsilon."
    assert render.highlight(passage, "Alpha beta.", 999) == "<mark>Alpha beta.</mark><br>Gamma   delta epsilon."
    assert "<mark>Gamma   delta</mark>" in render.highlight(passage, "Gamma delta", None)
    missing = render.highlight(passage, "<img src=x onerror=alert(1)>", 0)
    _no_raw_tags(missing)
    assert 'class="rag-quote-alone"' in missing


def test_citation_highlight_uses_document_offsets() -> None:
    passage = "One. Two <three>. Four."
    c = _citation(passage, "Two <three>.", passage_start=500)
    assert render.citation_highlight(c) == "One. <mark>Two &lt;three&gt;.</mark> Four."


def test_answer_message_marks_citations_and_escapes() -> None:
    a = _answer(text=f"{HOSTILE} [1]\nSecond line [12]")
    out = render.answer_message(a)
    _no_raw_tags(out)
    assert '<sup class="rag-cite">[1]</sup>' in out and '<sup class="rag-cite">[12]</sup>' in out
    assert "\n\n" not in out and 'class="rag-answer"' in out and "rag-abstain" not in out


def test_answer_message_sets_the_short_answer_apart() -> None:
    out = render.answer_message(_answer(text="1.7:1 [1]\n\n“The ratio will fall to 1.7:1.” [1]"))
    assert '<div class="rag-short">1.7:1 <sup class="rag-cite">[1]</sup></div>' in out
    assert '<div class="rag-answer-quotes">“The ratio will fall to 1.7:1.” <sup' in out
    assert "Title" in out and "confidence 80%" in out


def test_abstention_is_rendered_distinctly() -> None:
    a = _answer(answered=False, text="The articles do not answer this question.\nNearest passages:\n- <b>x</b>")
    chat = render.answer_message(a)
    assert 'class="rag-abstain"' in chat and render.ABSTAIN_TITLE in chat and "rag-answer" not in chat
    assert "&lt;b&gt;x&lt;/b&gt;" in chat and chat.count("do not answer this") == 1
    panel = render.sources_html(a)
    assert "rag-abstain" in panel and "<mark>" not in panel and "First sentence." in panel


def test_sources_panel_shows_metadata_and_highlight() -> None:
    a = _answer()
    a.citations[0] = a.citations[0].model_copy(update={"title": HOSTILE, "publisher": "Daily <b>",
                                                       "date": dt.date(2021, 12, 6), "note": "next year = 2022"})
    out = render.sources_html(a)
    _no_raw_tags(out)
    assert "<mark>The ratio will fall to 1.7:1.</mark>" in out
    assert "Daily &lt;b&gt;" in out and "2021-12-06" in out and "score 0.500" in out and "next year = 2022" in out
    assert re.search(r'class="rag-num">1<', out)


def test_passages_panel_shows_rewrite_only_when_it_differs() -> None:
    assert "Searched as" not in render.passages_html(_answer(rewritten_query="what ratio"))
    out = render.passages_html(_answer(question="And then?", rewritten_query="And then <x> (Hangzhou)?"))
    assert "Searched as" in out and "&lt;x&gt;" in out and "<mark>" in out


@pytest.mark.parametrize("text", ["", "plain"])
def test_esc_lines_never_leaves_blank_lines(text: str) -> None:
    assert "\n" not in render.esc_lines(text + "\n\n\nmore")


def test_documents_helpers_and_results() -> None:
    docs = [DocumentInfo(doc_id="a", source="a.txt", title="T <x>", publisher=None, date=dt.date(2020, 1, 2),
                         author="Jane Okafor", passages=3)]
    assert render.document_rows(docs) == [["a", "T <x>", "Jane Okafor", "", "2020-01-02", 3]]
    assert render.document_choices(docs) == [("a — T <x>", "a")]
    out = render.file_results_html([("<evil>.txt", False, "the file is empty"), ("ok.txt", True, "added as ok")])
    assert "&lt;evil&gt;.txt" in out and "rag-bad" in out and "rag-ok" in out
    assert "2" not in render.corpus_summary([]) and "3" in render.corpus_summary(docs)


def test_parse_history_accepts_json_lists_and_nothing() -> None:
    from ui.app import parse_history

    msgs = [{"role": "user", "content": "q"}]
    assert parse_history('[{"role": "user", "content": "q"}]') == msgs
    assert parse_history(msgs) == msgs
    assert parse_history(None) is None and parse_history("") is None
    with pytest.raises(ValueError):
        parse_history("{not json")
    with pytest.raises(ValueError):
        parse_history('{"role": "user"}')
