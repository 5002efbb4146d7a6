"""The app's named API endpoints through gradio_client: /ask and /search."""

from __future__ import annotations

import json
import os
import socket

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

QUESTION = "What is Hangzhou's 2025 urban-rural income target?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_url(seed_engine):
    """The app over the shared read-only seed engine (the API only reads), on a free local port."""
    from ui.app import build_app

    app = build_app(seed_engine)
    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True)
    yield url
    app.close()


@pytest.fixture(scope="module")
def client(api_url):
    from gradio_client import Client

    return Client(api_url, verbose=False)


def test_only_ask_and_search_are_public(client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/search"}
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["question", "history", "k", "mode",
                                                                             "generator"]


def test_ask_returns_cited_answer(client) -> None:
    answer = client.predict(QUESTION, None, 5, "hybrid", api_name="/ask")
    assert answer["answered"] is True
    assert "1.7:1" in answer["text"]
    assert answer["citations"], answer
    first = answer["citations"][0]
    assert first["doc_id"] == "001_71f86546a83b57c5" and "1.7:1" in first["quote"]
    assert first["passage_text"][first["start"] - first["passage_start"]:][:len(first["quote"])] == first["quote"]
    assert answer["passages"] and all("doc_id" in p for p in answer["passages"])


def test_ask_follow_up_with_json_history(client) -> None:
    first = client.predict(question=QUESTION, api_name="/ask")
    history = json.dumps([{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["text"]}])
    answer = client.predict(question="And what about life expectancy?", history=history, api_name="/ask")
    assert "83.88" in answer["text"]
    # Gradio-style history (content as a list of blocks) works too
    blocks = [{"role": "user", "content": [{"type": "text", "text": QUESTION}]},
              {"role": "assistant", "content": [{"type": "text", "text": first["text"]}]}]
    again = client.predict("And what about life expectancy?", blocks, 5, "hybrid", api_name="/ask")
    assert "83.88" in again["text"]


def test_ask_out_of_corpus_abstains(client) -> None:
    answer = client.predict(question="What is the population of Tokyo?", api_name="/ask")
    assert answer["answered"] is False and answer["citations"] == []


def test_search_returns_passages(client) -> None:
    hits = client.predict("urban-rural income ratio", 3, "lexical", api_name="/search")
    assert isinstance(hits, list) and len(hits) == 3
    assert all({"doc_id", "chunk_id", "text", "score", "title", "start", "end"} <= set(h) for h in hits)
    assert any(h["doc_id"] == "001_71f86546a83b57c5" for h in hits)
    assert len(client.predict(query="Hangzhou", api_name="/search")) == 5


def test_bad_input_is_a_clear_error(client) -> None:
    with pytest.raises(Exception, match="unknown search mode 'fuzzy'"):
        client.predict("anything", 3, "fuzzy", api_name="/search")
    with pytest.raises(Exception, match="history"):
        client.predict(QUESTION, "{not json", 5, "hybrid", api_name="/ask")
