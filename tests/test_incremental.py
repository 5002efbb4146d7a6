"""An index built in many small commits serves what one built at once does, removed documents stay hidden, and a
writer killed during a commit leaves the previous commit loadable (rag.segment_store, rag.store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rag import indexing, retrieval, store
from rag.embedding import Remembering, get_embedder
from rag.models import Document
from rag.segment_store import SegmentStore
from rag.settings import Settings, StoreSettings

from .conftest import REPO_ROOT
from .synthetic import indexed

ARTICLES = [
    "Harbour ferry delayed by spring tide. The ferry operator said three crossings were cancelled on Monday.",
    "Comet seen from the observatory. Astronomers tracked the comet as it crossed the orbit of Mars.",
    "Budget raises fuel duty. The chancellor said the deficit would fall for a third year.",
    "Striker scores twice in league win. A late goal kept the title race open, the manager said.",
    "Vaccine trial shows a second dose doubles protection. Researchers enrolled 4,000 volunteers.",
    "River bridge closed after flood. Council engineers said the bridge would reopen next month.",
    "Rural turnout falls in the election. Ballot boxes arrived late in three districts.",
    "Drought cuts the wheat harvest. Farmers said yields were the lowest in twenty years.",
    "Airport expansion approved. The new runway will add 40 flights an hour by 2030.",
    "Museum returns bronze statues. The collection was taken from the city in 1897.",
    "Teachers strike over pay. Schools in the region closed for two days this week.",
    "Steel plant to cut 800 jobs. The company blamed energy prices and weak demand.",
    "Heatwave warning issued. Temperatures are expected to reach 38C on Thursday.",
    "Orchestra tours Asia. The conductor said the tour would visit eleven cities.",
    "Ferry company orders electric ships. The first will enter service on the harbour route in 2027.",
    "Satellite launch delayed by wind. The rocket will try again on Friday morning.",
    "Bank raises interest rates to 5%. Inflation fell for the second month in a row.",
    "Football club appoints new manager. He signed a three-year contract on Tuesday.",
    "Flood defences completed along the river. The scheme cost 40 million pounds.",
    "Election count delayed in two districts. Officials said ballot papers were missing.",
]
QUERIES = ["ferry harbour crossings", "when will the bridge reopen", "comet orbit", "interest rates inflation",
           "ballot election districts", "how much did the flood defences cost", "new manager contract"]


def doc(n: int, text: str | None = None) -> Document:
    text = text or ARTICLES[n]
    return Document(doc_id=f"article{n:02d}", source=f"article{n:02d}.txt", text=text, content_hash=str(hash(text)))


@pytest.fixture(scope="module")
def embedder() -> Remembering:
    return Remembering(get_embedder(Settings().embedding))


def rankings(index, embedder) -> dict:
    """Every query's results in every mode: (doc_id, chunk_id, score)."""
    r = Settings().retrieval
    return {(mode, q): [(h.doc_id, h.chunk_id, h.score) for h in retrieval.search(index, embedder, q, r, 10, mode)]
            for mode in ("hybrid", "dense", "lexical") for q in QUERIES}


def assert_same_rankings(got: dict, expected: dict) -> None:
    for key in expected:
        assert [h[:2] for h in got[key]] == [h[:2] for h in expected[key]], key
        assert [h[2] for h in got[key]] == pytest.approx([h[2] for h in expected[key]], rel=1e-6), key


def in_batches(tmp_path: Path, embedder, policy: StoreSettings, churn: bool) -> SegmentStore:
    """ARTICLES indexed on disk in 10 commits; with `churn`, each commit also replaces an earlier article with a
    rewritten version and then puts it back, and adds and removes a throwaway article."""
    settings = Settings(index_dir=tmp_path / "index", store=policy)
    index = SegmentStore(settings, tmp_path / "index")
    for batch in range(10):
        docs = [doc(n) for n in range(2 * batch, 2 * batch + 2)]
        if churn and batch:
            indexing.apply_changes(index, [doc(batch - 1, "A rewritten version about ferries and budgets."),
                                           doc(90 + batch, "A throwaway article about the harbour ferry.")],
                                   [], embedder, settings)
            index.commit()
            indexing.apply_changes(index, [doc(batch - 1)], [f"article{90 + batch}"], embedder, settings)
        indexing.apply_changes(index, docs, [], embedder, settings)
        index.commit()
    return index


@pytest.mark.parametrize("policy", [StoreSettings(merge_factor=100), StoreSettings(merge_factor=3, floor_passages=1)],
                         ids=["ten-segments", "merging"])
@pytest.mark.parametrize("churn", [False, True], ids=["adds", "adds-replacements-removals"])
def test_ten_commits_rank_like_one(tmp_path: Path, embedder, policy: StoreSettings, churn: bool) -> None:
    settings = Settings()
    one_shot = indexing.in_memory([doc(n) for n in range(len(ARTICLES))], settings, embedder)
    expected = rankings(one_shot, embedder)
    batched = in_batches(tmp_path, embedder, policy, churn)
    if policy.merge_factor == 100 and not churn:
        assert len(batched.segment_names()) == 10, "nothing is merged below the tier size"
    assert [e.doc_id for e in batched.catalogue()] == [e.doc_id for e in one_shot.catalogue()]
    assert_same_rankings(rankings(batched, embedder), expected)
    reopened = SegmentStore.open(tmp_path / "index", batched.settings)
    assert_same_rankings(rankings(reopened, embedder), expected)
    batched.optimize()
    assert len(batched.segment_names()) == 1
    assert_same_rankings(rankings(batched, embedder), expected)


def test_removed_articles_never_come_back(tmp_path: Path, embedder) -> None:
    index = in_batches(tmp_path, embedder, StoreSettings(merge_factor=100), churn=False)
    removed = [f"article{n:02d}" for n in (0, 7, 14, 18)]  # the ferry, drought, ferry-order and flood articles
    with index.writing():
        index.delete_documents(removed)
        index.commit()
    for found in (rankings(index, embedder), rankings(SegmentStore.open(tmp_path / "index", index.settings),
                                                          embedder)):
        assert all(h[0] not in removed for hits in found.values() for h in hits)
        assert found[("lexical", "ferry harbour crossings")], "other ferry articles are still found"


KILLED_COMMIT = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from rag import store
from rag.segment_store import SegmentStore
from rag.settings import Settings
from tests.synthetic import indexed

die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
if sys.argv[2] == "writing-segment":
    store._fsync_tree = die  # the new segment is written but not yet in place
else:
    write = store._write_durably  # everything is in place but the commit point
    store._write_durably = lambda path, data: die() if path.name == store.POINTER else write(path, data)
folder = Path(sys.argv[1])
index = SegmentStore.open(folder, Settings(index_dir=folder))
index.add_documents([indexed("c"), indexed("a", version=1)])
index.delete_documents(["b"])
index.commit()
"""


@pytest.mark.parametrize("moment", ["writing-segment", "before-the-commit-point"])
def test_a_commit_killed_midway_leaves_the_last_commit(tmp_path: Path, moment: str) -> None:
    folder = tmp_path / "index"
    settings = Settings(index_dir=folder)
    first = SegmentStore(settings, folder)
    first.add_documents([indexed("a"), indexed("b")])
    first.commit()
    before = (first.catalogue(), first.dense_search(indexed("b").vectors[0], 5))
    proc = subprocess.run([sys.executable, "-c", KILLED_COMMIT, str(folder), moment, str(REPO_ROOT)],
                          capture_output=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode(errors="replace")
    assert list(folder.glob(store.BUILDING + "*")) or len(list((folder / store.SEGMENTS).iterdir())) == 2, \
        "the killed writer left nothing behind: it was killed too early to test anything"
    survivor = SegmentStore.open(folder, settings)
    assert (survivor.catalogue(), survivor.dense_search(indexed("b").vectors[0], 5)) == before
    assert "version v0" in survivor.document("a").text
    # the next writer commits on top of the last commit and clears what the killed one left
    with survivor.writing():
        survivor.add_documents([indexed("d")])
        survivor.commit()
    assert [e.doc_id for e in SegmentStore.open(folder, settings).catalogue()] == ["a", "b", "d"]
    assert not list(folder.glob(store.BUILDING + "*"))
    referenced = {s.name for s in store.read_manifest(folder).segments} | {"seg-0000000000"}
    assert {p.name for p in (folder / store.SEGMENTS).iterdir()} <= referenced
    assert not (folder / store.TOMBSTONES).exists() or not list((folder / store.TOMBSTONES).iterdir())
