"""When to try again: feeds that fail and alerts Telegram did not take (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_FEED_BACKOFF_S = 6 * 3600.0
FIRST_DELIVERY_RETRY_S = 5.0
MAX_DELIVERY_RETRY_S = 600.0
PERMANENT_DELIVERY_RETRY_S = 900.0


def next_poll_at(now: datetime, interval_s: float, failures: int) -> datetime:
    """The feed's interval when healthy; doubling with each failure in a row, capped."""
    delay = interval_s if failures <= 0 else interval_s * 2.0 ** min(failures, 20)
    return now + timedelta(seconds=min(delay, max(interval_s, MAX_FEED_BACKOFF_S)))


def delivery_retry_at(
    now: datetime, attempts: int, *, retry_after: float | None = None, permanent: bool = False
) -> datetime:
    """Telegram's own `retry_after` when given; else exponential from 5 s to 10 min."""
    if retry_after is not None:
        delay = retry_after
    elif permanent:
        delay = PERMANENT_DELIVERY_RETRY_S
    else:
        delay = min(FIRST_DELIVERY_RETRY_S * 2.0 ** max(attempts - 1, 0), MAX_DELIVERY_RETRY_S)
    return now + timedelta(seconds=delay)
