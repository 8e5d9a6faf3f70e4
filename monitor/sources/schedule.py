"""When to poll a source next, and how often it is worth polling (pure).

    next_poll_at(now, interval_s, failures, not_before)   the next poll time
    adaptive_interval(published, now, current_s=, min_s=, max_s=)   follows how often it publishes
    is_silent(published, now)                              it used to publish and has stopped

The publication rules read "events": the items' publication times within the
last WINDOW_S, later than now + SKEW_S ignored (a mis-stamped time zone), and
items less than BURST_S after an event's first item merged into it (a site that
posts ten stories at 09:00 publishes once, not ten times a minute). The typical gap is
the median of the gaps between consecutive events.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

MAX_FEED_BACKOFF_S = 6 * 3600.0
WINDOW_S = 14 * 86400.0  # how far back publication times are read
BURST_S = 60.0  # items published closer together than this count as one event
SKEW_S = 600.0  # publication times up to this far ahead of us still count
MIN_EVENTS = 3  # fewer events than this say nothing about a source's pace
POLLS_PER_GAP = 3.0  # poll this many times per typical gap between publications


def next_poll_at(
    now: datetime, interval_s: float, failures: int, not_before: datetime | None = None
) -> datetime:
    """The source's interval when healthy; doubling with each failure in a row, capped.

    `not_before` (from an outlet's Retry-After) pushes the time later, never earlier,
    and is itself capped like the backoff (at 6 h, or the interval when longer).
    """
    cap = max(interval_s, MAX_FEED_BACKOFF_S)
    delay = interval_s if failures <= 0 else interval_s * 2.0 ** min(failures, 20)
    at = now + timedelta(seconds=min(delay, cap))
    if not_before is None:
        return at
    return max(at, min(not_before, now + timedelta(seconds=cap)))


def adaptive_interval(
    published: Sequence[datetime], now: datetime, *, current_s: float, min_s: float, max_s: float
) -> float:
    """An interval that follows how often the source publishes, within [min_s, max_s].

    A third of the typical gap between publication events over the last two weeks
    (see the module docstring), so a new item waits a third of a gap on average
    before it is seen: an agency publishing every few minutes settles at min_s, a
    regional site publishing a few stories a day at max_s. With fewer than
    MIN_EVENTS events there is nothing to go by and `current_s` is returned as it is.
    """
    gap = _median_gap(_events(published, now - timedelta(seconds=WINDOW_S), now))
    if gap is None:
        return current_s
    return min(max(gap / POLLS_PER_GAP, min_s), max_s)


def is_silent(
    published: Sequence[datetime],
    now: datetime,
    *,
    factor: float = 5.0,
    floor_s: float = 6 * 3600.0,
) -> bool:
    """True when a source that used to publish has produced nothing for too long.

    "Used to publish": at least MIN_EVENTS events in the two weeks up to its newest
    item (so a source stays silent past two weeks of silence). "Too long": more than
    `factor` times its typical gap since that newest item, and at least `floor_s`
    (a night's pause of a busy agency is no alarm). A source that never published,
    or published too little to have a pace, is never silent.
    """
    recent = [when for when in published if when <= now + timedelta(seconds=SKEW_S)]
    if not recent:
        return False
    newest = max(recent)
    gap = _median_gap(_events(recent, newest - timedelta(seconds=WINDOW_S), newest))
    if gap is None:
        return False
    return (now - newest).total_seconds() > max(factor * gap, floor_s)


def _events(published: Sequence[datetime], since: datetime, now: datetime) -> list[datetime]:
    """Publication times within [since, now + SKEW_S], sorted, bursts merged into one."""
    until = now + timedelta(seconds=SKEW_S)
    events: list[datetime] = []
    for when in sorted(when for when in published if since <= when <= until):
        if not events or (when - events[-1]).total_seconds() >= BURST_S:
            events.append(when)
    return events


def _median_gap(events: list[datetime]) -> float | None:
    """The median gap in seconds between consecutive events; None below MIN_EVENTS."""
    if len(events) < MIN_EVENTS:
        return None
    return statistics.median((b - a).total_seconds() for a, b in pairwise(events))
