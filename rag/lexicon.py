"""Word vectors for the corpus's content words, so a question word finds its paraphrases ("film" ~ "movie").

Each distinct content lemma is embedded once, when a document that uses it is first indexed, with the same model
as passages; vectors are kept in float16 (the similarities used are far coarser than its precision).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rag.embedding import Embedder


class Lexicon:
    """An immutable word -> unit vector table."""

    def __init__(self, words: list[str], vectors: np.ndarray):
        self.words = words
        self.vectors = vectors.astype(np.float16, copy=False)
        self.index = {w: i for i, w in enumerate(words)}
        self._extra: dict[str, np.ndarray] = {}  # question words missing from the corpus, embedded on demand
        self._lock = threading.Lock()

    @classmethod
    def empty(cls, dimension: int) -> Lexicon:
        return cls([], np.zeros((0, dimension), np.float16))

    @classmethod
    def concatenate(cls, parts: Sequence[Lexicon]) -> Lexicon:
        """One table of the words of `parts`, which must not share a word."""
        return cls([w for p in parts for w in p.words], np.concatenate([p.vectors for p in parts]))

    def __len__(self) -> int:
        return len(self.words)

    def missing(self, words: Iterable[str], embedder: Embedder, progress: bool = False) -> Lexicon:
        """A table of the words this one lacks, embedded now in one batch (sorted, so a build is reproducible)."""
        new = sorted({w for w in words if w not in self.index})
        if not new:
            return Lexicon.empty(self.vectors.shape[1])
        return Lexicon(new, embedder.embed_passages(new, progress=progress).astype(np.float16))

    def matrix(self, words: list[str], embedder: Embedder | None = None) -> np.ndarray:
        """float32 vectors of `words` in order; words not in the table are embedded (and remembered) when an
        embedder is given, else get a zero vector (which matches nothing)."""
        out = np.zeros((len(words), self.vectors.shape[1]), np.float32)
        missing = []
        for i, word in enumerate(words):
            row = self.index.get(word)
            if row is not None:
                out[i] = self.vectors[row]
            elif word in self._extra:
                out[i] = self._extra[word]
            else:
                missing.append(i)
        if missing and embedder is not None:
            for i in missing:  # a word or two per question: the single-text path is several times faster
                vector = embedder.embed_query(words[i])
                with self._lock:
                    self._extra[words[i]] = vector
                out[i] = vector
        return out

    def save(self, folder: Path) -> None:
        (folder / "lexicon_words.json").write_text(json.dumps(self.words, ensure_ascii=False), encoding="utf-8")
        np.save(folder / "lexicon_vectors.npy", self.vectors)

    @classmethod
    def load(cls, folder: Path) -> Lexicon:
        words = json.loads((folder / "lexicon_words.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "lexicon_vectors.npy", allow_pickle=False)
        if len(words) != len(vectors):
            raise ValueError("lexicon words and vectors disagree in length")
        return cls(words, vectors)
