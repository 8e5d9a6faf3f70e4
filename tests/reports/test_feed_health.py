"""`monitor feeds` over a real database shared by several workers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.settings import Settings, load_settings
from monitor.messages.replies import ALIVE_WITHIN
from monitor.reports.feed_health import feeds_table, workers_section
from monitor.store.database import Store
from monitor.telegram.workers import STALE
from tests.e2e.conftest import ROOT


@pytest.fixture
def settings(tmp_path, database_url: str) -> Settings:
    config = tmp_path / "monitor.yaml"
    config.write_text(f"watchlists: {ROOT / 'watchlists'}\n"
                      "feeds:\n  - url: https://news.example/rss\n    name: Haber\n",
                      encoding="utf-8")
    return load_settings(config, env={"MONITOR_DATABASE": database_url})


@pytest.fixture
def pair(database_url: str) -> Iterator[tuple[Store, Store]]:
    """Two workers on the database of `settings`."""
    first, second = Store(database_url), Store(database_url)
    first.worker_id, second.worker_id = "host-a:101:20261128T110000", "host-b:202:20261128T110500"
    yield first, second
    first.close()
    second.close()


def worker_lines(table: list[str]) -> list[str]:
    return table[next(i for i, line in enumerate(table) if line.startswith("workers:")):]


def test_feeds_lists_every_worker_alive_on_the_database(settings, pair) -> None:
    first, second = pair
    now = datetime.now(UTC)
    first.heartbeat(now - timedelta(seconds=20), "1 feeds, 0 alerts, commands")
    second.heartbeat(now, "0 feeds, 2 alerts")
    table = feeds_table(settings)
    assert table[0].startswith("STATE") and "Haber" in table[1]  # the feed table as before
    assert any(line.startswith("outbox: 0 pending") for line in table)
    workers = worker_lines(table)
    assert workers[0] == "workers: 2 alive (heartbeat within the last 90 s)"
    assert workers[1].startswith("  host-a:101:20261128T110000  heartbeat ")
    assert workers[1].endswith(" s ago  holds 1 feeds, 0 alerts, commands")
    assert 19 <= int(workers[1].split("heartbeat")[1].split()[0]) <= 25
    assert workers[2].startswith("  host-b:202:20261128T110500  heartbeat ")
    assert workers[2].endswith(" s ago  holds 0 feeds, 2 alerts")
    assert len(workers) == 3


def test_feeds_leaves_out_workers_not_heard_from_for_90_s(settings, pair) -> None:
    first, second = pair
    now = datetime.now(UTC)
    first.heartbeat(now - timedelta(seconds=95), "3 feeds, 0 alerts")  # dead
    second.heartbeat(now - timedelta(seconds=5), "")
    workers = worker_lines(feeds_table(settings))
    assert workers[0] == "workers: 1 alive (heartbeat within the last 90 s)"
    assert [line.split()[0] for line in workers[1:]] == ["host-b:202:20261128T110500"]
    assert "holds" not in workers[1]  # nothing held, nothing said


def test_feeds_says_when_no_worker_reported(settings) -> None:
    table = feeds_table(settings)
    assert table[-2:] == ["", "workers: none has reported in the last 90 s"]


def test_the_workers_section_pads_ids_and_the_window_matches_the_workers_own() -> None:
    now = datetime(2026, 11, 28, 11, 5, tzinfo=UTC)
    alive = [("a:1:x", now - timedelta(seconds=3), "2 feeds, 0 alerts"),
             ("longer-host:22:y", now - timedelta(seconds=41), "0 feeds, 0 alerts, commands")]
    assert workers_section(alive, now) == [
        "",
        "workers: 2 alive (heartbeat within the last 90 s)",
        "  a:1:x             heartbeat  3 s ago  holds 2 feeds, 0 alerts",
        "  longer-host:22:y  heartbeat 41 s ago  holds 0 feeds, 0 alerts, commands",
    ]
    assert ALIVE_WITHIN == STALE  # the reports and messages may not import monitor.telegram
