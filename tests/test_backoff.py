from datetime import UTC, datetime, timedelta

import pytest

from monitor.sources.schedule import next_poll_at
from monitor.telegram.pacing import delivery_retry_at

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


@pytest.mark.parametrize(
    ("attempts", "kwargs", "seconds"),
    [
        (1, {}, 5),
        (2, {}, 10),
        (4, {}, 40),
        (20, {}, 600),
        (3, {"retry_after": 17}, 17),
        (1, {"permanent": True}, 900),
    ],
)
def test_delivery_retry(attempts, kwargs, seconds):
    assert delivery_retry_at(NOW, attempts, **kwargs) == NOW + timedelta(seconds=seconds)
