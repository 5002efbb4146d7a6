"""The embedded index on disk: immutable segment folders, per-commit tombstone files, and commit points.

    index/CURRENT                        "gen-0000000012" and the sha256 of its manifest: the commit point
    index/gen-0000000012/manifest.json   settings, the live segments (a sha256 per file) and tombstone files
    index/segments/seg-0000000007/       one commit's (or merge's) documents, passages, vectors, dense and lexical
                                         indexes, sentences, analyses and lexicon words; never changed once written
    index/tombstones/del-0000000012.json the passages and documents one commit deleted, by segment

A commit writes its new segments and tombstones, then a new manifest folder, fsyncs them, and only then replaces
`CURRENT` atomically (os.replace): a writer killed at any point leaves the previous commit whole and loadable.
Files no commit refers to are removed afterwards (those of the previous commit are kept for readers still loading
it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from pydantic import ValidationError

from rag.dense import BUILD_FIELDS
from rag.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, rebuild_hint
from rag.manifest import (FORMAT_VERSION, GENERATION_PREFIX, Deleted, IndexManifest, SegmentEntry,  # noqa: F401
                          TombstoneEntry, numbered)
from rag.passage_store import check_readable
from rag.segment import DENSE_FILE, Segment
from rag.settings import Settings

log = logging.getLogger(__name__)

POINTER = "CURRENT"
SEGMENTS, TOMBSTONES = "segments", "tombstones"
BUILDING = ".building-"  # folders and files being written; never referenced, removed by the next writer
_NUMBERED = re.compile(r"^(?:gen|seg|del)-(\d{10})(?:\.json)?$")


def highest_number(index_dir: Path) -> int:
    """The highest generation, segment or tombstone number on disk (-1 for none), so a new index written over an
    unreadable one never reuses a name."""
    names = [p.name for folder in (index_dir, index_dir / SEGMENTS, index_dir / TOMBSTONES) if folder.is_dir()
             for p in folder.iterdir()]
    return max((int(m.group(1)) for m in map(_NUMBERED.match, names) if m), default=-1)


def dense_params(settings: Settings) -> dict:
    """What a stored FAISS index depends on besides the vectors."""
    return {name: getattr(settings.retrieval, name) for name in BUILD_FIELDS}


# --- reading -------------------------------------------------------------------------------------------------------


def read_pointer(index_dir: Path) -> tuple[str, str]:
    """(generation name, manifest sha256) from `CURRENT`; IndexNotFoundError or a clear IndexCorruptError."""
    pointer = index_dir / POINTER
    if not pointer.exists():
        raise IndexNotFoundError(f"no index at {index_dir}. Build one with: rag index --index {index_dir}")
    try:
        lines = pointer.read_bytes()[:1024].decode("utf-8").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} is damaged ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if len(lines) == 1 and lines[0].startswith(GENERATION_PREFIX) and "/" not in lines[0] \
            and (index_dir / lines[0]).is_dir():
        raise IndexMismatchError(f"index at {index_dir} was written by an older version of this code. "
                                 + rebuild_hint(index_dir))
    if len(lines) != 2 or not lines[0].startswith(GENERATION_PREFIX) or "/" in lines[0] or len(lines[1]) != 64:
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} is damaged. " + rebuild_hint(index_dir))
    return lines[0], lines[1]


def current_generation(index_dir: Path) -> Path:
    """The commit folder `CURRENT` points to; IndexNotFoundError when there is no index."""
    return _generation(index_dir, read_pointer(index_dir)[0])


def segment_dirs(index_dir: Path) -> list[Path]:
    """The folders of the current commit's segments, oldest first."""
    return [index_dir / SEGMENTS / s.name for s in read_manifest(index_dir).segments]


def _generation(index_dir: Path, name: str) -> Path:
    folder = index_dir / name
    if not folder.is_dir():
        raise IndexCorruptError(f"index at {index_dir}: {POINTER} names a missing generation {name!r}. "
                                + rebuild_hint(index_dir))
    return folder


def read_manifest(index_dir: Path) -> IndexManifest:
    """The current commit's manifest, after checking it is the one `CURRENT` pins."""
    return manifest_of(index_dir, read_pointer(index_dir))


def manifest_of(index_dir: Path, pointer: tuple[str, str]) -> IndexManifest:
    """The manifest of generation `pointer[0]`, checked against the digest the pointer pins (one pointer read serves
    both, so a commit in between cannot pair one generation's checksum with another's files). Another format
    version is an IndexMismatchError, whatever else the manifest holds."""
    name, digest = pointer
    folder = _generation(index_dir, name)
    try:
        data = (folder / "manifest.json").read_bytes()
    except OSError as exc:
        raise IndexCorruptError(f"index at {index_dir}: unreadable manifest ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexCorruptError(f"index at {index_dir}: manifest.json was changed after the index was written "
                                "(checksum mismatch). " + rebuild_hint(index_dir))
    try:
        version = json.loads(data).get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatchError(f"index at {index_dir} was built with format version {version}, this code "
                                     f"reads {FORMAT_VERSION}. " + rebuild_hint(index_dir))
        return IndexManifest.model_validate_json(data)
    except (ValidationError, ValueError, AttributeError) as exc:
        raise IndexCorruptError(f"index at {index_dir}: unreadable manifest ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc


def check_compatible(manifest: IndexManifest, index_dir: Path, settings: Settings) -> None:
    """Refuse an index built by another embedder, dimension or document pipeline."""
    check_readable(manifest.profile(), f"index at {index_dir}", settings, rebuild_hint(index_dir))


def load_segment(index_dir: Path, entry: SegmentEntry, settings: Settings) -> Segment:
    """Read one segment after checking every file against the manifest's checksum; its dense index is derived
    again from the vectors when the HNSW settings changed since it was written."""
    derive_dense = entry.dense != dense_params(settings)
    folder = index_dir / SEGMENTS / entry.name
    if not _safe_name(entry.name) or DENSE_FILE not in entry.files:
        raise IndexCorruptError(f"index at {index_dir}: the manifest lists a damaged segment entry. "
                                + rebuild_hint(index_dir))
    for name, digest in entry.files.items():
        path = folder / name
        if not _safe_name(name) or not path.is_file() or _sha256(path) != digest:
            raise IndexCorruptError(f"index at {index_dir}: {entry.name}/{name} is missing or damaged (checksum "
                                    "mismatch). " + rebuild_hint(index_dir))
    try:
        segment = Segment.load(folder, entry.dense_index, settings, derive_dense)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:  # pydantic, numpy and faiss errors
        raise IndexCorruptError(f"index at {index_dir}: cannot read segment {entry.name} ({_short(exc)}). "
                                + rebuild_hint(index_dir)) from exc
    if len(segment) != entry.passages or len(segment.words) != entry.words:
        raise IndexCorruptError(f"index at {index_dir}: segment {entry.name} holds other counts than its manifest "
                                "says. " + rebuild_hint(index_dir))
    return segment


def load_tombstones(index_dir: Path, entry: TombstoneEntry) -> dict[str, Deleted]:
    """One commit's deletions by segment name, checked against the manifest's checksum."""
    path = index_dir / TOMBSTONES / entry.name
    try:
        data = path.read_bytes() if _safe_name(entry.name) else b""
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ValueError("checksum mismatch")
        return {name: Deleted.model_validate(d) for name, d in json.loads(data).items()}
    except (OSError, ValueError, AttributeError) as exc:
        raise IndexCorruptError(f"index at {index_dir}: tombstones {entry.name} are missing or damaged "
                                f"({_short(exc)}). " + rebuild_hint(index_dir)) from exc


# --- writing -------------------------------------------------------------------------------------------------------


def write_segment(index_dir: Path, name: str, segment: Segment, settings: Settings) -> SegmentEntry:
    """Write a segment into a temporary folder, make it durable, then move it into place under its name."""
    (index_dir / SEGMENTS).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=BUILDING, dir=index_dir))
    segment.save(tmp)
    files = {p.name: _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
    _fsync_tree(tmp)
    target = index_dir / SEGMENTS / name
    if target.exists():  # left by a writer killed before its commit: nothing refers to it
        shutil.rmtree(target)
    os.replace(tmp, target)
    return entry_for(name, segment, settings, files)


def entry_for(name: str, segment: Segment, settings: Settings, files: dict[str, str] | None = None) -> SegmentEntry:
    return SegmentEntry(name=name, passages=len(segment), words=len(segment.words), dense_index=segment.dense.kind,
                        dense=dense_params(settings), files=files or {})


def write_tombstones(index_dir: Path, name: str, deleted: dict[str, Deleted]) -> TombstoneEntry:
    data = json.dumps({k: v.model_dump() for k, v in deleted.items()}, ensure_ascii=False).encode("utf-8")
    (index_dir / TOMBSTONES).mkdir(parents=True, exist_ok=True)
    _write_durably(index_dir / TOMBSTONES / name, data)
    return TombstoneEntry(name=name, sha256=hashlib.sha256(data).hexdigest())


def write_commit(index_dir: Path, manifest: IndexManifest) -> None:
    """Write the manifest in its generation folder, then switch `CURRENT` to it: the commit point."""
    manifest.created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    data = manifest.model_dump_json(indent=1).encode("utf-8")
    tmp = Path(tempfile.mkdtemp(prefix=BUILDING, dir=index_dir))
    (tmp / "manifest.json").write_bytes(data)
    _fsync_tree(tmp)
    target = index_dir / manifest.name
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    # the pointer pins the manifest, which pins every other file: editing any of them is detected at load
    _write_durably(index_dir / POINTER, f"{manifest.name}\n{hashlib.sha256(data).hexdigest()}\n".encode())
    log.info("index at %s: committed %s (%d segments, %d live passages)", index_dir, manifest.name,
             len(manifest.segments), manifest.passages)


def collect_garbage(index_dir: Path, current: IndexManifest) -> None:
    """Remove what neither the current commit nor the one before it refers to, and leftovers of killed writers
    (call it holding the write lock)."""
    generations = sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))
    previous = [g for g in generations if _NUMBERED.match(g) and g < current.name][-1:]
    keep_segments = {s.name for s in current.segments}
    keep_tombstones = {t.name for t in current.tombstones}
    for name in previous:
        try:
            older = IndexManifest.model_validate_json((index_dir / name / "manifest.json").read_bytes())
        except (OSError, ValueError):
            continue  # another format or damaged: nothing of it is worth keeping
        keep_segments |= {s.name for s in older.segments}
        keep_tombstones |= {t.name for t in older.tombstones}
    for path in index_dir.iterdir():
        if path.name.startswith(BUILDING) or (path.name.startswith(GENERATION_PREFIX)
                                              and path.name not in (current.name, *previous)):
            _remove(path)
    for folder, keep in ((index_dir / SEGMENTS, keep_segments), (index_dir / TOMBSTONES, keep_tombstones)):
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name not in keep:
                    _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _write_durably(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically: a reader sees the old bytes or the new, never a mix."""
    tmp = path.with_name(f"{BUILDING}{path.name}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    """Flush every file so the rename that follows never publishes data still in the page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
