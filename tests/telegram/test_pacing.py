"""Telegram's pace per chat and the retry times of refused sends (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from monitor.telegram.pacing import ChatPacer, delivery_retry_at


def send_all(pacer: ChatPacer, chat: str, count: int) -> list[float]:
    """Send `count` messages as fast as the pacer allows; returns the send times."""
    now, times = 0.0, []
    for _ in range(count):
        now += pacer.wait_s(chat, now)
        pacer.record(chat, now)
        times.append(now)
    return times


def test_one_message_per_second_per_chat():
    times = send_all(ChatPacer(), "12345", 5)
    assert times == [0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("chat", ["-1001234567890", "@kmtso_haber"])
def test_groups_and_channels_get_at_most_20_a_minute(chat):
    times = send_all(ChatPacer(), chat, 45)
    for index in range(len(times) - 20):
        assert times[index + 20] - times[index] >= 60.0
    assert times[19] == 19.0  # the first twenty go at one a second
    assert times[20] == 60.0


def test_chats_do_not_hold_each_other_up():
    pacer = ChatPacer()
    pacer.record("-1001", 0.0)
    assert pacer.wait_s("-1001", 0.2) == pytest.approx(0.8)
    assert pacer.wait_s("-1002", 0.2) == 0.0


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


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
