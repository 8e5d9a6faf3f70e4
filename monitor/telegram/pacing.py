"""Telegram's limits and retry times for one chat (pure: times are passed in)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

PER_CHAT_GAP_S = 1.0  # Telegram: about one message per second to one chat
GROUP_WINDOW_S = 60.0  # ... and at most 20 a minute to one group or channel
GROUP_MAX_PER_WINDOW = 20
FIRST_DELIVERY_RETRY_S = 5.0
MAX_DELIVERY_RETRY_S = 600.0
PERMANENT_DELIVERY_RETRY_S = 900.0
SHARED_MARGIN_S = 0.25  # slots shared by workers are taken before the request travels


class ChatPacer:
    """Keeps each chat within Telegram's limits (pure: times are passed in)."""

    def __init__(self, gap_s: float = PER_CHAT_GAP_S, window_s: float = GROUP_WINDOW_S):
        self.gap_s = gap_s
        self.window_s = window_s
        self._sent: dict[str, deque[float]] = {}

    def wait_s(self, chat_id: str, now: float) -> float:
        """Seconds to wait before the next message to this chat may go."""
        sent = self._sent.get(chat_id)
        if not sent:
            return 0.0
        while sent and sent[0] <= now - self.window_s:
            sent.popleft()
        wait = self.gap_s - (now - sent[-1]) if sent else 0.0
        if _is_group(chat_id) and len(sent) >= GROUP_MAX_PER_WINDOW:
            wait = max(wait, sent[-GROUP_MAX_PER_WINDOW] + self.window_s - now)
        return max(wait, 0.0)

    def record(self, chat_id: str, now: float) -> None:
        self._sent.setdefault(chat_id, deque()).append(now)


def shared_wait_s(chat_id: str, sent: Sequence[datetime], now: datetime) -> float:
    """Seconds before the next message to this chat may go, given every worker's recent
    sends (wall-clock times from the database); a margin covers the request's travel."""
    recent = sorted(t for t in sent if t > now - timedelta(seconds=GROUP_WINDOW_S))
    if not recent:
        return 0.0
    wait = PER_CHAT_GAP_S + SHARED_MARGIN_S - (now - recent[-1]).total_seconds()
    if _is_group(chat_id) and len(recent) >= GROUP_MAX_PER_WINDOW:
        oldest = recent[-GROUP_MAX_PER_WINDOW]
        wait = max(wait, GROUP_WINDOW_S + SHARED_MARGIN_S - (now - oldest).total_seconds())
    return max(wait, 0.0)


def _is_group(chat_id: str) -> bool:
    return chat_id.startswith(("-", "@"))


def delivery_retry_at(
    now: datetime, attempts: int, *, retry_after: float | None = None, permanent: bool = False
) -> datetime:
    """Telegram's own `retry_after` when given; else exponential from 5 s to 10 min."""
    if retry_after is not None:
        delay = retry_after
    elif permanent:
        delay = PERMANENT_DELIVERY_RETRY_S
    else:
        delay = min(FIRST_DELIVERY_RETRY_S * 2.0 ** max(attempts - 1, 0), MAX_DELIVERY_RETRY_S)
    return now + timedelta(seconds=delay)
