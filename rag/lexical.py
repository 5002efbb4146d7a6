"""Lexical retrieval: BM25 (bm25s, Lucene scoring) over the shared terms of `rag.text`."""

from __future__ import annotations

import logging
import math
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from rag.settings import RetrievalSettings
from rag.text import terms, terms_many

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s logs every index build at DEBUG level


class LexicalIndex:
    """BM25 over passages; rows are positions in the passage store, mapped to passage ids by the caller."""

    def __init__(self, retriever: bm25s.BM25 | None, size: int, settings: RetrievalSettings):
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str], settings: RetrievalSettings) -> LexicalIndex:
        """Index every passage text; an empty corpus gives an index that finds nothing."""
        lexical = cls(None, len(texts), settings)
        if texts:
            retriever = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b, method=settings.bm25_method)
            retriever.index(terms_many(texts), show_progress=False)
            lexical.retriever = retriever
        return lexical

    @classmethod
    def load(cls, folder: Path, size: int, settings: RetrievalSettings) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(folder)) if size else None
        return cls(retriever, size, settings)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.retriever is not None:
            self.retriever.save(str(folder))

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best k (rows, scores) with a positive score, best first."""
        query_terms = [t for t in terms(query) if self.retriever is not None and t in self.retriever.vocab_dict]
        if not query_terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.retriever.get_scores(query_terms)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top].astype(np.float32)

    @cached_property
    def _document_frequency(self) -> dict[str, int]:
        if self.retriever is None:
            return {}
        counts = np.diff(np.asarray(self.retriever.scores["indptr"]))
        return {term: int(counts[i]) for term, i in self.retriever.vocab_dict.items() if i < len(counts)}

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a stemmed term (unseen terms get the highest weight)."""
        df = self._document_frequency.get(term, 0)
        n = max(self.size, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
