"""What the worker says of itself, so a quiet worker never looks hung.

One line once every source has been polled since the start
(`first_poll_round sources=23 reachable=0 failing=23`), then a heartbeat
line every few minutes with what happened since the last one
(`heartbeat polls=40 new=3 matched=1 failing=2 outbox=0`).
"""

from __future__ import annotations

import logging

from monitor.models import PollReport
from monitor.ops.logs import event

log = logging.getLogger("monitor.worker")
HEARTBEAT_S = 300.0


class Vitals:
    """Counts polls for the first-round summary and the heartbeat."""

    def __init__(self, sources: int):
        self.sources = sources
        self._round: dict[str, bool] | None = {}  # feed -> reachable, until all were polled
        self._failing: set[str] = set()
        self._polls = self._new = self._matched = 0

    def polled(self, report: PollReport) -> None:
        self._polls += 1
        self._new += report.new_entries
        self._matched += report.matched
        reachable = not report.failures
        (self._failing.discard if reachable else self._failing.add)(report.feed_url)
        if self._round is None:
            return
        self._round[report.feed_url] = reachable
        if len(self._round) >= self.sources:
            ok = sum(self._round.values())
            event(log, "first_poll_round", sources=len(self._round), reachable=ok,
                  failing=len(self._round) - ok)
            self._round = None

    def heartbeat(self, outbox_pending: int) -> None:
        """Log what happened since the last heartbeat, and start counting again."""
        event(log, "heartbeat", polls=self._polls, new=self._new, matched=self._matched,
              failing=len(self._failing), outbox=outbox_pending)
        self._polls = self._new = self._matched = 0
