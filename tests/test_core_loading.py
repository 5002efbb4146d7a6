"""Loading source files (rag.loading, rag.documents): every supported format, encodings, and every refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rag
from rag.documents import read_document, scan_corpus
from rag.errors import DocumentError
from rag.loading import load_file
from rag.settings import Settings

SETTINGS = Settings()
MAX = SETTINGS.max_file_bytes

ARTICLE = (
    "The port city of Valmora opened a floating library aboard a converted ferry on Monday, giving residents of "
    "its outlying islands access to more than twelve thousand books.\n\n"
    "The ferry, renamed the Reading Tide, will stop at seven island piers every week, the municipal culture office "
    "said in a statement. Librarians expect about four hundred visitors on each trip.\n\n"
    "Officials said the project cost 2.3 million euros and was paid for by a regional grant for rural education. "
    "A second vessel is planned for the northern archipelago next spring."
)

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Floating library sets sail in Valmora | Coastal Herald</title>
<meta property="og:title" content="Floating library sets sail in Valmora">
<meta property="og:site_name" content="Coastal Herald">
<meta property="article:published_time" content="2023-04-17T08:30:00Z">
<meta name="description" content="A converted ferry now lends books to island residents.">
</head>
<body>
<header>
  <div class="logo"><a href="/">Coastal Herald</a></div>
  <nav class="main-menu"><ul>
    <li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
    <li><a href="/sports">Sports</a></li><li><a href="/subscribe">Subscribe to the Zephyrine newsletter</a></li>
  </ul></nav>
</header>
<main>
<article>
  <h1>Floating library sets sail in Valmora</h1>
  <p class="byline">By Mira Castellanos</p>
  <p>The port city of Valmora opened a floating library aboard a converted ferry on Monday, giving residents of
  its outlying islands access to more than twelve thousand books.</p>
  <p>The ferry, renamed the Reading Tide, will stop at seven island piers every week, the municipal culture office
  said in a statement. Librarians expect about four hundred visitors on each trip.</p>
  <p>Officials said the project cost 2.3 million euros and was paid for by a regional grant for rural education.
  A second vessel is planned for the northern archipelago next spring.</p>
</article>
<aside class="related"><h3>Most read</h3><ul><li><a href="/a">Quorvex stadium vote delayed</a></li></ul></aside>
</main>
<footer>
  <p>Copyright 2023 Coastal Herald Media Group. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a> <a href="/cookies">Cookie settings</a>
</footer>
</body>
</html>
"""


def pdf_bytes(lines: list[str], title: str | None = None) -> bytes:
    """A minimal valid one-page PDF drawing `lines` in Helvetica (written by hand: no PDF writer is installed)."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td", *[f"({esc(line)}) Tj T*" for line in lines], "ET"]
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if title:
        objects.append(b"<< /Title (" + esc(title).encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if title:
        trailer += b" /Info %d 0 R" % len(objects)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PDF_LINES = [
    "Glacier monitoring station records unusual summer melt.",
    "Scientists in the Aldren valley said on Tuesday that the glacier lost",
    "eleven meters of thickness during the warm season, the most since 1950.",
]


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- formats -------------------------------------------------------------------------------------------------------


def test_plain_text_is_loaded_as_is(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", "\ufeff" + ARTICLE)  # a UTF-8 BOM is dropped
    loaded = load_file(path, MAX)
    assert loaded.text == ARTICLE
    doc = read_document(path, None, SETTINGS)
    assert doc.doc_id == "story" and doc.source == "story.txt"
    assert "Reading Tide" in doc.text and "twelve thousand books" in doc.text


def test_markdown_markup_is_removed_and_heading_becomes_title(tmp_path: Path) -> None:
    md = (
        "# Valmora launches a floating library\n\n"
        "The port city of **Valmora** opened a [floating library](https://example.com/lib) aboard a *converted* "
        "ferry on Monday.\n\n"
        "> Librarians expect about `four hundred` visitors on each trip, the office said.\n\n"
        "---\n\n"
        "![A ferry at the pier](ferry.jpg)\n\n"
        "## Funding\n\n"
        "Officials said the project cost 2.3 million euros and was paid for by a regional grant.\n"
    )
    path = write(tmp_path / "lib.md", md)
    loaded = load_file(path, MAX)
    assert loaded.meta.title == "Valmora launches a floating library"
    for markup in ("**", "](", "# ", "> ", "`", "---", "!["):
        assert markup not in loaded.text, markup
    assert "The port city of Valmora opened a floating library aboard a converted ferry on Monday." in loaded.text
    assert "Librarians expect about four hundred visitors" in loaded.text
    assert "Funding" in loaded.text
    doc = read_document(path, None, SETTINGS)
    assert doc.meta.title == "Valmora launches a floating library"
    assert "https://example.com" not in doc.text


def test_html_main_text_is_extracted_without_page_chrome(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", HTML_PAGE)
    doc = read_document(path, None, SETTINGS)
    assert "floating library aboard a converted ferry" in doc.text
    assert "A second vessel is planned for the northern archipelago next spring." in doc.text
    for chrome in ("Subscribe to the Zephyrine newsletter", "Privacy policy", "Cookie settings", "All rights reserved",
                   "Quorvex"):
        assert chrome not in doc.text, chrome
    assert "<p>" not in doc.text and "</" not in doc.text
    # title, publisher and date come from the page's meta tags
    assert doc.meta.title == "Floating library sets sail in Valmora"
    assert doc.meta.publisher == "Coastal Herald"
    assert str(doc.meta.date) == "2023-04-17"
    # paragraphs stay apart for chunking
    assert doc.text.count("\n\n") >= 2


def test_htm_suffix_uses_the_html_loader(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "page.HTM", HTML_PAGE), None, SETTINGS)
    assert "Reading Tide" in doc.text and "Privacy policy" not in doc.text


def test_pdf_text_and_title_are_extracted(tmp_path: Path) -> None:
    path = write(tmp_path / "glacier.pdf", pdf_bytes(PDF_LINES, title="Aldren glacier report"))
    loaded = load_file(path, MAX)
    for line in PDF_LINES:
        assert line in loaded.text
    assert loaded.meta.title == "Aldren glacier report"
    doc = read_document(path, None, SETTINGS)
    assert "eleven meters of thickness" in doc.text


# --- encodings -----------------------------------------------------------------------------------------------------

LATIN_TEXTS = {
    "english": (
        "The cafe owner on Main Street said the renovation of the old fa\u00e7ade would finish in May.\n\n"
        "Ren\u00e9e Dubois, who has run the caf\u00e9 since 1998, said the menu now includes cr\u00e8me br\u00fbl\u00e9e "
        "and a na\u00efve take on the classic croque monsieur, a favourite with regulars."
    ),
    "spanish-names": (
        "Caf\u00e9 owners in M\u00e1laga said on Friday that the new fa\u00e7ade rules would raise costs.\n\n"
        "The municipal council approved the regulation after a long debate, according to Jos\u00e9 N\u00fa\u00f1ez, "
        "who runs a small caf\u00e9 near the cathedral. Se\u00f1ora Pe\u00f1a said the d\u00e9cor of older "
        "buildings must be preserved for visitors."
    ),
    "german-names": (
        "The mayor of Z\u00fcrich said the new tram line would open in 2026. Critics in the Gemeinderat said the "
        "cost of 250 million francs was too high, and the B\u00fcrgerverein asked for a referendum. M\u00fcller, a "
        "shop owner, said the construction will hurt business for two years."
    ),
}


@pytest.mark.parametrize("name", list(LATIN_TEXTS))
def test_latin1_text_is_decoded(tmp_path: Path, name: str) -> None:
    """A legacy Latin-1 file (not UTF-8) decodes to the original characters, accented names included."""
    text = LATIN_TEXTS[name]
    path = write(tmp_path / "legacy.txt", text.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert load_file(path, MAX).text == text


def test_windows_1252_punctuation_is_decoded(tmp_path: Path) -> None:
    text = ("\u201cWe wanted to keep the old fa\u00e7ade,\u201d said Ren\u00e9e Dubois \u2014 who has run the caf\u00e9 "
            "since 1998 \u2014 on Monday. The new menu costs about \u20ac12 per person, she said.")
    path = write(tmp_path / "cp1252.txt", text.encode("cp1252"))
    assert load_file(path, MAX).text == text


def test_mojibake_is_repaired(tmp_path: Path) -> None:
    """UTF-8 text that was once mis-decoded as Latin-1 ("CafÃ©") comes out repaired in the document."""
    text = LATIN_TEXTS["spanish-names"]
    garbled = text.encode("utf-8").decode("latin-1")
    assert "Ã©" in garbled
    doc = read_document(write(tmp_path / "moji.txt", garbled), None, SETTINGS)
    assert doc.text == text
    assert doc.meta.title == text.split("\n")[0]


# --- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),  # reason: a regular expression the message must contain
    [
        ("report.docx", b"PK\x03\x04 word document", "unsupported"),
        ("noext", b"plain words without a suffix", "unsupported"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t \n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "NUL"),
        ("binary.html", b"<html>\x00\x00\x00</html>", "NUL"),
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj garbage garbage\n%%EOF", "PDF"),
        ("truncated.pdf", pdf_bytes(PDF_LINES)[:200], "PDF"),
        ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text|nothing left"),
    ],
)
def test_bad_files_raise_document_error_naming_the_file(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = write(tmp_path / name, data)
    with pytest.raises(DocumentError) as info:
        read_document(path, None, SETTINGS)
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert re.search(reason, message, re.I), message
    assert isinstance(info.value, rag.RagError)


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", ARTICLE * 20)
    small = Settings(max_file_bytes=1000)
    with pytest.raises(DocumentError) as info:
        read_document(path, None, small)
    assert str(info.value).startswith("big.txt:") and "limit" in str(info.value)
    assert read_document(path, None, SETTINGS).text  # the same file is fine under the default limit


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="gone.txt"):
        load_file(tmp_path / "gone.txt", MAX)


def corrupt_pdf_variants() -> dict[str, bytes]:
    """Damaged PDFs that make pypdf raise something other than PdfReadError."""
    good = pdf_bytes(PDF_LINES, title="Aldren glacier report")
    broken_trailer = good.replace(b"trailer\n", b"trailer3")  # pypdf: AttributeError in _read_xref
    assert broken_trailer != good
    page_loop = good.replace(b"/Type /Catalog", b"/Type /Catalo`").replace(b"<< /Type /Page ", b"\x97< /Type /Page ")
    return {"broken-trailer.pdf": broken_trailer, "page-loop.pdf": page_loop}  # LimitReachedError


@pytest.mark.parametrize("name", list(corrupt_pdf_variants()))
def test_any_damaged_pdf_is_a_document_error(tmp_path: Path, name: str) -> None:
    """Whatever pypdf raises on a damaged file, the loader reports it as DocumentError (a build must not crash)."""
    path = write(tmp_path / name, corrupt_pdf_variants()[name])
    with pytest.raises(DocumentError, match=name):
        load_file(path, MAX)


# --- a build over good and bad files -------------------------------------------------------------------------------


def test_build_skips_bad_files_and_indexes_the_good_ones(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "ferry.txt", ARTICLE)
    write(corpus / "page.html", HTML_PAGE)
    write(corpus / "glacier.pdf", pdf_bytes(PDF_LINES))
    write(corpus / "empty.txt", b"")
    write(corpus / "report.docx", b"PK\x03\x04 word document")
    write(corpus / "binary.txt", b"\x00\x01\x02\x03 binary \x00")
    write(corpus / "corrupt.pdf", b"%PDF-1.4\n1 0 obj garbage\n%%EOF")
    write(corpus / ".hidden.txt", ARTICLE)  # dot files are ignored, not reported
    report = rag.build(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert sorted(report.added) == ["ferry", "glacier", "page"]
    assert report.documents == 3 and report.passages >= 3
    reasons = {s.path: s.reason.lower() for s in report.skipped}
    assert set(reasons) == {"empty.txt", "report.docx", "binary.txt", "corrupt.pdf"}
    assert "empty" in reasons["empty.txt"]
    assert "unsupported" in reasons["report.docx"] and ".docx" in reasons["report.docx"]
    assert "nul" in reasons["binary.txt"] or "not a text file" in reasons["binary.txt"]
    assert "pdf" in reasons["corrupt.pdf"]
    engine = rag.load(index_dir=tmp_path / "index", corpus_dir=corpus)
    assert [d.doc_id for d in engine.documents()] == ["ferry", "glacier", "page"]
    assert engine.search("glacier thickness lost in the Aldren valley", k=1)[0].doc_id == "glacier"


def test_build_survives_pdfs_that_crash_pypdf(tmp_path: Path) -> None:
    """One damaged PDF must be skipped and reported, not abort the whole build."""
    corpus = tmp_path / "corpus"
    write(corpus / "ferry.txt", ARTICLE)
    for name, data in corrupt_pdf_variants().items():
        write(corpus / name, data)
    report = rag.build(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert report.added == ["ferry"]
    assert {s.path for s in report.skipped} == set(corrupt_pdf_variants())


def test_scan_corpus_reports_duplicate_ids_and_ignores_reserved_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "story.txt", ARTICLE)
    write(corpus / "story.md", "# Story\n\n" + ARTICLE)
    write(corpus / "manifest.json", "{}")
    write(corpus / "questions.jsonl", "")
    (corpus / "sub").mkdir()
    found, skipped = scan_corpus(corpus, SETTINGS)
    assert list(found) == ["story"]
    assert [s.path for s in skipped] == ["story.txt"] and "already used" in skipped[0].reason
