"""Turn corpus files into cleaned `Document`s: read each file (capped), clean it, attach metadata."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from rag.cleaning import clean_text
from rag.corpus import scan
from rag.errors import DocumentError
from rag.loading import load_bytes, read_capped
from rag.metadata import ManifestEntry, merge_meta
from rag.models import Document, SkippedFile
from rag.settings import Settings

log = logging.getLogger(__name__)

# The version of the code that turns files into passages (loading, cleaning, chunking, analysis): bump it whenever a
# change there would give another result, so builds re-process documents indexed by the older code.
PIPELINE_VERSION = "2026-12-01.1"


def scan_corpus(corpus_dir: Path, settings: Settings) -> tuple[dict[str, Path], list[SkippedFile]]:
    """Map doc_id (file stem) -> path for every readable document file; everything else is reported as skipped."""
    return scan(corpus_dir)


def content_hash(data: bytes, entry: ManifestEntry | None) -> str:
    """Identity of a document's inputs: the file's bytes plus the manifest entry that applies to it."""
    digest = hashlib.sha256(data)
    digest.update((entry.model_dump_json() if entry else "").encode())
    return digest.hexdigest()


def applicable(entry: ManifestEntry | None, data: bytes, name: str) -> ManifestEntry | None:
    """The manifest entry, unless it pins other content (its sha256 names other bytes): a replaced or planted file
    never inherits the title, publisher and date written for the original."""
    pinned = getattr(entry, "sha256", None)
    if entry is None or pinned is None or pinned == hashlib.sha256(data).hexdigest():
        return entry
    log.info("%s: the manifest entry describes other content (sha256 differs); its metadata is not used", name)
    return None


def make_document(doc_id: str, name: str, data: bytes, entry: ManifestEntry | None, settings: Settings) -> Document:
    """Parse, clean and describe one file's bytes; DocumentError when they yield no usable text."""
    loaded = load_bytes(data, name)
    if len(loaded.text) > 2 * settings.max_document_chars:  # not worth cleaning: it cannot shrink enough
        raise DocumentError(f"{name}: {len(loaded.text):,} characters of text is over the "
                            f"{settings.max_document_chars:,}-character limit; split it into smaller files")
    text = clean_text(loaded.text)
    if not text.strip():
        raise DocumentError(f"{name}: nothing left after removing page boilerplate")
    if len(text) > settings.max_document_chars:
        raise DocumentError(f"{name}: {len(text):,} characters of text is over the "
                            f"{settings.max_document_chars:,}-character limit; split it into smaller files")
    entry = applicable(entry, data, name)
    meta = merge_meta(doc_id, entry, loaded.meta, text)
    return Document(doc_id=doc_id, source=name, text=text, meta=meta, content_hash=content_hash(data, entry))


def read_bytes(path: Path, settings: Settings) -> bytes:
    """A corpus file's bytes, size-capped and never through a link."""
    return read_capped(path, settings.max_file_bytes)


def read_document(path: Path, entry: ManifestEntry | None, settings: Settings) -> Document:
    """Load, clean and describe one file."""
    return make_document(path.stem, path.name, read_bytes(path, settings), entry, settings)
