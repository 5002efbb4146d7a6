"""Read source files (.txt, .md, .html, .pdf) into raw text plus whatever metadata the format carries."""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
from pathlib import Path

from pydantic import BaseModel

from rag.errors import DocumentError
from rag.models import DocumentMeta

log = logging.getLogger(__name__)


class LoadedFile(BaseModel):
    """Raw text of one file, before cleaning, with format-level metadata."""

    text: str
    meta: DocumentMeta = DocumentMeta()


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes by their byte-order mark (UTF-16/32), else as UTF-8, else the most likely charset; refuse binary
    data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DocumentError(f"{name}: starts with a {encoding} byte-order mark but is not {encoding} "
                                    f"text ({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: not a text file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # mostly-ASCII Western text: Windows-1252 (a superset of Latin-1's printable range) is the usual culprit
        text = data.decode("cp1252")
        if sum(c.isascii() for c in text) >= 0.9 * len(text):
            log.info("%s: decoded as cp1252", name)
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(f"{name}: cannot detect the text encoding")
    log.info("%s: decoded as %s", name, best.encoding)
    return str(best)


def load_plain(data: bytes, name: str) -> LoadedFile:
    """Plain text as it is."""
    return LoadedFile(text=decode_text(data, name))


_MD_RULES = [
    (re.compile(r"^```.*?$", re.M), ""),  # code fence markers
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> link text
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),  # heading markers
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # italic
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M), ""),  # horizontal rules
]


def load_markdown(data: bytes, name: str) -> LoadedFile:
    """Markdown with its markup removed; the first heading becomes the title."""
    text = decode_text(data, name)
    heading = re.search(r"^\s{0,3}#\s+(.+)$", text, re.M)
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return LoadedFile(text=text, meta=DocumentMeta(title=heading.group(1).strip() if heading else None))


def load_html(data: bytes, name: str) -> LoadedFile:
    """Main content of a web page (trafilatura), with title, site name and date when the page declares them."""
    import trafilatura

    import lxml.html
    from lxml.etree import ParserError

    html = decode_text(data, name)
    # libxml2 stops at 256 levels of nesting unless asked for huge trees, and then trafilatura finds nothing
    try:
        tree = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True, remove_comments=True))
    except (ParserError, ValueError) as exc:
        raise DocumentError(f"{name}: not parsable as HTML ({exc})") from exc
    doc = trafilatura.bare_extraction(tree, with_metadata=True, favor_recall=True, include_comments=False)
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise DocumentError(f"{name}: no article text found in the HTML")
    # trafilatura puts one paragraph per line; blank lines keep them apart for cleaning and chunking
    text = re.sub(r"\n+", "\n\n", text)
    meta = DocumentMeta(title=doc.title or None, publisher=doc.sitename or None, url=doc.url or None,
                        author=doc.author or None)
    if doc.date:
        try:
            meta.date = DocumentMeta.model_validate({"date": doc.date[:10]}).date
        except ValueError:
            log.info("%s: ignoring unparsable date %r", name, doc.date)
    return LoadedFile(text=text, meta=meta)


def load_pdf(data: bytes, name: str) -> LoadedFile:
    """Text of every page of a PDF (pypdf); the PDF's own title when set."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata or {}).get("/Title")
    except Exception as exc:  # pypdf raises many unrelated types on damaged files; one bad PDF must not stop a build
        raise DocumentError(f"{name}: unreadable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise DocumentError(f"{name}: the PDF has no extractable text (scanned images are not supported)")
    return LoadedFile(text=text, meta=DocumentMeta(title=str(title).strip() or None if title else None))


LOADERS = {".txt": load_plain, ".md": load_markdown, ".html": load_html, ".htm": load_html, ".pdf": load_pdf}
SUPPORTED = tuple(LOADERS)  # the one list of accepted file types: corpus scans, uploads and the app all use it


def check_supported(name: str) -> None:
    """DocumentError naming the file unless its suffix is one LOADERS reads."""
    suffix = Path(name).suffix.lower()
    if suffix not in LOADERS:
        raise DocumentError(f"{name}: unsupported file type {suffix or '(none)'!r}; use {', '.join(SUPPORTED)}")


def read_capped(path: Path, max_bytes: int, follow_links: bool = True) -> bytes:
    """The bytes of a regular file, at most `max_bytes` (counted while reading: `stat` sizes are not trusted).

    Never blocks on a FIFO or reads a device: the file is opened non-blocking and must be a regular file once open.
    With `follow_links` False a symbolic link is refused rather than followed."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DocumentError(f"{path.name}: is a symbolic link; links are not followed") from exc
        raise DocumentError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DocumentError(f"{path.name}: not a regular file (a device, pipe or socket is never read)")
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, max_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise DocumentError(f"{path.name}: over the {max_bytes:,}-byte limit")
        return b"".join(chunks)
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)


def load_bytes(data: bytes, name: str) -> LoadedFile:
    """Parse one file's bytes by its name's suffix; DocumentError with the name and reason when it cannot."""
    check_supported(name)
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    loaded = LOADERS[Path(name).suffix.lower()](data, name)
    if not loaded.text.strip():
        raise DocumentError(f"{name}: no text after loading")
    return loaded


def load_file(path: Path, max_bytes: int) -> LoadedFile:
    """Read (capped) and parse one file."""
    check_supported(path.name)
    return load_bytes(read_capped(path, max_bytes), path.name)
