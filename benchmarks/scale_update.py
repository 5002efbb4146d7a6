"""What adding and removing one article costs on a built index: seconds and bytes written. Measured through
`rag.engine` (Engine.add_documents / remove_documents), so any store behind that API is measured the same way."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from pydantic import BaseModel

import rag
from rag.chunking import chunk_document
from rag.documents import read_document
from rag.evaluation.beir_data import load_beir
from rag.settings import Settings

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "seeds" / "000_d68663de70367cd0.txt"  # real news text that is in none of the benchmark corpora


class UpdateCost(BaseModel):
    add_seconds: float
    add_bytes: int
    remove_seconds: float
    remove_bytes: int


def bytes_written() -> int:
    """Bytes this process has passed to write() so far (Linux /proc/self/io `wchar`): what an update writes,
    whether or not the page cache has flushed it yet."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise OSError("/proc/self/io has no wchar line")


def measure(index_dir: Path, corpus_dir: Path, article: Path = ARTICLE) -> UpdateCost:
    """Open the index, add one article, then remove it again (so the index ends as it began); time and bytes
    written of each call alone."""
    engine = rag.load(index_dir=index_dir, corpus_dir=corpus_dir)
    engine.search("warm-up query so the embedder is loaded before timing")
    before, started = bytes_written(), time.perf_counter()
    report = engine.add_documents([article])
    add_seconds, add_bytes = time.perf_counter() - started, bytes_written() - before
    if not report.added:
        raise RuntimeError(f"{article.name} was not added: {report.summary()}")
    before, started = bytes_written(), time.perf_counter()
    engine.remove_documents(report.added)
    return UpdateCost(add_seconds=add_seconds, add_bytes=add_bytes, remove_seconds=time.perf_counter() - started,
                      remove_bytes=bytes_written() - before)


def real_corpus(folder: Path, passages: int, settings: Settings) -> int:
    """A corpus folder of real text of about `passages` passages: the BBC articles, then SciFact abstracts as
    files; returns the passage count the product's chunking gives it."""
    from scale_data import BBC, BEIR

    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(BBC.glob("bbc_*.txt")):
        shutil.copy(path, folder / path.name)
        count += len(chunk_document(path.stem, read_document(path, None, settings).text, settings.chunking))
    for item in load_beir(BEIR / "scifact").corpus:
        if count >= passages:
            break
        path = folder / f"scifact_{item.id}.txt"
        path.write_text(f"{item.title}\n\n{item.text}\n", encoding="utf-8")
        count += len(chunk_document(path.stem, read_document(path, None, settings).text, settings.chunking))
    return count


def measure_real(work: Path, passages: int = 10_000) -> UpdateCost:
    """Build (once) a real-text index of about `passages` passages with `rag.build`, then measure one update."""
    corpus, index = work / "corpus", work / "index"
    if not (index / "CURRENT").exists():
        shutil.rmtree(work, ignore_errors=True)
        log.info("%d passages of real text in %s", real_corpus(corpus, passages, Settings()), corpus)
        rag.build(corpus_dir=corpus, index_dir=index)
    return measure(index, corpus)
