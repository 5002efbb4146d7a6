"""Measure retrieval on a BEIR dataset (nDCG@10, Recall@100, MRR@10 per search mode) beside published numbers.

The corpus is indexed with the same chunking, embedder, dense and BM25 code as the news index, but each document
stays one passage and is NOT run through `rag.cleaning`: BEIR texts (scientific abstracts) are not scraped web
pages, and cleaning rules meant for page chrome would only distort them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from rag import indexing, retrieval, stores
from rag.embedding import Embedder, get_embedder
from rag.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from rag.evaluation.beir_data import BeirDataset, load_beir
from rag.evaluation.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from rag.indexing import in_memory
from rag.models import Document, DocumentMeta
from rag.passage_store import IndexProfile, PassageStore
from rag.settings import ChunkingSettings, SearchMode, Settings

log = logging.getLogger(__name__)

MODES: tuple[SearchMode, ...] = ("dense", "lexical", "hybrid")
DEFAULT_DEPTH = 100  # results per query: enough for Recall@100; nDCG@10 and MRR@10 read the top 10

# Published test-split numbers as (nDCG@10, Recall@100 or None), copied from /work/shared/benchmarks/beir/README.md,
# which cites: BEIR paper (Thakur et al. 2021, arXiv 2104.08663, Table 2); castorini/anserini beir-v1.0.0 flat
# configs; MTEB results (embeddings-benchmark/results) for all-MiniLM-L6-v2.
REFERENCE: dict[str, dict[str, tuple[float, float | None]]] = {
    "scifact": {
        "BM25 (BEIR paper)": (0.665, None),
        "BM25 flat (Anserini)": (0.6789, 0.9253),
        "all-MiniLM-L6-v2 dense (MTEB)": (0.6451, 0.9250),
    },
    "nfcorpus": {
        "BM25 (BEIR paper)": (0.325, None),
        "BM25 flat (Anserini)": (0.3218, 0.2457),
        "all-MiniLM-L6-v2 dense (MTEB)": (0.3159, 0.3115),
    },
}


class ModeScores(BaseModel):
    """Mean metrics of one search mode over the judged queries, and its query throughput (query vectors are
    embedded once beforehand, so this is search time alone; see BeirReport.query_embeddings_per_second)."""

    mode: str
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    queries: int
    seconds: float
    queries_per_second: float


class BeirReport(BaseModel):
    """Everything one `rag beir` run measured."""

    dataset: str
    documents: int
    queries: int
    depth: int
    index_seconds: float
    from_cache: bool
    query_embeddings_per_second: float = 0.0
    retrieval: dict
    modes: list[ModeScores]
    reference: dict[str, tuple[float, float | None]] = {}


def beir_settings(base: Settings | None = None, depth: int = DEFAULT_DEPTH) -> Settings:
    """Settings for a BEIR run: one passage per document, no sentence vectors or language analysis (retrieval only),
    >= `depth` candidates per retriever."""
    base = base or Settings()
    chunking = ChunkingSettings(target_words=100_000, max_words=100_000, overlap_sentences=0)
    candidates = max(base.retrieval.candidates, depth)
    return base.model_copy(update={"chunking": chunking, "index_sentences": False, "index_analysis": False,
                                   "retrieval": base.retrieval.model_copy(update={"candidates": candidates})})


def text_hash(text: str) -> str:
    """Content hash of a document text; the cache compares these to notice a changed corpus."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_documents(dataset: BeirDataset) -> list[Document]:
    """BEIR documents as rag Documents (text = title + text, as MTEB embeds them; title kept as metadata)."""
    docs = []
    for item in dataset.corpus:
        text = item.embedding_text
        if not text:
            log.warning("document %s has no text; it cannot be retrieved", item.id)
            continue
        docs.append(Document(doc_id=item.id, source=item.id, text=text, meta=DocumentMeta(title=item.title or None),
                             content_hash=text_hash(text)))
    return docs


def load_cached(cache_dir: Path, docs: list[Document], settings: Settings) -> PassageStore | None:
    """The cached index when it was built from exactly these texts with this chunking and model, else None.

    BM25 is scored at query time and a changed HNSW setting re-derives the dense indexes from the stored vectors,
    so retrieval settings may change between runs without a stale cache.
    """
    try:
        cached = stores.open_store(settings.model_copy(update={"index_dir": cache_dir}))
    except (IndexNotFoundError, IndexCorruptError, IndexMismatchError) as exc:
        if not isinstance(exc, IndexNotFoundError):
            log.warning("ignoring BEIR cache at %s: %s", cache_dir, exc)
        return None
    expected = {d.doc_id: d.content_hash for d in docs}
    if ({e.doc_id: e.content_hash for e in cached.catalogue()} != expected
            or not IndexProfile.of(settings, "").same_passages(cached.profile())):
        log.info("BEIR cache at %s is for other texts or settings: rebuilding", cache_dir)
        return None
    return cached


def build_cached(cache_dir: Path, docs: list[Document], settings: Settings, embedder: Embedder,
                 progress: bool) -> PassageStore:
    """Index `docs` into a new index at `cache_dir` (replacing whatever was there)."""
    cached = stores.open_store(settings.model_copy(update={"index_dir": cache_dir}), fresh=True)
    with cached.writing():
        indexing.apply_changes(cached, docs, [], embedder, settings, progress)
        cached.commit()
    return cached


def warm_query_vectors(embedder: Embedder, dataset: BeirDataset, progress: bool = True) -> float:
    """Embed every judged query once (filling the embedder's query cache) and return queries embedded per second,
    so per-mode timings measure search alone and no mode is charged for embedding that another mode then reuses."""
    started = time.perf_counter()
    for text in tqdm(dataset.queries.values(), desc=f"{dataset.name} query vectors", disable=not progress, unit="q"):
        embedder.embed_query(text)
    seconds = time.perf_counter() - started
    return len(dataset.queries) / seconds if seconds > 0 else 0.0


def evaluate_mode(store: PassageStore, embedder: Embedder, dataset: BeirDataset, settings: Settings,
                  mode: SearchMode, depth: int = DEFAULT_DEPTH, progress: bool = True) -> ModeScores:
    """Rank the corpus for every judged query in one mode and average nDCG@10, Recall@100 and MRR@10."""
    ndcg = recall = mrr = 0.0
    started = time.perf_counter()
    for query_id, text in tqdm(dataset.queries.items(), desc=f"{dataset.name} {mode}", disable=not progress,
                               unit="q"):
        hits = retrieval.search(store, embedder, text, settings.retrieval, k=depth, mode=mode)
        ranked = [hit.doc_id for hit in hits]
        qrels = dataset.qrels[query_id]
        ndcg += ndcg_at_k(ranked, qrels, 10)
        recall += recall_at_k(ranked, qrels, 100)
        mrr += mrr_at_k(ranked, qrels, 10)
    seconds = time.perf_counter() - started
    n = max(len(dataset.queries), 1)
    return ModeScores(mode=mode, ndcg_at_10=ndcg / n, recall_at_100=recall / n, mrr_at_10=mrr / n,
                      queries=len(dataset.queries), seconds=seconds,
                      queries_per_second=len(dataset.queries) / seconds if seconds > 0 else 0.0)


def run_beir(path: str | Path, modes: tuple[SearchMode, ...] = MODES, depth: int = DEFAULT_DEPTH,
             cache_dir: str | Path | None = None, settings: Settings | None = None,
             embedder: Embedder | None = None, progress: bool = True) -> BeirReport:
    """Load a BEIR folder, index it (or reuse the cache), and score each mode; the whole `rag beir` command."""
    if depth < 100:
        raise ValueError(f"depth must be at least 100 to score Recall@100, got {depth}")
    dataset = load_beir(path)
    settings = beir_settings(settings, depth)
    embedder = embedder or get_embedder(settings.embedding)
    docs = to_documents(dataset)
    started = time.perf_counter()
    index = load_cached(Path(cache_dir), docs, settings) if cache_dir else None
    from_cache = index is not None
    if index is None:
        log.info("indexing %d %s documents", len(docs), dataset.name)
        index = build_cached(Path(cache_dir), docs, settings, embedder, progress) if cache_dir else \
            in_memory(docs, settings, embedder, progress)
    index_seconds = time.perf_counter() - started
    embed_rate = warm_query_vectors(embedder, dataset, progress) if set(modes) - {"lexical"} else 0.0
    scores = [evaluate_mode(index, embedder, dataset, settings, mode, depth, progress) for mode in modes]
    return BeirReport(dataset=dataset.name, documents=len(index.catalogue()), queries=len(dataset.queries),
                      depth=depth, index_seconds=index_seconds, from_cache=from_cache,
                      query_embeddings_per_second=embed_rate,
                      retrieval=settings.retrieval.model_dump(), modes=scores,
                      reference=REFERENCE.get(dataset.name.lower(), {}))


def format_table(report: BeirReport) -> str:
    """A Markdown table of our modes beside the published reference numbers for the dataset."""
    lines = [f"{report.dataset}: {report.documents} documents, {report.queries} judged queries, depth {report.depth}",
             "", "| system | nDCG@10 | Recall@100 | MRR@10 | queries/s |", "|---|---|---|---|---|"]
    for m in report.modes:
        lines.append(f"| ours: {m.mode} | {m.ndcg_at_10:.4f} | {m.recall_at_100:.4f} | {m.mrr_at_10:.4f} "
                     f"| {m.queries_per_second:.1f} |")
    for name, (ndcg, recall) in report.reference.items():
        lines.append(f"| {name} | {ndcg:.4f} | {'-' if recall is None else f'{recall:.4f}'} | - | - |")
    source = "loaded from cache" if report.from_cache else "built"
    lines += ["", f"index {source} in {report.index_seconds:.1f}s; queries embedded at "
                  f"{report.query_embeddings_per_second:.1f}/s (queries/s above is search alone)"]
    return "\n".join(lines)
