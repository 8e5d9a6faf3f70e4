"""Pipeline.check_feed(): one poll of one source, every stage in order.

read the source (any kind, `monitor.sources.reader`) -> entries never seen -> each
through the entry stage -> record the poll: validators, what discovery found, the
adapted interval, silence, and the next poll time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from monitor.errors import FeedError, FetchError
from monitor.models import FeedState, PollReport
from monitor.ops.logs import event
from monitor.pipeline.entries import EntryStage
from monitor.sources.reader import Item, Reading, SourceReader
from monitor.sources.schedule import WINDOW_S, adaptive_interval, is_silent, next_poll_at
from monitor.store.database import Store
from monitor.store.feeds import PollRecord

log = logging.getLogger("monitor.pipeline")

ENTRY_CONCURRENCY = 4
FEED_DEADLINE_S = 180.0
REDISCOVER_AFTER = 3  # failed polls in a row after which a site's sources are looked for again
HISTORY_S = 2 * WINDOW_S  # publication times read for the pace and silence of a source


@dataclass
class Pipeline:
    reader: SourceReader
    entries: EntryStage
    min_interval_s: float
    max_interval_s: float
    on_alerts: Callable[[], None] = lambda: None  # wakes the outbox
    on_silent: Callable[[FeedState], None] = lambda feed: None  # tells the admins, once

    @property
    def store(self) -> Store:
        return self.entries.store

    def clock(self) -> datetime:
        return self.entries.clock()

    async def check_feed(self, feed: FeedState) -> PollReport:
        """Poll one source end to end; every expected failure is recorded, never raised."""
        try:
            async with asyncio.timeout(FEED_DEADLINE_S):
                report = await self._poll(feed)
        except TimeoutError:
            report = await self._failed(feed, FetchError(f"feed took over {FEED_DEADLINE_S:.0f}s"))
        fields: dict[str, object] = {"url": feed.url, "status": report.status or "-",
                                     "new": report.new_entries}
        if report.alerts:
            fields.update(matched=report.matched, alerts=report.alerts)
        if report.error:
            fields["error"] = report.error
        if report.disabled:
            fields["disabled"] = "gone"
        elif report.failures:
            fields.update(failures=report.failures, retry_in=f"{report.retry_in_s:.0f}s")
        level = logging.INFO
        if report.error:
            level = logging.ERROR if report.disabled else logging.WARNING
        event(log, "feed_polled", level, **fields)
        return report

    async def _poll(self, feed: FeedState) -> PollReport:
        try:
            reading = await self.reader.read(feed)
        except (FetchError, FeedError) as exc:
            return await self._failed(feed, exc)
        read = reading.read
        if read.status == 304:
            await self._record(feed, PollRecord(304, None, True, self._next(feed, 0),
                                          found=reading.found))
            return PollReport(feed.url, 304)
        new = await self.store.off_loop(self.store.unseen_entries, feed.id, read.feed.entries)
        items = await self.reader.items(feed, new)
        outlet = feed.name or read.feed.title or urlsplit(feed.url).hostname or feed.url
        known = await self.store.off_loop(self.store.articles_known, [
            item.entry.canonical_url for item in items if item.entry.canonical_url])
        limit = asyncio.Semaphore(ENTRY_CONCURRENCY)

        async def one(item: Item) -> tuple[int, int]:
            async with limit:
                return await self.entries.process(feed, item, item.outlet or outlet, known)

        outcomes = await asyncio.gather(*(one(item) for item in items))
        await self._record(feed, await self._healthy(feed, reading, len(new)))
        matched = sum(1 for found, _ in outcomes if found)
        alerts = sum(sent for _, sent in outcomes)
        if alerts:
            self.on_alerts()
        return PollReport(feed.url, read.status, len(new), matched, alerts, read.feed.error)

    async def _healthy(self, feed: FeedState, reading: Reading, new: int) -> PollRecord:
        """The record of a good poll: the source's pace, and whether it fell silent."""
        now = self.clock()
        times = await self.store.off_loop(self.store.publish_times, feed.id,
                                          now - timedelta(seconds=HISTORY_S))
        interval = feed.interval_s
        if not feed.fixed_interval:
            interval = adaptive_interval(times, now, current_s=feed.interval_s,
                                         min_s=self.min_interval_s, max_s=self.max_interval_s)
        silent = not new and feed.kind != "search" and is_silent(times, now)  # searches ebb
        forget = False
        if silent and feed.silent_since is None:
            event(log, "source_silent", logging.WARNING, url=feed.url,
                  last=max(times).isoformat() if times else "-")
            self.on_silent(feed)
            forget = feed.kind in (None, "site") and bool(feed.found_url)
        read = reading.read
        return PollRecord(
            status=read.status, error=read.feed.error, ok=True,
            next_poll_at=next_poll_at(now, interval, 0),
            etag=read.etag, last_modified=read.last_modified, title=read.feed.title,
            new_entries=new, interval_s=interval, found=reading.found,
            forget_found=forget, silent=silent,
        )

    def _next(self, feed: FeedState, failures: int,
              not_before: datetime | None = None) -> datetime:
        return next_poll_at(self.clock(), feed.interval_s, failures, not_before)

    async def _failed(self, feed: FeedState, exc: FetchError | FeedError) -> PollReport:
        status = exc.status if isinstance(exc, FetchError) else None
        wait = exc.retry_after_s if isinstance(exc, FetchError) else None
        failures = feed.consecutive_failures + 1
        now = self.clock()
        retry_at = self._next(feed, failures,
                              now + timedelta(seconds=wait) if wait else None)
        forget = (feed.kind in (None, "site") and bool(feed.found_url)
                  and failures >= REDISCOVER_AFTER)
        disable = status == 410 and feed.kind != "site"
        await self._record(feed, PollRecord(status, str(exc), False, retry_at, disable=disable,
                                            forget_found=forget))
        retry_in = (retry_at - now).total_seconds()
        return PollReport(feed.url, status, error=str(exc), failures=failures,
                          retry_in_s=retry_in, disabled=disable)

    async def _record(self, feed: FeedState, poll: PollRecord) -> None:
        await self.store.off_loop(self.store.record_poll, feed.id, poll, self.clock())
