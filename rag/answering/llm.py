"""`OpenAIChatGenerator`: fluent answers from any OpenAI-compatible chat server, every sentence checked against the
passage it cites.

The official `openai` client talks to Ollama, vLLM, llama.cpp's server, LM Studio or a hosted API alike. A server
that is unreachable, slow past `timeout`, or answers with nothing usable raises `GenerationError` (naming the URL
and the error), which the pipeline turns into the extractive answer with a notice: never a traceback, never a hang.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence

from rag.answering.generator import Generator
from rag.answering.prompt import ABSTAIN, answer_prompt, condense_prompt
from rag.answering.verify import Claim, Verifier
from rag.errors import ConfigurationError, GenerationError
from rag.models import Answer, ChatMessage, Citation, Passage
from rag.settings import LLMSettings

log = logging.getLogger(__name__)


class OpenAIChatGenerator(Generator):
    """Chat completions (streamed) over the retrieved passages, then the verifier."""

    name = "llm"

    def __init__(self, settings: LLMSettings, verifier: Verifier, document_text: Callable[[str], str] | None = None):
        if not settings.configured:
            raise ConfigurationError("no model server configured: set RAG_LLM_BASE_URL and RAG_LLM_MODEL")
        from openai import OpenAI

        self.settings = settings
        self.verifier = verifier
        self.document_text = document_text  # doc_id -> cleaned text, for quote offsets (optional)
        key = os.environ.get(settings.api_key_env) or "unused"  # local servers need none; never logged
        self.client = OpenAI(base_url=settings.base_url, api_key=key, timeout=settings.timeout, max_retries=0)

    def check(self) -> None:
        """GenerationError when the server does not answer (yet); ConfigurationError when it answers without the
        configured model (called at start-up)."""
        try:
            names = [m.id for m in self.client.models.list().data]
        except Exception as exc:  # noqa: BLE001 - any client error means the server is not usable
            raise GenerationError(f"model server {self.settings.base_url} is not reachable: {_brief(exc)}") from exc
        if self.settings.model not in names and not any(n.endswith(self.settings.model) for n in names):
            raise ConfigurationError(f"model server {self.settings.base_url} does not serve model "
                                     f"{self.settings.model!r} (it serves: {', '.join(names) or 'none'})")

    def condense(self, question: str, history: Sequence[ChatMessage]) -> str:
        """The follow-up rewritten to stand alone by the model (the question itself if it says nothing usable)."""
        if not self.settings.condense:
            raise GenerationError("condensing with the model is switched off")
        text = "".join(self._chat(condense_prompt(question, history), max_tokens=96)).strip().strip('"')
        text = text.splitlines()[0].strip() if text else ""
        return text if 3 <= len(text) <= 400 else question

    def generate(self, question: str, history: Sequence[ChatMessage], passages: list[Passage]) -> Answer:
        answer = None
        for item in self.stream(question, history, passages):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[ChatMessage], passages: list[Passage]) -> Iterator[str | Answer]:
        prompt = answer_prompt(question, history, passages[: self.settings.passages], self.settings.context_tokens,
                               self.settings.max_tokens)
        parts: list[str] = []
        for delta in self._chat(prompt.messages, max_tokens=self.settings.max_tokens):
            parts.append(delta)
            yield delta
        text = "".join(parts).strip()
        if not text:
            raise GenerationError(f"{self.settings.base_url}: the model returned an empty answer")
        yield self.checked_answer(question, text, prompt.passages)

    def checked_answer(self, question: str, text: str, passages: list[Passage]) -> Answer:
        """The model's text as an Answer: each sentence verified, citations carrying their supporting sentence."""
        if ABSTAIN.rstrip(".").lower() in text.lower() and len(text) < 2 * len(ABSTAIN):
            return Answer(question=question, text=ABSTAIN, answered=False, rewritten_query=question, confidence=0.0,
                          generator="llm", verified=None)
        claims = self.verifier.check(text, passages, question)
        failed = [c for c in claims if not c.supported]
        citations = self._citations(claims, passages)
        supported = len(claims) - len(failed)
        if supported == 0:
            note = "\n\n(The model's answer could not be checked against the articles.)"
            return Answer(question=question, text=ABSTAIN + note, answered=False, rewritten_query=question,
                          confidence=0.0, generator="llm", verified=False,
                          unsupported_claims=[c.sentence for c in failed])
        return Answer(question=question, text=text, answered=True, citations=citations, rewritten_query=question,
                      confidence=supported / len(claims), generator="llm", verified=not failed,
                      unsupported_claims=[c.sentence for c in failed])

    def _citations(self, claims: list[Claim], passages: list[Passage]) -> list[Citation]:
        """One citation per passage number a supported claim cites, quoting that passage's closest sentence."""
        best: dict[int, tuple[int, int, float]] = {}
        for claim in claims:
            if claim.supported:
                for n, support in claim.support.items():
                    if n not in best or support[2] > best[n][2]:
                        best[n] = support
        out = []
        for n in sorted(best):
            p = passages[n - 1]
            start, end, _ = best[n]
            out.append(Citation(n=n, doc_id=p.doc_id, chunk_id=p.chunk_id, title=p.title, date=p.date,
                                publisher=p.publisher, quote=p.text[start - p.start:end - p.start], start=start,
                                end=end, passage_text=p.text, passage_start=p.start, score=p.score))
        return out

    def _chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Streamed text deltas; GenerationError on any failure, and once `timeout` seconds have passed in all."""
        from openai import OpenAIError

        deadline = time.monotonic() + self.settings.timeout
        url = self.settings.base_url
        try:
            stream = self.client.chat.completions.create(
                model=self.settings.model, messages=messages, temperature=self.settings.temperature,
                max_tokens=max_tokens, stream=True)
            with stream:
                for chunk in stream:
                    if time.monotonic() > deadline:
                        raise GenerationError(f"{url}: no complete answer within {self.settings.timeout:g} s")
                    choices = getattr(chunk, "choices", None) or []
                    delta = getattr(choices[0].delta, "content", None) if choices else None
                    if delta:
                        yield delta
        except GenerationError:
            raise
        except OpenAIError as exc:
            raise GenerationError(f"{url}: {_brief(exc)}") from exc
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a reply that is not a chat completion
            raise GenerationError(f"{url}: unusable reply ({_brief(exc)})") from exc


def _brief(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
