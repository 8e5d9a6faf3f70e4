"""Which sender the worker talks through: the Bot API with a token, else the console."""

from __future__ import annotations

import logging

from monitor.config.settings import Settings
from monitor.errors import DeliveryError
from monitor.ops.logs import event
from monitor.telegram.console import ConsoleSender
from monitor.telegram.sender import Sender, TelegramSender

log = logging.getLogger("monitor.service")

CONSOLE_CHAT = "console"


async def start_sender(settings: Settings) -> tuple[Sender, str]:
    """The Bot API sender and the alert chat, or the console without a token.

    A Telegram that cannot be reached does not stop the start: alerts wait in the
    outbox, and sending retries the start.
    """
    sender: Sender = ConsoleSender()
    chat = CONSOLE_CHAT
    if settings.telegram_token:
        sender = TelegramSender(settings.telegram_token, base_url=settings.telegram_api_url,
                                lang=settings.language)
        chat = settings.telegram_chat_id or ""
    try:
        await sender.start()
    except DeliveryError as exc:
        event(log, "telegram_unreachable", logging.WARNING, error=exc)
    return sender, chat
