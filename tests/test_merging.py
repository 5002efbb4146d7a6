"""The size-tiered merge policy (rag.merging) on segment sizes alone."""

from __future__ import annotations

from rag.merging import SegmentSize, droppable, plan, tier
from rag.settings import StoreSettings

POLICY = StoreSettings()  # merge_factor 10, floor 10, commit budget 1,000 live passages


def sizes(*live: int) -> list[SegmentSize]:
    return [SegmentSize(rows=n, live=n, words=1) for n in live]


def test_tiers_are_powers_of_the_merge_factor_above_the_floor() -> None:
    assert [tier(n, POLICY) for n in (0, 1, 99, 100, 999, 1000, 25_000)] == [0, 0, 0, 1, 1, 2, 3]


def test_a_tier_merges_once_it_holds_merge_factor_segments() -> None:
    assert plan(sizes(*[5] * 9), POLICY) == []
    assert plan(sizes(*[5] * 10), POLICY) == [list(range(10))]
    # the oldest ten of a tier go first; a bigger segment in between is another tier and stays
    assert plan(sizes(5, 5, 5000, *[5] * 9), POLICY) == [[0, 1, *range(3, 11)]]


def test_a_commit_never_merges_past_its_budget() -> None:
    assert plan(sizes(*[150] * 10), POLICY) == [], "1,500 passages is over the commit budget"
    assert plan(sizes(*[150] * 10), POLICY, budget=10_000) == [list(range(10))]
    assert plan(sizes(*[5] * 10, *[150] * 10), POLICY) == [list(range(10))], "the cheap tier still merges"


def test_mostly_deleted_segments_are_rewritten_and_empty_ones_dropped() -> None:
    mostly_dead = SegmentSize(rows=100, live=60, words=0)
    assert plan([mostly_dead, *sizes(500)], POLICY) == [[0]]
    assert plan([SegmentSize(rows=100, live=90, words=0)], POLICY) == []
    empty = SegmentSize(rows=40, live=0, words=0)
    assert droppable(empty) and plan([empty], POLICY) == []
    keeps_words = SegmentSize(rows=40, live=0, words=12)
    assert not droppable(keeps_words) and plan([keeps_words], POLICY) == [[0]], "rewritten as its words alone"
