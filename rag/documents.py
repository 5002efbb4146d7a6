"""Turn corpus files into cleaned `Document`s: scan a folder, load each file, clean it, attach metadata."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from rag.cleaning import clean_text
from rag.errors import DocumentError
from rag.loading import load_file
from rag.metadata import merge_meta
from rag.models import Document, DocumentMeta, SkippedFile
from rag.settings import Settings

log = logging.getLogger(__name__)


def scan_corpus(corpus_dir: Path, settings: Settings) -> tuple[dict[str, Path], list[SkippedFile]]:
    """Map doc_id (file stem) -> path for every supported file; everything else is reported as skipped."""
    if not corpus_dir.is_dir():
        raise DocumentError(f"corpus folder {corpus_dir} does not exist")
    found: dict[str, Path] = {}
    skipped: list[SkippedFile] = []
    for path in sorted(corpus_dir.iterdir()):
        if path.name.startswith(".") or path.name in settings.reserved_corpus_files or path.is_dir():
            continue
        if path.suffix.lower() not in settings.supported_suffixes:
            skipped.append(SkippedFile(path=path.name, reason=f"unsupported file type {path.suffix or '(none)'!r}"))
        elif path.stem in found:
            skipped.append(SkippedFile(path=path.name, reason=f"document id {path.stem!r} already used by "
                                                              f"{found[path.stem].name}"))
        else:
            found[path.stem] = path
    for item in skipped:
        log.warning("skipping %s: %s", item.path, item.reason)
    return found, skipped


def file_hash(path: Path, meta: DocumentMeta | None) -> str:
    """Identity of a document's inputs: the file's bytes plus its manifest entry."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update((meta.model_dump_json() if meta else "").encode())
    return digest.hexdigest()


def read_document(path: Path, manifest_meta: DocumentMeta | None, settings: Settings) -> Document:
    """Load, clean and describe one file; DocumentError when it yields no usable text."""
    loaded = load_file(path, settings.max_file_bytes)
    text = clean_text(loaded.text)
    if not text.strip():
        raise DocumentError(f"{path.name}: nothing left after removing page boilerplate")
    meta = merge_meta(path.stem, manifest_meta, loaded.meta, text)
    return Document(doc_id=path.stem, source=path.name, text=text, meta=meta,
                    content_hash=file_hash(path, manifest_meta))
