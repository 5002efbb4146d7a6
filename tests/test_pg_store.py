"""The PostgreSQL store beyond the shared contract (tests/test_store_contract.py): the same rankings and scores as
the embedded store, HNSW in use past the exact threshold, other processes' commits, the cross-process writer lock,
connections the server drops, and the engine and CLI over a database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
from typer.testing import CliRunner

import rag
from rag import pg_search, stores
from rag.cli import app
from rag.errors import ConfigurationError, IndexNotFoundError
from rag.pg_store import PostgresStore
from rag.pg_types import register
from rag.segment_store import SegmentStore

from .conftest import SEEDS_DIR
from .postgres import new_database, pg_settings
from .synthetic import indexed, query_vector
from .test_store_contract import assert_same, results

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "What is Hangzhou's 2025 urban-rural income target?"


def run_python(code: str, **kwargs) -> subprocess.Popen:
    """Another Python process in the repository root (so `tests.synthetic` imports), its stdout piped."""
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def child_store(settings) -> str:
    """Code that opens, in a child process, the store `settings` describe (as `store`)."""
    return textwrap.dedent(f"""
        from rag.pg_store import PostgresStore
        from rag.settings import Settings
        from tests.synthetic import indexed
        settings = Settings.model_validate_json({settings.model_dump_json()!r})
        store = PostgresStore.open(settings)
    """)


def child_code(settings, body: str) -> str:
    """A child process's program: open the store, then run `body`."""
    return child_store(settings) + textwrap.dedent(body)


def test_rankings_and_scores_equal_the_embedded_store(pg_url, tmp_path) -> None:
    docs = [indexed(d, passages=2 + n % 3) for n, d in enumerate("abcdefghijkl")]
    settings = pg_settings(pg_url, tmp_path)
    embedded, postgres = SegmentStore(settings, tmp_path / "segments"), PostgresStore(settings)
    for store in (embedded, postgres):
        store.add_documents(docs[:8])
        store.commit()
        store.add_documents(docs[8:] + [indexed("c", version=1)])
        store.delete_documents(["e"])
        store.commit()
    assert_same(results(postgres), results(embedded))
    assert postgres.catalogue() == embedded.catalogue()
    for term in ("offici", "harbour", "tagc0", "v1", "zzyzx"):
        assert postgres.idf(term) == pytest.approx(embedded.idf(term), rel=1e-12)


def test_past_the_exact_threshold_dense_and_sentence_search_use_hnsw(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path, exact_search_max=40, hnsw_ef_search=16)
    store = PostgresStore(settings)
    docs = [indexed(f"d{n}", passages=4) for n in range(12)]
    store.add_documents(docs[:8])
    store.commit()  # 32 passages, 64 sentences: the sentence table passes the threshold
    with psycopg.connect(pg_url) as conn:
        indexes = lambda: {r[0] for r in conn.execute(  # noqa: E731
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE %s",
            (settings.store.pg_schema, "%hnsw%vector_ip_ops%"))}
        assert indexes() == {"sentences_vector_hnsw"}
        store.add_documents(docs[8:])
        store.commit()  # 48 passages
        assert indexes() == {"sentences_vector_hnsw", "passages_vector_hnsw"}
        conn.execute(f"SET search_path TO {settings.store.pg_schema}, public")
        register(conn)
        conn.execute("SET enable_seqscan = off")  # at 48 rows a scan is cheaper: ask whether the index can serve
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + pg_search.DENSE_ANN, {"q": query_vector("a"), "k": 5}))
        assert "Index Scan using passages_vector_hnsw" in plan
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + pg_search.DENSE_EXACT, {"q": query_vector("a"), "k": 5}))
        assert "passages_vector_hnsw" not in plan, "below the threshold the ORDER BY keeps search exact"
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + pg_search.SENTENCE_ANN,
                                                    {"q": query_vector("a"), "k": 5, "m": 20}))
        assert "Index Scan using sentences_vector_hnsw" in plan
    target = docs[5]
    ids = store.passage_ids(target.document.doc_id)
    assert store.dense_search(target.vectors[2], 1)[0] == (ids[2], pytest.approx(1.0, abs=1e-5))
    assert store.sentence_search(target.sentences.vectors[5], 1)[0] == (ids[2], pytest.approx(1.0, abs=1e-5))
    assert len(store.dense_search(query_vector("a"), 45)) == 45, "k past ef_search raises it for the query"


def test_term_statistics_and_totals_match_the_live_passages_after_many_commits(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    store = PostgresStore(settings)
    rng = np.random.default_rng(7)
    for n in range(12):
        store.add_documents([indexed(d, version=n, passages=1 + n % 4) for d in rng.choice(list("abcdefgh"), 2)])
        store.delete_documents(rng.choice(list("abcdefgh"), 1).tolist())
        store.commit()
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"SET search_path TO {settings.store.pg_schema}")
        kept = dict(conn.execute("SELECT term, df FROM terms").fetchall())
        derived = dict(conn.execute("SELECT word, ndoc FROM ts_stat('SELECT terms FROM passages')").fetchall())
        totals = conn.execute("SELECT passages, passage_terms, sentences FROM meta").fetchone()
        actual = conn.execute("SELECT (SELECT count(*) FROM passages), (SELECT sum(length) FROM passages), "
                              "(SELECT count(*) FROM sentences)").fetchone()
    assert kept == derived and len(kept) > 20
    assert totals == actual and store.count() == actual[0]


def test_another_process_commit_is_seen_after_refresh_and_searchable(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    writer = PostgresStore(settings)
    writer.add_documents([indexed("a")])
    writer.commit()
    reader = PostgresStore.open(settings)
    child = run_python(child_code(settings, """
        store.add_documents([indexed("remote")])
        store.commit()
        print(store.passage_ids("remote"))
    """))
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    remote_ids = json.loads(out)
    assert reader.document("remote") is None and reader.count() == 3, "not before refresh"
    assert reader.refresh() is True
    doc = indexed("remote")
    assert reader.passage_ids("remote") == remote_ids
    assert reader.dense_search(doc.vectors[0], 1)[0][0] == remote_ids[0]
    assert reader.lexical_search("tagremote1", 1)[0][0] == remote_ids[1]
    assert reader.document("remote").text == doc.document.text


def test_the_writer_lock_serialises_writers_in_two_processes(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    PostgresStore(settings).commit()  # an empty committed store
    code = child_code(settings, """
        import json, sys, time
        name = sys.argv[1]
        with store.writing():
            started, seen = time.time(), store.count()
            time.sleep(1.0)
            store.add_documents([indexed(name)])
            store.commit()
            ended = time.time()
        print(json.dumps({"start": started, "end": ended, "seen": seen}))
    """)
    children = [subprocess.Popen([sys.executable, "-c", code, name], cwd=REPO_ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("p", "q")]
    runs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        runs.append(json.loads(out))
    first, second = sorted(runs, key=lambda r: r["start"])
    assert second["start"] >= first["end"], "the second writer waited for the first to commit"
    assert (first["seen"], second["seen"]) == (0, 3), "and started from the first one's commit"
    assert PostgresStore.open(settings).count() == 6


def test_a_killed_writer_releases_the_lock(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    store = PostgresStore(settings)
    store.commit()
    child = run_python(child_code(settings, """
        import time
        with store.writing():
            store.add_documents([indexed("never")])
            print("locked", flush=True)
            time.sleep(120)
    """))
    assert child.stdout.readline().strip() == "locked"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    started = time.monotonic()
    with store.writing():
        store.add_documents([indexed("after")])
        store.commit()
    assert time.monotonic() - started < 10
    assert [e.doc_id for e in store.catalogue()] == ["after"], "the killed writer's staged document never landed"


def test_connections_the_server_drops_are_opened_again(pg_url, tmp_path, caplog) -> None:
    settings = pg_settings(new_database(pg_url), tmp_path)
    store = PostgresStore(settings)
    store.add_documents([indexed("a")])
    store.commit()
    other = PostgresStore.open(settings)
    with psycopg.connect(settings.store_url, autocommit=True) as admin:  # a restart or failover, as clients see it
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                               "datname = current_database() AND application_name LIKE 'rag-%%'").fetchone()[0]
    assert killed == 5  # each store's reader and peek connections, and the writer's
    time.sleep(0.2)
    assert store.lexical_search("story taga1", 1)[0][0] == store.passage_ids("a")[1]
    assert "lost its snapshot" in caplog.text
    store.add_documents([indexed("b")])
    store.commit()
    assert other.refresh() is True and other.passage_ids("b") == store.passage_ids("b")


def test_a_word_too_long_for_postgresql_is_indexed_without_it(pg_url, tmp_path) -> None:
    doc = indexed("long")
    text = doc.chunks[0].text + " " + "x" * 3000
    chunk = doc.chunks[0].model_copy(update={"text": text})
    store = PostgresStore(pg_settings(pg_url, tmp_path))
    store.add_documents([doc.model_copy(update={"chunks": [chunk, *doc.chunks[1:]]})])
    store.commit()
    assert store.lexical_search("taglong0", 1)[0][0] == store.passage_ids("long")[0]
    assert store.lexical_search("x" * 3000, 5) == []


def test_connection_errors_are_clear_and_never_show_the_password(tmp_path) -> None:
    settings = rag.Settings(store_url="postgresql://someone:s3cret@/nodb?host=/nonexistent-socket-dir")
    with pytest.raises(ConfigurationError) as caught:
        PostgresStore(settings)
    assert "cannot connect to PostgreSQL at postgresql://someone@/nonexistent-socket-dir/nodb" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_reads_go_to_the_read_url_and_writes_to_the_store_url(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    replica = f"{pg_url}&application_name=rag-test-replica"  # the same server, told apart by name
    settings = settings.model_copy(update={"store_read_url": replica})
    store = PostgresStore(settings)
    store.add_documents([indexed("a")])
    store.commit()
    assert store.lexical_search("taga0", 1)[0][0] == store.passage_ids("a")[0]
    with psycopg.connect(pg_url) as conn:
        names = [r[0] for r in conn.execute("SELECT application_name FROM pg_stat_activity WHERE query LIKE %s",
                                            ("%FROM passages%",))]
    assert "rag-test-replica" in names, "the search ran on the read server's connection"


def test_opening_an_empty_schema_says_there_is_no_index(pg_url, tmp_path) -> None:
    settings = pg_settings(pg_url, tmp_path)
    with pytest.raises(IndexNotFoundError, match="rag index --store"):
        PostgresStore.open(settings)
    assert stores.exists(settings) is False


# --- the engine and the CLI over PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_engine(pg_url, tmp_path_factory) -> rag.Engine:
    """rag.load over a copy of the seed corpus with the index in PostgreSQL (built by the first load)."""
    root = tmp_path_factory.mktemp("pg-engine")
    shutil.copytree(SEEDS_DIR, root / "corpus")
    settings = pg_settings(pg_url, root)
    return rag.load(corpus_dir=root / "corpus", settings=settings)


def test_the_engine_answers_a_seed_question_from_postgres(pg_engine) -> None:
    assert isinstance(pg_engine.store, PostgresStore)
    assert not Path(pg_engine.settings.index_dir).exists(), "the index folder is never written"
    answer = pg_engine.ask(EXAMPLE)
    assert answer.answered and answer.short_answer == "1.7:1"
    assert answer.citations[0].doc_id == "001_71f86546a83b57c5"


def test_the_engine_ranks_as_over_the_embedded_index(pg_engine, seed_engine) -> None:
    for query in (EXAMPLE, "flood warnings along the river", "central bank interest rates"):
        for mode in ("dense", "lexical", "hybrid"):
            ours = [(p.doc_id, p.chunk_id) for p in pg_engine.search(query, k=10, mode=mode)]
            assert ours == [(p.doc_id, p.chunk_id) for p in seed_engine.search(query, k=10, mode=mode)], mode


def test_the_cli_indexes_and_searches_with_store(pg_engine, pg_url) -> None:
    env = {"RAG_PG_SCHEMA": pg_engine.settings.store.pg_schema}
    corpus = str(pg_engine.corpus_dir)
    result = CliRunner().invoke(app, ["index", "--store", pg_url, "--corpus", corpus], env=env)
    assert result.exit_code == 0, result.output
    assert "0 passages embedded" in result.output and "unchanged" in result.output
    result = CliRunner().invoke(app, ["search", "--store", pg_url, "--corpus", corpus, "-k", "1", "--json",
                                      "Hangzhou urban-rural income ratio target"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["doc_id"] == "001_71f86546a83b57c5"


def test_the_engine_removes_and_adds_documents_another_engine_then_sees(pg_engine, tmp_path) -> None:
    """Last of the engine tests: it leaves the corpus as it found it (with new passage ids)."""
    doc_id = "004_8237ef9fd7c6ff0a"
    other = rag.load(corpus_dir=pg_engine.corpus_dir, settings=pg_engine.settings)  # a second process, in effect
    report = pg_engine.remove_documents([doc_id])
    assert report.removed == [doc_id] and doc_id not in {d.doc_id for d in pg_engine.documents()}
    other.store.refresh()  # what the engine does by itself at most once a second
    assert doc_id not in {d.doc_id for d in other.documents()}
    removed = shutil.copy(next((Path(pg_engine.corpus_dir) / ".removed").glob(f"{doc_id}.*")), tmp_path / f"{doc_id}.txt")
    report = pg_engine.add_documents([removed])
    assert report.added == [doc_id] and report.embedded_passages > 0
    other.store.refresh()
    hits = other.search(Path(removed).read_text(encoding="utf-8")[:200], k=3, mode="lexical")
    assert hits[0].doc_id == doc_id


def test_rag_beir_caches_its_index_in_postgres(pg_url, tmp_path) -> None:
    from .test_eval_beir import CORPUS, QRELS, QUERIES

    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in CORPUS), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    env = {"RAG_PG_SCHEMA": pg_settings(pg_url, tmp_path).store.pg_schema}
    args = ["beir", str(root), "--store", pg_url, "--cache", str(tmp_path / "unused")]
    first, second = (CliRunner().invoke(app, args, env=env) for _ in range(2))
    assert first.exit_code == 0 and "index built" in first.output, first.output
    assert second.exit_code == 0 and "index loaded from cache" in second.output, second.output
    assert first.output.split("| ours: lexical |")[1].split("|")[0] == second.output.split("| ours: lexical |")[1].split("|")[0]
    assert not (tmp_path / "unused").exists()


def test_vectors_round_trip_exactly(pg_url, tmp_path) -> None:
    store = PostgresStore(pg_settings(pg_url, tmp_path))
    doc = indexed("v")
    store.add_documents([doc])
    store.commit()
    assert np.array_equal(store.vectors(store.passage_ids("v")), doc.vectors)
    assert np.array_equal(store.sentence_block("v").vectors, doc.sentences.vectors)
