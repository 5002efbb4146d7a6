"""The web app driven in Debian's chromium through Playwright: chat, sources, documents tab, abstention, escaping.

A missing browser skips these tests locally and fails them in CI (env CI=true).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import rag  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:::gradio.queueing")]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
EXAMPLE = "What is Hangzhou's 2025 urban-rural income target?"
MAX_FILE_BYTES = 1_000_000
TIMEOUT = 60_000  # ms


def _unavailable(reason: str):
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(seed_index, tmp_path_factory):
    """The app over a private copy of the seed index (these tests add documents), with a 1 MB upload limit."""
    from ui.app import build_app

    root = tmp_path_factory.mktemp("ui-browser")
    shutil.copytree(seed_index.corpus_dir, root / "corpus")
    shutil.copytree(seed_index.index_dir, root / "index")
    engine = rag.load(index_dir=root / "index", corpus_dir=root / "corpus",
                      settings=rag.Settings(max_file_bytes=MAX_FILE_BYTES))
    app = build_app(engine)
    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=_free_port(), quiet=True)
    yield url, engine
    app.close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"chromium does not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(server[0])
    page.wait_for_selector("#rag-chat")
    yield page
    context.close()


def wait_for(page, js: str, arg=None, what: str = "") -> None:
    """Wait for a JS condition; on timeout fail with what the panels show and a screenshot to look at."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(js, arg=arg, timeout=TIMEOUT)
    except PlaywrightTimeout:
        shot = Path(os.environ.get("UI_TEST_ARTIFACTS", "/tmp")) / f"ui-failure-{os.getpid()}-{id(page)}.png"
        page.screenshot(path=str(shot), full_page=True)
        panels = {sel: page.inner_text(sel)[:1500] for sel in ("#rag-chat", "#rag-sources", "#rag-add-result")
                  if page.query_selector(sel)}
        pytest.fail(f"timed out waiting for {what or js}; screenshot {shot}; panels: {panels}")


def wait_for_element(page, selector: str) -> None:
    wait_for(page, "(sel) => !!document.querySelector(sel)", selector, selector)


def wait_for_text(page, selector: str, text: str) -> None:
    wait_for(page, "([sel, text]) => { const el = document.querySelector(sel);"
                   " return !!el && el.innerText.includes(text); }", [selector, text], f"{text!r} in {selector}")


def ask(page, question: str) -> None:
    page.fill("#rag-question textarea", question)
    page.press("#rag-question textarea", "Enter")


def open_documents(page) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#rag-docs-table")
    wait_for_text(page, "#rag-docs-table", "001_71f86546a83b57c5")


def upload(page, paths: list[Path]) -> None:
    page.set_input_files("#rag-upload input[type=file]", [str(p) for p in paths])
    for p in paths:  # the file list shows each name as stem + suffix in separate elements
        wait_for_text(page, "#rag-upload", p.stem)
    page.click("#rag-add")


def assert_no_injected_elements(page) -> None:
    """Article text never became markup: no injected elements, no script ran."""
    assert page.evaluate("window.__pwned") is None
    assert page.query_selector_all('img[src="x"]') == []
    panels = "#rag-chat, #rag-sources, #rag-passages, #rag-docs-table, #rag-add-result"
    assert page.evaluate(f"""() => [...document.querySelectorAll('{panels}')]
        .flatMap(el => [...el.querySelectorAll('script, img, iframe, object, embed')]).length""") == 0
    assert page.title() == "News Q&A"


def test_example_question_follow_up_and_new_chat(page) -> None:
    page.get_by_role("button", name=EXAMPLE).click()
    wait_for_text(page, "#rag-chat", "1.7:1")
    wait_for_element(page, "#rag-sources mark")
    assert "1.7:1" in page.inner_text("#rag-sources mark")
    assert "Hangzhou aims to narrow the gap" in page.inner_text("#rag-sources")
    assert page.query_selector("#rag-chat sup.rag-cite") is not None
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    ask(page, "And what about life expectancy?")
    wait_for_text(page, "#rag-chat", "83.88")
    wait_for_text(page, "#rag-sources", "83.88")
    assert "1.7:1" in page.inner_text("#rag-chat")  # the history stays visible
    page.get_by_text("All retrieved passages").click()
    wait_for_text(page, "#rag-passages", "Searched as")  # the follow-up was rewritten into a standalone query

    page.click("#rag-new-chat")
    wait_for(page, "!document.querySelector('#rag-chat').innerText.includes('1.7:1')")
    assert page.query_selector("#rag-sources mark") is None
    ask(page, "And what about life expectancy?")  # no history now: must not be rewritten from the old chat
    wait_for(page, "document.querySelectorAll('#rag-chat .rag-answer, #rag-chat .rag-abstain').length > 0")
    assert "1.7:1" not in page.inner_text("#rag-chat")


def test_out_of_corpus_question_abstains(page) -> None:
    ask(page, "What is the population of Tokyo?")
    wait_for(page, "!!document.querySelector('#rag-chat .rag-abstain')")
    assert "The articles do not answer this" in page.inner_text("#rag-chat .rag-abstain")
    assert page.query_selector("#rag-chat .rag-answer") is None
    wait_for_element(page, "#rag-sources .rag-abstain")
    assert page.query_selector("#rag-sources mark") is None


def test_upload_new_article_then_ask_about_it(page, tmp_path) -> None:
    article = tmp_path / "lakeside_libraries.txt"
    article.write_text("Lakeside County library plan\n\nLakeside County will open 17 libraries by 2027, the county "
                       "board said on Tuesday. The new branches will each hold a makerspace and a reading garden.\n",
                       encoding="utf-8")
    open_documents(page)
    upload(page, [article])
    wait_for_element(page, "#rag-add-result .rag-ok")
    assert "added as lakeside_libraries" in page.inner_text("#rag-add-result")
    wait_for_text(page, "#rag-docs-table", "lakeside_libraries")

    page.get_by_role("tab", name="Chat").click()
    ask(page, "How many libraries will Lakeside County open by 2027?")
    wait_for_text(page, "#rag-chat", "17")
    wait_for_text(page, "#rag-sources", "lakeside_libraries")
    assert "17 libraries" in page.inner_text("#rag-sources mark")


def test_bad_uploads_are_reported_and_change_nothing(page, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04 not really a word file")
    big = tmp_path / "huge.txt"
    big.write_text("Word " * (MAX_FILE_BYTES // 4), encoding="utf-8")
    open_documents(page)
    before = page.inner_text("#rag-docs-table")
    upload(page, [empty, docx, big])
    wait_for_element(page, "#rag-add-result .rag-bad")
    wait_for_text(page, "#rag-add-result", "limit")  # the final report, not the progress line naming huge.txt
    result = page.inner_text("#rag-add-result")
    assert "empty.txt: the file is empty" in result
    assert "report.docx: unsupported file type '.docx'" in result
    assert re.search(r"huge\.txt: .*over the .*limit", result)
    assert page.query_selector("#rag-add-result .rag-ok") is None
    assert page.inner_text("#rag-docs-table") == before


def test_remove_document(page, server, tmp_path) -> None:
    _, engine = server
    doc = tmp_path / "to_remove.txt"
    doc.write_text("Harbor Point ferry\n\nHarbor Point will run 4 electric ferries from 2028.\n", encoding="utf-8")
    engine.add_documents([doc])
    page.reload()
    open_documents(page)
    wait_for_text(page, "#rag-docs-table", "to_remove")
    page.click("#rag-remove-choice input")
    page.get_by_role("option", name="to_remove — Harbor Point ferry").click()
    page.click("#rag-remove")
    wait_for_text(page, "#rag-remove-result", "Removed to_remove")
    wait_for(page, "!document.querySelector('#rag-docs-table').innerText.includes('to_remove')")
    assert "to_remove" not in {d.doc_id for d in engine.documents()}


def test_hostile_document_text_is_shown_escaped(page, tmp_path) -> None:
    hostile = tmp_path / "marlow_bridges.txt"
    hostile.write_text(
        'Marlow Town <img src=x onerror="window.__pwned=1"> bridge plan <script>window.__pwned=2</script>\n\n'
        "Marlow Town council said on Monday that it will repair 9 bridges by 2026 under a plan costing 12 million "
        'pounds. <script>window.__pwned=3</script> Residents wrote <img src=x onerror="window.__pwned=4"> on the '
        "council notice board.\n\nThe plan also adds ${window.__pwned=5} cycle lanes and "
        "{{constructor.constructor('window.__pwned=6')()}} bus stops. <b>Bold</b> [link](javascript:alert(7))\n",
        encoding="utf-8")
    open_documents(page)
    upload(page, [hostile])
    wait_for_element(page, "#rag-add-result .rag-ok")
    wait_for_text(page, "#rag-docs-table", "marlow_bridges")
    assert '<img src=x onerror="window.__pwned=1">' in page.inner_text("#rag-docs-table")
    assert_no_injected_elements(page)

    page.get_by_role("tab", name="Chat").click()
    ask(page, "How many bridges will Marlow Town repair by 2026?")
    wait_for_text(page, "#rag-sources", "Marlow Town")
    page.get_by_text("All retrieved passages").click()
    wait_for_text(page, "#rag-passages", "Marlow Town")
    sources = page.inner_text("#rag-sources")
    assert "<script>window.__pwned=3</script>" in sources
    assert '<img src=x onerror="window.__pwned=4">' in sources
    assert "${window.__pwned=5}" in sources
    assert page.query_selector("#rag-sources b, #rag-passages b, #rag-chat a[href^=javascript]") is None
    assert_no_injected_elements(page)


def test_questions_are_answered_while_an_upload_is_indexing(page, server, tmp_path, monkeypatch) -> None:
    """The upload holds the engine's writer until the question is answered: a global lock would deadlock here."""
    _, engine = server
    answered, entered = threading.Event(), threading.Event()
    original = engine.add_documents

    def slow_add(paths, **options):
        entered.set()
        answered.wait(TIMEOUT / 1000)
        return original(paths, **options)

    monkeypatch.setattr(engine, "add_documents", slow_add)
    article = tmp_path / "slow_upload.txt"
    article.write_text("Slow upload\n\nBrookfield will plant 450 trees along the river in 2030.\n", encoding="utf-8")
    open_documents(page)
    upload(page, [article])
    assert entered.wait(TIMEOUT / 1000), "the upload never reached the engine"
    page.get_by_role("tab", name="Chat").click()
    ask(page, EXAMPLE)
    wait_for_text(page, "#rag-chat", "1.7:1")
    assert page.query_selector("#rag-add-result .rag-ok") is None  # the upload is still waiting
    answered.set()
    page.get_by_role("tab", name="Documents").click()
    wait_for_text(page, "#rag-add-result", "added as slow_upload")


def test_an_upload_never_silently_replaces_a_document(page, server, tmp_path) -> None:
    """A file named like a seed article is refused; with Replace ticked it replaces it, the old text kept aside and
    the manifest's publisher not carried over; the upload is gone from Gradio's cache afterwards."""
    _, engine = server
    doc_id = "003_42efec76916f913e"
    planted = tmp_path / f"{doc_id}.txt"
    planted.write_text("Fake story\n\nThe city of Quorn will ban bicycles on Sundays, officials said.\n",
                       encoding="utf-8")
    original = engine.store.document(doc_id).text
    open_documents(page)
    upload(page, [planted])
    wait_for_element(page, "#rag-add-result .rag-bad")
    assert "already exists" in page.inner_text("#rag-add-result")
    assert engine.store.document(doc_id).text == original
    page.check("#rag-replace input[type=checkbox]")
    upload(page, [planted])
    wait_for_element(page, "#rag-add-result .rag-ok")
    assert "replaced" in page.inner_text("#rag-add-result")
    replaced = engine.store.document(doc_id)
    assert "Quorn" in replaced.text and replaced.meta.publisher is None  # not "China Daily"
    kept = list((engine.corpus_dir / ".removed").glob(f"{doc_id}.*.txt"))
    assert len(kept) == 1 and "Quorn" not in kept[0].read_text(encoding="utf-8")
    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    assert not [p for p in cache.rglob(planted.name) if p.is_file()], "the upload stayed in Gradio's cache"


def test_the_model_answers_in_the_browser_streamed_and_checked(browser, llm_engine) -> None:
    """With a model server configured, the generator choice appears and answers arrive as they are written, then
    checked: verified, flagged sentence by sentence, or an abstention when nothing holds up."""
    from ui.app import build_app

    app = build_app(llm_engine)
    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=_free_port(), quiet=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.wait_for_selector("#rag-chat")
        page.get_by_role("button", name="Settings ▼").click()
        wait_for_element(page, "#rag-generator input[value=llm]")
        ask(page, EXAMPLE)
        wait_for(page, "() => { const t = document.querySelector('#rag-chat').innerText;"
                       " return t.includes('confidence') || t.includes('do not answer'); }", what="a checked answer")
        text = page.inner_text("#rag-chat")
        assert "checked against its source" in text or "not supported by their sources" in text \
            or "do not answer" in text
        assert_no_injected_elements(page)
    finally:
        context.close()
        app.close()
