"""When to poll a feed next: its interval, or a backoff after failures (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_FEED_BACKOFF_S = 6 * 3600.0


def next_poll_at(now: datetime, interval_s: float, failures: int) -> datetime:
    """The feed's interval when healthy; doubling with each failure in a row, capped."""
    delay = interval_s if failures <= 0 else interval_s * 2.0 ** min(failures, 20)
    return now + timedelta(seconds=min(delay, max(interval_s, MAX_FEED_BACKOFF_S)))
