"""Builds the worker's parts, runs the scheduler and the outbox, and stops cleanly.

Scheduling state lives in the database (each feed's next poll time); one short
interval job asks the store which feeds are due and starts their polls, so
several workers share one database (`monitor.pipeline.claims`). Extraction runs in worker processes,
one per core (`monitor.sources.pool`), off the event loop. The worker reports on
itself (`monitor.ops.vitals`): a summary once every source was polled, then a
heartbeat line every few minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config.settings import Settings
from monitor.config.watchlists import WatchlistReloader
from monitor.matching.matcher import Matcher
from monitor.messages.burst import format_burst
from monitor.models import Alert, FeedState, PollReport
from monitor.ops.health import HealthServer, health_status
from monitor.ops.logs import event
from monitor.ops.metrics import Metrics
from monitor.ops.tasks import TaskSet, settle
from monitor.ops.vitals import HEARTBEAT_S, Vitals
from monitor.pipeline import EntryStage, Pipeline
from monitor.pipeline.backfill import TextBackfill
from monitor.pipeline.claims import FeedClaims
from monitor.reports.replay import log_replay
from monitor.sources.client import fetcher_for
from monitor.sources.pool import ExtractPool
from monitor.sources.reader import SourceReader
from monitor.sources.search import all_sources
from monitor.store.database import Store
from monitor.store.offloop import DatabaseUnavailable
from monitor.telegram.delivery import BurstPolicy, Outbox
from monitor.telegram.feedback import alert_text
from monitor.telegram.staff import StaffServices
from monitor.telegram.startup import start_sender
from monitor.telegram.workers import WorkerDuties, lease_length

log = logging.getLogger(__name__)

TICK_S = 10.0  # how often the store is asked which feeds are due
RELOAD_S = 30.0  # how often watchlist files are checked for edits
PRUNE_S = 3600.0  # how often article texts older than article_retention are forgotten
STOP_GRACE_S = 7.0  # in-flight polls get this long to finish on SIGTERM


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
        self.metrics = Metrics(worker=lambda: self.store.worker_id)  # the store opens later
        self._inflight = TaskSet()
        self._last_tick: float | None = None

    async def __aenter__(self) -> Service:
        settings = self.settings
        lease = lease_length()  # a bad MONITOR_LEASE_S stops the start before anything runs
        self.reloader = WatchlistReloader(settings.watchlists_path)
        self._watchlists = self.reloader.current
        self._matcher = Matcher(self._watchlists)
        self.store = Store(settings.database_url, where=settings.database_origin)
        self._sync_sources()
        self.vitals = Vitals(sum(1 for feed in self.store.feed_health() if not feed.disabled))
        self.store.retry_pending_now(self.clock())
        self._prune_texts()
        self.fetcher = fetcher_for(settings)
        self.pool = ExtractPool()
        await self.pool.start()
        self.sender, self.default_chat = await start_sender(settings)
        self.outbox = Outbox(
            self.store,
            self.sender,
            render=self._render,
            clock=self.clock,
            pace=self.pace,
            metrics=self.metrics,
            on_blocked=lambda alert, error: self.duties.delivery_blocked(alert, error),
            bursts=BurstPolicy(settings.burst_more_than, settings.burst_window_s,
                               partial(format_burst, lang=settings.language)),
        )
        self.staff = StaffServices(settings, self.store, self.sender, lambda: self._watchlists,
                                   self.clock, pace=self.outbox.take_slot)
        self.duties = WorkerDuties(self.store, self.staff, self.clock, self._inflight.spawn,
                                   lease)
        self.backfill = TextBackfill(  # after a backlog, between the alerts' extractions
            self.store, self.pool.extract,
            busy=lambda: self.claims.backlog or self.pool.in_flight > 0)
        self.pipeline = Pipeline(
            reader=SourceReader(self.fetcher, max_age_s=settings.max_age_s, clock=self.clock,
                                monotonic=time.monotonic),
            entries=EntryStage(
                store=self.store,
                fetcher=self.fetcher,
                matching=lambda: (self._matcher, self._watchlists),
                extract=self.pool.extract,
                default_chat=self.default_chat,
                max_age_s=settings.max_age_s,
                story_window_s=settings.story_window_s,
                clock=self.clock,
                unread=self.backfill.add,
            ),
            min_interval_s=settings.min_interval_s,
            max_interval_s=settings.max_interval_s,
            on_alerts=self.outbox.wake.set,
            on_silent=lambda feed: self.duties.source_silent(feed),
        )
        self.claims = FeedClaims(self.pipeline, lease, self.clock, self._inflight.spawn,
                                 self._after_poll, self.metrics.cycle_seconds.observe)
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
        self.pool.close()
        self.store.close()

    # --- the work -------------------------------------------------------------------------

    async def poll(self, *, every: bool = False) -> list[PollReport]:
        """Poll the feeds that are due (or every feed), at most MAX_PARALLEL_FEEDS at a time."""
        return await self.claims.poll(every=every)

    async def _after_poll(self, feed: FeedState, report: PollReport) -> None:
        self.metrics.record_poll(report)
        self.vitals.polled(report)
        if report.status == 410:
            await self.staff.notify_admins(
                f"Haber kaynağı kaldırılmış (HTTP 410), izleme durdu: {feed.url}"
            )

    async def run_once(self) -> bool:
        """`monitor run --once`: poll every feed, then drain the outbox. True if all delivered."""
        await self.poll(every=True)
        await self.backfill.drain()  # the texts of the pages that could not match
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
        duties = asyncio.create_task(self.duties.run(stop))  # the bot commands' seat, leases
        health = await self._start_health()
        outbox_task = asyncio.create_task(self.outbox.run(stop))
        backfill = asyncio.create_task(self.backfill.run(stop))
        try:
            await stop.wait()
        finally:
            event(log, "worker_stopping")
            await settle({duties}, 3.0)
            scheduler.pause()
            # a poll cut short loses nothing: each entry is stored in its own transaction
            await self._inflight.settle(STOP_GRACE_S)
            scheduler.shutdown(wait=False)
            await settle({outbox_task, backfill}, 2.0)
            if health is not None:
                await health.stop()
            self.duties.leave()
            event(log, "worker_stopped")

    async def _tick(self) -> None:
        """Start polls of the feeds now due, without waiting for them.

        A feed that stalls until its timeout holds only its own slot: the next tick
        claims other due feeds, so one slow outlet never delays the rest.
        """
        self._last_tick = time.monotonic()
        with contextlib.suppress(DatabaseUnavailable):  # logged once; the next tick asks again
            self.metrics.outbox_pending.set(await self.store.off_loop(self.store.pending_count))
        await self.claims.claim()

    async def _heartbeat(self) -> None:
        with contextlib.suppress(DatabaseUnavailable):
            self.vitals.heartbeat(await self.store.off_loop(self.store.pending_count))

    def _prune_texts(self) -> None:
        before = self.clock() - timedelta(seconds=self.settings.article_retention_s)
        with contextlib.suppress(DatabaseUnavailable):
            if pruned := self.store.threads.guarded(self.store.prune_article_texts, before):
                event(log, "article_texts_pruned", count=pruned)

    async def reload_watchlists(self) -> None:
        """Pick up watchlist edits; an invalid edit keeps the last good version running."""
        error = self.reloader.reload_if_changed()
        if error is not None:
            event(log, "watchlist_invalid", logging.ERROR, error=error)
            await self.duties.notice_once("watchlist", "İzleme listesinde hata, son geçerli "
                                          f"sürüm kullanılmaya devam ediyor:\n{error}")
        current = self.reloader.current
        if current is not self._watchlists:
            previous, self._matcher, self._watchlists = self._watchlists, Matcher(current), current
            self.staff.watchlists_changed()
            with contextlib.suppress(DatabaseUnavailable):  # the next edit or start syncs
                self.store.threads.guarded(self._sync_sources)
            event(log, "watchlists_reloaded", entries=len(current.entries))
            await log_replay(self.store, previous, current, self.clock())

    def _sync_sources(self) -> None:
        """The configured sources plus the searches the current watchlists generate."""
        sources = all_sources(self.settings.feeds, self.settings.search, self._watchlists)
        self.store.sync_feeds(sources, self.clock())

    # --- operators ------------------------------------------------------------------------

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

    def _render(self, alert: Alert) -> str:
        return alert_text(alert, self.store.verdict_for(alert.id),
                          lang=self.settings.language, tz=self.settings.timezone)
