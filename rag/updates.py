"""Adding and removing documents: the corpus folder and the index change together or not at all.

An add reads each upload once (size-capped), refuses a name that already names a document unless the caller asks to
replace it, keeps the replaced version under `.removed/`, writes the new file atomically, then commits the index. If
the index update fails, the corpus is put back as it was. A `.pending` marker covers the moment between the two
commits: if the process dies there, the next load reconciles the index with the corpus folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rag import corpus
from rag.documents import make_document
from rag.errors import DocumentError
from rag.loading import check_supported, read_capped
from rag.metadata import read_manifest
from rag.models import BuildReport, Document, SkippedFile
from rag.settings import Settings

log = logging.getLogger(__name__)

Commit = Callable[[list[Document], list[str]], None]  # applies upserts and removals to the index


def add(paths: Sequence[str | Path], corpus_dir: Path, known: set[str], settings: Settings, commit: Commit,
        replace: bool = False) -> BuildReport:
    """Copy files into the corpus folder under safe names and index them; see the module docstring.

    `known` holds the ids already indexed. A bad file is reported in `skipped` and changes nothing."""
    report = BuildReport(index_dir="", documents=0, passages=0)
    manifest = read_manifest(corpus_dir)
    chosen: dict[str, tuple[Document, str, bytes, str]] = {}
    for raw in paths:
        source = Path(raw)
        try:
            name = corpus.safe_file_name(source.name)
            check_supported(source.name)
            doc_id = Path(name).stem
            if not replace and (doc_id in known or corpus.files_of(corpus_dir, doc_id)):
                raise DocumentError(f"{source.name}: a document named {doc_id!r} already exists; choose Replace to "
                                    "replace it (the current version is kept in the corpus folder's .removed/)")
            data = read_capped(source, settings.max_file_bytes)
            doc = make_document(doc_id, name, data, manifest.get(doc_id), settings)
        except DocumentError as exc:
            report.skipped.append(SkippedFile(path=source.name, reason=str(exc).removeprefix(f"{source.name}: ")))
            continue
        if doc_id in chosen:  # two files for one id in one call: the later one wins
            earlier = chosen.pop(doc_id)[3]
            report.skipped.append(SkippedFile(path=earlier, reason=f"replaced by {source.name} (same document id "
                                                                   f"{doc_id!r})"))
        chosen[doc_id] = (doc, name, data, source.name)
    if not chosen:
        return report
    for doc_id in chosen:
        (report.updated if doc_id in known else report.added).append(doc_id)
    with _transaction(corpus_dir) as (written, moves):
        for doc, name, data, _ in chosen.values():
            for old in corpus.files_of(corpus_dir, doc.doc_id):
                moves.append((old, corpus.retire(corpus_dir, old, keep_original=old.name == name
                                                 and not old.is_symlink())))
            written.append(corpus.write_file(corpus_dir, name, data))
        commit([doc for doc, _, _, _ in chosen.values()], [])
    return report


def remove(doc_ids: Sequence[str], sources: dict[str, str], corpus_dir: Path, commit: Commit) -> BuildReport:
    """Drop documents from the index and keep their files under `.removed/` (nothing is lost)."""
    unknown = [d for d in doc_ids if d not in sources]
    if unknown:
        raise ValueError(f"no such document: {', '.join(unknown)}")
    with _transaction(corpus_dir) as (_, moves):
        for doc_id in doc_ids:
            path = corpus_dir / sources[doc_id]
            if path.is_file() or path.is_symlink():
                moves.append((path, corpus.retire(corpus_dir, path)))
        commit([], list(doc_ids))
    report = BuildReport(index_dir="", documents=0, passages=0)
    report.removed = list(doc_ids)
    return report


@contextmanager
def _transaction(corpus_dir: Path) -> Iterator[tuple[list[Path], list[tuple[Path, Path]]]]:
    """Lists to record the files written and the (original, kept copy) moves made inside the block: all are undone
    if it fails. The `.pending` marker stands for the whole block."""
    written: list[Path] = []
    moves: list[tuple[Path, Path]] = []
    corpus.mark_pending(corpus_dir)
    try:
        yield written, moves
    except BaseException:
        _undo(written, moves)
        raise
    finally:
        corpus.clear_pending(corpus_dir)


def _undo(written: list[Path], moves: list[tuple[Path, Path]]) -> None:
    """Put the corpus back: new files out, retired ones back in place."""
    for path in written:
        path.unlink(missing_ok=True)
    for original, kept in reversed(moves):
        try:
            os.replace(kept, original)
        except OSError as exc:  # keep going: every other file must still be restored
            log.error("could not restore %s from %s: %s", original.name, kept, exc)
