"""The Gradio app: a cited chat over the news corpus, a sources panel, and a documents tab.

A thin shell over `rag.Engine`: retrieval and answering live in the library; this module only wires events and
renders (see `ui.render`, where all article text is escaped).

Run it with `rag serve` or `python -m ui.app [--host 127.0.0.1] [--port 7860] [--index index] [--corpus seeds]`.

API endpoints (for `gradio_client.Client(url).predict(..., api_name=...)`):

    /ask    (question: str, history: str | list | None = None, k: int = 5, mode: str = "hybrid",
             generator: str | None = None) -> dict
            history is a list of {"role": "user"|"assistant", "content": str} messages, or that list as a JSON
            string; content may also be Gradio's list of blocks. Returns `rag.models.Answer` as a JSON dict:
            question, text, answered, short_answer, citations [{n, doc_id, chunk_id, title, date, publisher, quote,
            start, end, passage_text, passage_start, score, note}], passages, rewritten_query, confidence, seconds.
    /search (query: str, k: int = 5, mode: str = "hybrid") -> list[dict]
            The k best passages: [{doc_id, chunk_id, text, score, title, date, publisher, start, end}].

    mode is "hybrid", "dense" or "lexical"; k is 1..100; generator is "extractive" or, when a model server is
    configured, "llm" (the answer then carries generator, verified and unsupported_claims).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from rag.conversation import Conversation  # noqa: E402
from rag.errors import RagError  # noqa: E402
from rag.loading import SUPPORTED  # noqa: E402
from ui import render  # noqa: E402
from ui.style import CSS, theme  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = [
    "What is Hangzhou's 2025 urban-rural income target?",
    "What per capita GDP does Hangzhou aim to reach by 2025?",
    "Who is the Party secretary of Zhejiang Province?",
    "What level of overall labor productivity is Hangzhou targeting for 2025?",
]
MODES = ["hybrid", "dense", "lexical"]
ASK_CONCURRENCY = 4
STREAM_REFRESH_SECONDS = 0.15


class RagBlocks(gr.Blocks):
    """Blocks whose launch() defaults to the app's theme, CSS and upload limit, so a plain `app.launch()` works."""

    launch_defaults: dict = {}

    def launch(self, *args, **kwargs):  # noqa: D102 - same as gr.Blocks.launch
        for key, value in self.launch_defaults.items():
            kwargs.setdefault(key, value)
        return super().launch(*args, **kwargs)


def refuse(message: str) -> gr.Error:
    """A user mistake: shown to the caller, logged as one line (never a traceback)."""
    log.info("request refused: %s", message)
    return gr.Error(message, print_exception=False)


def discard_upload(path: str) -> None:
    """Delete a file Gradio stored for an upload once it is handled (indexed or refused): only inside Gradio's own
    upload cache, never anything else."""
    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()
    try:
        file = Path(path)
        if not file.is_symlink() and file.resolve().is_relative_to(cache) and file.is_file():
            file.unlink()
    except OSError as exc:
        log.info("could not delete upload %s: %s", path, exc)


def parse_history(history) -> list | None:
    """Chat history from an API caller: a list of messages, that list as a JSON string, or nothing."""
    if history is None or history == "" or history == []:
        return None
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as exc:
            raise ValueError(f"history is not valid JSON: {exc.msg}") from exc
    if not isinstance(history, list):
        raise ValueError("history must be a list of {'role': ..., 'content': ...} messages")
    return history


def build_app(engine, examples: list[str] | None = None, title: str = "News Q&A") -> gr.Blocks:
    """The whole app over one engine; launch it with `.launch()` (theme and CSS are applied by default)."""
    settings = engine.settings
    default_k = settings.retrieval.k
    examples = EXAMPLES if examples is None else examples

    # ---- handlers -------------------------------------------------------------------------------------------------

    def respond(question, chat, conversation, k, mode, generator=None):
        """Stream one turn: the question, the answer as it is written, then the checked answer and its sources."""
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        chat = list(chat or []) + [{"role": "user", "content": render.user_message(question)},
                                   {"role": "assistant", "content": render.PENDING_ANSWER}]
        yield chat, gr.skip(), "", render.PENDING_SOURCES, gr.skip()
        answer, written, shown = None, "", 0.0
        try:
            for item in engine.stream(question, history=conversation.messages(), k=k, mode=mode,
                                      generator=generator or None):
                if isinstance(item, str):
                    written += item
                    if time.monotonic() - shown > STREAM_REFRESH_SECONDS:  # a few redraws a second, not one a token
                        shown = time.monotonic()
                        chat[-1] = {"role": "assistant", "content": render.streaming_message(written)}
                        yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                else:
                    answer = item
        except (RagError, ValueError) as exc:
            chat[-1] = {"role": "assistant", "content": render.error_message(str(exc))}
            yield chat, gr.skip(), gr.skip(), render.EMPTY_SOURCES, render.EMPTY_PASSAGES
            return
        except Exception:  # noqa: BLE001 - the chat must survive a failed turn
            log.exception("answering %r failed", question)
            chat[-1] = {"role": "assistant", "content": render.error_message("an internal error occurred.")}
            yield chat, gr.skip(), gr.skip(), render.EMPTY_SOURCES, render.EMPTY_PASSAGES
            return
        chat[-1] = {"role": "assistant", "content": render.answer_message(answer)}
        conversation = conversation.add(question, answer)
        yield chat, conversation, gr.skip(), render.PENDING_SOURCES, gr.skip()
        yield chat, conversation, gr.skip(), render.sources_html(answer), render.passages_html(answer)

    def new_chat():
        return [], Conversation(), "", render.EMPTY_SOURCES, render.EMPTY_PASSAGES

    def corpus_view():
        docs = engine.documents()
        return (render.document_rows(docs), gr.update(choices=render.document_choices(docs), value=None),
                render.corpus_summary(docs))

    def add_files(files, replace, progress=gr.Progress()):
        """Index uploaded files one by one in the write queue (questions keep being answered meanwhile), showing each
        file's result as it comes; a bad file changes nothing, and a name already in the corpus is refused unless
        Replace is ticked. Every upload is deleted from Gradio's cache once handled."""
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            yield (render.notice_html("Choose one or more files first.", False), *corpus_view(), gr.skip())
            return
        results: list[tuple[str, bool, str]] = []
        try:
            for i, path in enumerate(paths):
                name = Path(path).name
                progress((i, len(paths)), desc=f"Indexing {name}", unit="files")
                pending = results + [(name, None, f"indexing ({i + 1} of {len(paths)})…")]
                yield (render.file_results_html(pending), gr.skip(), gr.skip(), gr.skip(), gr.skip())
                try:
                    report = engine.add_documents([path], replace=bool(replace))
                except (RagError, ValueError, OSError) as exc:
                    log.info("upload %s failed: %s", name, exc)
                    results.append((name, False, str(exc)))
                    continue
                finally:
                    discard_upload(path)
                if report.skipped:
                    results.append((name, False, "; ".join(s.reason for s in report.skipped)))
                for doc_id in report.added + report.updated:
                    verb = "added" if doc_id in report.added else "replaced (the previous version is kept)"
                    n = report.embedded_passages
                    results.append((name, True, f"{verb} as {doc_id} ({n} passage{'' if n == 1 else 's'})"))
        finally:
            for path in paths:  # also the ones never reached (the client went away)
                discard_upload(path)
        progress((len(paths), len(paths)), desc="Done", unit="files")
        yield (render.file_results_html(results), *corpus_view(), None)

    def remove_doc(doc_id):
        if not doc_id:
            return (render.notice_html("Choose a document to remove.", False), *corpus_view())
        try:
            engine.remove_documents([doc_id])
        except (RagError, ValueError) as exc:
            return (render.notice_html(str(exc), False), *corpus_view())
        return (render.notice_html(f"Removed {doc_id} (its file is kept in the corpus folder's .removed/).", True),
                *corpus_view())

    # ---- API (documented in the module docstring) -----------------------------------------------------------------

    def ask(question: str, history: str | list | None = None, k: int = default_k, mode: str = "hybrid",
            generator: str | None = None) -> dict:
        """Answer a question from the articles with numbered citations; history: prior messages (list or JSON)."""
        try:
            answer = engine.ask(question, history=parse_history(history), k=k, mode=mode, generator=generator or None)
        except (RagError, ValueError) as exc:
            raise refuse(str(exc)) from None
        return answer.model_dump(mode="json")

    def search(query: str, k: int = default_k, mode: str = "hybrid") -> list[dict]:
        """The k best passages for a query, best first."""
        try:
            hits = engine.search(query, k=k, mode=mode)
        except (RagError, ValueError) as exc:
            raise refuse(str(exc)) from None
        return [h.model_dump(mode="json") for h in hits]

    # ---- layout ---------------------------------------------------------------------------------------------------

    # uploads never added (the user chose files but did not press Add) are purged from Gradio's cache after an hour
    with RagBlocks(title=title, analytics_enabled=False, delete_cache=(1800, 3600)) as app:
        app.launch_defaults = {"theme": theme(), "css": CSS,
                               "max_file_size": settings.max_file_bytes + 1024 * 1024}
        gr.Markdown(f"# {render.esc(title)}\nAnswers come only from the indexed news articles, each with numbered "
                    "citations to the sentence that supports it.", elem_id="rag-header")
        conversation = gr.State(Conversation())
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        chat = gr.Chatbot(label="Conversation", elem_id="rag-chat", height=520, buttons=[],
                                          latex_delimiters=[], feedback_options=None, sanitize_html=True,
                                          placeholder="Ask about the articles, or pick an example below.")
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                             scale=6, lines=1, max_lines=4, elem_id="rag-question", autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                        with gr.Row(elem_id="rag-examples"):
                            example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in examples]
                        with gr.Row():
                            clear = gr.Button("New chat", size="sm", elem_id="rag-new-chat")
                        with gr.Accordion("Settings", open=False):
                            k = gr.Slider(1, 20, value=default_k, step=1, label="Passages to retrieve (k)")
                            mode = gr.Radio(MODES, value=settings.retrieval.mode, label="Retrieval mode")
                            # shown only when a model server is configured (RAG_LLM_BASE_URL, RAG_LLM_MODEL)
                            generator = gr.Radio(engine.generators, value=engine.asker.default, label="Answers by",
                                                 info="extractive quotes the articles; llm writes an answer whose "
                                                      "sentences are each checked against their sources",
                                                 visible=len(engine.generators) > 1, elem_id="rag-generator")
                    with gr.Column(scale=2, min_width=320):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(render.EMPTY_SOURCES, elem_id="rag-sources", js_on_load=None)
                        with gr.Accordion("All retrieved passages", open=False, elem_id="rag-passages-box"):
                            passages = gr.HTML(render.EMPTY_PASSAGES, elem_id="rag-passages", js_on_load=None)
            with gr.Tab("Documents", id="documents"):
                summary = gr.Markdown(elem_id="rag-docs-summary")
                table = gr.Dataframe(headers=render.DOC_HEADERS, datatype=["str", "str", "str", "str", "str", "number"],
                                     interactive=False, wrap=True, elem_id="rag-docs-table",
                                     column_widths=["18%", "38%", "14%", "12%", "10%", "8%"])
                with gr.Row(equal_height=False):
                    with gr.Column():
                        files = gr.File(label=f"Add articles ({', '.join(SUPPORTED)}; "
                                              f"up to {settings.max_file_bytes / 1e6:.0f} MB each)",
                                        file_count="multiple", type="filepath", elem_id="rag-upload")
                        replace = gr.Checkbox(False, label="Replace documents with the same name (the previous "
                                              "version is kept in .removed/)", elem_id="rag-replace")
                        add = gr.Button("Add to index", variant="primary", elem_id="rag-add")
                        add_result = gr.HTML(elem_id="rag-add-result", js_on_load=None, min_height=60)
                    with gr.Column():
                        choose = gr.Dropdown(label="Document to remove", choices=[], elem_id="rag-remove-choice")
                        remove = gr.Button("Remove document", variant="stop", elem_id="rag-remove")
                        remove_result = gr.HTML(elem_id="rag-remove-result", js_on_load=None)

        # ---- events ---------------------------------------------------------------------------------------------
        chat_outputs = [chat, conversation, box, sources, passages]
        ask_opts = dict(concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY, api_visibility="private",
                        show_progress="minimal")
        box.submit(respond, [box, chat, conversation, k, mode, generator], chat_outputs, **ask_opts)
        send.click(respond, [box, chat, conversation, k, mode, generator], chat_outputs, **ask_opts)
        for button in example_buttons:
            button.click(respond, [button, chat, conversation, k, mode, generator], chat_outputs, **ask_opts)
        clear.click(new_chat, None, chat_outputs, queue=False, api_visibility="private")
        chat.clear(new_chat, None, chat_outputs, queue=False, api_visibility="private")

        docs_outputs = [table, choose, summary]
        write_opts = dict(concurrency_id="write", concurrency_limit=1, api_visibility="private")
        add.click(add_files, [files, replace], [add_result, *docs_outputs, files], show_progress_on=[add_result],
                  **write_opts)
        remove.click(remove_doc, [choose], [remove_result, *docs_outputs], show_progress_on=[remove_result],
                     **write_opts)
        app.load(corpus_view, None, docs_outputs, api_visibility="private", queue=False)

        gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
        gr.api(search, api_name="search", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    return app


def main(host: str = "127.0.0.1", port: int = 7860, index_dir: str | Path = "index",
         corpus_dir: str | Path = "seeds") -> None:
    """Open (or build) the index and serve the app until interrupted."""
    import rag

    engine = rag.load(index_dir=index_dir, corpus_dir=corpus_dir, progress=True)
    build_app(engine).launch(server_name=host, server_port=port)


def _cli() -> None:
    parser = argparse.ArgumentParser(description="Serve the cited news Q&A web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--index", default="index", help="Index folder.")
    parser.add_argument("--corpus", default="seeds", help="Corpus folder of articles.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    main(host=args.host, port=args.port, index_dir=args.index, corpus_dir=args.corpus)


if __name__ == "__main__":
    _cli()
