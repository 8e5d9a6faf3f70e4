"""Prometheus metrics of one worker (its own registry, so tests can run several).

Several workers may share one database, so every sample carries a constant label
`worker` (the process's worker id, `Store.worker_id`): a scrape of each worker's
/metrics stays apart from the others' after aggregation. The label is added when
/metrics is read, so the id may be given as a callable (the store is opened later
than the metrics are made).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from monitor.models import PollReport

WORKER_LABEL = "worker"


class Metrics:
    def __init__(self, worker: str | Callable[[], str] = "") -> None:
        """`worker`: the worker id, or a callable giving it when /metrics is read."""
        self.worker = worker
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

    def worker_id(self) -> str:
        return self.worker() if callable(self.worker) else self.worker

    def exposition(self) -> bytes:
        """The text format, every sample labelled worker="<id>"."""
        exposed = CollectorRegistry(auto_describe=False)
        exposed.register(_Labelled(self.registry, self.worker_id()))
        return generate_latest(exposed)


class _Labelled(Collector):
    """Another registry's metric families with one constant label added to every sample."""

    def __init__(self, inner: CollectorRegistry, worker: str):
        self.inner = inner
        self.worker = worker

    def collect(self) -> Iterator[Metric]:
        for family in self.inner.collect():
            labelled = copy.copy(family)
            labelled.samples = [
                sample._replace(labels={**sample.labels, WORKER_LABEL: self.worker})
                for sample in family.samples
            ]
            yield labelled
