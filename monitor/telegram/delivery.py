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
from datetime import datetime

from monitor.errors import DeliveryError
from monitor.models import Alert, Burst
from monitor.ops.logs import event
from monitor.ops.metrics import Metrics
from monitor.store.database import Store
from monitor.telegram.pacing import ChatPacer, delivery_retry_at
from monitor.telegram.sender import Sender

log = logging.getLogger("monitor.telegram.delivery")

IDLE_POLL_S = 30.0


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
        self.wake = asyncio.Event()
        self.metrics = metrics
        self.on_blocked = on_blocked
        self.bursts = bursts
        self._reported: set[tuple[str, str]] = set()
        self._pace_wait_s = IDLE_POLL_S

    async def deliver_due(self) -> int:
        """Send every chat's next due alert (and summary edit) that its pacing allows.

        Returns how many went.
        """
        self._pace_wait_s = IDLE_POLL_S
        sent = 0
        for alert in self._due_alerts():
            if self._may_send(alert.chat_id):
                sent += await self._deliver(alert)
                self._sent_to(alert.chat_id)
        for burst in self.store.due_bursts(self.clock()) if self.bursts else []:
            if self._may_send(burst.chat_id):
                sent += await self._deliver_burst(burst)
                self._sent_to(burst.chat_id)
        return sent

    def _may_send(self, chat_id: str) -> bool:
        wait = self.pacer.wait_s(chat_id, asyncio.get_running_loop().time())
        if wait > 0:
            self._pace_wait_s = min(self._pace_wait_s, wait)
        return wait <= 0

    def _sent_to(self, chat_id: str) -> None:
        now = asyncio.get_running_loop().time()
        self.pacer.record(chat_id, now)
        self._pace_wait_s = min(self._pace_wait_s, self.pacer.wait_s(chat_id, now))

    def _due_alerts(self) -> list[Alert]:
        """Each chat's next due alert, once those joining a running summary have joined it."""
        while True:
            alerts = self.store.next_alerts(self.clock())
            joined = [alert for alert in alerts if self._joins_burst(alert)]
            if not joined:  # every head is one to send: a join makes the next row the head
                return alerts

    def _joins_burst(self, alert: Alert) -> bool:
        if self.bursts is None or alert.message_id is not None:
            return False
        burst_id = self.store.place_in_burst(alert.id, self.clock(),
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
            self.store.mark_burst_failed(burst.id, str(exc), retry_at)
            if self.metrics:
                self.metrics.record_delivery(ok=False, permanent=exc.permanent)
            event(log, "burst_failed", logging.WARNING, burst=burst.id, chat=burst.chat_id,
                  attempts=burst.attempts + 1, error=exc)
            return False
        self.store.mark_burst_sent(burst, self.clock())
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
            self.store.mark_failed(alert.id, str(exc), retry_at, permanent=exc.permanent)
            if self.metrics:
                self.metrics.record_delivery(ok=False, permanent=exc.permanent)
            self._report_failure(alert, exc, alert.attempts + 1)
            return False
        self.store.mark_sent(alert, message_id, self.clock())
        if self.metrics:
            self.metrics.record_delivery(ok=True)
        name = "alert_edited" if alert.message_id is not None else "alert_delivered"
        event(log, name, alert=alert.id, chat=alert.chat_id, message=message_id)
        return True

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

    def _wait_s(self) -> float:
        """Seconds until an alert may be tried: its retry time, or its chat's pacing."""
        earliest = self.store.earliest_attempt()
        if earliest is None:
            return IDLE_POLL_S
        retry = (earliest - self.clock()).total_seconds()
        wait = self._pace_wait_s if retry <= 0 else min(retry, self._pace_wait_s)
        return min(max(wait, 0.05), IDLE_POLL_S)

    def _retry_soon(self, within_s: float) -> bool:
        earliest = self.store.earliest_attempt()
        return earliest is not None and (earliest - self.clock()).total_seconds() < within_s

    async def drain(self, *, idle_limit_s: float = 120.0) -> bool:
        """Deliver everything pending; give up when nothing went through for idle_limit_s.

        Returns True when the outbox is empty.
        """
        loop = asyncio.get_running_loop()
        last_progress = loop.time()
        while self.store.pending_count():
            if await self.deliver_due():
                last_progress = loop.time()
                continue
            remaining = idle_limit_s - (loop.time() - last_progress)
            if remaining <= 0 or not self._retry_soon(remaining):
                return False  # nothing can go through before the limit: stop now
            await asyncio.sleep(min(self._wait_s(), remaining))
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; new alerts set `wake` to cut the wait short."""
        while not stop.is_set():
            self.wake.clear()
            await self.deliver_due()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
            await asyncio.wait(waiters, timeout=self._wait_s(), return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
