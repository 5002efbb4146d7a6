"""Documents ready for a passage store without a model: deterministic texts, unit vectors, sentence blocks and
analyses, so store tests run in milliseconds and compare exact scores."""

from __future__ import annotations

import hashlib

import numpy as np

from rag.lexicon import Lexicon
from rag.models import Chunk, Document, DocumentMeta
from rag.passage_store import IndexedDocument, SentenceBlock

DIM = 384
TOPICS = ["harbour ferry tide", "comet telescope orbit", "budget tax deficit", "striker goal league",
          "vaccine trial dose", "bridge river flood", "election ballot turnout", "drought harvest wheat"]


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))


def indexed(doc_id: str, version: int = 0, passages: int = 3) -> IndexedDocument:
    """A document of `passages` two-sentence paragraphs about topics chosen by its id (and `version`, so a replaced
    document differs); every passage and sentence gets a deterministic unit vector."""
    rng = _rng(f"{doc_id}/{version}")
    paragraphs, spans, chunks = [], [], []
    at = 0
    for n in range(passages):
        topic = TOPICS[int(rng.integers(len(TOPICS)))]
        first = f"The {topic} story tag{doc_id}{n} version v{version}."
        second = f"Officials said the {topic.split()[0]} matters {int(rng.integers(1, 5))} times over."
        paragraph = f"{first} {second}"
        spans += [(at, at + len(first)), (at + len(first) + 1, at + len(paragraph))]
        chunks.append(Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:{n}", text=paragraph, start=at, end=at + len(paragraph)))
        paragraphs.append(paragraph)
        at += len(paragraph) + 2
    text = "\n\n".join(paragraphs)
    vectors = unit(rng.normal(size=(passages, DIM)))
    sentence_vectors = unit(np.repeat(vectors, 2, axis=0) + 0.3 * rng.normal(size=(2 * passages, DIM)) / np.sqrt(DIM))
    document = Document(doc_id=doc_id, source=f"{doc_id}.txt", text=text, content_hash=f"{doc_id}-{version}",
                        meta=DocumentMeta(title=f"Title of {doc_id}"))
    return IndexedDocument(document=document, chunks=chunks, vectors=vectors,
                           analyses=[f"analysis {c.chunk_id} v{version}".encode() for c in chunks],
                           sentences=SentenceBlock(np.array(spans, dtype=np.int64), sentence_vectors))


def words(*names: str) -> Lexicon:
    """Lexicon entries with deterministic vectors."""
    return Lexicon(list(names), np.stack([unit(_rng(w).normal(size=DIM)) for w in names]) if names
                   else np.zeros((0, DIM), np.float16))


def query_vector(key: str) -> np.ndarray:
    return unit(_rng(f"query/{key}").normal(size=DIM))
