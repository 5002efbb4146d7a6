"""Offline, cited, conversational question answering over a folder of news articles.

    import rag
    engine = rag.load()                      # opens ./index, building it from ./seeds when absent
    engine.search("urban-rural income ratio target", k=5)
    engine.ask("What is Hangzhou's 2025 urban-rural income target?")
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.engine import Engine, build, load  # noqa: E402
from rag.errors import (  # noqa: E402
    DocumentError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ModelLoadError,
    RagError,
)
from rag.answering.generator import Draft, Generator  # noqa: E402
from rag.models import (  # noqa: E402
    Answer,
    BuildReport,
    ChatMessage,
    Citation,
    DocumentInfo,
    DocumentMeta,
    Passage,
    SkippedFile,
)
from rag.settings import Settings  # noqa: E402

__all__ = [
    "Answer", "ChatMessage", "Citation", "Draft", "Generator",
    "BuildReport", "DocumentError", "DocumentInfo", "DocumentMeta", "Engine", "IndexCorruptError",
    "IndexMismatchError", "IndexNotFoundError", "ModelLoadError", "Passage", "RagError", "Settings", "SkippedFile",
    "build", "load",
]
