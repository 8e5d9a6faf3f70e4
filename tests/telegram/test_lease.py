"""MONITOR_LEASE_S: how long a worker's claims last unrenewed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.errors import ConfigError
from monitor.telegram.workers import lease_length


def test_the_default_is_a_minute_and_seconds_are_taken() -> None:
    assert lease_length({}) == timedelta(minutes=1)
    assert lease_length({"MONITOR_LEASE_S": "6"}) == timedelta(seconds=6)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1", "3600"])
def test_a_bad_value_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError, match=r"MONITOR_LEASE_S=.*between 3 and 600"):
        lease_length({"MONITOR_LEASE_S": value})
