"""Search (rag.retrieval via Engine.search): validation, result shape, modes, MMR, seed-question quality,
concurrency with writers, and the query-vector cache."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

import rag
from rag.embedding import get_embedder
from rag.settings import EmbeddingSettings

INCOME_QUESTION = "What is Hangzhou's 2025 urban-rural income target?"
INCOME_DOC = "001_71f86546a83b57c5"
MODES = ("hybrid", "dense", "lexical")


def answerable_single_turn(questions: list[dict]) -> list[dict]:
    """The rule for the quality checks: every question without chat history that is not marked unanswerable."""
    return [q for q in questions if "history" not in q and q.get("answerable", True) is not False]


# --- validation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\n\t  \n"])
def test_blank_query_is_refused(seed_engine: rag.Engine, query: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        seed_engine.search(query)


def test_non_string_query_is_refused(seed_engine: rag.Engine) -> None:
    with pytest.raises(ValueError, match="string"):
        seed_engine.search(None)  # type: ignore[arg-type]


def test_unknown_mode_is_refused(seed_engine: rag.Engine) -> None:
    with pytest.raises(ValueError, match="unknown search mode 'semantic'"):
        seed_engine.search("Hangzhou", mode="semantic")  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, -1])
def test_k_below_one_is_refused(seed_engine: rag.Engine, k: int) -> None:
    with pytest.raises(ValueError, match="k must be a whole number from 1"):
        seed_engine.search("Hangzhou", k=k)


def test_very_long_query_works_and_warns(seed_engine: rag.Engine, caplog: pytest.LogCaptureFixture) -> None:
    words = "Hangzhou urban rural income ratio target digital economy common prosperity "
    query = (words * (50_000 // len(words) + 1))[:50_000]
    with caplog.at_level(logging.WARNING):
        hits = seed_engine.search(query, k=3)
    assert len(hits) == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("50000" in r.getMessage() and "truncated" in r.getMessage() for r in warnings)


# --- result shape --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3, 7])
def test_results_are_typed_passages_best_first(seed_engine: rag.Engine, mode: str, k: int) -> None:
    hits = seed_engine.search("common prosperity income gap between urban and rural residents", k=k, mode=mode)
    assert len(hits) == k
    docs = {e.doc_id: seed_engine.store.document(e.doc_id) for e in seed_engine.store.catalogue()}
    infos = {d.doc_id: d for d in seed_engine.documents()}
    for hit in hits:
        assert isinstance(hit, rag.Passage)
        assert set(rag.Passage.model_fields) >= {"doc_id", "chunk_id", "text", "score", "title", "date", "start", "end"}
        assert hit.chunk_id.startswith(f"{hit.doc_id}:")
        assert docs[hit.doc_id].text[hit.start:hit.end] == hit.text
        assert (hit.title, hit.date, hit.publisher) == (infos[hit.doc_id].title, infos[hit.doc_id].date,
                                                        infos[hit.doc_id].publisher)
        assert np.isfinite(hit.score)
    assert len({h.chunk_id for h in hits}) == k
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_k_larger_than_the_index_returns_everything_once(seed_engine: rag.Engine) -> None:
    total = seed_engine.store.count()
    k = seed_engine.settings.retrieval.max_k
    assert total < k
    hits = seed_engine.search("Hangzhou", k=k, mode="dense")
    assert len(hits) == total == len({h.chunk_id for h in hits})


def test_default_k_and_mode_come_from_settings(seed_engine: rag.Engine) -> None:
    hits = seed_engine.search(INCOME_QUESTION)
    assert len(hits) == seed_engine.settings.retrieval.k
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in seed_engine.search(INCOME_QUESTION, mode="hybrid")]


def test_modes_rank_differently_but_agree_on_an_easy_query(seed_engine: rag.Engine) -> None:
    rankings = {mode: [h.chunk_id for h in seed_engine.search(INCOME_QUESTION, k=10, mode=mode)] for mode in MODES}
    assert len({tuple(r) for r in rankings.values()}) > 1, "the three modes should not be identical"
    for mode in MODES:
        assert seed_engine.search(INCOME_QUESTION, k=1, mode=mode)[0].doc_id == INCOME_DOC
    dense = seed_engine.search(INCOME_QUESTION, k=3, mode="dense")
    assert all(-1.0001 <= h.score <= 1.0001 for h in dense), "dense scores are cosines"


def test_lexical_mode_finds_nothing_for_unknown_words(seed_engine: rag.Engine) -> None:
    assert seed_engine.search("zzyzx qwxv", mode="lexical") == []
    assert len(seed_engine.search("zzyzx qwxv", mode="hybrid", k=2)) == 2  # dense still answers


def test_income_target_question_ranks_the_answer_first(seed_engine: rag.Engine) -> None:
    top = seed_engine.search(INCOME_QUESTION)[0]
    assert top.doc_id == INCOME_DOC
    assert "1.7:1" in top.text


# --- MMR -----------------------------------------------------------------------------------------------------------

MMR_QUERIES = [
    "Hangzhou common prosperity plan",
    "digital economy in Hangzhou",
    "Asian Games venues",
    "income of urban and rural residents",
    "West Lake tourism and culture",
]


@pytest.mark.parametrize("mode", MODES)
def test_mmr_returns_k_distinct_passages(seed_engine: rag.Engine, mode: str) -> None:
    for query in MMR_QUERIES:
        plain = seed_engine.search(query, k=5, mode=mode)
        diverse = seed_engine.search(query, k=5, mode=mode, mmr=True)
        assert len(diverse) == 5 == len({h.chunk_id for h in diverse})
        assert diverse[0].chunk_id == plain[0].chunk_id, "MMR keeps the most relevant passage first"


def test_mmr_is_more_diverse(seed_engine: rag.Engine) -> None:
    """Over several queries MMR's picks are less similar to each other than plain ranking's, and it changes at
    least one result list."""
    def redundancy(hits: list[rag.Passage]) -> float:
        vectors = seed_engine.store.vectors([h.id for h in hits])
        sim = vectors @ vectors.T
        return float(sim[np.triu_indices(len(hits), 1)].mean())

    changed, plain_total, mmr_total, plain_docs, mmr_docs = 0, 0.0, 0.0, 0, 0
    for query in MMR_QUERIES:
        plain = seed_engine.search(query, k=5)
        diverse = seed_engine.search(query, k=5, mmr=True)
        changed += [h.chunk_id for h in plain] != [h.chunk_id for h in diverse]
        plain_total += redundancy(plain)
        mmr_total += redundancy(diverse)
        plain_docs += len({h.doc_id for h in plain})
        mmr_docs += len({h.doc_id for h in diverse})
    assert changed >= 1
    assert mmr_total < plain_total
    assert mmr_docs >= plain_docs


# --- quality on the seed questions ---------------------------------------------------------------------------------


def test_seed_questions_find_their_source_first(seed_engine: rag.Engine, seed_questions: list[dict]) -> None:
    questions = answerable_single_turn(seed_questions)
    assert len(questions) >= 16
    top1 = [q for q in questions if seed_engine.search(q["question"], k=1)[0].doc_id in q["sources"]]
    misses = sorted({q["id"] for q in questions} - {q["id"] for q in top1})
    assert len([q for q in top1 if q["question"] != INCOME_QUESTION]) >= 15
    assert len(top1) / len(questions) >= 0.9, f"{len(top1)}/{len(questions)} first; missed {misses}"


def test_seed_questions_hit_at_5(seed_engine: rag.Engine, seed_questions: list[dict]) -> None:
    questions = answerable_single_turn(seed_questions)
    misses = [q["id"] for q in questions
              if not {h.doc_id for h in seed_engine.search(q["question"], k=5)} & set(q["sources"])]
    assert misses == []


# --- concurrency ---------------------------------------------------------------------------------------------------

ARTICLES = {
    f"concurrent{n}.txt": (
        f"Harbor festival number {n} draws record crowds to the Merrowick waterfront\n\n"
        f"The {n}th Merrowick harbor festival drew more than {n + 3}0,000 visitors on Saturday, organizers said, "
        "as tall ships from six countries docked along the old quay.\n\n"
        "Street food stalls sold out by the early evening, and a fireworks show closed the first day."
    )
    for n in range(3)
}


def test_searches_stay_consistent_while_documents_change(engine_copy: rag.Engine, tmp_path: Path) -> None:
    paths = []
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    before = {d.doc_id for d in engine_copy.documents()}
    removed = "003_42efec76916f913e"
    queries = ["Merrowick harbor festival crowds", INCOME_QUESTION, "Zhou Jiangyong digital economy",
               "tall ships fireworks", "Asian Games venues"]
    errors: list[BaseException] = []
    seen: list[rag.Passage] = []
    done = threading.Event()
    lock = threading.Lock()

    def reader(n: int) -> None:
        count = 0
        try:
            while not done.is_set() or count < 5:
                for mode in MODES:
                    hits = engine_copy.search(queries[(n + count) % len(queries)], k=5, mode=mode)
                    with lock:
                        seen.extend(hits)
                count += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer() -> None:
        try:
            engine_copy.add_documents(paths[:2])
            engine_copy.remove_documents([removed])
            engine_copy.add_documents(paths[2:])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            done.set()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    after = {d.doc_id for d in engine_copy.documents()}
    assert after == (before - {removed}) | {Path(p).stem for p in ARTICLES}
    assert seen
    texts = {e.doc_id: engine_copy.store.document(e.doc_id).text for e in engine_copy.store.catalogue()}
    for hit in seen:
        assert hit.doc_id in after or hit.doc_id in before
        if hit.doc_id in texts:  # the passage matches the document it came from
            assert texts[hit.doc_id][hit.start:hit.end] == hit.text
    assert engine_copy.search("Merrowick harbor festival crowds", k=1)[0].doc_id.startswith("concurrent")
    reopened = rag.load(index_dir=engine_copy.index_dir, corpus_dir=engine_copy.corpus_dir)
    assert {d.doc_id for d in reopened.documents()} == after


# --- the query-vector cache ----------------------------------------------------------------------------------------


def test_query_vectors_are_cached_and_read_only(seed_engine: rag.Engine) -> None:
    embedder = seed_engine.embedder
    first = embedder.embed_query("urban-rural income ratio target")
    second = embedder.embed_query("urban-rural income ratio target")
    assert second is first
    assert not first.flags.writeable
    assert first.shape == (seed_engine.settings.embedding.dimension,)
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-4
    other = embedder.embed_query("a different question")
    assert other is not first and not np.allclose(other, first)
    # the fast single-query path agrees with the batch encoder used for passages
    batch = embedder.embed_passages(["urban-rural income ratio target"])[0]
    assert float(batch @ first) > 0.999


def test_query_cache_evicts_least_recently_used() -> None:
    embedder = get_embedder(EmbeddingSettings(query_cache_size=2))
    a = embedder.embed_query("alpha query")
    b = embedder.embed_query("beta query")
    assert embedder.embed_query("alpha query") is a  # alpha is now the most recently used
    embedder.embed_query("gamma query")  # evicts beta
    assert embedder.embed_query("alpha query") is a
    b2 = embedder.embed_query("beta query")
    assert b2 is not b and np.allclose(b2, b, atol=1e-5)
