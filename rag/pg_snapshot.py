"""What one reader transaction of the PostgreSQL store sees: the commit it stands on, the totals and index state its
searches need, and caches valid for exactly that commit (documents, idf); and the lexicon, read incrementally."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import psycopg

from rag import pg_schema
from rag.lexicon import Lexicon
from rag.models import Document, DocumentMeta
from rag.passage_store import IndexProfile
from rag.pg_search import Searcher
from rag.settings import RetrievalSettings

DOCUMENT_CACHE = 512  # documents kept per snapshot: a search reads the metadata of each hit's document, and
# `PostgresStore.passages` fetches those in the same call (one query where there were k)


@dataclass
class Snapshot:
    """The commit a reader's transaction sees (generation 0: none yet, so every read is empty)."""

    generation: int = 0
    profile: IndexProfile | None = None
    searcher: Searcher | None = None
    lexicon_epoch: int = -1
    documents: dict[str, Document | None] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)

    @classmethod
    def read(cls, reader: psycopg.Connection, meta_query, retrieval: RetrievalSettings) -> Snapshot:
        """The snapshot of the reader's (new) transaction, from the meta row and the HNSW indexes it sees."""
        row = reader.execute(meta_query).fetchone()
        if row is None or row[0] == 0:
            return cls()
        generation, profile, _, _, passages, passage_terms, sentences, epoch = row
        ann = {table: pg_schema.has_ann_index(reader, table) for table in pg_schema.ANN_INDEXES}
        return cls(generation, IndexProfile.model_validate(profile) if profile else None,
                   Searcher(retrieval, passages, passage_terms, sentences, ann), epoch)

    def cache_documents(self, cur: psycopg.Cursor, doc_ids: set[str]) -> None:
        """Read the documents of `doc_ids` the cache lacks, in one query (None for those not live)."""
        missing = sorted(doc_ids - self.documents.keys())
        if not missing:
            return
        if len(self.documents) + len(missing) > DOCUMENT_CACHE:
            self.documents.clear()
        self.documents.update(dict.fromkeys(missing))
        for row in cur.execute("SELECT doc_id, source, content_hash, meta, text FROM documents "
                               "WHERE doc_id = ANY(%s)", (missing,)):
            self.documents[row[0]] = Document(doc_id=row[0], source=row[1], content_hash=row[2],
                                              meta=DocumentMeta.model_validate(row[3]), text=row[4])


class LexiconCache:
    """The lexicon as of the latest snapshot: words are only ever added (a rebuild starts a new epoch), so each new
    snapshot reads just the words committed since the last."""

    def __init__(self, dimension: int):
        self.dimension = dimension
        self.lexicon = Lexicon.empty(dimension)
        self._epoch, self._last = -1, 0  # the epoch held, and the highest `ord` read in it

    def update(self, reader: psycopg.Connection, snapshot: Snapshot) -> Lexicon:
        if snapshot.lexicon_epoch != self._epoch:
            self.lexicon, self._epoch, self._last = Lexicon.empty(self.dimension), snapshot.lexicon_epoch, 0
        if snapshot.generation == 0:
            return self.lexicon
        rows = reader.execute("SELECT ord, word, vector FROM lexicon WHERE ord > %s ORDER BY ord",
                              (self._last,)).fetchall()
        if rows:
            vectors = np.frombuffer(b"".join(bytes(r[2]) for r in rows), "<f2").reshape(len(rows), self.dimension)
            self.lexicon = Lexicon.concatenate([self.lexicon, Lexicon([r[1] for r in rows], vectors)])
            self._last = rows[-1][0]
        return self.lexicon
