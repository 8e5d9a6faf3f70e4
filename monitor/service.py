"""Builds the worker's parts, runs the scheduler and the outbox, and stops cleanly.

Scheduling state lives in the database (each feed's next poll time); one short
interval job asks the store which feeds are due and starts their polls, so
several workers could share one database. Extraction runs in a thread pool, off
the event loop. The worker reports on itself (`monitor.ops.vitals`): a summary
once every source was polled, then a heartbeat line every few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config.settings import Settings
from monitor.config.watchlists import WatchlistReloader
from monitor.errors import DeliveryError
from monitor.matching.matcher import Matcher
from monitor.messages.burst import format_burst
from monitor.models import Alert, Article, FeedState, PollReport
from monitor.ops.health import HealthServer, health_status
from monitor.ops.logs import event
from monitor.ops.metrics import Metrics
from monitor.ops.tasks import TaskSet, settle
from monitor.ops.vitals import HEARTBEAT_S, Vitals
from monitor.pipeline import EntryStage, Pipeline
from monitor.reports.replay import log_replay
from monitor.sources.client import fetcher_for
from monitor.sources.extract import extract_article
from monitor.sources.reader import SourceReader
from monitor.sources.search import all_sources
from monitor.store.database import Store
from monitor.telegram.delivery import BurstPolicy, Outbox
from monitor.telegram.feedback import alert_text
from monitor.telegram.staff import StaffServices
from monitor.telegram.startup import start_sender

log = logging.getLogger(__name__)

TICK_S = 10.0  # how often the store is asked which feeds are due
RELOAD_S = 30.0  # how often watchlist files are checked for edits
PRUNE_S = 3600.0  # how often article texts older than article_retention are forgotten
FEED_LEASE = timedelta(minutes=10)  # a claimed feed is not handed out again for this long
STOP_GRACE_S = 7.0  # in-flight polls get this long to finish on SIGTERM
MAX_PARALLEL_FEEDS = 32  # feeds polled at once; page fetches are limited per host too


def utcnow() -> datetime:
    return datetime.now(UTC)


class Service:
    """The worker: use `async with Service(settings) as service:` then run_once or run."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        pace: bool = True,
    ):
        self.settings = settings
        self.clock = clock
        self.pace = pace
        self.heartbeat_s = HEARTBEAT_S
        self.metrics = Metrics()
        self._inflight = TaskSet()
        self._polling = 0
        self._feed_slots = asyncio.Semaphore(MAX_PARALLEL_FEEDS)
        self._last_tick: float | None = None

    async def __aenter__(self) -> Service:
        settings = self.settings
        self.reloader = WatchlistReloader(settings.watchlists_path)
        self._watchlists = self.reloader.current
        self._matcher = Matcher(self._watchlists)
        self.store = Store(settings.database_url, where=settings.database_origin)
        self._sync_sources()
        self.vitals = Vitals(sum(1 for feed in self.store.feed_health() if not feed.disabled))
        self.store.retry_pending_now(self.clock())
        self._prune_texts()
        self.fetcher = fetcher_for(settings)
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extract")
        self.sender, self.default_chat = await start_sender(settings)
        self.outbox = Outbox(
            self.store,
            self.sender,
            render=self._render,
            clock=self.clock,
            pace=self.pace,
            metrics=self.metrics,
            on_blocked=self._delivery_blocked,
            bursts=BurstPolicy(settings.burst_more_than, settings.burst_window_s,
                               partial(format_burst, lang=settings.language)),
        )
        self.staff = StaffServices(
            settings, self.store, self.sender, lambda: self._watchlists, self.clock
        )
        self.pipeline = Pipeline(
            reader=SourceReader(self.fetcher, max_age_s=settings.max_age_s, clock=self.clock,
                                monotonic=time.monotonic),
            entries=EntryStage(
                store=self.store,
                fetcher=self.fetcher,
                matching=lambda: (self._matcher, self._watchlists),
                extract=self._extract,
                default_chat=self.default_chat,
                max_age_s=settings.max_age_s,
                story_window_s=settings.story_window_s,
                clock=self.clock,
            ),
            min_interval_s=settings.min_interval_s,
            max_interval_s=settings.max_interval_s,
            on_alerts=self.outbox.wake.set,
            on_silent=self._source_silent,
        )
        event(
            log,
            "worker_started",
            sources=len(self.store.feed_health()),
            entries=len(self._watchlists.entries),
            delivery="telegram" if settings.telegram_token else "console",
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.sender.stop()
        await self.fetcher.aclose()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    # --- the work -------------------------------------------------------------------------

    async def poll(self, *, every: bool = False) -> list[PollReport]:
        """Poll the feeds that are due (or every feed), at most MAX_PARALLEL_FEEDS at a time."""
        feeds = self.store.claim_due_feeds(self.clock(), FEED_LEASE, every=every)
        return list(await asyncio.gather(*(self._poll_one(feed) for feed in feeds)))

    async def _poll_one(self, feed: FeedState) -> PollReport:
        async with self._feed_slots:
            report = await self.pipeline.check_feed(feed)
        self.metrics.record_poll(report)
        self.vitals.polled(report)
        if report.status == 410:
            await self.staff.notify_admins(
                f"Haber kaynağı kaldırılmış (HTTP 410), izleme durdu: {feed.url}"
            )
        return report

    async def run_once(self) -> bool:
        """`monitor run --once`: poll every feed, then drain the outbox. True if all delivered."""
        await self.poll(every=True)
        delivered = await self.outbox.drain()
        await self._inflight.settle(STOP_GRACE_S)  # notices to the admins started meanwhile
        pending = self.store.pending_count()
        event(log, "run_once_finished", pending=pending)
        return delivered and pending == 0

    async def run(self, stop: asyncio.Event) -> None:
        """The long-lived worker, until `stop` is set."""
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        scheduler.add_job(self._tick, "interval", seconds=TICK_S, next_run_time=datetime.now(UTC))
        scheduler.add_job(self.reload_watchlists, "interval", seconds=RELOAD_S)
        scheduler.add_job(self._heartbeat, "interval", seconds=self.heartbeat_s)
        scheduler.add_job(self._prune_texts, "interval", seconds=PRUNE_S)
        if self.settings.digest_time:
            hour, minute = self.settings.digest_time.split(":")
            scheduler.add_job(
                self.staff.send_daily_digest,
                "cron",
                hour=int(hour),
                minute=int(minute),
                timezone=ZoneInfo(self.settings.timezone),
            )
        scheduler.start()
        await self.staff.start()
        health = await self._start_health()
        outbox_task = asyncio.create_task(self.outbox.run(stop))
        try:
            await stop.wait()
        finally:
            event(log, "worker_stopping")
            await self.staff.stop()
            scheduler.pause()
            # a poll cut short loses nothing: each entry is stored in its own transaction
            await self._inflight.settle(STOP_GRACE_S)
            scheduler.shutdown(wait=False)
            await settle({outbox_task}, 2.0)
            if health is not None:
                await health.stop()
            event(log, "worker_stopped")

    async def _tick(self) -> None:
        """Start polls of the feeds now due, without waiting for them.

        A feed that stalls until its timeout holds only its own slot: the next tick
        claims other due feeds, so one slow outlet never delays the rest.
        """
        self._last_tick = time.monotonic()
        self.metrics.outbox_pending.set(self.store.pending_count())
        free = MAX_PARALLEL_FEEDS - self._polling
        feeds = self.store.claim_due_feeds(self.clock(), FEED_LEASE, limit=free) if free else []
        if feeds:
            self._polling += len(feeds)
            self._inflight.spawn(self._cycle(feeds))

    def _heartbeat(self) -> None:
        self.vitals.heartbeat(self.store.pending_count())

    def _prune_texts(self) -> None:
        before = self.clock() - timedelta(seconds=self.settings.article_retention_s)
        if pruned := self.store.prune_article_texts(before):
            event(log, "article_texts_pruned", count=pruned)

    async def _cycle(self, feeds: list[FeedState]) -> None:
        started = time.monotonic()

        async def counted(feed: FeedState) -> None:
            try:
                await self._poll_one(feed)
            finally:
                self._polling -= 1

        await asyncio.gather(*(counted(feed) for feed in feeds))
        self.metrics.cycle_seconds.observe(time.monotonic() - started)

    async def reload_watchlists(self) -> None:
        """Pick up watchlist edits; an invalid edit keeps the last good version running."""
        error = self.reloader.reload_if_changed()
        if error is not None:
            event(log, "watchlist_invalid", logging.ERROR, error=error)
            await self.staff.notify_admins(
                f"İzleme listesinde hata, son geçerli sürüm kullanılmaya devam ediyor:\n{error}"
            )
        current = self.reloader.current
        if current is not self._watchlists:
            previous, self._matcher, self._watchlists = self._watchlists, Matcher(current), current
            self.staff.watchlists_changed()
            self._sync_sources()
            event(log, "watchlists_reloaded", entries=len(current.entries))
            await log_replay(self.store, previous, current, self.clock())

    def _sync_sources(self) -> None:
        """The configured sources plus the searches the current watchlists generate."""
        sources = all_sources(self.settings.feeds, self.settings.search, self._watchlists)
        self.store.sync_feeds(sources, self.clock())

    # --- operators ------------------------------------------------------------------------

    def _source_silent(self, feed: FeedState) -> None:
        notice = f"Haber kaynağı sessiz: uzun süredir yeni haber yok: {feed.name or feed.url}"
        self._inflight.spawn(self.staff.notify_admins(notice))

    def _delivery_blocked(self, alert: Alert, error: DeliveryError) -> None:
        if self.settings.admin_chat and self.settings.admin_chat != alert.chat_id:
            notice = f"{alert.chat_id} sohbetine uyarı gönderilemiyor: {error}"
            self._inflight.spawn(self.staff.notify_admins(notice))

    async def _start_health(self) -> HealthServer | None:
        if self.settings.health_port is None:
            return None
        server = HealthServer(
            self.metrics, self._status, lambda: self._last_tick, stale_after_s=3 * TICK_S + 30
        )
        await server.start(self.settings.health_host, self.settings.health_port)
        event(log, "health_listening", port=self.settings.health_port)
        return server

    def _status(self) -> dict[str, Any]:
        return health_status(self.store.feed_health(), self.store.outbox_stats(), self.clock())

    # --- helpers --------------------------------------------------------------------------

    async def _extract(self, body: bytes, url: str, content_type: str | None) -> Article:
        job = partial(extract_article, body, url=url, content_type=content_type)
        return await asyncio.get_running_loop().run_in_executor(self.pool, job)

    def _render(self, alert: Alert) -> str:
        return alert_text(alert, self.store.verdict_for(alert.id),
                          lang=self.settings.language, tz=self.settings.timezone)
