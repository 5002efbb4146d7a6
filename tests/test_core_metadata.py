"""Document metadata (rag.metadata): corpus manifest first, then the file format, then the text itself."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import rag
from rag.documents import read_document
from rag.metadata import find_byline, find_date, find_title, merge_meta
from rag.models import DocumentMeta
from rag.settings import Settings

SETTINGS = Settings()

BODY = (
    "The river authority approved a new flood barrier for the old town on Tuesday, ending a decade of debate.\n\n"
    "Construction will start in the spring and take about three years, officials said at a public hearing."
)


def test_seed_manifest_metadata_wins(seed_engine: rag.Engine, repo_seeds: Path) -> None:
    """Every non-null field of seeds/manifest.json is what engine.documents() reports for that document."""
    manifest = json.loads((repo_seeds / "manifest.json").read_text(encoding="utf-8"))
    infos = {d.doc_id: d for d in seed_engine.documents()}
    assert set(infos) == set(manifest) == {p.stem for p in repo_seeds.glob("*.txt")}
    checked = 0
    for doc_id, entry in manifest.items():
        for field in ("title", "publisher", "date"):
            if entry.get(field) is not None:
                got = getattr(infos[doc_id], field)
                assert (str(got) if field == "date" else got) == entry[field], (doc_id, field)
                checked += 1
    assert checked >= 8
    for info in infos.values():
        assert info.source == f"{info.doc_id}.txt"
        assert info.passages > 0
        assert info.title, "every seed gets a title (manifest or first meaningful line)"


def test_seed_without_manifest_title_gets_one_from_its_text(seed_engine: rag.Engine, repo_seeds: Path) -> None:
    """Where the manifest has no title, the title is the document's first meaningful line (maybe shortened)."""
    manifest = json.loads((repo_seeds / "manifest.json").read_text(encoding="utf-8"))
    untitled = [doc_id for doc_id, entry in manifest.items() if entry.get("title") is None]
    assert untitled
    for doc_id in untitled:
        doc = seed_engine.store.document(doc_id)
        title = doc.meta.title
        assert title and len(title) <= 121
        assert title.rstrip("\u2026") in doc.text


def test_text_only_document_gets_title_and_long_form_date(tmp_path: Path) -> None:
    text = (
        "By Jane Okafor\n\n"
        "December 6, 2021\n\n"
        "River authority approves flood barrier for the old town\n\n" + BODY
    )
    path = tmp_path / "barrier.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, None, SETTINGS)
    assert doc.meta.title == "River authority approves flood barrier for the old town"
    assert doc.meta.date == dt.date(2021, 12, 6)
    assert doc.meta.author == "Jane Okafor"
    assert doc.meta.publisher is None


def test_text_only_document_gets_iso_date(tmp_path: Path) -> None:
    text = "Flood barrier approved for the old town\n\nUpdated: 2025-02-05 09:30\n\n" + BODY
    path = tmp_path / "barrier.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_document(path, None, SETTINGS)
    assert doc.meta.title == "Flood barrier approved for the old town"
    assert doc.meta.date == dt.date(2025, 2, 5)


def test_manifest_entry_overrides_text_and_format_metadata(tmp_path: Path) -> None:
    md = "# A heading that is not the title\n\nPublished 2019-03-04.\n\n" + BODY
    path = tmp_path / "barrier.md"
    path.write_text(md, encoding="utf-8")
    entry = DocumentMeta(title="Manifest title", publisher="Valley Gazette", date=dt.date(2020, 1, 2))
    doc = read_document(path, entry, SETTINGS)
    assert doc.meta == entry
    # fields the manifest leaves empty fall back to the format and then the text
    partial = read_document(path, DocumentMeta(publisher="Valley Gazette"), SETTINGS)
    assert partial.meta.publisher == "Valley Gazette"
    assert partial.meta.title == "A heading that is not the title"
    assert partial.meta.date == dt.date(2019, 3, 4)


def test_corpus_manifest_is_applied_in_a_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Headline from the text of article A\n\nMarch 3, 2022\n\n" + BODY, encoding="utf-8")
    (corpus / "b.txt").write_text("Headline from the text of article B\n\n" + BODY, encoding="utf-8")
    (corpus / "manifest.json").write_text(json.dumps(
        {"a": {"title": "Manifest headline A", "publisher": "Valley Gazette", "date": "2022-03-04"}}),
        encoding="utf-8")
    engine = rag.load(index_dir=tmp_path / "index", corpus_dir=corpus)
    infos = {d.doc_id: d for d in engine.documents()}
    assert (infos["a"].title, infos["a"].publisher, infos["a"].date) == ("Manifest headline A", "Valley Gazette",
                                                                         dt.date(2022, 3, 4))
    assert (infos["b"].title, infos["b"].publisher, infos["b"].date) == ("Headline from the text of article B", None,
                                                                         None)
    hit = engine.search("flood barrier old town", k=10)
    assert {p.title for p in hit if p.doc_id == "a"} == {"Manifest headline A"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted on December 6, 2021 by staff", dt.date(2021, 12, 6)),
        ("Updated 2025-02-05T10:00", dt.date(2025, 2, 5)),
        ("Dateline: 7 June 2023, Hangzhou", dt.date(2023, 6, 7)),
        ("First 2024-13-45 is invalid, then March 9, 2020 is not", dt.date(2020, 3, 9)),
        ("January 2, 2020 came before 2021-01-01", dt.date(2020, 1, 2)),
        ("No date in this line at all, just 2024 and June.", None),
        ("x" * 2000 + " December 6, 2021", None),  # far below the dateline area
    ],
)
def test_find_date(text: str, expected: dt.date | None) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize(("text", "author"), [
    ("Title\n\nBy Chen Ye in Hangzhou | chinadaily.com.cn | Updated: 2025-02-05 23:52\nBody", "Chen Ye"),  # wire
    ("By JOHN SMITH, BBC News\nBody", "JOHN SMITH"),
    ("By Sarah Jones, Political Correspondent\nBody", "Sarah Jones"),
    ("  By Ann Lee and Tom Ross\nThe council said.", "Ann Lee and Tom Ross"),
    ("By Ann Lee, Tom Ross and Kim Park\nBody", "Ann Lee, Tom Ross and Kim Park"),
    ("By Mark de la Cruz for Reuters\nBody", "Mark de la Cruz"),
    ("By Tom Smith - Staff Reporter\nBody", "Tom Smith"),
    ("By Jane Smith | Updated: 10:15 a.m.\nBody", "Jane Smith"),
    ("By Ömer Çelik in Istanbul, Reuters\nBody", "Ömer Çelik"),
    # sentences that open with "By" are no byline
    ("By Monday, the talks had failed.\nBody", None),
    ("By March, prices were up 4%", None),
    ("By 2010 it had grown.", None),
    ("By far the biggest winner was Tom.", None),
    ("He was hit by Tom Smith in the face.", None),
    ("By Easter, the shops \"will be full,\" he said.”", None),
    ("By Chinese New Year, sales had doubled", None),
    ("By Labour, in a statement, the plan was called reckless", None),
])
def test_find_byline(text: str, author: str | None) -> None:
    found = find_byline(text)
    assert (found.author if found else None) == author
    if found:  # the line it names, from "By" to its end
        assert text[found.start:found.end].startswith("By ") and "\n" not in text[found.start:found.end]


def test_find_title_skips_bylines_dates_and_short_lines() -> None:
    text = "Home\nBy Jane Okafor\nDecember 6, 2021\nNews\nRiver authority approves flood barrier\nBody text here."
    assert find_title(text) == "River authority approves flood barrier"
    long_line = "word " * 60
    title = find_title(long_line)
    assert title.endswith("\u2026") and len(title) <= 121
    assert find_title("a b\n\nc d") is None


def test_merge_meta_precedence() -> None:
    manifest = DocumentMeta(title="M")
    loaded = DocumentMeta(title="L", publisher="P", url="https://example.com/x")
    merged = merge_meta("d", manifest, loaded, "Text title of three words\nMay 1, 2020")
    assert (merged.title, merged.publisher, merged.url, merged.date) == ("M", "P", "https://example.com/x",
                                                                         dt.date(2020, 5, 1))
