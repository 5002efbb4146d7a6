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
from rag.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Offline cited Q&A over a folder of news articles.")

IndexOpt = Annotated[Path, typer.Option("--index", help="Index folder.")]
CorpusOpt = Annotated[Path, typer.Option("--corpus", help="Corpus folder of articles.")]
ModeOpt = Annotated[str, typer.Option("--mode", help="hybrid, dense or lexical.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


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


def open_engine(index: Path, corpus: Path):
    import rag

    return rag.load(index_dir=index, corpus_dir=corpus, progress=True)


@app.command()
@friendly
def index(corpus: CorpusOpt = Path("seeds"), index: IndexOpt = Path("index"),
          rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-process every document.")] = False) -> None:
    """Build or incrementally update the index from the corpus folder."""
    import rag

    report = rag.build(corpus_dir=corpus, index_dir=index, rebuild=rebuild, progress=True)
    typer.echo(f"Indexed {report.documents} documents into {report.passages} passages in {report.seconds:.1f}s "
               f"({report.embedded_passages} passages embedded).")
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
           corpus: CorpusOpt = Path("seeds")) -> None:
    """Print the best passages for a query."""
    hits = open_engine(index, corpus).search(query, k=k, mode=mode)
    if json_out:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hits], indent=2, ensure_ascii=False))
        return
    for n, hit in enumerate(hits, 1):
        typer.secho(f"[{n}] {hit.score:.4f}  {hit.title or hit.doc_id}  ({hit.chunk_id})", bold=True)
        typer.echo(f"    {hit.text[:400]}{'…' if len(hit.text) > 400 else ''}\n")


if __name__ == "__main__":
    app()
