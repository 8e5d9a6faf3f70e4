"""/metrics of one worker: every sample labelled with the worker's id."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from monitor.models import PollReport
from monitor.ops.metrics import Metrics


def samples(metrics: Metrics) -> list[tuple[str, dict[str, str], float]]:
    text = metrics.exposition().decode("utf-8")
    return [(s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def test_every_sample_carries_the_worker_label() -> None:
    metrics = Metrics(worker="host-a:101:20261128T110000")
    metrics.record_poll(PollReport(feed_url="https://a.example/rss", status=200,
                                   new_entries=3, matched=1))
    metrics.record_delivery(ok=False, permanent=True)
    metrics.outbox_pending.set(4)
    metrics.cycle_seconds.observe(1.5)
    found = samples(metrics)
    assert found and all(labels["worker"] == "host-a:101:20261128T110000"
                         for _, labels, _ in found)
    values = {(name, tuple(sorted(labels.items()))): value for name, labels, value in found}
    worker = ("worker", "host-a:101:20261128T110000")
    assert values[("monitor_polls_total", (("outcome", "ok"), worker))] == 1.0
    assert values[("monitor_new_entries_total", (worker,))] == 3.0
    assert values[("monitor_delivery_errors_total", (("kind", "permanent"), worker))] == 1.0
    assert values[("monitor_outbox_pending", (worker,))] == 4.0
    assert values[("monitor_cycle_duration_seconds_bucket", (("le", "2.5"), worker))] == 1.0
    text = metrics.exposition().decode("utf-8")
    assert 'monitor_polls_total{outcome="ok",worker="host-a:101:20261128T110000"} 1.0' in text


def test_the_worker_id_may_come_later_and_two_workers_stay_apart() -> None:
    opened: dict[str, str] = {}
    first = Metrics(worker=lambda: opened["worker_id"])  # the store opens after the metrics
    opened["worker_id"] = "host:1:a"
    second = Metrics(worker="host:2:b")
    first.alerts_sent.inc()
    assert 'monitor_alerts_sent_total{worker="host:1:a"} 1.0' in first.exposition().decode()
    assert 'monitor_alerts_sent_total{worker="host:2:b"} 0.0' in second.exposition().decode()
