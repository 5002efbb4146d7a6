"""Chunking invariants (rag.chunking): offsets, whole sentences, size limits, overlap, ids; then the seed index."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document, document_sentences, paragraphs, word_count
from rag.settings import ChunkingSettings, Settings
from rag.stores import open_store

WORDS = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12)
PUNCT = st.sampled_from([".", "!", "?", "", ".", ",", ";", ":", "...", '."', ".)"])
ABBREV = st.sampled_from(["Dr.", "U.S.", "3.5", "e.g.", "No.", "Mr.", "a.m.", "1,000", "(AP)", "--", "\u2014"])


@st.composite
def sentence(draw) -> str:
    words = draw(st.lists(st.one_of(WORDS, WORDS, WORDS, ABBREV), min_size=1, max_size=60))
    return " ".join(words) + draw(PUNCT)


@st.composite
def paragraph(draw) -> str:
    joiner = draw(st.sampled_from([" ", "  ", "\n", " \t", "\u00a0"]))
    return joiner.join(draw(st.lists(sentence(), min_size=1, max_size=12)))


@st.composite
def document(draw) -> str:
    paras = draw(st.lists(paragraph(), min_size=1, max_size=8))
    breaks = draw(st.lists(st.sampled_from(["\n\n", "\n\n\n", "\n \n", "\n\t\n  "]), min_size=len(paras),
                           max_size=len(paras)))
    lead = draw(st.sampled_from(["", "\n", "  ", "\n\n"]))
    return lead + "".join(p + b for p, b in zip(paras, breaks))


CHUNK_SETTINGS = st.builds(
    ChunkingSettings,
    target_words=st.integers(10, 80),
    max_words=st.integers(10, 120),
    overlap_sentences=st.integers(0, 3),
)


def check_chunks(doc_id: str, text: str, cfg: ChunkingSettings) -> None:
    """Every invariant the chunker promises, for one document."""
    chunks = chunk_document(doc_id, text, cfg)
    sents = [s for _, s in document_sentences(text)]
    if not text.strip():
        assert chunks == []
        return
    assert chunks, "a document with text must give at least one chunk"
    # offsets point at the chunk text, inside this document only
    for c in chunks:
        assert c.doc_id == doc_id
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text
        assert c.text == c.text.strip()
    # ids are unique and chunks are in document order
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.chunk_id.startswith(f"{doc_id}:") for c in chunks)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    # no sentence is ever cut: every sentence lies wholly inside some chunk, and no chunk boundary falls inside one
    for s in sents:
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), f"sentence {text[s.start:s.end]!r} lost"
        for c in chunks:
            disjoint = s.end <= c.start or c.end <= s.start
            assert disjoint or (c.start <= s.start and s.end <= c.end), "a chunk cuts a sentence"
    # chunk boundaries are sentence boundaries
    starts, ends = {s.start for s in sents}, {s.end for s in sents}
    for c in chunks:
        assert c.start in starts and c.end in ends
    # size limit: over max_words only when the chunk is one single (long) sentence
    for c in chunks:
        inside = [s for s in sents if c.start <= s.start and s.end <= c.end]
        if word_count(c.text) > cfg.max_words:
            assert len(inside) == 1, f"{word_count(c.text)} words in {len(inside)} sentences > {cfg.max_words}"
    # overlap is whole sentences, at most overlap_sentences of them, and only within one paragraph
    paras = paragraphs(text)
    for a, b in zip(chunks, chunks[1:]):
        if b.start < a.end:
            shared = [s for s in sents if b.start <= s.start and s.end <= a.end]
            assert shared and shared[0].start == b.start and shared[-1].end == a.end
            assert len(shared) <= cfg.overlap_sentences
            assert any(p.start <= b.start and a.end <= p.end for p in paras), "overlap crosses a paragraph"
        assert b.end > a.end, "a chunk adds nothing new"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=document(), cfg=CHUNK_SETTINGS)
@example(text="One two three.", cfg=ChunkingSettings(target_words=10, max_words=10, overlap_sentences=1))
@example(text=" ".join(["word"] * 50) + ".\n\nShort one. Short two.",
         cfg=ChunkingSettings(target_words=10, max_words=10, overlap_sentences=2))
def test_chunk_invariants_on_generated_documents(text: str, cfg: ChunkingSettings) -> None:
    check_chunks("doc", text, cfg)


@settings(max_examples=10, deadline=None)
@given(texts=st.lists(document(), min_size=2, max_size=4), cfg=CHUNK_SETTINGS)
def test_chunks_never_cross_documents(texts: list[str], cfg: ChunkingSettings) -> None:
    """Chunking documents one by one: each chunk belongs to one document and its offsets point into that one only."""
    seen: set[str] = set()
    for n, text in enumerate(texts):
        doc_id = f"d{n}"
        for c in chunk_document(doc_id, text, cfg):
            assert c.doc_id == doc_id and c.chunk_id.startswith(f"{doc_id}:")
            assert text[c.start:c.end] == c.text
            assert c.chunk_id not in seen
            seen.add(c.chunk_id)


def test_overlap_repeats_last_sentence_when_a_paragraph_is_split() -> None:
    """A long paragraph split in two: the second chunk starts with the first chunk's last sentence."""
    sents = [f"Sentence number {i} has exactly seven words." for i in range(12)]
    text = " ".join(sents)
    cfg = ChunkingSettings(target_words=20, max_words=30, overlap_sentences=1)
    chunks = chunk_document("d", text, cfg)
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:]):
        last_of_a = [s for s in sents if a.text.endswith(s)][0]
        assert b.text.startswith(last_of_a)
    no_overlap = chunk_document("d", text, cfg.model_copy(update={"overlap_sentences": 0}))
    assert all(b.start > a.end for a, b in zip(no_overlap, no_overlap[1:]))


def test_chunks_prefer_paragraph_breaks() -> None:
    """Short paragraphs that fit together are packed; a break is taken at a paragraph boundary, not mid-paragraph."""
    para = "Alpha beta gamma delta epsilon zeta eta theta. Iota kappa lambda mu nu xi omicron pi."
    text = "\n\n".join([para] * 6)
    chunks = chunk_document("d", text, ChunkingSettings(target_words=40, max_words=60, overlap_sentences=1))
    bounds = {p.start for p in paragraphs(text)}
    assert len(chunks) >= 2
    assert all(c.start in bounds for c in chunks)


def test_every_seed_passage_points_into_its_cleaned_document(seed_index) -> None:
    """In the built index, passage offsets address the stored cleaned text, per document, without cut sentences."""
    index = open_store(Settings(index_dir=seed_index.index_dir))
    docs = {e.doc_id: index.document(e.doc_id).text for e in index.catalogue()}
    passages = [p.model_dump() for doc_id in docs for p in index.passages(index.passage_ids(doc_id))]
    assert len(docs) == len(list(seed_index.corpus_dir.glob("*.txt")))
    assert {p["doc_id"] for p in passages} == set(docs)
    assert len({p["chunk_id"] for p in passages}) == len(passages)
    assert len({p["id"] for p in passages}) == len(passages)
    for p in passages:
        text = docs[p["doc_id"]]
        assert text[p["start"]:p["end"]] == p["text"], p["chunk_id"]
    cfg = ChunkingSettings(**index.profile().chunking)
    for doc_id, text in docs.items():
        check_chunks(doc_id, text, cfg)
        # the stored passages are exactly what chunking the stored text gives
        stored = [(p["chunk_id"], p["start"], p["end"]) for p in passages if p["doc_id"] == doc_id]
        assert stored == [(c.chunk_id, c.start, c.end) for c in chunk_document(doc_id, text, cfg)]
