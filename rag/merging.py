"""When the embedded store merges segments: a size-tiered policy, as Lucene's, over live passage counts.

Segments fall in tiers by size (floor x factor^t passages); whenever a tier holds `merge_factor` segments, the
oldest of them are merged into one, which lands in a higher tier. Each passage is then rewritten about
log_factor(N / floor) times in its life, a commit writes little more than what it adds, and a search visits about
`merge_factor` segments per tier. A commit merges only within a budget of live passages; `rag index --optimize`
merges everything into one segment.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rag.manifest import numbered
from rag.segment import Segment
from rag.settings import Settings, StoreSettings
from rag.store_view import LiveSegment, StoreView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentSize:
    """What the policy knows of a segment."""

    rows: int  # passages stored, deleted ones included
    live: int  # passages not deleted
    words: int  # lexicon words it carries (a fully deleted segment that carries words cannot just be dropped)


def tier(live: int, settings: StoreSettings) -> int:
    """0 below floor x factor live passages, then one more per factor."""
    if live < settings.floor_passages * settings.merge_factor:
        return 0
    return int(math.log(live / settings.floor_passages, settings.merge_factor))


def droppable(size: SegmentSize) -> bool:
    """A segment with nothing live and no words holds nothing anyone can read: it leaves the commit unwritten."""
    return size.live == 0 and size.words == 0


def plan(sizes: Sequence[SegmentSize], settings: StoreSettings, budget: int | None = None) -> list[list[int]]:
    """Groups of positions in `sizes` (oldest first) to merge, each into one segment, rewriting at most `budget`
    live passages in all (default: the commit budget). Droppable segments are never planned."""
    budget = settings.commit_merge_passages if budget is None else budget
    candidates = [i for i, s in enumerate(sizes) if not droppable(s)]
    groups: list[list[int]] = []
    spent = 0
    tiers: dict[int, list[int]] = {}
    for i in candidates:
        tiers.setdefault(tier(sizes[i].live, settings), []).append(i)
    for t in sorted(tiers):
        members = tiers[t]
        while len(members) >= settings.merge_factor:
            group, members = members[: settings.merge_factor], members[settings.merge_factor:]
            cost = sum(sizes[i].live for i in group)
            if spent + cost > budget:
                break
            groups.append(group)
            spent += cost
    planned = {i for g in groups for i in g}
    for i in candidates:  # segments mostly deleted are rewritten without their dead rows
        s = sizes[i]
        if i not in planned and s.rows and (s.rows - s.live) / s.rows >= settings.max_deleted_ratio \
                and spent + s.live <= budget:
            groups.append([i])
            spent += s.live
    return groups


def sizes_of(view: StoreView) -> list[SegmentSize]:
    return [SegmentSize(len(s.segment), s.live_count, len(s.segment.words)) for s in view.segments]


def merge_segments(view: StoreView, full: bool, next_segment: int,
                   settings: Settings) -> tuple[StoreView, dict[str, Segment], int]:
    """The view with segments merged as the policy says (everything into one when `full`) and those holding nothing
    dropped; the merged segments by name (to be written); the next free segment number. Vectors are reused, never
    embedded again."""
    created: dict[str, Segment] = {}
    budget = settings.store.commit_merge_passages
    while True:
        sizes = sizes_of(view)
        keep = [i for i, size in enumerate(sizes) if not droppable(size)]
        if full:
            groups = [keep] if len(keep) > 1 or any(sizes[i].live < sizes[i].rows for i in keep) else []
        else:
            groups = plan(sizes, settings.store, budget)
        if not groups:
            break
        first = {g[0]: g for g in groups}
        merged_away = {i for g in groups for i in g}
        segments = []
        for i, s in enumerate(view.segments):
            if i in first:
                parts = [(view.segments[j].segment, view.segments[j].dead, view.segments[j].dead_docs)
                         for j in first[i]]
                name = numbered("seg-", next_segment)
                next_segment += 1
                created[name] = Segment.merge(parts, settings)
                segments.append(LiveSegment.fresh(name, created[name]))
                log.info("merged %d segments into %s (%d live passages)", len(parts), name, len(created[name]))
            elif i not in merged_away:
                segments.append(s)
        budget -= sum(sizes[i].live for g in groups for i in g)
        view = view.with_segments(segments)
        if full:
            break
    kept = [s for s, size in zip(view.segments, sizes_of(view)) if not droppable(size)]
    names = {s.name for s in kept}
    return view.with_segments(kept), {n: seg for n, seg in created.items() if n in names}, next_segment
