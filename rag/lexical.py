"""Lexical retrieval: per-segment inverted postings of the shared terms (`rag.text`) and Lucene BM25 over them.

A segment keeps raw term frequencies (a sparse passages x terms matrix, one column per term) and passage lengths,
never precomputed scores, so BM25 is computed at query time from statistics summed over every live passage of
every segment: a corpus built in many commits scores exactly as one built at once. The formula is Lucene's as
bm25s computes it (`method="lucene"`): idf = ln(1 + (N - df + 0.5) / (df + 0.5)) and
tf / (tf + k1 * (1 - b + b * dl / avgdl)), without the constant (k1 + 1) factor, which changes no ranking.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from rag.text import terms_many

MATRIX_FILE, TERMS_FILE = "postings.npz", "terms.json"


@dataclass(frozen=True, eq=False)
class Postings:
    """Term frequencies of one segment's passages: `matrix[row, column]` is how often `terms[column]` occurs in
    passage `row`; `lengths[row]` is the passage's number of terms."""

    terms: list[str]
    matrix: sp.csc_matrix
    lengths: np.ndarray

    @classmethod
    def build(cls, texts: Sequence[str]) -> Postings:
        return cls.from_terms(terms_many(list(texts)))

    @classmethod
    def from_terms(cls, passages: list[list[str]]) -> Postings:
        vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, words in enumerate(passages):
            for word, n in Counter(words).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(word, len(vocabulary)))
                counts.append(n)
        shape = (len(passages), len(vocabulary))
        matrix = sp.csc_matrix((np.array(counts, np.float32), (np.array(rows, np.int64), np.array(cols, np.int64))),
                               shape=shape)
        return cls(list(vocabulary), matrix, np.array([len(w) for w in passages], dtype=np.int64))

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return {term: column for column, term in enumerate(self.terms)}

    def column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of the passages holding `term`."""
        column = self.vocabulary.get(term)
        if column is None:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        a, b = self.matrix.indptr[column], self.matrix.indptr[column + 1]
        return self.matrix.indices[a:b], self.matrix.data[a:b]

    @classmethod
    def merge(cls, parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
        """The rows `keep` of each part, in order, as one segment's postings (term columns unified by name; a term
        only dropped rows held is dropped too)."""
        if not parts:
            return cls.from_terms([])
        vocabulary: dict[str, int] = {}
        rows, cols, data, lengths, offset = [], [], [], [], 0
        for postings, keep in parts:
            mapping = np.array([vocabulary.setdefault(t, len(vocabulary)) for t in postings.terms], np.int64)
            coo = postings.matrix.tocsr()[keep].tocoo()
            rows.append(coo.row.astype(np.int64) + offset)
            cols.append(mapping[coo.col])
            data.append(coo.data.astype(np.float32))
            lengths.append(postings.lengths[keep])
            offset += len(keep)
        shape = (offset, len(vocabulary))
        matrix = sp.csc_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=shape)
        used = np.diff(matrix.indptr) > 0
        words = [t for t, u in zip(vocabulary, used.tolist()) if u]
        return cls(words, sp.csc_matrix(matrix[:, used]), np.concatenate(lengths).astype(np.int64))

    def save(self, folder: Path) -> None:
        m = self.matrix
        with open(folder / MATRIX_FILE, "wb") as f:
            np.savez(f, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape, np.int64),
                     lengths=self.lengths)
        (folder / TERMS_FILE).write_text(json.dumps(self.terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """Raises ValueError (or OSError) when the files do not fit together."""
        with np.load(folder / MATRIX_FILE, allow_pickle=False) as z:
            shape = tuple(int(x) for x in z["shape"])
            matrix = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
            lengths = z["lengths"]
        words = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        if not isinstance(words, list) or len(words) != shape[1] or len(lengths) != shape[0]:
            raise ValueError("lexical postings, terms and lengths disagree in size")
        matrix.check_format(full_check=False)
        return cls(words, matrix, lengths)


@dataclass(frozen=True)
class LivePostings:
    """A segment's postings with its deleted rows masked out (`dead[row]` True), as BM25 sees them."""

    postings: Postings
    dead: np.ndarray
    live_length: int  # sum of the live rows' lengths
    live_count: int


def live(postings: Postings, dead: np.ndarray) -> LivePostings:
    return LivePostings(postings, dead, int(postings.lengths[~dead].sum()), int((~dead).sum()))


def idf(df: int, n: int) -> float:
    """Lucene's BM25 idf."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def document_frequency(parts: Sequence[LivePostings], term: str) -> int:
    return sum(int((~p.dead[p.postings.column(term)[0]]).sum()) for p in parts)


def term_idf(parts: Sequence[LivePostings], term: str) -> float:
    """idf of a term over all live passages (unseen terms get the highest weight)."""
    n = sum(p.live_count for p in parts)
    return idf(document_frequency(parts, term), max(n, 1))


def bm25(parts: Sequence[LivePostings], query_terms: list[str], k1: float, b: float) -> list[np.ndarray | None]:
    """Per part, every row's BM25 score for the query (None for a part no query term occurs in); a term repeated in
    the query counts once per occurrence, as in bm25s."""
    n = sum(p.live_count for p in parts)
    if n == 0:
        return [None] * len(parts)
    avgdl = sum(p.live_length for p in parts) / n or 1.0
    scores: list[np.ndarray | None] = [None] * len(parts)
    for term, times in Counter(query_terms).items():
        columns = [p.postings.column(term) for p in parts]
        df = sum(int((~p.dead[rows]).sum()) for p, (rows, _) in zip(parts, columns))
        if df == 0:
            continue
        weight = times * idf(df, n)
        for i, (p, (rows, tf)) in enumerate(zip(parts, columns)):
            if len(rows) == 0:
                continue
            norm = k1 * (1 - b + b * p.postings.lengths[rows] / avgdl)
            if scores[i] is None:
                scores[i] = np.zeros(len(p.dead), np.float64)
            scores[i][rows] += weight * tf / (tf + norm)
    for s, p in zip(scores, parts):
        if s is not None:
            s[p.dead] = 0.0
    return scores
