"""Benchmark: the PostgreSQL + pgvector store against the embedded one on a BEIR dataset (SciFact by default).

    python benchmarks/bench_pg_store.py [--dataset scifact] [--url postgresql://...] [--out runs/bench-pg.json]
                                        [--beir ../shared/benchmarks/beir] [--cache runs/beir-cache/scifact]

The embedded index is built once (or loaded) from the `rag beir` cache, runs/beir-cache/<dataset>; its passages and
vectors are then copied into PostgreSQL through the PassageStore protocol, so both stores search the very same
vectors and nothing is embedded twice. Without --url a throwaway server is started with pgserver. Then, per store:
nDCG@10, Recall@100 and MRR@10 of dense, lexical and hybrid search, with queries per second; for PostgreSQL also
dense search through its HNSW index (exact_search_max 0), and two choices the store made: idf from the `terms` table
against `ts_stat`, and BM25 against PostgreSQL's own `ts_rank_cd` over an English tsvector. Prints a table; asserts
nothing. Tune nothing on NFCorpus: it is the held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from rag import retrieval  # noqa: E402
from rag.embedding import get_embedder  # noqa: E402
from rag.evaluation.beir_data import load_beir  # noqa: E402
from rag.evaluation.beir_eval import (MODES, beir_settings, build_cached, evaluate_mode, load_cached,  # noqa: E402
                                      to_documents, warm_query_vectors)
from rag.evaluation.metrics import ndcg_at_k  # noqa: E402
from rag.passage_store import IndexedDocument, PassageStore  # noqa: E402
from rag.pg_store import PostgresStore  # noqa: E402
from rag.settings import StoreSettings  # noqa: E402
from rag.text import terms, tokens  # noqa: E402

BEIR = ROOT.parent / "shared" / "benchmarks" / "beir"


def copy_into(source: PassageStore, target: PassageStore, batch: int = 500) -> float:
    """Copy every document with its passages and vectors (no sentences or analyses: BEIR indexes none), in the order
    the source numbered them, so both stores' ids rank alike and break score ties alike; seconds."""
    started = time.perf_counter()
    entries = sorted(source.catalogue(), key=lambda e: min(source.passage_ids(e.doc_id), default=-1))
    for at in range(0, len(entries), batch):
        docs = []
        for entry in entries[at:at + batch]:
            ids = source.passage_ids(entry.doc_id)
            passages = source.passages(ids)
            docs.append(IndexedDocument(document=source.document(entry.doc_id),
                                        chunks=[p.model_dump(exclude={"id"}) for p in passages],
                                        vectors=source.vectors(ids), analyses=[b""] * len(ids)))
        target.add_documents(docs)
    target.set_profile(source.profile())
    target.commit()
    return time.perf_counter() - started


def idf_timing(store: PostgresStore, words: list[str]) -> dict[str, float]:
    """Milliseconds per term for the store's idf (terms table) and for ts_stat over every passage."""
    with psycopg.connect(store.settings.store_url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {store.settings.store.pg_schema}")
        started = time.perf_counter()
        for word in words:
            conn.execute("SELECT df FROM terms WHERE term = %s", (word,)).fetchone()
        table = (time.perf_counter() - started) / len(words) * 1000
        started = time.perf_counter()
        few = words[:5]
        for word in few:
            conn.execute("SELECT ndoc FROM ts_stat('SELECT terms FROM passages') WHERE word = %s", (word,)).fetchone()
        stat = (time.perf_counter() - started) / len(few) * 1000
    return {"terms_table_ms": table, "ts_stat_ms": stat}


def ts_rank_cd_ndcg(store: PostgresStore, dataset) -> float:
    """nDCG@10 of ranking by ts_rank_cd over to_tsvector('english', text), the query's words OR-ed."""
    with psycopg.connect(store.settings.store_url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {store.settings.store.pg_schema}")
        conn.execute("CREATE TABLE IF NOT EXISTS english AS SELECT p.doc_id, to_tsvector('english', p.text) AS tsv "
                     "FROM passages p")
        conn.execute("CREATE INDEX IF NOT EXISTS english_tsv ON english USING gin (tsv)")
        total = 0.0
        for query_id, text in dataset.queries.items():
            words = " | ".join(sorted({t for t in tokens(text) if t.isalnum()}))
            rows = conn.execute("SELECT doc_id FROM english, to_tsquery('english', %s) q WHERE tsv @@ q "
                                "ORDER BY ts_rank_cd(tsv, q) DESC, doc_id LIMIT 10", (words,)).fetchall() if words \
                else []
            total += ndcg_at_k([r[0] for r in rows], dataset.qrels[query_id], 10)
        conn.execute("DROP TABLE english")
    return total / len(dataset.queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="scifact")
    parser.add_argument("--beir", type=Path, default=BEIR, help="the folder of BEIR datasets")
    parser.add_argument("--cache", type=Path, help="the embedded index cache (default runs/beir-cache/<dataset>)")
    parser.add_argument("--url", help="a PostgreSQL database with pgvector (default: a throwaway pgserver)")
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    dataset = load_beir(args.beir / args.dataset)
    settings = beir_settings()
    embedder = get_embedder(settings.embedding)
    docs = to_documents(dataset)
    cache = args.cache or ROOT / "runs" / "beir-cache" / dataset.name
    embedded = load_cached(cache, docs, settings) or build_cached(cache, docs, settings, embedder, progress=True)
    server = None
    if args.url is None:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(prefix="bench-pg-"), cleanup_mode="delete")
    url = args.url or server.get_uri()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    pg_settings = settings.model_copy(update={"store_url": url, "store": StoreSettings(pg_schema=schema)})
    postgres = PostgresStore(pg_settings)
    copy_seconds = copy_into(embedded, postgres)
    warm_query_vectors(embedder, dataset, progress=False)
    figures: dict = {"dataset": dataset.name, "passages": postgres.count(), "pg_commit_seconds": copy_seconds,
                     "stores": {}}
    for name, store in (("embedded", embedded), ("postgres", postgres)):
        figures["stores"][name] = {m: evaluate_mode(store, embedder, dataset, settings, m, progress=False)
                                   .model_dump() for m in MODES}
    same = 0
    for text in dataset.queries.values():
        rankings = [[(h.doc_id, h.chunk_id) for h in retrieval.search(s, embedder, text, settings.retrieval, k=10,
                                                                       mode="hybrid")] for s in (embedded, postgres)]
        same += rankings[0] == rankings[1]
    figures["identical_hybrid_top10"] = same / len(dataset.queries)
    hnsw = pg_settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"exact_search_max": 0}),
                                          "store": StoreSettings(pg_schema=schema + "_hnsw")})
    approximate = PostgresStore(hnsw)  # its commit builds the HNSW index, as one past exact_search_max does
    figures["pg_hnsw_commit_seconds"] = copy_into(embedded, approximate)
    figures["stores"]["postgres-hnsw"] = {"dense": evaluate_mode(approximate, embedder, dataset, hnsw, "dense",
                                                                 progress=False).model_dump()}
    words = sorted({t for text in list(dataset.queries.values())[:50] for t in terms(text)})
    figures["idf"] = idf_timing(postgres, words)
    figures["ts_rank_cd_ndcg_at_10"] = ts_rank_cd_ndcg(postgres, dataset)
    print(table(figures))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    approximate.close()
    postgres.close()
    if server is not None:
        server.cleanup()


def table(figures: dict) -> str:
    lines = [f"{figures['dataset']}: {figures['passages']} passages; copied into PostgreSQL in one commit in "
             f"{figures['pg_commit_seconds']:.1f}s", "",
             "| store | mode | nDCG@10 | Recall@100 | MRR@10 | queries/s |", "|---|---|---|---|---|---|"]
    for store, modes in figures["stores"].items():
        for mode, m in modes.items():
            lines.append(f"| {store} | {mode} | {m['ndcg_at_10']:.4f} | {m['recall_at_100']:.4f} | "
                         f"{m['mrr_at_10']:.4f} | {m['queries_per_second']:.1f} |")
    lines += ["", f"identical hybrid top-10 rankings: {figures['identical_hybrid_top10']:.1%} of queries",
              f"the same commit with the HNSW index built in it: {figures['pg_hnsw_commit_seconds']:.1f}s",
              f"idf: terms table {figures['idf']['terms_table_ms']:.2f} ms/term, ts_stat "
              f"{figures['idf']['ts_stat_ms']:.1f} ms/term",
              f"lexical by ts_rank_cd (english tsvector, OR query): nDCG@10 {figures['ts_rank_cd_ndcg_at_10']:.4f}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
