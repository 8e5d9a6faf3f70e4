"""What one worker does so that several can share one database (monitor.store.workers).

Every `beat_s` it renews the leases on the feeds it polls and the alerts it claimed,
heartbeats (its row in `workers`, with what it holds), drops the rows of workers not
heard from for `STALE`, and keeps or seeks the seat of the one worker that reads bot
commands: a PostgreSQL session lock held on a connection of its own, so a worker
that dies frees the seat and another takes it at its next beat. Notices meant for
the admin chat once across workers go through `notice_once` (a watchlist error, a
chat that refuses alerts); a silent source is polled by one worker, so told once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any

from monitor.errors import ConfigError, DeliveryError
from monitor.models import Alert, FeedState
from monitor.ops.logs import event
from monitor.store.database import Store
from monitor.store.locks import COMMANDS_LOCK, SessionLock, is_postgres
from monitor.store.offloop import DatabaseUnavailable
from monitor.telegram.staff import StaffServices

log = logging.getLogger("monitor.telegram.workers")

STALE = timedelta(seconds=90)  # a worker not heard from for this long is dead to the others
HEARTBEAT_S = 15.0
MIN_LEASE_S, MAX_LEASE_S = 3.0, 600.0
STOP_MARGIN_S = 3.0  # a leader stepping down stops polling bot commands within this


def lease_length(environ: Mapping[str, str] = os.environ) -> timedelta:
    """How long a feed or alert claim lasts unrenewed: MONITOR_LEASE_S, else one minute."""
    value = environ.get("MONITOR_LEASE_S") or "60"
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not MIN_LEASE_S <= seconds <= MAX_LEASE_S:
        raise ConfigError(f"MONITOR_LEASE_S={value!r}: give seconds between {MIN_LEASE_S:g} "
                          f"and {MAX_LEASE_S:g} (default 60)")
    return timedelta(seconds=seconds)


class WorkerDuties:
    def __init__(self, store: Store, staff: StaffServices, clock: Callable[[], datetime],
                 spawn: Callable[[Coroutine[Any, Any, Any]], object], lease: timedelta):
        self.store = store
        self.spawn = spawn  # notices go out in the background (the worker's TaskSet)
        self.staff = staff
        self.clock = clock
        self.lease = lease
        store.claim_for = self.lease  # alerts are claimed as long as feeds are leased
        self.beat_s = min(HEARTBEAT_S, self.lease.total_seconds() / 3)
        self.seat = SessionLock(store.engine, COMMANDS_LOCK)
        self.leading = False
        self._seated_at: float | None = None
        # a seat freed by a database restart may be taken before its old holder noticed:
        # that one steps down at its next beat, so the new one starts polling after it
        self.takeover_s = self.beat_s + STOP_MARGIN_S if is_postgres(store.engine) else 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Beat until `stop` is set, then give up the seat (`leave` once polls settled)."""
        try:
            while not stop.is_set():
                try:
                    await self.beat()
                except Exception:  # leases must stay renewed: the next beat tries again
                    log.exception("bug: a worker heartbeat failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.beat_s)
        finally:
            await self._step_down()
            self.seat.release()

    def leave(self) -> None:
        """A clean stop: this worker's row, leases and claims go at once."""
        with contextlib.suppress(DatabaseUnavailable):  # else the row ages, the leases run out
            self.store.threads.guarded(self.store.leave)

    async def beat(self) -> None:
        """One round (its queries off the loop); a database that went away is logged
        once by the store (DatabaseUnavailable) and this worker steps down meanwhile."""
        try:
            seated = await self.store.off_loop(self._beat)
        except DatabaseUnavailable:
            seated = False
        now = asyncio.get_running_loop().time()
        if not seated:
            self._seated_at = None
            await self._step_down()
        elif not self.leading:
            self._seated_at = self._seated_at or now
            if now - self._seated_at >= self.takeover_s:
                self.leading = True
                event(log, "commands_leader", worker=self.store.worker_id)
                await self.staff.start()

    def _beat(self) -> bool:
        """Renew, take or keep the seat, heartbeat, forget the dead: whether seated."""
        now = self.clock()
        feeds, alerts = self.store.renew_leases(now + self.lease)
        seated = self.seat.try_hold()
        holds = f"{feeds} feeds, {alerts} alerts" + (", commands" if seated else "")
        self.store.heartbeat(now, holds)
        self.store.forget_dead_workers(now, STALE)
        return seated

    async def _step_down(self) -> None:
        if self.leading:
            self.leading = False
            event(log, "commands_follower", worker=self.store.worker_id)
            await self.staff.stop()

    def source_silent(self, feed: FeedState) -> None:
        notice = f"Haber kaynağı sessiz: uzun süredir yeni haber yok: {feed.name or feed.url}"
        self.spawn(self.staff.notify_admins(notice))

    def delivery_blocked(self, alert: Alert, error: DeliveryError) -> None:
        admin_chat = self.staff.settings.admin_chat
        if admin_chat and admin_chat != alert.chat_id:
            notice = f"{alert.chat_id} sohbetine uyarı gönderilemiyor: {error}"
            self.spawn(self.notice_once("blocked", notice))

    async def notice_once(self, kind: str, text: str) -> None:
        """Tell the admins once across workers (a claim keyed by the notice's fingerprint
        and the day); with the database away, told anyway (twice beats never)."""
        print_ = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
        now = self.clock()  # the same error on another day is news again
        key = f"{kind}:{now.date().isoformat()}:{print_}"
        with contextlib.suppress(DatabaseUnavailable):
            if not await self.store.off_loop(self.store.claim_once, key, now):
                return
        await self.staff.notify_admins(text)
