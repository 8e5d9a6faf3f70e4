"""Which due sources this worker polls, and how many at once (`FeedClaims`).

Sources are claimed from the store under a lease (so no other worker polls them
meanwhile) as slots free up: at most MAX_PARALLEL_FEEDS polls at once. A claim
that took all it asked for means more may be due; then every finished poll
claims again once a quarter of the slots are free, so a long first cycle never
waits for the next tick. A poll the database could not record is dropped: its
lease runs out and the source is polled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.models import FeedState, PollReport
from monitor.pipeline.polls import Pipeline
from monitor.store.offloop import DatabaseUnavailable

MAX_PARALLEL_FEEDS = 32  # feeds polled at once; page fetches are limited per host too
REFILL_AT = MAX_PARALLEL_FEEDS // 4  # free slots at which a backlog is claimed again


@dataclass
class FeedClaims:
    pipeline: Pipeline
    lease: timedelta
    clock: Callable[[], datetime]
    spawn: Callable[[Coroutine[Any, Any, Any]], object]  # the worker's TaskSet
    after_poll: Callable[[FeedState, PollReport], Awaitable[None]]
    cycle_done: Callable[[float], None] = lambda seconds: None  # a batch's wall time
    polling: int = 0
    _claiming: bool = field(default=False, init=False)
    _backlog: bool = field(default=False, init=False)
    _slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(MAX_PARALLEL_FEEDS), init=False)

    @property
    def backlog(self) -> bool:
        """Working through more due sources than slots (a first cycle, catching up)."""
        return self._backlog and self.polling > 0

    async def poll(self, *, every: bool = False) -> list[PollReport]:
        """Poll the feeds that are due (or every feed) and wait for them all."""
        store = self.pipeline.store
        feeds = await store.off_loop(store.claim_due_feeds, self.clock(), self.lease,
                                     every=every)
        return list(await asyncio.gather(*(self._poll_one(feed) for feed in feeds)))

    async def claim(self) -> None:
        """Claim as many due feeds as there are free slots and start polling them."""
        free = MAX_PARALLEL_FEEDS - self.polling
        if self._claiming or not free:
            return
        self._claiming = True
        store = self.pipeline.store
        try:
            feeds = await store.off_loop(store.claim_due_feeds, self.clock(), self.lease,
                                         limit=free)
        except DatabaseUnavailable:  # logged once; the next tick asks again
            feeds = []
        finally:
            self._claiming = False
        self._backlog = len(feeds) == free
        if feeds:
            self.polling += len(feeds)
            self.spawn(self._cycle(feeds))

    async def _cycle(self, feeds: list[FeedState]) -> None:
        started = time.monotonic()

        async def counted(feed: FeedState) -> None:
            try:
                await self._poll_one(feed)
            finally:
                self.polling -= 1
                if self._backlog and MAX_PARALLEL_FEEDS - self.polling >= REFILL_AT:
                    self.spawn(self.claim())

        await asyncio.gather(*(counted(feed) for feed in feeds))
        self.cycle_done(time.monotonic() - started)

    async def _poll_one(self, feed: FeedState) -> PollReport:
        store = self.pipeline.store
        async with self._slots:
            try:
                report = await self.pipeline.check_feed(feed)
            except DatabaseUnavailable as exc:  # logged once; its lease runs out, polled again
                return PollReport(feed.url, None, error=f"database unavailable: {exc}")
            except BaseException:  # a bug or a stop: the feed is free for another worker
                with contextlib.suppress(DatabaseUnavailable):
                    store.threads.guarded(store.release_lease, feed.id)
                raise
        await self.after_poll(feed, report)
        return report
