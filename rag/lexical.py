"""Lexical retrieval: BM25 (bm25s, Lucene scoring) with English stemming and stop words."""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from rag.settings import RetrievalSettings

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s logs every index build at DEBUG level


class LexicalIndex:
    """BM25 over passages; rows are positions in the passage store, mapped to passage ids by the caller."""

    def __init__(self, retriever: bm25s.BM25 | None, size: int, settings: RetrievalSettings):
        self.retriever = retriever
        self.size = size
        self.stemmer = Stemmer.Stemmer(settings.stemmer_language)

    def tokenize(self, texts: list[str]) -> list[list[str]]:
        """Lower-cased, stemmed terms without English stop words."""
        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)

    @classmethod
    def build(cls, texts: list[str], settings: RetrievalSettings) -> LexicalIndex:
        """Index every passage text; an empty corpus gives an index that finds nothing."""
        lexical = cls(None, len(texts), settings)
        if texts:
            retriever = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b, method=settings.bm25_method)
            retriever.index(lexical.tokenize(texts), show_progress=False)
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
        tokens = self.tokenize([query])
        if self.retriever is None or not tokens[0]:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.retriever.get_scores(tokens[0])
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top].astype(np.float32)
