"""The `rag` command line: a thin shell over the library API (index, search, ask, chat, eval, beir, serve)."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from rag.errors import RagError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Offline cited Q&A over a folder of news articles.")

IndexOpt = Annotated[Path, typer.Option("--index", help="Index folder.")]
CorpusOpt = Annotated[Path, typer.Option("--corpus", help="Corpus folder of articles.")]
ModeOpt = Annotated[str, typer.Option("--mode", help="hybrid, dense or lexical.")]
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Keep the index in PostgreSQL with pgvector at this postgresql:// URL instead of the --index "
                    "folder (default RAG_STORE_URL; schema RAG_PG_SCHEMA, default 'rag').")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
GeneratorOpt = Annotated[str | None, typer.Option(
    "--generator", help="extractive or llm (a model server from RAG_LLM_BASE_URL and RAG_LLM_MODEL); default "
                        "RAG_GENERATOR, else extractive.")]


def fail(message: str) -> None:
    """One clear line on stderr and exit status 1: user mistakes never print a traceback."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def friendly(func):
    """Turn the library's user-facing errors into `fail` lines."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (RagError, ValueError, FileNotFoundError) as exc:
            fail(str(exc))

    return wrapper


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def base_settings(store: str | None = None):
    """Default settings, with the store URL of --store when given."""
    import rag

    settings = rag.Settings()
    return settings.model_copy(update={"store_url": store}) if store else settings


def open_engine(index: Path, corpus: Path, generator: str | None = None, store: str | None = None):
    import rag

    settings = base_settings(store)
    if generator is not None:
        if generator not in ("extractive", "llm"):
            raise ValueError(f"unknown generator {generator!r}: use extractive or llm")
        settings = settings.model_copy(update={"generator": generator})
    return rag.load(index_dir=index, corpus_dir=corpus, settings=settings, progress=True)


@app.command()
@friendly
def index(corpus: CorpusOpt = Path("seeds"), index: IndexOpt = Path("index"),
          rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-process every document.")] = False,
          optimize: Annotated[bool, typer.Option("--optimize", help="Then merge the index into one segment "
                                                 "(nothing is embedded again).")] = False,
          store: StoreOpt = None) -> None:
    """Build or incrementally update the index from the corpus folder."""
    import rag

    report = rag.build(corpus_dir=corpus, index_dir=index, settings=base_settings(store), rebuild=rebuild,
                       progress=True, optimize=optimize)
    typer.echo(f"Indexed {report.documents} documents into {report.passages} passages in {report.seconds:.1f}s "
               f"({report.embedded_passages} passages embedded{'; optimized' if report.optimized else ''}).")
    for label, ids in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        if ids:
            typer.echo(f"  {label}: {', '.join(ids)}")
    if report.unchanged:
        typer.echo(f"  unchanged: {len(report.unchanged)} documents")
    for item in report.skipped:
        typer.echo(f"  skipped {item.path}: {item.reason}")


@app.command()
@friendly
def search(query: str, k: Annotated[int, typer.Option("-k", help="Number of passages.")] = 5,
           mode: ModeOpt = "hybrid", json_out: JsonOpt = False, index: IndexOpt = Path("index"),
           corpus: CorpusOpt = Path("seeds"), store: StoreOpt = None) -> None:
    """Print the best passages for a query."""
    hits = open_engine(index, corpus, store=store).search(query, k=k, mode=mode)
    if json_out:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hits], indent=2, ensure_ascii=False))
        return
    for n, hit in enumerate(hits, 1):
        typer.secho(f"[{n}] {hit.score:.4f}  {hit.title or hit.doc_id}  ({hit.chunk_id})", bold=True)
        typer.echo(f"    {hit.text[:400]}{'…' if len(hit.text) > 400 else ''}\n")


def print_answer(answer, json_out: bool = False, streamed: bool = False) -> None:
    """An answer (unless it was already streamed), its checks, then each citation: number, title, date, publisher and
    the quote."""
    if json_out:
        typer.echo(answer.model_dump_json(indent=2))
        return
    if not streamed:
        if answer.rewritten_query != answer.question:
            typer.secho(f"(searched: {answer.rewritten_query})", dim=True)
        typer.secho(answer.text, fg=None if answer.answered else typer.colors.YELLOW)
    if answer.notice:
        typer.secho(f"note: {answer.notice}", fg=typer.colors.YELLOW)
    for claim in answer.unsupported_claims:
        typer.secho(f"unsupported by its citations: {claim}", fg=typer.colors.RED)
    for c in answer.citations:
        when = c.date.isoformat() if c.date else "undated"
        typer.secho(f"\n[{c.n}] {c.title or c.doc_id} — {when} — {c.publisher or 'publisher unknown'} ({c.chunk_id})",
                    bold=True)
        typer.echo(f"    “{c.quote}”" + (f"\n    note: {c.note}" if c.note else ""))


def stream_answer(engine, question: str, history, k: int, mode: str):
    """Print the answer as it is written; return the finished Answer."""
    answer = None
    for item in engine.stream(question, history=history, k=k, mode=mode):
        if isinstance(item, str):
            typer.echo(item, nl=False)
        else:
            answer = item
    typer.echo("")
    if answer.generator == "llm":  # a streamed model answer is checked only once it is complete
        typer.secho(f"(checked: {'every sentence supported' if answer.verified else 'see below'})", dim=True)
    if answer.rewritten_query != answer.question:
        typer.secho(f"(searched: {answer.rewritten_query})", dim=True)
    return answer


@app.command()
@friendly
def ask(question: str, k: Annotated[int, typer.Option("-k", help="Passages shown.")] = 5, mode: ModeOpt = "hybrid",
        json_out: JsonOpt = False, generator: GeneratorOpt = None, index: IndexOpt = Path("index"),
        corpus: CorpusOpt = Path("seeds"), store: StoreOpt = None) -> None:
    """Answer a question with citations (or say the articles do not answer it); the text streams as it is written."""
    engine = open_engine(index, corpus, generator, store)
    if json_out:
        print_answer(engine.ask(question, k=k, mode=mode), json_out=True)
    else:
        print_answer(stream_answer(engine, question, None, k, mode), streamed=True)


@app.command()
@friendly
def chat(index: IndexOpt = Path("index"), corpus: CorpusOpt = Path("seeds"), mode: ModeOpt = "hybrid",
         generator: GeneratorOpt = None, store: StoreOpt = None) -> None:
    """An interactive conversation in the terminal; follow-up questions use the history. Empty line or Ctrl-D ends."""
    from rag.conversation import Conversation

    engine = open_engine(index, corpus, generator, store)
    conversation = Conversation()
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        try:
            answer = stream_answer(engine, question, conversation.messages(), engine.settings.retrieval.k, mode)
        except ValueError as exc:
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            continue
        print_answer(answer, streamed=True)
        conversation = conversation.add(question, answer)


@app.command("eval")
@friendly
def eval_(questions: Annotated[Path, typer.Option("--questions", help="Question set (JSONL).")]
          = Path("seeds/questions.jsonl"),
          index: IndexOpt = Path("index"), corpus: CorpusOpt = Path("seeds"),
          out: Annotated[Path | None, typer.Option("--out", help="Run folder (default runs/eval-<time>).")] = None,
          mode: ModeOpt = "hybrid", k: Annotated[int, typer.Option("-k", help="Passages per answer.")] = 5,
          compare: Annotated[tuple[Path, Path] | None, typer.Option(
              "--compare", help="Compare two runs (folders or results.jsonl files) instead: OLD NEW.")] = None,
          squad: Annotated[Path | None, typer.Option(
              "--squad", help="Score a SQuAD 2.0 JSON file instead (its paragraphs indexed in memory; official "
                              "EM/F1).")] = None,
          generator: GeneratorOpt = None, store: StoreOpt = None) -> None:
    """Score the engine on a question set and write results, report and charts; or compare two runs; or score a
    SQuAD 2.0 file."""
    import datetime as dt

    from rag.evaluation import compare as comparing
    from rag.evaluation.qa_eval import run_eval
    from rag.evaluation.questions import load_questions
    from rag.evaluation.report import check_out_dir, latency_table, metrics_table, write_run

    if compare:
        result = comparing.compare_runs(comparing.load_records(compare[0]), comparing.load_records(compare[1]))
        typer.echo(comparing.format_comparison(result))
        return
    if squad:
        from rag.evaluation.squad import format_report, run_squad

        report = run_squad(squad, generator=generator)
        out = check_out_dir(out or Path("runs") / f"squad-{dt.datetime.now():%Y%m%d-%H%M%S}")
        out.mkdir(parents=True, exist_ok=True)
        (out / "squad.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
        typer.echo(format_report(report) + f"\n\nWrote {out}")
        return
    items = load_questions(questions)
    out = check_out_dir(out or Path("runs") / f"eval-{dt.datetime.now():%Y%m%d-%H%M%S}")
    run = run_eval(open_engine(index, corpus, generator, store), items, k=k, mode=mode)
    write_run(run, out)
    typer.echo(metrics_table(run.summary) + "\n\n" + latency_table(run.summary) + "\n")
    for check in run.summary.gate:
        shown = "-" if check.value is None else f"{check.value:.3f}"
        typer.echo(f"{'PASS' if check.passed else 'FAIL'} {check.name}: {shown} (threshold {check.threshold:.2f})")
    typer.echo(f"\nWrote {out}")


@app.command()
@friendly
def beir(dataset: Annotated[Path, typer.Argument(help="BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/).")],
         mode: Annotated[str, typer.Option("--mode", help="all, hybrid, dense or lexical.")] = "all",
         k: Annotated[int, typer.Option("-k", help="Results ranked per query (>= 100 for Recall@100).")] = 100,
         cache: Annotated[Path | None, typer.Option("--cache", help="Index cache folder "
                                                    "(default runs/beir-cache/<dataset>).")] = None,
         out: Annotated[Path | None, typer.Option("--out", help="Also write the report as JSON here.")] = None,
         store: Annotated[str | None, typer.Option("--store", help="Cache the index in PostgreSQL at this "
                                                   "postgresql:// URL instead of --cache.")] = None) -> None:
    """Retrieval quality on a BEIR dataset (nDCG@10, Recall@100, MRR@10) beside published numbers."""
    from rag.evaluation.beir_eval import MODES, format_table, run_beir

    if mode != "all" and mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use all, {', '.join(MODES)}")
    modes = MODES if mode == "all" else (mode,)
    report = run_beir(dataset, modes=modes, depth=k, cache_dir=cache or Path("runs/beir-cache") / dataset.name,
                      settings=base_settings(store))
    typer.echo(format_table(report))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        typer.echo(f"Wrote {out}")


@app.command()
@friendly
def serve(host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 7860,
          index: IndexOpt = Path("index"), corpus: CorpusOpt = Path("seeds"), generator: GeneratorOpt = None,
          store: StoreOpt = None) -> None:
    """Start the web app (chat with sources, documents tab) at http://HOST:PORT; builds the index on first run."""
    from ui.app import build_app

    build_app(open_engine(index, corpus, generator, store)).launch(server_name=host, server_port=port)


if __name__ == "__main__":
    app()
