"""The read side of the embedded store: the segments of one commit, with deleted passages masked out, searched as
one index. Dense and sentence hits are merged across segments by score; BM25 uses statistics summed over the live
passages of all segments, so results do not depend on how the corpus was split into commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from rag.lexical import LivePostings, bm25, live, term_idf
from rag.lexicon import Lexicon
from rag.models import Document
from rag.passage_store import CatalogueEntry, Hit, SentenceBlock, StoredPassage
from rag.segment import Segment, top_k
from rag.settings import RetrievalSettings
from rag.text import terms


@dataclass(frozen=True, eq=False)
class LiveSegment:
    """A segment as one commit sees it: `dead[row]` marks deleted passages, `dead_docs` deleted documents, and
    `tombstones` names the tombstone files that say so."""

    name: str
    segment: Segment
    dead: np.ndarray
    dead_docs: frozenset[str] = frozenset()
    tombstones: frozenset[str] = frozenset()

    @classmethod
    def fresh(cls, name: str, segment: Segment) -> LiveSegment:
        return cls(name, segment, np.zeros(len(segment), dtype=bool))

    def deleting(self, passage_ids: Iterable[int], doc_ids: Iterable[str], tombstones: Iterable[str]) -> LiveSegment:
        """This segment with more passages and documents deleted (by the tombstone files named)."""
        rows = self.segment.rows_of(np.fromiter(passage_ids, dtype=np.int64))
        dead = self.dead.copy()
        dead[rows[rows >= 0]] = True
        return replace(self, dead=dead, dead_docs=self.dead_docs | frozenset(doc_ids),
                       tombstones=self.tombstones | frozenset(tombstones))

    @cached_property
    def live_count(self) -> int:
        return int(len(self.dead) - self.dead.sum())

    @cached_property
    def postings(self) -> LivePostings:
        return live(self.segment.postings, self.dead)

    def live_documents(self) -> Iterable[str]:
        return (d for d in self.segment.documents if d not in self.dead_docs)


@dataclass(frozen=True, eq=False)
class StoreView:
    """Everything search reads, never mutated: a commit or refresh builds a new view and swaps it in."""

    segments: tuple[LiveSegment, ...]
    retrieval: RetrievalSettings
    dimension: int

    @cached_property
    def where(self) -> dict[str, LiveSegment]:
        """Live doc_id -> the segment holding it."""
        return {doc_id: s for s in self.segments for doc_id in s.live_documents()}

    def by_name(self) -> dict[str, LiveSegment]:
        return {s.name: s for s in self.segments}

    # --- changes (each returns a new view) ---------------------------------------------------------------------

    def without(self, doc_ids: Iterable[str], tombstone: str) -> tuple[StoreView, dict[str, tuple[list[int], list[str]]]]:
        """The view with these live documents deleted by the tombstone file `tombstone`, and what was deleted:
        segment name -> (passage ids, doc ids)."""
        deleted: dict[str, tuple[list[int], list[str]]] = {}
        for doc_id in doc_ids:
            holder = self.where.get(doc_id)
            if holder is not None:
                ids, docs = deleted.setdefault(holder.name, ([], []))
                rows = holder.segment.doc_rows.get(doc_id, np.zeros(0, np.int64))
                ids += holder.segment.ids[rows].tolist()
                docs.append(doc_id)
        if not deleted:
            return self, {}
        segments = tuple(s.deleting(*deleted[s.name], [tombstone]) if s.name in deleted else s for s in self.segments)
        return replace(self, segments=segments), deleted

    def with_segments(self, segments: Sequence[LiveSegment]) -> StoreView:
        return replace(self, segments=tuple(segments))

    # --- reading -----------------------------------------------------------------------------------------------

    def count(self) -> int:
        return sum(s.live_count for s in self.segments)

    def dense_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        found_ids, found_scores = [], []
        for s in self.segments:
            if s.live_count == 0:
                continue
            ids, scores = s.segment.dense.search(vector, min(len(s.dead), k + len(s.dead) - s.live_count))
            keep = ~s.dead[s.segment.rows_of(ids)]
            found_ids.append(ids[keep])
            found_scores.append(scores[keep])
        return _merged(found_ids, found_scores, k)

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        query_terms = terms(query)
        parts = [s.postings for s in self.segments]
        found_ids, found_scores = [], []
        for s, scores in zip(self.segments, bm25(parts, query_terms, self.retrieval.bm25_k1, self.retrieval.bm25_b)):
            if scores is not None:
                rows = np.flatnonzero(scores > 0)
                found_ids.append(s.segment.ids[rows])
                found_scores.append(scores[rows].astype(np.float32))
        return _merged(found_ids, found_scores, k)

    def sentence_search(self, vector: np.ndarray, k: int) -> list[Hit]:
        found_ids, found_scores = [], []
        for s in self.segments:
            best = s.segment.best_sentence_scores(np.asarray(vector, dtype=np.float32))
            if best is not None:
                rows, scores = best
                keep = ~s.dead[rows]
                found_ids.append(s.segment.ids[rows[keep]])
                found_scores.append(scores[keep])
        return _merged(found_ids, found_scores, k)

    def _locate(self, ids: Sequence[int]) -> list[tuple[LiveSegment, int] | None]:
        """For each id, its live segment and row (None when it is not live)."""
        wanted = np.asarray(list(ids), dtype=np.int64)
        out: list[tuple[LiveSegment, int] | None] = [None] * len(wanted)
        for s in self.segments:
            rows = s.segment.rows_of(wanted)
            for i in np.flatnonzero(rows >= 0).tolist():
                if not s.dead[rows[i]]:
                    out[i] = (s, int(rows[i]))
        return out

    def passages(self, ids: Sequence[int]) -> list[StoredPassage]:
        return [s.segment.passages[row] for s, row in filter(None, self._locate(ids))]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(ids), self.dimension), np.float32)
        for i, found in enumerate(self._locate(ids)):
            if found is not None:
                out[i] = found[0].segment.vectors[found[1]]
        return out

    def passage_ids(self, doc_id: str) -> list[int]:
        holder = self.where.get(doc_id)
        if holder is None:
            return []
        rows = holder.segment.doc_rows.get(doc_id)
        return [] if rows is None else holder.segment.ids[rows].tolist()

    def analysis(self, passage_id: int) -> bytes:
        found = self._locate([passage_id])[0]
        return found[0].segment.analyses[found[1]] if found is not None else b""

    def document(self, doc_id: str) -> Document | None:
        holder = self.where.get(doc_id)
        return holder.segment.documents[doc_id] if holder is not None else None

    def sentence_block(self, doc_id: str) -> SentenceBlock | None:
        holder = self.where.get(doc_id)
        return holder.segment.sentences.get(doc_id) if holder is not None else None

    @cached_property
    def catalogue(self) -> list[CatalogueEntry]:
        entries = []
        for doc_id, holder in self.where.items():
            doc = holder.segment.documents[doc_id]
            rows = holder.segment.doc_rows.get(doc_id)
            entries.append(CatalogueEntry(doc_id=doc_id, source=doc.source, content_hash=doc.content_hash,
                                          meta=doc.meta, passages=0 if rows is None else len(rows)))
        return sorted(entries, key=lambda e: e.doc_id)

    def idf(self, term: str) -> float:
        return term_idf([s.postings for s in self.segments], term)

    @cached_property
    def lexicon(self) -> Lexicon:
        """Every segment's words, fully deleted segments' included (a word outlives the documents that brought it)."""
        parts = [s.segment.words for s in self.segments if len(s.segment.words)]
        if not parts:
            return Lexicon.empty(self.dimension)
        if len(parts) == 1:
            return parts[0]
        return Lexicon.concatenate(parts)


def _merged(ids: list[np.ndarray], scores: list[np.ndarray], k: int) -> list[Hit]:
    if not ids:
        return []
    best_ids, best_scores = top_k(np.concatenate(ids), np.concatenate(scores), k)
    return list(zip(best_ids.tolist(), best_scores.tolist()))
