"""The one tokeniser, stemmer and stop-word list, shared by lexical search and answering.

BM25 indexes exactly these terms and the answerer measures term overlap with them, so a word that search matched is
a word the answerer sees as matched. The pattern and stop words are Lucene's/scikit-learn's English defaults (as in
bm25s), which reproduce the published BM25 figures on BEIR.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(STOPWORDS_EN)
_local = threading.local()  # PyStemmer objects are not thread-safe


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of two or more characters, stop words included."""
    return TOKEN.findall(text.lower())


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lower-cased word."""
    return _stem_cached(word.lower())


@lru_cache(maxsize=200_000)
def _stem_cached(word: str) -> str:
    return _stemmer().stemWord(word)


def terms(text: str) -> list[str]:
    """Stemmed tokens without stop words, in text order: the unit of BM25 and of answer term overlap."""
    return [_stem_cached(t) for t in tokens(text) if t not in STOPWORDS]


def terms_many(texts: list[str]) -> list[list[str]]:
    """`terms` of many texts (index builds)."""
    return [terms(t) for t in texts]
