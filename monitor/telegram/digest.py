"""Sending the daily digest: the chart as a photo with a caption, then the full text.

Telegram's `retry_after` is honoured a few times per call and the follow-up
text waits a second (Telegram's per-chat pace); any other failure raises
DeliveryError (`.permanent` as for alerts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from monitor.config.settings import Settings
from monitor.errors import DeliveryError
from monitor.messages.digest import Digest, digest_messages
from monitor.telegram.console import ConsoleSender
from monitor.telegram.sender import Sender, TelegramSender

PER_CHAT_GAP_S = 1.1  # Telegram: about one message a second to one chat
SEND_ATTEMPTS = 3  # per Bot API call, when Telegram answers retry_after
MAX_RETRY_AFTER_S = 60.0

T = TypeVar("T")
_sleep = asyncio.sleep  # patched by tests


async def send_digest(sender: Sender, chat_id: str, digest: Digest, *, png: bytes) -> None:
    """Send the chart (`monitor.messages.chart.render_chart(digest)`) with a caption, then
    the full text when the caption could not hold it."""
    caption, text = digest_messages(digest)
    name = f"digest-{digest.day.isoformat()}.png"
    await _retrying(lambda: sender.send_photo(chat_id, png, caption, filename=name))
    if text:
        await _sleep(PER_CHAT_GAP_S)
        await _retrying(lambda: sender.send(chat_id, text, preview=False))


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except DeliveryError as exc:
            wait = exc.retry_after
            if wait is None or attempt == SEND_ATTEMPTS or wait > MAX_RETRY_AFTER_S:
                raise
            await _sleep(wait)
    raise AssertionError("unreachable: the last attempt raises or returns")


async def deliver_digest(settings: Settings, digest: Digest, png: bytes) -> None:
    """`monitor digest`: to the alert chat with the configured bot, else to the console."""
    if settings.telegram_token and settings.telegram_chat_id:
        async with TelegramSender(settings.telegram_token,
                                  base_url=settings.telegram_api_url) as sender:
            await send_digest(sender, settings.telegram_chat_id, digest, png=png)
    else:
        await send_digest(ConsoleSender(), "console", digest, png=png)
