"""Offline, cited, conversational question answering over a folder of news articles.

    import rag
    engine = rag.load()                      # opens ./index, building it from ./seeds when absent
    engine.search("urban-rural income ratio target", k=5)
    engine.ask("What is Hangzhou's 2025 urban-rural income target?")
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# numpy's BLAS threads spin after every matrix product (sentence scoring, spaCy) and fight torch's threads for the
# cores: on 2 cores one BLAS thread took hybrid search from 61 ms to 13 ms and `ask` p50 from 114 ms to 41 ms.
# The variable covers a fresh process; threadpoolctl covers a numpy imported before this package.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy  # noqa: E402, F401
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(limits=1, user_api="blas")

from rag.engine import Engine, build, load  # noqa: E402
from rag.errors import (  # noqa: E402
    ConfigurationError,
    DocumentError,
    GenerationError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ModelLoadError,
    RagError,
)
from rag.answering.generator import Generator  # noqa: E402
from rag.conversation import Conversation  # noqa: E402
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
    "Answer", "ChatMessage", "Citation", "Conversation", "Generator",
    "BuildReport", "ConfigurationError", "DocumentError", "GenerationError", "DocumentInfo", "DocumentMeta", "Engine", "IndexCorruptError",
    "IndexMismatchError", "IndexNotFoundError", "ModelLoadError", "Passage", "RagError", "Settings", "SkippedFile",
    "build", "load",
]
