"""Helpers shared by the answering tests: a text as one retrieved sentence, the features of its candidates, and an
engine over a few articles written for a test."""

from __future__ import annotations

import numpy as np

import rag


def sentence_of(doc):
    """A whole Doc as one retrieved sentence (a Doc built by hand, where the test needs the tagger's mistakes)."""
    from rag.answering.evidence import Sentence
    from rag.models import Passage

    text = doc.text
    passage = Passage(doc_id="d", chunk_id="d:0", text=text, score=1.0, start=0, end=len(text))
    return Sentence(passage=passage, rank=0, position=0, start=0, end=len(text), vector=np.zeros(3), span=doc[:])


def sentence(parse, text: str):
    """A whole text as one retrieved sentence (as the answerer sees it), parsed by the product's pipeline."""
    return sentence_of(parse(text))


def features(parse, question: str, text: str) -> dict[str, dict[str, float]]:
    """Each candidate of `text` for `question` (by its text) -> its features."""
    from rag.answering.answer_types import wanted_labels
    from rag.answering.candidates import find_candidates
    from rag.answering.question import analyse_question
    from rag.answering.scoring import candidate_features

    analysis = analyse_question(parse(question))
    wanted = wanted_labels(analysis.answer_type, analysis.named)
    terms_ = {f.term for f in analysis.focus}
    return {c.text: candidate_features(c, analysis, {}, {}, terms_)
            for c in find_candidates(sentence(parse, text), wanted, head=analysis.head)}


def articles_engine(tmp_path_factory, name: str, articles: dict[str, str]) -> rag.Engine:
    """An engine over `articles` (file name -> text), indexed in a temporary folder."""
    root = tmp_path_factory.mktemp(name)
    corpus = root / "corpus"
    corpus.mkdir()
    for file_name, text in articles.items():
        (corpus / file_name).write_text(text, encoding="utf-8")
    return rag.load(index_dir=root / "index", corpus_dir=corpus)
