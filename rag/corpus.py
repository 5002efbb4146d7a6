"""The corpus folder, the source of truth: which entries are documents, safe names for new ones, and writes that never
follow a link, never leave a half-written file and never lose a version.

Only regular files whose real path lies inside the folder are documents; links that lead outside it and special
files (pipes, devices, sockets) are reported and never opened. A replaced or removed file is kept under `.removed/`
with a timestamp, every version of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from pathlib import Path

from rag.errors import DocumentError
from rag.loading import SUPPORTED
from rag.models import SkippedFile

log = logging.getLogger(__name__)

REMOVED_FOLDER = ".removed"
PENDING = ".pending"  # present while an add or remove is between writing the corpus and committing the index
RESERVED_FILES = ("manifest.json", "questions.jsonl")
_UNSAFE = re.compile(r"[^\w.-]+")
MAX_STEM = 100


def safe_file_name(name: str) -> str:
    """A file name that can only land inside the corpus folder: no folders, no leading dots, letters of any script
    kept ("新闻报道.txt"), anything else replaced; a name left with no letters or digits gets one from its hash."""
    base = Path(unicodedata.normalize("NFC", str(name)).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot or not suffix.isalnum():
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).lstrip("._").strip("_")[:MAX_STEM]
    if not any(c.isalnum() for c in stem):
        stem = "document-" + hashlib.sha256(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem}.{suffix.lower()}" if suffix else stem


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link resolved, lies inside `root` (resolved too)."""
    try:
        path.resolve(strict=True).relative_to(root.resolve(strict=True))
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a link loop
        return False
    return True


def check_entry(path: Path, root: Path) -> str | None:
    """Why a corpus entry is not a document (a link leading outside, a special file, a broken link), else None."""
    try:
        link = path.is_symlink()
        if link and not is_inside(path, root):
            return "a symbolic link that leads outside the corpus folder, or nowhere (not followed)"
        mode = path.stat().st_mode  # follows an inside link; never opens the file
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(mode):
        return "not a regular file (a device, pipe or socket is never read)"
    return None


def scan(corpus_dir: Path) -> tuple[dict[str, Path], list[SkippedFile]]:
    """Map doc_id (file stem) -> path for every supported regular file; everything else is reported as skipped."""
    if not corpus_dir.is_dir():
        raise DocumentError(f"corpus folder {corpus_dir} does not exist")
    found: dict[str, Path] = {}
    skipped: list[SkippedFile] = []
    for path in sorted(corpus_dir.iterdir()):
        if path.name.startswith(".") or path.name in RESERVED_FILES:
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        problem = check_entry(path, corpus_dir)
        if problem is None and path.suffix.lower() not in SUPPORTED:
            problem = f"unsupported file type {path.suffix or '(none)'!r}"
        if problem is None and path.stem in found:
            problem = f"document id {path.stem!r} already used by {found[path.stem].name}"
        if problem:
            skipped.append(SkippedFile(path=path.name, reason=problem))
        else:
            found[path.stem] = path
    for item in skipped:
        log.warning("skipping %s: %s", item.path, item.reason)
    return found, skipped


def files_of(corpus_dir: Path, doc_id: str) -> list[Path]:
    """The corpus files (not links) that are document `doc_id`, whatever their suffix."""
    if not corpus_dir.is_dir():
        return []
    return [p for p in corpus_dir.iterdir() if p.stem == doc_id and p.suffix.lower() in SUPPORTED
            and not p.name.startswith(".") and (p.is_file() or p.is_symlink())]


def retire(corpus_dir: Path, path: Path, keep_original: bool = False) -> Path:
    """Move (or with `keep_original`, copy) a corpus file to `.removed/<stem>.<UTC time><suffix>`, never overwriting
    an earlier version; a link is moved as the link itself, never its target."""
    folder = corpus_dir / REMOVED_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while target.exists() or target.is_symlink():
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
        n += 1
    if keep_original and not path.is_symlink():
        shutil.copy2(path, target)
    else:
        os.replace(path, target)
    log.info("kept %s as %s", path.name, target.relative_to(corpus_dir))
    return target


def write_file(corpus_dir: Path, name: str, data: bytes) -> Path:
    """Write `data` as `corpus_dir/name` through a new temporary file renamed into place (atomic, flushed), refusing
    to write through a link or over anything but a regular file."""
    target = corpus_dir / name
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise DocumentError(f"{name}: the corpus already has a link or special file by that name; it is not "
                            "written through or replaced")
    corpus_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=corpus_dir)  # O_EXCL: never an existing file or link
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def mark_pending(corpus_dir: Path) -> None:
    (corpus_dir / PENDING).write_text(dt.datetime.now(dt.timezone.utc).isoformat(), encoding="utf-8")


def clear_pending(corpus_dir: Path) -> None:
    (corpus_dir / PENDING).unlink(missing_ok=True)


def is_pending(corpus_dir: Path) -> bool:
    """An add or remove stopped between the corpus and the index: the next load reconciles them."""
    return (corpus_dir / PENDING).exists()
