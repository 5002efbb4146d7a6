"""The storage seam: what indexing, search and answering need from wherever passages are kept.

`PassageStore` speaks only of documents, passages with stable int64 ids, vectors, sentences and term statistics,
never of files, FAISS or BM25 rows, so a server-backed store (PostgreSQL with pgvector, say) can stand in for the
embedded one (`rag.segment_store`) by implementing the same methods. Writes are staged and become visible, to this
instance and to others after `refresh`, only at `commit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rag import documents
from rag.errors import IndexMismatchError
from rag.lexicon import Lexicon
from rag.models import Chunk, Document, DocumentMeta
from rag.settings import Settings

Hit = tuple[int, float]  # (passage id, score), best first in every result list


class StoredPassage(Chunk):
    """A chunk with its stable int64 id, as kept in the passage store."""

    id: int


@dataclass(frozen=True)
class SentenceBlock:
    """One document's sentence spans (n x 2, offsets into its cleaned text) and their vectors (n x dim)."""

    spans: np.ndarray
    vectors: np.ndarray

    def within(self, start: int, end: int) -> np.ndarray:
        """Row mask of the sentences lying wholly inside [start, end) (a passage's sentences)."""
        return (self.spans[:, 0] >= start) & (self.spans[:, 1] <= end)


class IndexedDocument(BaseModel):
    """A document ready to store: its chunks with their vectors and analyses, and its sentences (when indexed)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    document: Document
    chunks: list[Chunk]
    vectors: np.ndarray = Field(description="One unit vector per chunk, float32 (len(chunks) x dimension).")
    analyses: list[bytes] = Field(description="One serialised spaCy analysis per chunk (b'' when not analysed).")
    sentences: SentenceBlock | None = None


class CatalogueEntry(BaseModel):
    """A document as the catalogue lists it (everything but its text)."""

    doc_id: str
    source: str
    content_hash: str
    meta: DocumentMeta
    passages: int


class IndexProfile(BaseModel):
    """What produced the stored passages; a store built under another profile must be re-processed or rebuilt."""

    model_config = ConfigDict(frozen=True)

    embedder: str
    dimension: int
    chunking: dict
    sentences: bool
    sentence_vectors: str
    analysis: str = Field(description="The spaCy pipeline (name-version) that analysed the passages, or ''.")
    pipeline: str = Field(description="The document pipeline's code version (rag.documents.PIPELINE_VERSION).")

    @classmethod
    def of(cls, settings: Settings, analysis: str) -> IndexProfile:
        """The profile documents processed now, under these settings, get."""
        return cls(embedder=settings.embedding.model_name, dimension=settings.embedding.dimension,
                   chunking=settings.chunking.model_dump(), sentences=settings.index_sentences,
                   sentence_vectors=settings.sentence_vectors, analysis=analysis,
                   pipeline=documents.PIPELINE_VERSION)

    def same_passages(self, other: IndexProfile | None) -> bool:
        """Would documents processed under `other` give the same passages, sentences and analyses as under this?"""
        return other is not None and other.model_dump() == self.model_dump()


def check_readable(profile: IndexProfile, where: str, settings: Settings, hint: str) -> None:
    """Refuse to serve passages made by another embedder, dimension or document pipeline (IndexMismatchError)."""
    problems = []
    if profile.embedder != settings.embedding.model_name:
        problems.append(f"embedder {profile.embedder!r}, configured {settings.embedding.model_name!r}")
    if profile.dimension != settings.embedding.dimension:
        problems.append(f"dimension {profile.dimension}, configured {settings.embedding.dimension}")
    if profile.pipeline != documents.PIPELINE_VERSION:
        problems.append(f"document pipeline {profile.pipeline or 'unrecorded'!r}, this code is "
                        f"{documents.PIPELINE_VERSION!r}")
    if problems:
        raise IndexMismatchError(f"{where} was built with " + "; ".join(problems) + ". " + hint)


class PassageStore(Protocol):
    """Documents and their passages, searchable by vector, by terms and by best sentence.

    Reads are consistent within one call; between calls a commit may land, so `passages` omits ids deleted meanwhile
    and `document` may return None for a document just removed. Every method is safe for concurrent readers while
    one writer stages and commits.
    """

    # --- writing ---------------------------------------------------------------------------------------------------

    def writing(self) -> AbstractContextManager[None]:
        """Hold the single-writer lock (across processes) and refresh to the latest commit for the block; what the
        block decides from reads holds at its commit. Staged changes left uncommitted at exit are discarded."""

    def add_documents(self, documents: Sequence[IndexedDocument], words: Lexicon | None = None) -> None:
        """Stage documents (a live document with the same id is replaced) and lexicon words new to the store."""

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Stage the removal of documents and all their passages (unknown ids are ignored)."""

    def set_profile(self, profile: IndexProfile) -> None:
        """Stage the profile the stored passages are produced under."""

    def commit(self) -> None:
        """Publish the staged changes atomically: all of them become visible, or (on failure) none."""

    def refresh(self) -> bool:
        """Pick up commits made by other processes or instances; True when the contents changed."""

    def optimize(self) -> None:
        """Compact the storage fully now (may be slow); results are the same before and after."""

    # --- reading ---------------------------------------------------------------------------------------------------

    def profile(self) -> IndexProfile | None:
        """The committed profile (None before the first commit)."""

    def dense_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        """The k passages whose vectors have the highest inner product with `vector`."""

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        """The k passages with the highest positive BM25 score for the query's terms (`rag.text.terms`), with
        document frequencies, passage count and average length over all live passages."""

    def sentence_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        """The k passages whose best sentence is closest to `vector` (score: that sentence's inner product); empty
        when sentences are not indexed."""

    def passages(self, ids: Sequence[int]) -> list[StoredPassage]:
        """The live passages among `ids`, in the order asked."""

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The vectors of passages `ids` (len(ids) x dimension; zero rows for ids not live)."""

    def passage_ids(self, doc_id: str) -> list[int]:
        """The ids of a live document's passages, in document order (empty when it is not live)."""

    def document(self, doc_id: str) -> Document | None:
        """A live document with its cleaned text, or None."""

    def catalogue(self) -> list[CatalogueEntry]:
        """Every live document, ordered by id."""

    def sentence_block(self, doc_id: str) -> SentenceBlock | None:
        """The document's sentence spans and vectors (None when sentences are not indexed or it is not live)."""

    def analysis(self, passage_id: int) -> bytes:
        """The passage's stored spaCy analysis (b'' when not analysed or not live)."""

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a stemmed term over the live passages."""

    def lexicon(self) -> Lexicon:
        """The word vectors of the corpus's content words."""

    def count(self) -> int:
        """Live passages."""
