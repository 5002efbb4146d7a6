"""A saved segment read back: its vectors stay memory-mapped file pages, and its sentence search reads the sentence
file in place, scoring exactly as the segment did before it was saved."""

from __future__ import annotations

import numpy as np

from rag.lexicon import Lexicon
from rag.models import Chunk, Document
from rag.passage_store import IndexedDocument, SentenceBlock
from rag.segment import Segment
from rag.settings import Settings

DIM = Settings().embedding.dimension


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _document(doc_id: str, rng: np.random.Generator) -> IndexedDocument:
    """Two passages sharing their middle sentence (chunking overlaps by a sentence), three sentences in all."""
    text = "First sentence here. Middle sentence here. Last sentence here."
    spans = np.array([(0, 20), (21, 42), (43, 62)], np.int64)
    chunks = [Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:0", text=text[0:42], start=0, end=42),
              Chunk(doc_id=doc_id, chunk_id=f"{doc_id}:1", text=text[21:62], start=21, end=62)]
    return IndexedDocument(document=Document(doc_id=doc_id, source=f"{doc_id}.txt", text=text, content_hash=doc_id),
                           chunks=chunks, vectors=_unit(rng, 2), analyses=[b"", b""],
                           sentences=SentenceBlock(spans, _unit(rng, 3)))


def test_a_loaded_segment_maps_its_files_and_scores_sentences_as_built(tmp_path) -> None:
    rng = np.random.default_rng(3)
    settings = Settings()
    built = Segment.build([_document(f"d{n}", rng) for n in range(4)], 0, Lexicon.empty(DIM), settings)
    built.save(tmp_path)
    loaded = Segment.load(tmp_path, built.dense.kind, settings)

    assert isinstance(loaded.vectors, np.memmap) and isinstance(loaded.sentence_table[0], np.memmap)
    assert not loaded.vectors.flags.writeable  # read-only: a segment never changes once written
    assert len(loaded.sentence_table[1]) == 4 * 4, "each passage's two sentences, the shared one counted twice"
    for _ in range(5):
        query = _unit(rng, 1)[0]
        (rows_a, best_a), (rows_b, best_b) = built.best_sentence_scores(query), loaded.best_sentence_scores(query)
        assert rows_a.tolist() == rows_b.tolist()
        np.testing.assert_allclose(best_a, best_b, rtol=0, atol=1e-6)
        # each passage's best is the maximum over its own sentences, recomputed by hand
        for row, best in zip(rows_b.tolist(), best_b.tolist()):
            passage = loaded.passages[row]
            block = loaded.sentences[passage.doc_id]
            inside = block.within(passage.start, passage.end)
            assert abs(best - float((np.asarray(block.vectors)[inside] @ query).max())) < 1e-6
