"""The outbox loop: the only path from stored matches to Telegram.

An alert is marked sent only after Telegram accepted it, so a crash between
send and commit resends at most that one message. Alerts to one chat go out
in order; a chat that keeps failing waits on its own and never blocks others.

Bursts (with a `BurstPolicy`): before an alert is sent on its own, the store is
asked whether its entry is bursting in that chat (monitor.store.bursts); if so
the alert joins the entry's running summary, whose message is edited, paced like
any message, and marked at the revision it shows only after Telegram took it.
Joining needs no request, so the stories that arrive together go out in one edit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.errors import DeliveryError
from monitor.models import Alert, Burst
from monitor.ops.logs import event
from monitor.ops.metrics import Metrics
from monitor.store.database import Store
from monitor.store.locks import is_postgres
from monitor.store.offloop import DatabaseUnavailable
from monitor.telegram.pacing import ChatPacer, delivery_retry_at, shared_wait_s
from monitor.telegram.sender import Sender

log = logging.getLogger("monitor.telegram.delivery")

IDLE_POLL_S = 30.0
DATABASE_RETRY_S = 1.0  # the outbox looks again this soon after the database went away


@dataclass(frozen=True)
class BurstPolicy:
    """More than `more_than` alerts of one entry to one chat within `window_s` make a burst."""

    more_than: int
    window_s: float
    render: Callable[[Burst], str]


class Outbox:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        render: Callable[[Alert], str],
        clock: Callable[[], datetime],
        pace: bool = True,
        metrics: Metrics | None = None,
        on_blocked: Callable[[Alert, DeliveryError], None] | None = None,
        bursts: BurstPolicy | None = None,
    ):
        self.store = store
        self.sender = sender
        self.render = render
        self.clock = clock
        self.pacer = ChatPacer() if pace else ChatPacer(gap_s=0.0, window_s=0.0)
        # several workers may share a PostgreSQL database: each send takes a shared slot
        self.shared_pacing = pace and is_postgres(store.engine)
        self.wake = asyncio.Event()
        self.metrics = metrics
        self.on_blocked = on_blocked
        self.bursts = bursts
        self._reported: set[tuple[str, str]] = set()
        self._unmarked: list[tuple[Alert, int | None, datetime]] = []
        self._pace_wait_s = IDLE_POLL_S

    async def deliver_due(self) -> int:
        """Send every chat's next due alert (and summary edit) that its pacing allows.

        Returns how many went.
        """
        await self._flush_marks()
        self._pace_wait_s = IDLE_POLL_S
        sent = 0
        waiting = []
        for alert in await self._due_alerts():
            if await self._may_send(alert.chat_id):
                sent += await self._deliver(alert)
                self._sent_to(alert.chat_id)
            else:
                waiting.append(alert.id)
        if waiting and self.shared_pacing:  # another worker may send them meanwhile
            await self.store.off_loop(self.store.release_claims, waiting)
        due = self.store.due_bursts
        for burst in await self.store.off_loop(due, self.clock()) if self.bursts else []:
            if await self._may_send(burst.chat_id):
                sent += await self._deliver_burst(burst)
                self._sent_to(burst.chat_id)
        return sent

    async def _slot_wait_s(self, chat_id: str) -> float:
        """0 when a message to this chat may go now (its shared slot then taken), else
        how long to wait: this worker's pacing first, then every worker's (PostgreSQL)."""
        wait = self.pacer.wait_s(chat_id, asyncio.get_running_loop().time())
        if wait <= 0 and self.shared_pacing:
            wait = await self.store.off_loop(self.store.take_send_slot, chat_id, self.clock(),
                                             shared_wait_s)
        return wait

    async def _may_send(self, chat_id: str) -> bool:
        wait = await self._slot_wait_s(chat_id)
        if wait > 0:
            self._pace_wait_s = min(self._pace_wait_s, wait)
        return wait <= 0

    async def take_slot(self, chat_id: str) -> None:
        """Wait until a message to this chat keeps within its limits, and take that slot:
        bot replies share the alerts' pacing (and, on PostgreSQL, every worker's)."""
        while (wait := await self._slot_wait_s(chat_id)) > 0:
            await asyncio.sleep(wait)
        self._sent_to(chat_id)

    def _sent_to(self, chat_id: str) -> None:
        now = asyncio.get_running_loop().time()
        self.pacer.record(chat_id, now)
        self._pace_wait_s = min(self._pace_wait_s, self.pacer.wait_s(chat_id, now))

    async def _due_alerts(self) -> list[Alert]:
        """Each chat's next due alert, once those joining a running summary have joined it."""
        while True:
            alerts = await self.store.off_loop(self.store.next_alerts, self.clock())
            joined = [alert for alert in alerts if await self._joins_burst(alert)]
            if not joined:  # every head is one to send: a join makes the next row the head
                return alerts

    async def _joins_burst(self, alert: Alert) -> bool:
        if self.bursts is None or alert.message_id is not None:
            return False
        burst_id = await self.store.off_loop(self.store.place_in_burst, alert.id, self.clock(),
                                             more_than=self.bursts.more_than,
                                             window_s=self.bursts.window_s)
        if burst_id is not None:
            event(log, "alert_in_burst", alert=alert.id, chat=alert.chat_id, burst=burst_id)
        return burst_id is not None

    async def _deliver_burst(self, burst: Burst) -> bool:
        """Edit the running summary to show its stories; marked only once Telegram took it."""
        assert self.bursts is not None
        try:
            await self.sender.edit(burst.chat_id, burst.message_id, self.bursts.render(burst))
        except DeliveryError as exc:
            retry_at = delivery_retry_at(self.clock(), burst.attempts + 1,
                                         retry_after=exc.retry_after, permanent=exc.permanent)
            await self.store.off_loop(self.store.mark_burst_failed, burst.id, str(exc), retry_at)
            if self.metrics:
                self.metrics.record_delivery(ok=False, permanent=exc.permanent)
            event(log, "burst_failed", logging.WARNING, burst=burst.id, chat=burst.chat_id,
                  attempts=burst.attempts + 1, error=exc)
            return False
        await self.store.off_loop(self.store.mark_burst_sent, burst, self.clock())
        if self.metrics:
            self.metrics.record_delivery(ok=True)
        event(log, "burst_edited", burst=burst.id, chat=burst.chat_id,
              message=burst.message_id, stories=len(burst.stories))
        return True

    async def _deliver(self, alert: Alert) -> bool:
        try:
            if alert.message_id is not None:  # the story gained copies: update the message
                await self.sender.edit(alert.chat_id, alert.message_id, self.render(alert),
                                       reply_markup=self.sender.alert_keyboard(alert.id))
                message_id = alert.message_id
            else:
                message_id = await self.sender.send(
                    alert.chat_id, self.render(alert),
                    reply_markup=self.sender.alert_keyboard(alert.id))
        except DeliveryError as exc:
            retry_at = delivery_retry_at(
                self.clock(),
                alert.attempts + 1,
                retry_after=exc.retry_after,
                permanent=exc.permanent,
            )
            await self.store.off_loop(self.store.mark_failed, alert.id, str(exc), retry_at,
                                      permanent=exc.permanent)
            if exc.retry_after and self.shared_pacing:  # Telegram's word holds for every worker
                await self.store.off_loop(self.store.hold_chat, alert.chat_id, self.clock()
                                          + timedelta(seconds=exc.retry_after))
            if self.metrics:
                self.metrics.record_delivery(ok=False, permanent=exc.permanent)
            self._report_failure(alert, exc, alert.attempts + 1)
            return False
        if self.metrics:
            self.metrics.record_delivery(ok=True)
        name = "alert_edited" if alert.message_id is not None else "alert_delivered"
        event(log, name, alert=alert.id, chat=alert.chat_id, message=message_id)
        self._unmarked.append((alert, message_id, self.clock()))
        await self._flush_marks()
        return True

    async def _flush_marks(self) -> None:
        """Mark what Telegram took; with the database away, kept here and marked before
        anything else is sent (this worker's claim on them is renewed meanwhile)."""
        while self._unmarked:
            alert, message_id, when = self._unmarked[0]
            await self.store.off_loop(self.store.mark_sent, alert, message_id, when)
            self._unmarked.pop(0)

    def _report_failure(self, alert: Alert, exc: DeliveryError, attempts: int) -> None:
        fields = {"alert": alert.id, "chat": alert.chat_id, "attempts": attempts, "error": exc}
        if not exc.permanent:
            event(log, "delivery_failed", logging.WARNING, retry_after=exc.retry_after, **fields)
            return
        key = (alert.chat_id, str(exc))
        if key not in self._reported:  # loud once per chat and error, then quiet retries
            self._reported.add(key)
            event(log, "delivery_blocked", logging.ERROR, **fields)
            if self.on_blocked:
                self.on_blocked(alert, exc)

    async def _wait_s(self) -> float:
        """Seconds until an alert may be tried: its retry time, or its chat's pacing."""
        earliest = await self.store.off_loop(self.store.earliest_attempt)
        if earliest is None:
            return IDLE_POLL_S
        retry = (earliest - self.clock()).total_seconds()
        wait = self._pace_wait_s if retry <= 0 else min(retry, self._pace_wait_s)
        return min(max(wait, 0.05), IDLE_POLL_S)

    async def _retry_soon(self, within_s: float) -> bool:
        earliest = await self.store.off_loop(self.store.earliest_attempt)
        return earliest is not None and (earliest - self.clock()).total_seconds() < within_s

    async def drain(self, *, idle_limit_s: float = 120.0) -> bool:
        """Deliver everything pending; give up when nothing went through for idle_limit_s.

        Returns True when the outbox is empty.
        """
        loop = asyncio.get_running_loop()
        last_progress = loop.time()
        while await self.store.off_loop(self.store.pending_count):
            if await self.deliver_due():
                last_progress = loop.time()
                continue
            remaining = idle_limit_s - (loop.time() - last_progress)
            if remaining <= 0 or not await self._retry_soon(remaining):
                return False  # nothing can go through before the limit: stop now
            await asyncio.sleep(min(await self._wait_s(), remaining))
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; new alerts set `wake` to cut the wait short."""
        while not stop.is_set():
            self.wake.clear()
            try:
                await self.deliver_due()
                wait_s = await self._wait_s()
            except DatabaseUnavailable:  # logged once; what was not marked is sent again
                wait_s = DATABASE_RETRY_S
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
