"""Prometheus metrics of one worker (its own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from monitor.models import PollReport


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(
            "monitor_polls",
            "Feed polls by outcome (ok, not_modified, error)",
            ["outcome"],
            registry=self.registry,
        )
        self.new_entries = Counter(
            "monitor_new_entries", "Feed entries seen for the first time", registry=self.registry
        )
        self.matches = Counter(
            "monitor_matched_articles",
            "Articles that matched a watchlist entry",
            registry=self.registry,
        )
        self.alerts_sent = Counter(
            "monitor_alerts_sent", "Alerts Telegram accepted", registry=self.registry
        )
        self.delivery_errors = Counter(
            "monitor_delivery_errors",
            "Failed deliveries by kind (transient, permanent)",
            ["kind"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "monitor_outbox_pending", "Alerts waiting for delivery", registry=self.registry
        )
        self.cycle_seconds = Histogram(
            "monitor_cycle_duration_seconds",
            "Wall time of one batch of due feeds",
            buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=self.registry,
        )

    def record_poll(self, report: PollReport) -> None:
        if report.failures:
            outcome = "error"
        elif report.status == 304:
            outcome = "not_modified"
        else:
            outcome = "ok"
        self.polls.labels(outcome).inc()
        self.new_entries.inc(report.new_entries)
        self.matches.inc(report.matched)

    def record_delivery(self, *, ok: bool, permanent: bool = False) -> None:
        if ok:
            self.alerts_sent.inc()
        else:
            self.delivery_errors.labels("permanent" if permanent else "transient").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
