"""BM25 over per-segment postings (rag.lexical) against bm25s's one-shot index of the same corpus."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from rag.lexical import Postings, bm25, live, term_idf
from rag.settings import RetrievalSettings
from rag.text import terms, terms_many

CORPUS = [
    "The harbour ferry was delayed by the spring tide on Monday.",
    "A ferry operator said tides and wind delayed three crossings.",
    "Astronomers tracked the comet as it crossed the orbit of Mars.",
    "The comet's tail was seen from the harbour wall, a ferry captain said.",
    "The budget raised the tax on fuel and cut the deficit.",
    "Fuel duty rose in the budget; the deficit fell for a third year.",
    "The striker scored twice and the league leaders won the match.",
    "A late goal by the striker kept the league title race open.",
    "Vaccine trial results showed a second dose doubled protection.",
    "The bridge over the river closed after the flood, the council said.",
    "Flood water reached the bridge, and the river rose again on Tuesday.",
    "Election turnout fell as ballot boxes arrived late in rural areas.",
    "Officials said officials said officials said: repetition changes term frequency.",
    "Tide tables for the harbour, the ferry and the bridge.",
]
QUERIES = ["harbour ferry tide", "comet orbit", "budget deficit fuel tax", "striker goal league", "flood flood bridge",
           "officials said", "ferry", "zzyzx unknown words", "the and of"]


def reference(texts: list[str], query: str, settings: RetrievalSettings) -> np.ndarray:
    retriever = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b, method="lucene")
    retriever.index(terms_many(texts), show_progress=False)
    query_terms = [t for t in terms(query) if t in retriever.vocab_dict]
    return retriever.get_scores(query_terms) if query_terms else np.zeros(len(texts))


def ours(parts: list[tuple[list[str], np.ndarray]], query: str, settings: RetrievalSettings) -> np.ndarray:
    """Scores of every row of every part, concatenated (deleted rows score 0)."""
    live_parts = [live(Postings.build(texts), dead) for texts, dead in parts]
    scores = bm25(live_parts, terms(query), settings.bm25_k1, settings.bm25_b)
    return np.concatenate([s if s is not None else np.zeros(len(t)) for s, (t, _) in zip(scores, parts)])


@pytest.mark.parametrize("settings", [RetrievalSettings(), RetrievalSettings(bm25_k1=1.5, bm25_b=0.75)],
                         ids=["default", "k1-1.5-b-0.75"])
@pytest.mark.parametrize("query", QUERIES)
def test_split_postings_score_as_one_bm25s_index(query: str, settings: RetrievalSettings) -> None:
    expected = reference(CORPUS, query, settings)
    cuts = [(0, 5), (5, 6), (6, 14)]  # uneven segments, one of a single passage
    parts = [(CORPUS[a:b], np.zeros(b - a, bool)) for a, b in cuts]
    assert np.allclose(ours(parts, query, settings), expected, rtol=1e-5, atol=1e-6)
    assert np.allclose(ours([(CORPUS, np.zeros(len(CORPUS), bool))], query, settings), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES)
def test_deleted_rows_leave_the_statistics(query: str) -> None:
    """Deleting passages from segments scores like indexing only what is left: df, N and avgdl are all live."""
    settings = RetrievalSettings()
    deleted = {1, 4, 9, 13}
    expected = reference([t for i, t in enumerate(CORPUS) if i not in deleted], query, settings)
    parts = [(CORPUS[a:b], np.array([i in deleted for i in range(a, b)])) for a, b in [(0, 7), (7, 14)]]
    got = ours(parts, query, settings)
    assert not got[sorted(deleted)].any()
    assert np.allclose(np.delete(got, sorted(deleted)), expected, rtol=1e-5, atol=1e-6)


def test_merged_postings_equal_postings_built_at_once() -> None:
    a, b = Postings.build(CORPUS[:6]), Postings.build(CORPUS[6:])
    keep_a, keep_b = np.array([0, 2, 3, 5]), np.arange(8)
    merged = Postings.merge([(a, keep_a), (b, keep_b)])
    direct = Postings.build([CORPUS[i] for i in [0, 2, 3, 5]] + CORPUS[6:])
    assert sorted(merged.terms) == sorted(direct.terms)
    assert np.array_equal(merged.lengths, direct.lengths)
    for term in direct.terms:
        assert [r.tolist() for r in merged.column(term)] == [r.tolist() for r in direct.column(term)], term


def test_idf_counts_live_passages_only() -> None:
    dead = np.zeros(len(CORPUS), bool)
    part = live(Postings.build(CORPUS), dead)
    df = sum("ferri" in terms(t) for t in CORPUS)
    assert term_idf([part], "ferri") == pytest.approx(np.log(1 + (len(CORPUS) - df + 0.5) / (df + 0.5)))
    dead[[0, 1]] = True  # two of the ferry passages
    assert term_idf([live(Postings.build(CORPUS), dead)], "ferri") == pytest.approx(
        np.log(1 + (len(CORPUS) - 2 - (df - 2) + 0.5) / (df - 2 + 0.5)))
    assert term_idf([part], "zzyzx") == pytest.approx(np.log(1 + (len(CORPUS) + 0.5) / 0.5))


def test_saved_postings_load_the_same(tmp_path) -> None:
    postings = Postings.build(CORPUS)
    postings.save(tmp_path)
    again = Postings.load(tmp_path)
    assert again.terms == postings.terms and np.array_equal(again.lengths, postings.lengths)
    assert (again.matrix != postings.matrix).nnz == 0
    (tmp_path / "terms.json").write_text('["one"]', encoding="utf-8")
    with pytest.raises(ValueError, match="disagree"):
        Postings.load(tmp_path)
