"""The commit manifest of the embedded index: what produced it (checked on load) and the files that make it up.

One manifest is one commit; `CURRENT` pins its sha256 and it pins every segment file's and tombstone file's.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from rag.passage_store import IndexProfile

# 2: stored spaCy analyses and the word lexicon; 3: CURRENT pins the manifest's checksum; 4: segments, tombstones
FORMAT_VERSION = 4
GENERATION_PREFIX = "gen-"


class SegmentEntry(BaseModel):
    """A live segment as a manifest pins it."""

    name: str
    passages: int = Field(description="Rows stored, deleted ones included.")
    words: int = Field(description="Lexicon words stored with it.")
    dense_index: str = Field(description="'flat' or 'hnsw'.")
    dense: dict = Field(description="The FAISS parameters its dense index was built with (dense_params).")
    files: dict[str, str] = Field(description="file name -> sha256 of its bytes")


class TombstoneEntry(BaseModel):
    """A tombstone file as a manifest pins it."""

    name: str
    sha256: str


class Deleted(BaseModel):
    """What one commit deleted from one segment."""

    passages: list[int]
    documents: list[str]


class IndexManifest(BaseModel):
    """One commit: what produced the index (checked on load) and the files that make it up."""

    format_version: int = FORMAT_VERSION
    embedder: str
    dimension: int
    chunking: dict
    sentences: bool
    sentence_vectors: str = "encoded"
    analysis: str = Field("", description="The spaCy pipeline (name-version) that analysed the passages, or ''.")
    pipeline: str = Field("", description="The document pipeline's code version (documents.PIPELINE_VERSION).")
    generation: int
    passages: int = Field(description="Live passages.")
    next_id: int = Field(description="The id the next new passage gets: ids are never reused.")
    next_segment: int
    segments: list[SegmentEntry]
    tombstones: list[TombstoneEntry]
    created: str

    @property
    def name(self) -> str:
        return numbered(GENERATION_PREFIX, self.generation)

    def profile(self) -> IndexProfile:
        return IndexProfile(embedder=self.embedder, dimension=self.dimension, chunking=self.chunking,
                            sentences=self.sentences, sentence_vectors=self.sentence_vectors, analysis=self.analysis,
                            pipeline=self.pipeline)


def numbered(prefix: str, n: int) -> str:
    return f"{prefix}{n:010d}"
