"""Hostile files, uploads that destroy documents, inputs that stall or crash, and index integrity: each test is one
defect a hostile-user review found (issue #10), and failed before its fix."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rag
from rag import corpus, documents, store
from rag.answering.history import normalise_history
from rag.answering.quantities import find_quantities
from rag.chunking import chunk_document
from rag.cleaning import clean_text, restore_lost_letters
from rag.corpus import REMOVED_FOLDER, safe_file_name
from rag.errors import DocumentError
from rag.loading import load_bytes, read_capped
from rag.settings import ChunkingSettings
from rag.stores import open_store

from .conftest import SeedIndex

ARTICLE = ("Tarvash valley ferry returns\n\nThe Tarvash valley ferry returned to service on Monday after a winter "
           "of repairs, the operator Hollin Lines said. The crossing takes forty minutes.")
QUESTION = "Which operator runs the Tarvash valley ferry?"


def alarm(seconds: int):
    """Fail instead of hanging forever (a FIFO opened for reading blocks until a writer comes)."""
    def handler(signum, frame):
        raise TimeoutError(f"took over {seconds} s")
    signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)


# --- 1. links and special files in the corpus ---------------------------------------------------------------------


def test_links_out_of_the_corpus_and_special_files_are_never_read(index_copy: SeedIndex, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("The launch code of the Tarvash vault is 7741, a secret outside the corpus.", encoding="utf-8")
    folder = index_copy.corpus_dir
    (folder / "leak.txt").symlink_to(secret)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.txt")
    (folder / "inside.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "alias.txt").symlink_to(folder / "inside.txt")  # a link that stays inside is a document
    alarm(120)
    try:
        report = rag.build(corpus_dir=folder, index_dir=index_copy.index_dir)
    finally:
        signal.alarm(0)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"leak.txt", "passwd.txt", "zero.txt", "pipe.txt"}
    assert "outside the corpus" in reasons["leak.txt"] and "outside the corpus" in reasons["passwd.txt"]
    assert "not a regular file" in reasons["pipe.txt"]
    assert {"inside", "alias"} <= set(report.added)
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=folder)
    texts = " ".join(engine.store.document(e.doc_id).text for e in engine.store.catalogue())
    assert "7741" not in texts and "root:" not in texts


def test_reads_are_capped_while_reading_not_by_stat(tmp_path: Path) -> None:
    """/proc files report size 0 and /dev/zero never ends: the cap counts the bytes actually read."""
    with pytest.raises(DocumentError, match="over the 100-byte limit"):
        read_capped(Path("/proc/self/status"), 100)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_capped(Path("/dev/zero"), 100)
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "target.txt")
    (tmp_path / "target.txt").write_text("text", encoding="utf-8")
    with pytest.raises(DocumentError, match="symbolic link"):
        read_capped(link, 100, follow_links=False)


# --- 2. uploads ---------------------------------------------------------------------------------------------------


def test_every_removed_version_is_kept(engine_copy: rag.Engine, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    versions = [ARTICLE, ARTICLE.replace("Monday", "Tuesday")]
    for text in versions:
        note.write_text(text, encoding="utf-8")
        assert engine_copy.add_documents([note]).added == ["note"]
        engine_copy.remove_documents(["note"])
    kept = sorted((engine_copy.corpus_dir / REMOVED_FOLDER).glob("note.*.txt"))
    assert sorted(p.read_text(encoding="utf-8") for p in kept) == sorted(versions)


@pytest.mark.parametrize("name", ["新闻报道.txt", "Новости дня.md", "café crème.txt"])
def test_names_in_any_script_keep_their_letters(name: str) -> None:
    safe = safe_file_name(name)
    assert Path(safe).stem.replace("_", " ") == Path(name).stem and Path(safe).suffix == Path(name).suffix


def test_names_without_letters_get_distinct_ids(engine_copy: rag.Engine, tmp_path: Path) -> None:
    names = ["📰.md", "🗞.md", "....txt"]
    stems = {Path(safe_file_name(n)).stem for n in names}
    assert len(stems) == 3 and all(stems)
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_text(ARTICLE.replace("Monday", f"day {i}"), encoding="utf-8")
    report = engine_copy.add_documents([tmp_path / n for n in names])
    assert len(report.added) == 3
    assert len(rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir).unchanged) >= 3


def test_uploads_never_write_through_a_link(engine_copy: rag.Engine, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    (engine_copy.corpus_dir / "note.txt").symlink_to(victim)
    upload = tmp_path / "upload" / "note.txt"
    upload.parent.mkdir()
    upload.write_text(ARTICLE, encoding="utf-8")
    refused = engine_copy.add_documents([upload])
    assert refused.added == [] and "already exists" in refused.skipped[0].reason
    engine_copy.add_documents([upload], replace=True)  # the link itself is retired, never followed
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert not (engine_copy.corpus_dir / "note.txt").is_symlink()
    assert "Hollin Lines" in (engine_copy.corpus_dir / "note.txt").read_text(encoding="utf-8")


def test_a_failed_index_update_leaves_the_corpus_as_it_was(engine_copy: rag.Engine, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = engine_copy.corpus_dir
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    upload = tmp_path / "000_d68663de70367cd0.txt"
    upload.write_text(ARTICLE, encoding="utf-8")
    new = tmp_path / "fresh.txt"
    new.write_text(ARTICLE, encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(rag.engine.indexing, "update", broken)
    with pytest.raises(OSError, match="disk full"):
        engine_copy.add_documents([upload, new], replace=True)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before and not corpus.is_pending(folder)


def test_an_interrupted_update_is_reconciled_at_the_next_load(index_copy: SeedIndex) -> None:
    """Killed after writing the corpus, before committing the index: the `.pending` marker makes the next load
    bring the index in line with the corpus folder."""
    folder = index_copy.corpus_dir
    (folder / "late.txt").write_text(ARTICLE, encoding="utf-8")
    corpus.mark_pending(folder)
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=folder)
    assert engine.store.document("late") is not None and not corpus.is_pending(folder)


# --- 3. inputs that tie up the CPU --------------------------------------------------------------------------------

ADVERSARIAL = st.text(alphabet="ab?1.,:-%£$ oneth\n", min_size=1, max_size=3000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=ADVERSARIAL)
def test_cleaning_grammar_and_chunking_are_linear_on_adversarial_text(unit: str) -> None:
    text = (unit * (160_000 // len(unit) + 1))[:160_000]
    started = time.perf_counter()
    cleaned = clean_text(text)
    find_quantities(text)
    chunks = chunk_document("d", cleaned, ChunkingSettings()) if cleaned else []
    assert time.perf_counter() - started < 20, "160 KB of adversarial text took too long"
    assert all(len(c.text) <= ChunkingSettings().max_chars for c in chunks)


def test_the_known_slow_inputs_are_fast() -> None:
    cases = [(restore_lost_letters, "ab?" * 8000), (find_quantities, "one two " * 20_000),
             (find_quantities, "1," * 80_000), (clean_text, "x" * 2_000_000)]
    for call, text in cases:
        started = time.perf_counter()
        call(text)
        assert time.perf_counter() - started < 5, call.__name__


def test_a_line_without_breaks_becomes_bounded_passages(engine_copy: rag.Engine, tmp_path: Path) -> None:
    blob = tmp_path / "blob.txt"
    blob.write_text("Tarvash " + "ferry" * 150_000 + " returns.", encoding="utf-8")
    engine_copy.add_documents([blob])
    passages = engine_copy.store.passages(engine_copy.store.passage_ids("blob"))
    assert passages and max(len(p.text) for p in passages) <= engine_copy.settings.chunking.max_chars
    answer = engine_copy.ask("What returns to Tarvash?")
    assert len(answer.model_dump_json()) < 100_000


def test_history_is_bounded_in_turns_and_characters(seed_engine: rag.Engine) -> None:
    history = [{"role": "user", "content": "word " * 1_000_000}, {"role": "assistant", "content": "x" * 1_000_000}] * 50
    messages = normalise_history(history, max_messages=20, max_chars=4000)
    assert len(messages) == 20 and all(len(m.content) <= 4000 for m in messages)
    started = time.perf_counter()
    seed_engine.ask("And what about life expectancy?", history=history)
    assert time.perf_counter() - started < 5


def test_text_too_long_to_index_is_refused_with_a_reason() -> None:
    settings = rag.Settings(max_document_chars=10_000)
    from rag.documents import make_document

    with pytest.raises(DocumentError, match="over the 10,000-character limit"):
        make_document("big", "big.txt", ("Tarvash ferry news. " * 2000).encode(), None, settings)


# --- 4. inputs that crashed ---------------------------------------------------------------------------------------


def test_lone_surrogates_are_repaired(seed_engine: rag.Engine) -> None:
    assert seed_engine.search("Hangzhou\ud800 income ratio")
    answer = seed_engine.ask("What is Hangzhou's 2025 urban-rural income\ud800 target?",
                             history=[{"role": "user", "content": "hello \udfff"}])
    answer.model_dump_json()  # serialisable: what the event stream sends


@pytest.mark.parametrize("k", [1.5, float("nan"), float("inf"), True, "five", 0, 1000, [3]])
def test_bad_k_is_a_clear_value_error(seed_engine: rag.Engine, k) -> None:
    with pytest.raises(ValueError, match="k must be a whole number"):
        seed_engine.search("Hangzhou", k=k)
    with pytest.raises(ValueError, match="k must be a whole number"):
        seed_engine.ask("What is Hangzhou's target?", k=k)


def test_numeric_k_forms_are_accepted_alike(seed_engine: rag.Engine) -> None:
    assert len(seed_engine.search("Hangzhou", k="3")) == len(seed_engine.search("Hangzhou", k=3.0)) == 3


def test_deeply_nested_history_is_refused_not_a_recursion_error(seed_engine: rag.Engine) -> None:
    content: list = []
    cursor = content
    for _ in range(2000):
        cursor.append([])
        cursor = cursor[0]
    with pytest.raises(ValueError, match="nested more than"):
        seed_engine.ask("And then?", history=[{"role": "user", "content": content}])


# --- 5. index integrity -------------------------------------------------------------------------------------------


def manifest_path(copy: SeedIndex) -> Path:
    return store.current_generation(copy.index_dir) / "manifest.json"


@pytest.mark.parametrize("edit", [{"segments": []}, {"next_id": 0}, {"tombstones": []}])
def test_an_edited_manifest_is_detected(index_copy: SeedIndex, edit: dict) -> None:
    path = manifest_path(index_copy)
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")) | edit), encoding="utf-8")
    with pytest.raises(rag.IndexCorruptError, match="manifest.json was changed.*rag index --rebuild"):
        rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)


def test_a_wrong_dense_index_kind_is_a_clear_error_even_with_a_valid_checksum(index_copy: SeedIndex) -> None:
    path = manifest_path(index_copy)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["segments"][0]["dense_index"] = "hnsw"
    data = json.dumps(manifest).encode()
    path.write_bytes(data)
    (index_copy.index_dir / store.POINTER).write_text(f"{path.parent.name}\n{hashlib.sha256(data).hexdigest()}\n")
    with pytest.raises(rag.IndexCorruptError, match="dense index.*rag index --rebuild"):
        rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x81", b"", b"gen-../../etc\n" + b"0" * 64])
def test_a_damaged_pointer_is_a_clear_error(index_copy: SeedIndex, content: bytes) -> None:
    (index_copy.index_dir / store.POINTER).write_bytes(content)
    with pytest.raises(rag.IndexCorruptError, match="rag index --rebuild"):
        rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)


def test_another_pipeline_version_re_processes_every_document(index_copy: SeedIndex,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "PIPELINE_VERSION", "a-newer-pipeline")
    with pytest.raises(rag.IndexMismatchError, match="document pipeline.*rag index --rebuild"):
        open_store(rag.Settings(index_dir=index_copy.index_dir))
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    assert report.rebuilt and len(report.added) == 5
    assert store.read_manifest(index_copy.index_dir).pipeline == "a-newer-pipeline"
    assert rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir).search("Hangzhou")


def test_an_index_from_an_older_version_is_rebuilt_when_opened(index_copy: SeedIndex) -> None:
    pointer = index_copy.index_dir / store.POINTER
    pointer.write_text(pointer.read_text(encoding="utf-8").split()[0] + "\n", encoding="utf-8")  # the old format
    with pytest.raises(rag.IndexMismatchError, match="older version"):
        open_store(rag.Settings(index_dir=index_copy.index_dir))
    assert rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir).search("Hangzhou")


def test_changed_bm25_settings_apply_to_an_existing_index(index_copy: SeedIndex) -> None:
    """BM25 is scored at query time from stored term frequencies: new k1 and b change the scores, no rebuild."""
    query = "Hangzhou income ratio"
    plain = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir).search(query, mode="lexical")
    settings = rag.Settings(retrieval=rag.Settings().retrieval.model_copy(update={"bm25_k1": 1.5, "bm25_b": 0.9}))
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir, settings=settings)
    tuned = engine.search(query, mode="lexical")
    assert tuned and [h.score for h in tuned] != [h.score for h in plain]
    assert store.read_manifest(index_copy.index_dir).generation == 0, "new BM25 settings must not rewrite the index"


def test_an_engine_sees_a_rebuild_done_by_another_process(engine_copy: rag.Engine) -> None:
    (engine_copy.corpus_dir / "ferry.txt").write_text(ARTICLE, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "rag.cli", "index", "--corpus", str(engine_copy.corpus_dir),
                    "--index", str(engine_copy.index_dir)], check=True, capture_output=True, timeout=300,
                   env={**os.environ, "HF_HUB_OFFLINE": "1"})
    time.sleep(rag.engine.RELOAD_CHECK_SECONDS + 0.1)
    assert engine_copy.search(QUESTION, k=1)[0].doc_id == "ferry"



def test_an_in_memory_engine_neither_follows_nor_writes_the_index_folder(engine_copy: rag.Engine) -> None:
    """SQuAD and the benchmarks serve a store built in memory; an index folder at the settings' path (./index
    by default) must not replace it, and add/remove must not touch the corpus folder."""
    memory = rag.Engine(engine_copy.settings, engine_copy.store, engine_copy.embedder, persistent=False)
    (engine_copy.corpus_dir / "ferry.txt").write_text(ARTICLE, encoding="utf-8")
    rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir)
    time.sleep(rag.engine.RELOAD_CHECK_SECONDS + 0.1)
    assert "ferry" not in {p.doc_id for p in memory.search(QUESTION, k=5)}
    before = sorted(p.name for p in engine_copy.corpus_dir.iterdir())
    upload = engine_copy.corpus_dir.parent / "upload.txt"
    upload.write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(rag.ConfigurationError, match="built in memory"):
        memory.add_documents([upload])
    with pytest.raises(rag.ConfigurationError, match="built in memory"):
        memory.remove_documents(["ferry"])
    assert sorted(p.name for p in engine_copy.corpus_dir.iterdir()) == before


# --- 6. smaller ones ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_unicode_text_with_a_byte_order_mark_is_read(encoding: str) -> None:
    data = ARTICLE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    assert "Hollin Lines" in load_bytes(data, "news.txt").text


def test_html_nested_deeper_than_libxml2s_default_is_read() -> None:
    html = "<html><body>" + "<div>" * 400 + f"<p>{ARTICLE}</p>" + "</div>" * 400 + "</body></html>"
    assert "Hollin Lines" in load_bytes(html.encode(), "deep.html").text


def test_one_list_of_accepted_file_types(tmp_path: Path) -> None:
    from rag.loading import SUPPORTED, check_supported

    with pytest.raises(DocumentError, match="unsupported file type '.docx'"):
        check_supported("memo.docx")
    for suffix in SUPPORTED:
        check_supported(f"a{suffix}")
    (tmp_path / "memo.docx").write_bytes(b"PK")
    found, skipped = corpus.scan(tmp_path)
    assert not found and "unsupported file type" in skipped[0].reason
