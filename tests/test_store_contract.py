"""The behaviour every `PassageStore` backend must have, run against each one in `BACKENDS`.

A backend joins by adding one entry to `BACKENDS`: a factory, made from the test's tmp_path and request, whose
`create()` gives an empty store at a fresh location and whose `reopen()` gives another instance over the same
committed data (a second process, as far as the store can tell). The PostgreSQL store runs twice: as configured
(exact search at these sizes) and with HNSW indexes from the first row, which queries must use.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rag.passage_store import IndexProfile, PassageStore
from rag.pg_store import PostgresStore
from rag.segment_store import SegmentStore
from rag.settings import Settings, StoreSettings
from rag.stores import memory_store
from rag.text import terms

from .postgres import pg_settings
from .synthetic import indexed, query_vector, words


class SegmentsFactory:
    """The embedded store in a folder, with a merge policy small enough that a few commits merge segments."""

    def __init__(self, root: Path, request: pytest.FixtureRequest):
        self.settings = Settings(index_dir=root / "index",
                                 store=StoreSettings(merge_factor=3, floor_passages=1, commit_merge_passages=40))

    def create(self) -> PassageStore:
        return SegmentStore(self.settings, Path(self.settings.index_dir))

    def reopen(self) -> PassageStore:
        return SegmentStore.open(Path(self.settings.index_dir), self.settings)


class PostgresFactory:
    """The PostgreSQL store in a schema of its own on the session's server (the `pg_url` fixture)."""

    def __init__(self, root: Path, request: pytest.FixtureRequest, **settings):
        self.settings = pg_settings(request.getfixturevalue("pg_url"), root, **settings)
        self.opened: list[PostgresStore] = []
        request.addfinalizer(lambda: [store.close() for store in self.opened])

    def create(self) -> PassageStore:
        self.opened.append(PostgresStore(self.settings))
        return self.opened[-1]

    def reopen(self) -> PassageStore:
        self.opened.append(PostgresStore.open(self.settings))
        return self.opened[-1]


BACKENDS: dict[str, Callable[[Path, pytest.FixtureRequest], object]] = {
    "segments": SegmentsFactory,
    "postgres": PostgresFactory,
    "postgres-hnsw": functools.partial(PostgresFactory, exact_search_max=0, force_indexes=True),
}
BIG = 10_000  # a k past any test corpus: searches return every match


@pytest.fixture(params=sorted(BACKENDS))
def store_factory(request: pytest.FixtureRequest, tmp_path: Path):
    return BACKENDS[request.param](tmp_path, request)


def committed(factory, *docs, **kw) -> PassageStore:
    store = factory.create()
    store.add_documents(list(docs), **kw)
    store.commit()
    return store


def every_id(store: PassageStore) -> set[int]:
    return {i for e in store.catalogue() for i in store.passage_ids(e.doc_id)}


def all_hits(store: PassageStore, key: str, query: str) -> dict[str, set[int]]:
    vector = query_vector(key)
    return {"dense": {i for i, _ in store.dense_search(vector, BIG)},
            "lexical": {i for i, _ in store.lexical_search(query, BIG)},
            "sentence": {i for i, _ in store.sentence_search(vector, BIG)}}


def results(store: PassageStore) -> list:
    """Rankings and scores of a few queries in every mode (to compare two states exactly)."""
    out = []
    for key in ("a", "b", "c"):
        vector = query_vector(key)
        out += [store.dense_search(vector, 20), store.sentence_search(vector, 20)]
    for query in ("harbour ferry story", "officials said budget", "comet orbit v1", "goal taga0"):
        out.append(store.lexical_search(query, 20))
    return out


def assert_same(got: list, expected: list) -> None:
    """The same rankings with the same scores, up to float32 rounding: a sentence's inner product with the query
    is computed in a matrix product whose rounding depends on where in the segment the sentence sits."""
    assert [[i for i, _ in hits] for hits in got] == [[i for i, _ in hits] for hits in expected]
    for a, b in zip(got, expected):
        assert [s for _, s in a] == pytest.approx([s for _, s in b], rel=1e-6, abs=1e-7)


def test_staged_changes_are_visible_only_after_commit(store_factory) -> None:
    store = store_factory.create()
    store.add_documents([indexed("a"), indexed("b")])
    assert store.count() == 0 and store.catalogue() == [] and store.dense_search(query_vector("a"), 5) == []
    store.commit()
    assert store.count() == 6
    assert [(e.doc_id, e.source, e.content_hash, e.meta.title, e.passages) for e in store.catalogue()] == [
        ("a", "a.txt", "a-0", "Title of a", 3), ("b", "b.txt", "b-0", "Title of b", 3)]
    store.delete_documents(["a"])
    assert store.count() == 6 and store.document("a") is not None
    store.commit()
    assert store.count() == 3 and store.document("a") is None


def test_every_search_finds_what_was_added(store_factory) -> None:
    docs = [indexed(d) for d in "abcde"]
    store = committed(store_factory, *docs)
    doc = docs[2]
    ids = store.passage_ids("c")
    assert len(ids) == 3 and [p.chunk_id for p in store.passages(ids)] == [c.chunk_id for c in doc.chunks]
    best_id, best = store.dense_search(doc.vectors[1], 1)[0]
    assert best_id == ids[1] and best == pytest.approx(1.0, abs=1e-5)
    assert store.sentence_search(doc.sentences.vectors[3], 1)[0] == (ids[1], pytest.approx(1.0, abs=1e-5))
    hits = store.lexical_search("story tagc2", BIG)
    assert hits[0][0] == ids[2] and all(s > 0 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert store.lexical_search("zzyzx", 5) == []
    assert np.allclose(store.vectors(ids), doc.vectors)
    assert [store.analysis(i) for i in ids] == doc.analyses
    block = store.sentence_block("c")
    assert np.array_equal(block.spans, doc.sentences.spans) and np.allclose(block.vectors, doc.sentences.vectors)
    assert store.document("c").text == doc.document.text


def test_deleted_documents_are_never_returned(store_factory) -> None:
    docs = [indexed(d, passages=4) for d in "abcdefgh"]
    store = committed(store_factory, *docs[:4])
    store.add_documents(docs[4:])
    store.commit()
    gone = {i for d in ("b", "f", "g") for i in store.passage_ids(d)}
    store.delete_documents(["b", "f", "g", "no-such-document"])
    store.commit()
    assert gone and not gone & every_id(store)
    for key, query in (("a", "story tagb0"), ("f", "officials said"), ("g", "tagf1 story tagg2")):
        for mode, hits in all_hits(store, key, query).items():
            assert hits and not hits & gone, mode
    assert store.passages(sorted(gone)) == [] and not store.vectors(sorted(gone)).any()
    assert store.document("f") is None and store.sentence_block("f") is None and store.passage_ids("f") == []
    assert store.analysis(min(gone)) == b""
    assert [e.doc_id for e in store.catalogue()] == ["a", "c", "d", "e", "h"] and store.count() == 20


def test_replacing_a_document_hides_its_old_passages(store_factory) -> None:
    store = committed(store_factory, indexed("a"), indexed("b"))
    old = store.passage_ids("a")
    store.add_documents([indexed("a", version=1)])
    store.commit()
    new = store.passage_ids("a")
    assert len(new) == 3 and not set(new) & set(old) and store.count() == 6
    assert "version v1" in store.document("a").text and store.document("a").content_hash == "a-1"
    hits = {i for i, _ in store.lexical_search("story taga0 v0", BIG)}
    assert hits and not hits & set(old)
    assert [p.id for p in store.passages(old + new)] == new


def test_ids_are_stable_across_commits_and_merges(store_factory) -> None:
    store = store_factory.create()
    seen: dict[str, list[int]] = {}
    for n, doc_id in enumerate("abcdefghijkl"):
        store.add_documents([indexed(doc_id, passages=1 + n % 3)])
        if n % 4 == 3:
            store.delete_documents(["abcdefghijkl"[n - 2]])
        store.commit()
        for e in store.catalogue():
            assert seen.setdefault(e.doc_id, store.passage_ids(e.doc_id)) == store.passage_ids(e.doc_id)
    before = results(store)
    ids = {e.doc_id: store.passage_ids(e.doc_id) for e in store.catalogue()}
    store.optimize()
    assert_same(results(store), before)
    assert {e.doc_id: store.passage_ids(e.doc_id) for e in store.catalogue()} == ids
    assert store_factory.reopen().passage_ids("l") == ids["l"]
    store.add_documents([indexed("m")])
    store.commit()
    assert min(store.passage_ids("m")) > max(i for v in ids.values() for i in v), "an id is never reused"


def test_a_reopened_store_serves_the_same_index(store_factory) -> None:
    store = committed(store_factory, *[indexed(d) for d in "abcd"], words=words("ferry", "comet"))
    store.delete_documents(["b"])
    store.set_profile(IndexProfile.of(Settings(), "test-analysis"))
    store.commit()
    again = store_factory.reopen()
    assert again.catalogue() == store.catalogue() and again.count() == store.count() == 9
    assert_same(results(again), results(store))
    assert again.profile() == store.profile() and again.profile().analysis == "test-analysis"
    assert again.lexicon().words == store.lexicon().words and again.idf("ferri") == store.idf("ferri")


def test_another_instance_sees_a_commit_after_refresh(store_factory) -> None:
    writer = committed(store_factory, indexed("a"), indexed("b"))
    reader = store_factory.reopen()
    assert reader.refresh() is False
    writer.add_documents([indexed("c")])
    writer.delete_documents(["a"])
    writer.commit()
    assert [e.doc_id for e in reader.catalogue()] == ["a", "b"], "a commit is seen only after refresh"
    assert reader.refresh() is True
    assert reader.catalogue() == writer.catalogue()
    assert_same(results(reader), results(writer))
    assert reader.refresh() is False
    # and the other way round: a write through the reader starts from the latest commit
    with reader.writing():
        reader.add_documents([indexed("d")])
        reader.commit()
    writer.refresh()
    assert [e.doc_id for e in writer.catalogue()] == ["b", "c", "d"]


def test_bm25_statistics_are_over_live_passages(store_factory) -> None:
    store = committed(store_factory, *[indexed(d) for d in "abcdef"])
    store.add_documents([indexed(d) for d in "ghij"])
    store.commit()
    store.delete_documents(["c", "h"])
    store.commit()
    live = [p for e in store.catalogue() for p in store.passages(store.passage_ids(e.doc_id))]
    for term in ("offici", "harbour", "comet", "version", "zzyzx"):
        df = sum(term in terms(p.text) for p in live)
        assert store.idf(term) == pytest.approx(math.log(1 + (len(live) - df + 0.5) / (df + 0.5))), term


def test_lexicon_words_are_added_once_and_outlive_their_documents(store_factory) -> None:
    store = committed(store_factory, indexed("a"), words=words("ferry", "harbour"))
    store.add_documents([indexed("b")], words=words("harbour", "comet"))
    store.commit()
    assert sorted(store.lexicon().words) == ["comet", "ferry", "harbour"]
    assert np.allclose(store.lexicon().matrix(["comet"]), words("comet").matrix(["comet"]), atol=1e-3)
    store.delete_documents(["a", "b"])
    store.commit()
    assert store.count() == 0 and sorted(store_factory.reopen().lexicon().words) == ["comet", "ferry", "harbour"]


def test_an_abandoned_write_session_changes_nothing(store_factory) -> None:
    store = committed(store_factory, indexed("a"))
    with pytest.raises(RuntimeError):
        with store.writing():
            store.add_documents([indexed("b")])
            store.delete_documents(["a"])
            raise RuntimeError("the writer failed before committing")
    store.commit()
    assert [e.doc_id for e in store.catalogue()] == ["a"]
    assert [e.doc_id for e in store_factory.reopen().catalogue()] == ["a"]


def test_an_empty_store_finds_nothing(store_factory) -> None:
    store = committed(store_factory, indexed("a"))
    store.delete_documents(["a"])
    store.commit()
    for hits in all_hits(store, "a", "story a").values():
        assert hits == set()
    assert store.count() == 0 and store.catalogue() == [] and math.isfinite(store.idf("story"))
    assert store_factory.reopen().count() == 0


def test_an_in_memory_store_takes_several_commits(tmp_path: Path):
    """Evaluation builds in memory: every commit lands, and nothing is written anywhere."""
    store = memory_store(Settings(index_dir=tmp_path / "unused"))
    for n in range(3):
        store.add_documents([indexed(f"doc-{n}")])
        store.commit()
    assert store.count() == 9 and [e.doc_id for e in store.catalogue()] == ["doc-0", "doc-1", "doc-2"]
    assert not (tmp_path / "unused").exists()
