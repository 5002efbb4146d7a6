"""The one `ask` behind the app, the CLI and the evaluation: validate, make a follow-up standalone, retrieve, and let
a generator compose the cited answer (streamed as it is written)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
import numpy as np

from rag import inputs
from rag.answering.generator import Generator
from rag.answering.history import normalise_history
from rag.answering.reading import QuestionReader
from rag.chunking import sentences
from rag.embedding import Embedder
from rag.errors import GenerationError
from rag.metadata import find_byline
from rag.models import Answer, Byline, ChatMessage, Document, Passage
from rag.nlp import Analyzer
from rag.settings import Settings
from rag.passage_store import PassageStore

log = logging.getLogger(__name__)

Retrieve = Callable[[str, int, str], list[Passage]]  # (query, how many, mode) -> passages, best first


class StoreEvidence:
    """The `EvidenceStore` over a passage store: stored sentences, parses, word vectors and BM25 statistics."""

    def __init__(self, store: PassageStore, analyzer: Analyzer, embedder: Embedder, settings: Settings):
        self.store, self.analyzer, self.embedder, self.settings = store, analyzer, embedder, settings
        self._documents: dict[str, Document | None] = {}

    def sentences(self, passage: Passage) -> list[tuple[int, int, np.ndarray]]:
        block = self.store.sentence_block(passage.doc_id)
        if block is not None:
            inside = block.within(passage.start, passage.end)
            if inside.any():
                return [(int(a), int(b), v) for (a, b), v in zip(block.spans[inside], block.vectors[inside])]
        # no stored sentences (an index built without them, or the document replaced since it was retrieved)
        spans = sentences(passage.text)
        vectors = self.embedder.embed_passages([passage.text[s.start:s.end] for s in spans])
        return [(s.start + passage.start, s.end + passage.start, v) for s, v in zip(spans, vectors)]

    def parse(self, passage: Passage):
        blob = self.store.analysis(passage.id) if passage.id is not None else b""
        return self.analyzer.read(blob) if blob else self.analyzer.parse(passage.text)

    def lead(self, doc_id: str) -> str:
        doc = self._document(doc_id)
        return f"{doc.meta.title or ''} {doc.text[: self.settings.answer.lead_chars]}" if doc is not None else ""

    def document_text(self, doc_id: str) -> str:
        doc = self._document(doc_id)
        return f"{doc.meta.title or ''}\n{doc.text}" if doc is not None else ""

    def byline(self, doc_id: str) -> Byline | None:
        doc = self._document(doc_id)
        return find_byline(doc.text) if doc is not None else None

    def _document(self, doc_id: str) -> Document | None:
        """A document, fetched once per question (an evidence object serves one question; a server store would
        otherwise be asked for the same article once per sentence)."""
        if doc_id not in self._documents:
            self._documents[doc_id] = self.store.document(doc_id)
        return self._documents[doc_id]

    def idf(self, term: str) -> float:
        return self.store.idf(term)

    def word_vectors(self, words: list[str]) -> np.ndarray:
        return self.store.lexicon().matrix(words, self.embedder)


class Asker:
    """Validate, condense, retrieve, generate. `generators` maps names ("extractive", "llm") to generators; the
    extractive one is the fallback whenever another fails."""

    def __init__(self, settings: Settings, reader: QuestionReader, retrieve: Retrieve,
                 generators: dict[str, Generator], default: str = "extractive"):
        self.settings, self.reader, self.retrieve = settings, reader, retrieve
        self.generators, self.default = generators, default

    def ask(self, question: str, history: Sequence[object] | None = None, k: object = None, mode: object = None,
            generator: str | None = None) -> Answer:
        """The finished answer (the last item of `stream`)."""
        answer = None
        for item in self.stream(question, history, k, mode, generator):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[object] | None = None, k: object = None, mode: object = None,
               generator: str | None = None) -> Iterator[str | Answer]:
        """Text deltas as the answer is written, then the finished Answer. A failing model server yields the
        extractive answer instead, with a notice saying why."""
        started = time.perf_counter()
        settings = self.settings
        question = inputs.validate_query(question, settings.max_question_chars)
        k = inputs.validate_k(k, settings.retrieval.k, settings.retrieval.max_k)
        mode = inputs.validate_mode(mode, settings.retrieval.mode)
        name = generator or self.default
        if name not in self.generators:
            raise ValueError(f"unknown generator {name!r}: this engine has {', '.join(self.generators)}"
                             + ("" if "llm" in self.generators else " (set RAG_LLM_BASE_URL and RAG_LLM_MODEL for "
                                                                    "'llm')"))
        messages = normalise_history(history, settings.max_history_messages, settings.max_message_chars)
        chosen = self.generators[name]
        notice = None
        query = self._standalone(chosen, question, messages)
        passages = self.retrieve(query, max(k, settings.answer.passages), mode)
        answer = None
        try:
            for item in chosen.stream(question, messages, passages):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield item
        except GenerationError as exc:
            if name == "extractive":
                raise
            notice = f"The language model did not answer ({exc}); this is the extractive answer."
            log.warning("generator %s failed: %s", name, exc)
            answer = self.generators["extractive"].generate(question, messages, passages)
            yield answer.text
        assert answer is not None
        shown = passages[:k]
        cited = {c.chunk_id for c in answer.citations}
        shown += [p for p in passages if p.chunk_id in cited and p not in shown]
        final = answer.model_copy(update={"question": question, "rewritten_query": query, "passages": shown,
                                          "seconds": time.perf_counter() - started,
                                          "notice": notice or answer.notice})
        log.info("ask %r -> %s by %s (%.0f ms)", query, "answered" if final.answered else "abstained",
                 final.generator, final.seconds * 1000)
        yield final

    def _standalone(self, generator: Generator, question: str, messages: list[ChatMessage]) -> str:
        """The text to search: the question itself, or a follow-up rewritten to stand alone (by the model when the
        generator can condense and there is history, else by the rule-based rewriter)."""
        if messages and hasattr(generator, "condense"):
            try:
                return generator.condense(question, messages)
            except GenerationError as exc:
                log.warning("condensing with the model failed (%s): using the rule-based rewrite", exc)
        return self.reader.read(question, messages)[0].text
