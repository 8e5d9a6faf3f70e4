"""The optional HTTP endpoint for operators: /healthz and Prometheus /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from monitor.models import FeedHealth, OutboxStats
from monitor.ops.metrics import Metrics


class HealthServer:
    """Serves /healthz (200 while the scheduler ticks, else 503) and /metrics."""

    def __init__(
        self,
        metrics: Metrics,
        status: Callable[[], dict[str, Any]],
        last_tick: Callable[[], float | None],
        *,
        stale_after_s: float,
    ):
        self.metrics = metrics
        self.status = status
        self.last_tick = last_tick
        self.stale_after_s = stale_after_s
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        last = self.last_tick()
        age = None if last is None else time.monotonic() - last
        healthy = age is not None and age < self.stale_after_s
        body = {"status": "ok" if healthy else "stale", "last_tick_age_s": age, **self.status()}
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


def health_status(feeds: Sequence[FeedHealth], outbox: OutboxStats,
                  now: datetime) -> dict[str, Any]:
    """The body of /healthz beside the tick's age: feed and outbox counts."""
    oldest = outbox.oldest_pending_at
    return {
        "feeds": {
            "total": len(feeds),
            "failing": sum(1 for f in feeds if f.consecutive_failures and not f.disabled),
            "disabled": sum(1 for f in feeds if f.disabled),
        },
        "outbox": {
            "pending": outbox.pending,
            "oldest_pending_age_s": (now - oldest).total_seconds() if oldest else None,
            "last_error": outbox.last_error,
        },
    }
