"""Index persistence and updates (rag.indexing, rag.store, rag.engine): incremental builds, add/remove, damage,
mismatch, and a build killed half-way."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rag
from rag import store
from rag.corpus import REMOVED_FOLDER, safe_file_name
from rag.passage_store import PassageStore, StoredPassage
from rag.settings import Settings
from rag.stores import open_store

from .conftest import REPO_ROOT, SeedIndex, copy_seed_index

SMALL_DOC = "000_d68663de70367cd0"  # the seed articles that are cheap to re-embed
OTHER_DOC = "003_42efec76916f913e"

NEW_ARTICLE = (
    "Quillmere observatory spots a comet with a green tail\n\n"
    "Astronomers at the Quillmere observatory in the Tarvash mountains said on Sunday that they had found a new "
    "comet whose tail glows bright green because of diatomic carbon.\n\n"
    "The comet, catalogued as Quillmere-7, will pass closest to the Sun next October and may be visible with "
    "binoculars from the southern hemisphere, the observatory director Ilsa Brennick said."
)
NEW_QUERY = "Which observatory found a comet with a green tail?"


def passages_by_doc(index: PassageStore) -> dict[str, list[tuple]]:
    """doc_id -> [(id, chunk_id, start, end, text, vector bytes)] in document order."""
    out: dict[str, list[tuple]] = {}
    for entry in index.catalogue():
        ids = index.passage_ids(entry.doc_id)
        out[entry.doc_id] = [(p.id, p.chunk_id, p.start, p.end, p.text, v.tobytes())
                             for p, v in zip(index.passages(ids), index.vectors(ids))]
    return out


def all_passages(index: PassageStore) -> list[StoredPassage]:
    return [p for e in index.catalogue() for p in index.passages(index.passage_ids(e.doc_id))]


def disk_store(copy: SeedIndex) -> PassageStore:
    return open_store(Settings(index_dir=copy.index_dir))


def generation(copy: SeedIndex) -> Path:
    return store.current_generation(copy.index_dir)


# --- incremental builds --------------------------------------------------------------------------------------------


def test_second_build_embeds_nothing(index_copy: SeedIndex) -> None:
    before = generation(index_copy)
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    stems = sorted(p.stem for p in index_copy.corpus_dir.glob("*.txt"))
    assert report.embedded_passages == 0
    assert sorted(report.unchanged) == stems
    assert report.added == report.updated == report.removed == [] and not report.rebuilt
    assert report.documents == len(stems) and report.passages == disk_store(index_copy).count()
    assert generation(index_copy) == before, "an unchanged corpus must not write a new generation"


def test_changed_file_is_the_only_one_reembedded(index_copy: SeedIndex) -> None:
    old = disk_store(index_copy)
    old_ids = {p.id for p in all_passages(old)}
    path = index_copy.corpus_dir / f"{SMALL_DOC}.txt"
    marker = "The Party committee said at the meeting"  # insert above the page footer, which cleaning cuts
    text = path.read_text(encoding="utf-8")
    assert marker in text
    path.write_text(text.replace(marker, NEW_ARTICLE.split("\n\n", 1)[1] + "\n\n" + marker), encoding="utf-8")
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    assert report.updated == [SMALL_DOC]
    assert sorted(report.unchanged) == sorted(e.doc_id for e in old.catalogue() if e.doc_id != SMALL_DOC)
    assert report.added == report.removed == []
    new = disk_store(index_copy)
    assert report.embedded_passages == len(new.passage_ids(SMALL_DOC)) > 0
    before, after = passages_by_doc(old), passages_by_doc(new)
    for doc_id in before:
        if doc_id != SMALL_DOC:
            assert after[doc_id] == before[doc_id], f"{doc_id} changed although its file did not"
    # the re-embedded document gets fresh ids, never reusing an old one
    new_ids = {p[0] for p in after[SMALL_DOC]}
    assert min(new_ids) > max(old_ids)
    assert "Quillmere" in new.document(SMALL_DOC).text
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert engine.search(NEW_QUERY, k=1)[0].doc_id == SMALL_DOC


def test_deleted_file_is_removed_from_the_index(index_copy: SeedIndex) -> None:
    (index_copy.corpus_dir / f"{OTHER_DOC}.txt").unlink()
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    assert report.removed == [OTHER_DOC] and report.embedded_passages == 0
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert OTHER_DOC not in {d.doc_id for d in engine.documents()}
    hits = engine.search("Zhou Jiangyong Party chief digital economy", k=100)
    assert hits and OTHER_DOC not in {h.doc_id for h in hits}
    assert report.documents == len(engine.documents()) == 4


def test_changed_manifest_entry_updates_metadata(index_copy: SeedIndex) -> None:
    manifest_path = index_copy.corpus_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest[SMALL_DOC]["title"] = "A corrected headline"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    assert report.updated == [SMALL_DOC]
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert {d.doc_id: d.title for d in engine.documents()}[SMALL_DOC] == "A corrected headline"


# --- add and remove through the engine -----------------------------------------------------------------------------


def test_add_document_is_copied_indexed_and_found(engine_copy: rag.Engine, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    source = incoming / "Quillmere Observatory (draft) .TXT"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    before = {d.doc_id for d in engine_copy.documents()}
    old_passages = passages_by_doc(engine_copy.store)
    report = engine_copy.add_documents([source])
    name = safe_file_name(source.name)
    stem = Path(name).stem
    assert report.added == [stem] and report.skipped == []
    assert (engine_copy.corpus_dir / name).read_text(encoding="utf-8") == NEW_ARTICLE
    assert source.exists(), "the original file is copied, not moved"
    assert {d.doc_id for d in engine_copy.documents()} == before | {stem}
    assert report.embedded_passages == len(engine_copy.store.passage_ids(stem)) > 0
    hit = engine_copy.search(NEW_QUERY, k=3)[0]
    assert hit.doc_id == stem and "Quillmere" in hit.text
    assert hit.title == "Quillmere observatory spots a comet with a green tail"
    # unchanged documents keep their passage ids and vectors
    new_passages = passages_by_doc(engine_copy.store)
    assert all(new_passages[d] == old_passages[d] for d in before)
    # the change is persisted, and a later build over the corpus folder agrees with it
    assert disk_store(SeedIndex(engine_copy.corpus_dir, engine_copy.index_dir)).document(stem) is not None
    rebuilt = rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir)
    assert rebuilt.embedded_passages == 0 and stem in rebuilt.unchanged


def test_hostile_file_names_land_inside_the_corpus_folder(engine_copy: rag.Engine, tmp_path: Path) -> None:
    root = tmp_path / "incoming"
    (root / "a" / "b").mkdir(parents=True)
    (root / "evil name.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    backslashed = root / "..\\..\\evil2.txt"  # a legal file name on Linux
    backslashed.write_text(NEW_ARTICLE.replace("Quillmere", "Brackenfold"), encoding="utf-8")
    corpus, index = engine_copy.corpus_dir.resolve(), engine_copy.index_dir.resolve()

    def outside() -> set[Path]:
        return {p for p in tmp_path.rglob("*") if not {corpus, index} & {p.resolve(), *p.resolve().parents}}

    outside_before = outside()
    report = engine_copy.add_documents([f"{root}/a/b/../../evil name.txt", backslashed])
    assert sorted(report.added) == ["evil2", "evil_name"]
    assert (corpus / "evil_name.txt").is_file() and (corpus / "evil2.txt").is_file()
    assert outside() == outside_before, "nothing may be written outside the corpus folder"
    assert {d.source for d in engine_copy.documents()} >= {"evil_name.txt", "evil2.txt"}


@given(st.text(max_size=60))
def test_safe_file_name_stays_in_one_folder(name: str) -> None:
    safe = safe_file_name(name)
    assert safe and "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert safe not in ("..", ".")
    folder = Path("/corpus")
    assert (folder / safe).resolve().parent == folder


def test_add_with_existing_id_is_refused_unless_replace(engine_copy: rag.Engine, tmp_path: Path) -> None:
    original = (engine_copy.corpus_dir / f"{SMALL_DOC}.txt").read_bytes()
    before = engine_copy.store.document(SMALL_DOC)
    source = tmp_path / f"{SMALL_DOC}.txt"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    report = engine_copy.add_documents([source])
    assert report.added == report.updated == [] and [s.path for s in report.skipped] == [source.name]
    assert "already exists" in report.skipped[0].reason and "Replace" in report.skipped[0].reason
    assert (engine_copy.corpus_dir / f"{SMALL_DOC}.txt").read_bytes() == original
    assert engine_copy.store.document(SMALL_DOC) == before


def test_replace_keeps_every_version_and_drops_the_old_metadata(engine_copy: rag.Engine, tmp_path: Path) -> None:
    old_text = engine_copy.store.document(SMALL_DOC).text
    original = (engine_copy.corpus_dir / f"{SMALL_DOC}.txt").read_bytes()
    n_docs = len(engine_copy.documents())
    source = tmp_path / f"{SMALL_DOC}.txt"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    report = engine_copy.add_documents([source], replace=True)
    assert report.updated == [SMALL_DOC] and report.added == []
    assert len(engine_copy.documents()) == n_docs
    doc = engine_copy.store.document(SMALL_DOC)
    assert "Quillmere" in doc.text and "Marco Polo" not in doc.text and "Marco Polo" in old_text
    assert (engine_copy.corpus_dir / f"{SMALL_DOC}.txt").read_text(encoding="utf-8") == NEW_ARTICLE
    assert engine_copy.search(NEW_QUERY, k=1)[0].doc_id == SMALL_DOC
    # the manifest pinned its title, publisher and date to the original bytes: an upload under the same name does
    # not inherit them (nobody can plant a "Shanghai Daily" article)
    info = {d.doc_id: d for d in engine_copy.documents()}[SMALL_DOC]
    assert info.publisher is None and info.title == "Quillmere observatory spots a comet with a green tail"

    # the same id with another suffix replaces it too; every earlier version is kept under .removed/
    md = tmp_path / f"{SMALL_DOC}.md"
    md.write_text("# Brackenfold bridge reopens\n\n" + NEW_ARTICLE.replace("Quillmere", "Brackenfold"), encoding="utf-8")
    report = engine_copy.add_documents([md], replace=True)
    assert report.updated == [SMALL_DOC]
    assert not (engine_copy.corpus_dir / f"{SMALL_DOC}.txt").exists()
    kept = sorted((engine_copy.corpus_dir / REMOVED_FOLDER).glob(f"{SMALL_DOC}.*"))
    assert sorted(p.read_bytes() for p in kept) == sorted([original, NEW_ARTICLE.encode()])
    assert {d.doc_id: d.source for d in engine_copy.documents()}[SMALL_DOC] == f"{SMALL_DOC}.md"
    assert "Brackenfold" in engine_copy.store.document(SMALL_DOC).text
    again = rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir)
    assert again.embedded_passages == 0 and again.skipped == []


def test_add_does_not_touch_documents_whose_id_merely_starts_with_the_new_id(engine_copy: rag.Engine,
                                                                            tmp_path: Path) -> None:
    """Adding `report.txt` replaces document `report` only; document `report.v2` (file report.v2.txt) stays."""
    first = tmp_path / "report.v2.txt"
    first.write_text(NEW_ARTICLE.replace("Quillmere", "Brackenfold"), encoding="utf-8")
    engine_copy.add_documents([first])
    second = tmp_path / "report.txt"
    second.write_text(NEW_ARTICLE, encoding="utf-8")
    report = engine_copy.add_documents([second])  # a new id: no Replace needed
    assert report.added == ["report"] and report.updated == []
    assert (engine_copy.corpus_dir / "report.v2.txt").is_file(), "another document's file was retired"
    assert not (engine_copy.corpus_dir / REMOVED_FOLDER / "report.v2.txt").exists()
    assert rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir).removed == []
    assert {"report", "report.v2"} <= {d.doc_id for d in rag.load(
        index_dir=engine_copy.index_dir, corpus_dir=engine_copy.corpus_dir).documents()}


def test_add_two_files_with_the_same_name_keeps_one_consistent_document(engine_copy: rag.Engine,
                                                                        tmp_path: Path) -> None:
    """Two sources that map to one id in a single call must not leave two documents' passages under that id."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "report.txt", tmp_path / "b" / "report.txt"
    first.write_text(NEW_ARTICLE, encoding="utf-8")
    second.write_text(NEW_ARTICLE.replace("Quillmere", "Brackenfold").replace("comet", "bridge"), encoding="utf-8")
    report = engine_copy.add_documents([first, second])
    assert report.added.count("report") <= 1
    index = engine_copy.store
    chunk_ids = [p.chunk_id for p in all_passages(index)]
    assert len(chunk_ids) == len(set(chunk_ids)), "duplicate chunk ids"
    text = index.document("report").text
    on_disk = (engine_copy.corpus_dir / "report.txt").read_text(encoding="utf-8")
    for p in all_passages(index):
        assert index.document(p.doc_id).text[p.start:p.end] == p.text, f"{p.chunk_id} does not match its document"
    assert text.split()[:3] == on_disk.split()[:3], "the index and the corpus file disagree"


def test_removing_every_document_leaves_an_empty_searchable_index(engine_copy: rag.Engine) -> None:
    report = engine_copy.remove_documents([d.doc_id for d in engine_copy.documents()])
    assert report.documents == report.passages == 0
    for mode in ("hybrid", "dense", "lexical"):
        assert engine_copy.search("Hangzhou", mode=mode) == [] == engine_copy.search("Hangzhou", mode=mode, mmr=True)
    reopened = rag.load(index_dir=engine_copy.index_dir, corpus_dir=engine_copy.corpus_dir)
    assert reopened.documents() == [] and reopened.search("Hangzhou") == []


def test_add_reports_bad_files_and_keeps_good_ones(engine_copy: rag.Engine, tmp_path: Path) -> None:
    good, empty, docx = tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "memo.docx"
    good.write_text(NEW_ARTICLE, encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    docx.write_bytes(b"PK\x03\x04")
    report = engine_copy.add_documents([good, empty, docx])
    assert report.added == ["good"]
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "memo.docx"}
    assert "empty" in reasons["empty.txt"] and ".docx" in reasons["memo.docx"]
    assert not (engine_copy.corpus_dir / "empty.txt").exists() and not (engine_copy.corpus_dir / "memo.docx").exists()


def test_remove_document(engine_copy: rag.Engine) -> None:
    source = engine_copy.corpus_dir / f"{OTHER_DOC}.txt"
    content = source.read_bytes()
    before = {d.doc_id for d in engine_copy.documents()}
    others = passages_by_doc(engine_copy.store)
    report = engine_copy.remove_documents([OTHER_DOC])
    assert report.removed == [OTHER_DOC] and report.documents == len(before) - 1
    assert {d.doc_id for d in engine_copy.documents()} == before - {OTHER_DOC}
    assert not source.exists()
    kept = list((engine_copy.corpus_dir / REMOVED_FOLDER).glob(f"{source.stem}.*{source.suffix}"))
    assert [p.read_bytes() for p in kept] == [content]
    for mode in ("hybrid", "dense", "lexical"):
        hits = engine_copy.search("Zhou Jiangyong Party chief digital economy", k=100, mode=mode)
        assert OTHER_DOC not in {h.doc_id for h in hits}
    assert all(passages_by_doc(engine_copy.store)[d] == others[d] for d in before - {OTHER_DOC})
    # persisted, and a build over the corpus does not bring it back
    reopened = rag.load(index_dir=engine_copy.index_dir, corpus_dir=engine_copy.corpus_dir)
    assert OTHER_DOC not in {d.doc_id for d in reopened.documents()}
    report = rag.build(corpus_dir=engine_copy.corpus_dir, index_dir=engine_copy.index_dir)
    assert report.embedded_passages == 0 and report.removed == [] and OTHER_DOC not in report.unchanged


def test_remove_unknown_id_changes_nothing(engine_copy: rag.Engine) -> None:
    before = engine_copy.documents()
    files = sorted(p.name for p in engine_copy.corpus_dir.iterdir())
    gen = store.current_generation(engine_copy.index_dir)
    with pytest.raises(ValueError, match="no-such-doc"):
        engine_copy.remove_documents(["no-such-doc"])
    with pytest.raises(ValueError, match="no-such-doc"):
        engine_copy.remove_documents([OTHER_DOC, "no-such-doc"])  # all or nothing
    assert engine_copy.documents() == before
    assert sorted(p.name for p in engine_copy.corpus_dir.iterdir()) == files
    assert store.current_generation(engine_copy.index_dir) == gen


# --- damaged and mismatched indexes --------------------------------------------------------------------------------


def segment(index_dir: Path) -> Path:
    """The folder of the current commit's (first) segment."""
    return store.segment_dirs(index_dir)[0]


def _truncate_dense(gen: Path, index_dir: Path) -> None:
    path = segment(index_dir) / "dense.faiss"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble_manifest(gen: Path, index_dir: Path) -> None:
    (gen / "manifest.json").write_text('{"format_version": 1, "embedder": ', encoding="utf-8")


def _delete_passages(gen: Path, index_dir: Path) -> None:
    (segment(index_dir) / "passages.jsonl").unlink()


def _pointer_to_missing(gen: Path, index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text("gen-20000101T000000000000\n", encoding="utf-8")


def _pointer_escapes(gen: Path, index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text(f"../{index_dir.name}/{gen.name}\n", encoding="utf-8")


def _empty_pointer(gen: Path, index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text("", encoding="utf-8")


def _rehash(gen: Path, index_dir: Path) -> None:
    """Make the manifest's checksums match damaged segment files, and the pointer the manifest's, so only the
    parsers can notice the damage."""
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["segments"]:
        folder = index_dir / store.SEGMENTS / entry["name"]
        entry["files"] = {name: store._sha256(folder / name) for name in entry["files"] if (folder / name).exists()}
    data = json.dumps(manifest).encode()
    (gen / "manifest.json").write_bytes(data)
    (index_dir / store.POINTER).write_text(f"{gen.name}\n{hashlib.sha256(data).hexdigest()}\n", encoding="utf-8")


def _bad_json_line_rehashed(gen: Path, index_dir: Path) -> None:
    path = segment(index_dir) / "passages.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + '{"doc_id": "x", "chunk_id\n', encoding="utf-8")
    _rehash(gen, index_dir)


def _short_vectors_rehashed(gen: Path, index_dir: Path) -> None:
    path = segment(index_dir) / "vectors.npy"
    np.save(path, np.load(path)[:-1])
    _rehash(gen, index_dir)


def _garbage_faiss_rehashed(gen: Path, index_dir: Path) -> None:
    (segment(index_dir) / "dense.faiss").write_bytes(b"not a faiss index at all" * 10)
    _rehash(gen, index_dir)


def _sentences_table_rehashed(gen: Path, index_dir: Path) -> None:
    (segment(index_dir) / "sentence_docs.json").write_text("{broken", encoding="utf-8")
    _rehash(gen, index_dir)


def _postings_rehashed(gen: Path, index_dir: Path) -> None:
    (segment(index_dir) / "terms.json").write_text('["only", "two"]', encoding="utf-8")
    _rehash(gen, index_dir)


def _tombstones_deleted(gen: Path, index_dir: Path) -> None:
    """An index whose last commit deleted a document, then lost that commit's tombstone file."""
    copy = SeedIndex(index_dir.parent / "corpus", index_dir)
    rag.load(index_dir=copy.index_dir, corpus_dir=copy.corpus_dir).remove_documents([OTHER_DOC])
    for path in (index_dir / store.TOMBSTONES).iterdir():
        path.unlink()


DAMAGE = [_truncate_dense, _garble_manifest, _delete_passages, _pointer_to_missing, _pointer_escapes, _empty_pointer,
          _bad_json_line_rehashed, _short_vectors_rehashed, _garbage_faiss_rehashed, _sentences_table_rehashed,
          _postings_rehashed, _tombstones_deleted]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_damaged_index_raises_corrupt_error_with_rebuild_hint(index_copy: SeedIndex, damage) -> None:
    damage(generation(index_copy), index_copy.index_dir)
    with pytest.raises(rag.IndexCorruptError) as info:
        rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert "rag index --rebuild" in str(info.value)
    assert str(index_copy.index_dir) in str(info.value)
    # an incremental build refuses too (it must not silently build on top of a broken index)
    with pytest.raises(rag.IndexCorruptError):
        rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("embedder", "sentence-transformers/all-mpnet-base-v2", "embedder"), ("dimension", 768, "dimension"),
     ("format_version", 99, "format version")],
)
def test_index_from_another_model_or_format_raises_mismatch(index_copy: SeedIndex, field, value, words) -> None:
    path = generation(index_copy) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[field] = value
    data = json.dumps(manifest).encode()
    path.write_bytes(data)
    pointer = index_copy.index_dir / store.POINTER  # as another version of the code would have written it
    pointer.write_text(f"{path.parent.name}\n{hashlib.sha256(data).hexdigest()}\n", encoding="utf-8")
    with pytest.raises(rag.IndexMismatchError) as info:
        open_store(Settings(index_dir=index_copy.index_dir))
    message = str(info.value)
    assert words in message and str(value) in message and "rag index --rebuild" in message
    assert not isinstance(info.value, rag.IndexCorruptError)
    # opening it re-processes the corpus folder (the source of truth) instead of failing
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert len(engine.documents()) == 5 and store.read_manifest(index_copy.index_dir).format_version == \
        store.FORMAT_VERSION


def test_missing_index_and_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(rag.RagError) as info:
        rag.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "no-corpus")
    assert "no-corpus" in str(info.value) and "does not exist" in str(info.value)
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_existing_index_loads_without_its_corpus_folder(index_copy: SeedIndex) -> None:
    shutil.rmtree(index_copy.corpus_dir)
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert len(engine.documents()) == 5 and engine.search("Hangzhou digital economy", k=2)


# --- a build killed half-way ---------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _assert_previous_index_intact(copy: SeedIndex, docs: set[str], gen: Path) -> None:
    assert store.current_generation(copy.index_dir) == gen
    engine = rag.load(index_dir=copy.index_dir, corpus_dir=copy.corpus_dir)
    assert {d.doc_id for d in engine.documents()} == docs
    hit = engine.search("What is Hangzhou's 2025 urban-rural income target?", k=1)[0]
    assert hit.doc_id == "001_71f86546a83b57c5" and "1.7:1" in hit.text


def test_build_killed_while_embedding_leaves_previous_index(index_copy: SeedIndex, tmp_path: Path) -> None:
    docs = {p.stem for p in index_copy.corpus_dir.glob("*.txt")}
    gen = generation(index_copy)
    big = (index_copy.corpus_dir / "002_00db62200457e251.txt").read_text(encoding="utf-8")
    for n in range(40):  # enough text that embedding takes far longer than the moment we wait
        (index_copy.corpus_dir / f"copy{n:02d}.txt").write_text(big.replace("Hangzhou", f"Hangzhou{n}"),
                                                                 encoding="utf-8")
    log = tmp_path / "build.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "index", "--rebuild", "--corpus", str(index_copy.corpus_dir),
             "--index", str(index_copy.index_dir)],
            stdout=out, stderr=subprocess.STDOUT, env=_env(), cwd=tmp_path,
        )
        try:
            deadline = time.monotonic() + 120
            # the embedder's progress bar (ONNX Runtime's or sentence-transformers'): embedding has begun
            while not re.search(rb"embedding:|Batches", log.read_bytes()):
                assert proc.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "the build never started embedding"
                time.sleep(0.05)
            time.sleep(0.5)
            assert proc.poll() is None, "the build finished before it could be killed; make the corpus bigger"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _assert_previous_index_intact(index_copy, docs, gen)
    # a following normal build (extra copies gone, one new article) succeeds and only does the new work
    for n in range(40):
        (index_copy.corpus_dir / f"copy{n:02d}.txt").unlink()
    (index_copy.corpus_dir / "comet.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = rag.build(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir)
    assert report.added == ["comet"] and sorted(report.unchanged) == sorted(docs)
    assert not list(index_copy.index_dir.glob(".building-*"))
    generations = sorted(p.name for p in index_copy.index_dir.glob("gen-*"))
    # the current generation and at most the one before it (kept for readers in other processes)
    assert generations[-1] == generation(index_copy).name and len(generations) <= 2
    engine = rag.load(index_dir=index_copy.index_dir, corpus_dir=index_copy.corpus_dir)
    assert engine.search(NEW_QUERY, k=1)[0].doc_id == "comet"


KILL_DURING_SAVE = """
import os, signal, sys
import rag.store as store
store._fsync_tree = lambda folder: os.kill(os.getpid(), signal.SIGKILL)  # die after writing, before the commit
import rag
rag.build(corpus_dir=sys.argv[1], index_dir=sys.argv[2], rebuild=True)
"""


def _small_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True)
    (corpus / "comet.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (corpus / "bridge.txt").write_text(NEW_ARTICLE.replace("Quillmere", "Brackenfold").replace("comet", "bridge"),
                                       encoding="utf-8")


@pytest.fixture(scope="module")
def killed_during_save(tmp_path_factory: pytest.TempPathFactory) -> SeedIndex:
    """A two-article index, then a `--rebuild` (with a third article added) killed after writing its new generation
    folder but before switching CURRENT to it. Built once; tests work on copies."""
    root = tmp_path_factory.mktemp("killed")
    copy = SeedIndex(root / "corpus", root / "index")
    _small_corpus(copy.corpus_dir)
    rag.build(corpus_dir=copy.corpus_dir, index_dir=copy.index_dir)
    (copy.corpus_dir / "extra.txt").write_text(NEW_ARTICLE.replace("Quillmere", "Vantorra"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", KILL_DURING_SAVE, str(copy.corpus_dir), str(copy.index_dir)],
                          env=_env(), cwd=root, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode(errors="replace")
    leftovers = list(copy.index_dir.glob(".building-*"))
    assert len(leftovers) == 1 and (leftovers[0] / "vectors.npy").exists()
    return copy


def test_build_killed_while_saving_leaves_previous_index_and_next_build_cleans_up(killed_during_save: SeedIndex,
                                                                                   tmp_path: Path) -> None:
    copy = copy_seed_index(killed_during_save, tmp_path)
    gen = generation(copy)
    engine = rag.load(index_dir=copy.index_dir, corpus_dir=copy.corpus_dir)
    assert {d.doc_id for d in engine.documents()} == {"comet", "bridge"}
    report = rag.build(corpus_dir=copy.corpus_dir, index_dir=copy.index_dir)
    assert report.added == ["extra"] and sorted(report.unchanged) == ["bridge", "comet"]
    assert not list(copy.index_dir.glob(".building-*")), "the killed build's folder is left behind"
    assert generation(copy) != gen and len(list(copy.index_dir.glob("gen-*"))) <= 2  # old one kept at most once


def test_noop_build_after_a_killed_build_cleans_up(killed_during_save: SeedIndex, tmp_path: Path) -> None:
    """When the next plain build finds nothing to change it must still remove the killed build's folder (which can
    be as large as the whole index)."""
    copy = copy_seed_index(killed_during_save, tmp_path)
    (copy.corpus_dir / "extra.txt").unlink()
    gen = generation(copy)
    report = rag.build(corpus_dir=copy.corpus_dir, index_dir=copy.index_dir)
    assert sorted(report.unchanged) == ["bridge", "comet"] and report.embedded_passages == 0
    assert generation(copy) == gen
    assert not list(copy.index_dir.glob(".building-*")), "the killed build's folder is left behind"


def test_rebuild_repairs_a_damaged_index(killed_during_save: SeedIndex, tmp_path: Path) -> None:
    copy = copy_seed_index(killed_during_save, tmp_path)
    old_gen = generation(copy)
    _garble_manifest(old_gen, copy.index_dir)
    with pytest.raises(rag.IndexCorruptError):
        rag.load(index_dir=copy.index_dir, corpus_dir=copy.corpus_dir)
    report = rag.build(corpus_dir=copy.corpus_dir, index_dir=copy.index_dir, rebuild=True)
    assert report.rebuilt and sorted(report.added) == ["bridge", "comet", "extra"]
    engine = rag.load(index_dir=copy.index_dir, corpus_dir=copy.corpus_dir)
    assert len(engine.documents()) == 3
    assert generation(copy) != old_gen and not list(copy.index_dir.glob(".building-*"))
    assert len(list(copy.index_dir.glob("gen-*"))) <= 2
    assert engine.search(NEW_QUERY, k=1)[0].doc_id == "comet"
