"""When a feed is polled next: its interval, doubling after failures, capped."""

from datetime import UTC, datetime, timedelta

import pytest

from monitor.sources.schedule import next_poll_at

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("interval", "failures", "seconds"),
    [
        (300, 0, 300),
        (300, 1, 600),
        (300, 2, 1200),
        (300, 5, 9600),
        (300, 7, 6 * 3600),  # capped
        (300, 60, 6 * 3600),
        (86400, 3, 86400),  # the cap never shortens a long interval
    ],
)
def test_feed_backoff(interval, failures, seconds):
    assert next_poll_at(NOW, interval, failures) == NOW + timedelta(seconds=seconds)
