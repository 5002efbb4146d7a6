"""The library's exceptions: each says what went wrong and what to do about it."""

from __future__ import annotations


class RagError(Exception):
    """Base class for errors a user can act on (the CLI prints them as one line)."""


class DocumentError(RagError):
    """A source file cannot be turned into a document (unsupported, empty, unreadable, too large)."""


class IndexError_(RagError):
    """The index on disk is missing, corrupt or was built for a different model or format."""


class IndexNotFoundError(IndexError_):
    """No index exists at the given folder."""


class IndexCorruptError(IndexError_):
    """A file of the index is missing, truncated or unparsable."""


class IndexMismatchError(IndexError_):
    """The index was built with another format version, embedder or dimension."""


class ModelLoadError(RagError):
    """The embedding model could not be loaded from local files."""


class GenerationError(RagError):
    """A language model could not answer: its server is unreachable, too slow, or returned something unusable."""


class ConfigurationError(RagError):
    """A configured component (a model server, a model name) is missing or wrong."""


def rebuild_hint(index_dir: object) -> str:
    """The one sentence every index error ends with."""
    return f"Rebuild it with: rag index --rebuild --index {index_dir}"
