"""Politeness per host: how many requests one outlet gets at a time, and its Retry-After.

    slots = HostSlots(4)
    async with slots.hold("www.aa.com.tr"): ...     # at most 4 at once per host
    slots.pause("www.aa.com.tr", 120)               # it answered 429/503 with Retry-After
    slots.paused_for("www.aa.com.tr")               # -> seconds left, or None
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# An outlet asking for more than this is still retried after it (a typo'd date, a year).
MAX_RETRY_AFTER_S = 6 * 3600.0
RETRY_AFTER_STATUSES = frozenset({429, 503})
_SECONDS = re.compile(r"^\d{1,12}(?:\.\d+)?$")


def host_key(host: str) -> str:
    """One name per outlet: lower-cased, without the trailing dot of a fully-qualified name."""
    return host.strip().lower().rstrip(".")


class HostSlots:
    """Per-host semaphores (dropped again when idle) and Retry-After pauses.

    `clock` is monotonic seconds; tests may pass their own.
    """

    def __init__(self, per_host: int, *, clock: Callable[[], float] = time.monotonic):
        self.per_host = per_host
        self._clock = clock
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}
        self._paused: dict[str, float] = {}  # host -> monotonic time it may be asked again

    @contextlib.asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        """One of the host's slots for the duration of the block (waits for a free one)."""
        host = host_key(host)
        sem = self._sems.setdefault(host, asyncio.Semaphore(self.per_host))
        self._users[host] = self._users.get(host, 0) + 1
        try:
            async with sem:
                yield
        finally:
            self._users[host] -= 1
            if not self._users[host]:
                del self._users[host], self._sems[host]

    def pause(self, host: str, seconds: float) -> None:
        """Ask nothing of `host` for `seconds` (capped); a longer pause already set stays."""
        now = self._clock()
        self._paused = {h: t for h, t in self._paused.items() if t > now}  # drop expired ones
        if seconds <= 0:
            return
        host = host_key(host)
        until = now + min(seconds, MAX_RETRY_AFTER_S)
        self._paused[host] = max(until, self._paused.get(host, until))

    def paused_for(self, host: str) -> float | None:
        """Seconds until `host` may be asked again, or None when it may be asked now."""
        host = host_key(host)
        until = self._paused.get(host)
        if until is None:
            return None
        left = until - self._clock()
        if left <= 0:
            del self._paused[host]
            return None
        return left


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds a response's Retry-After asks us to wait, capped at MAX_RETRY_AFTER_S.

    `headers` are lower-cased. The value is delay-seconds ("120") or an HTTP-date,
    measured from the response's own Date header when it has a valid one (the
    outlet's clock, not ours), else from `now` (default: the current UTC time). A
    date already past is 0.0; an absent, negative or unparseable value is None.
    """
    value = headers.get("retry-after", "").strip()
    if _SECONDS.match(value):
        return min(float(value), MAX_RETRY_AFTER_S)
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(headers.get("date", "")) or now or datetime.now(UTC)
    return min(max((when - reference).total_seconds(), 0.0), MAX_RETRY_AFTER_S)


def _http_date(value: str) -> datetime | None:
    """An HTTP-date (IMF-fixdate, RFC 850 or asctime) as an aware UTC datetime, or None."""
    if not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
