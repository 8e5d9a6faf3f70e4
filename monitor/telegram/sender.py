"""Talking to the Bot API: `Sender` (what delivery needs) and `TelegramSender`.

`monitor.telegram.console.ConsoleSender` is the same interface for a worker
without a token. Errors map to DeliveryError:

    TelegramError (python-telegram-bot)          -> DeliveryError
    ├── RetryAfter                               retry_after=seconds
    ├── BadRequest "can't parse entities"        resent once as plain text, inside send()
    ├── BadRequest "chat not found", any other   permanent
    ├── Forbidden (kicked, not a member)         permanent
    ├── ChatMigrated                             permanent (names the new chat id)
    ├── InvalidToken (401/404)                   transient (kept pending; fix the config)
    └── NetworkError, TimedOut, 5xx, non-JSON    transient

Retrying is the outbox's job (AIORateLimiter runs with max_retries=0), and so
is per-chat pacing; the limiter adds the overall 25/s and 20/min-per-group caps.
Every error message goes through `redact()`: the token never leaves this module.
"""

from __future__ import annotations

import html
import logging
import re
import warnings
from datetime import timedelta
from types import TracebackType
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from monitor.errors import DeliveryError
from monitor.messages.markup import plain_text
from monitor.ops.redact import install_redaction, redact
from monitor.telegram.feedback import FeedbackKeys

log = logging.getLogger("monitor.telegram.sender")
MAX_ERROR_CHARS = 300  # a proxy's error page ends up in the message; keep the first part
_HREF = re.compile(r'<a\s+href="([^"]*)"')


class Sender(Protocol):
    """What the outbox, the digest and the staff notices need of a way to reach people."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, chat_id: str, html_message: str, *, preview_url: str | None = None,
                   preview: bool = True, reply_markup: InlineKeyboardMarkup | None = None,
                   ) -> int: ...

    async def edit(self, chat_id: str, message_id: int, html_message: str, *,
                   reply_markup: InlineKeyboardMarkup | None = None) -> None: ...

    def alert_keyboard(self, outbox_id: int) -> InlineKeyboardMarkup | None:
        """The feedback buttons of one alert; None where there are no buttons."""

    async def send_photo(self, chat_id: str, png: bytes, caption_html: str, *,
                         filename: str) -> int: ...


class _Demote(logging.Filter):
    """Turn PTB's tracebacks for expected failures into DEBUG lines; the outbox logs them.

    AIORateLimiter logs each final RetryAfter and BaseRequest each non-JSON answer
    (a proxy's HTML error page) at ERROR with a traceback.
    """

    PREFIXES = ("Rate limit hit after maximum", "Can not load invalid JSON data")

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(self.PREFIXES):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info, record.exc_text = None, None
        return True


class TelegramSender:
    """Sends HTML messages through the Bot API; `send` returns the message id."""

    def __init__(self, token: str, *, base_url: str = "https://api.telegram.org",
                 timeout: float = 20.0, lang: str = "tr"):
        install_redaction(token)
        self._keys = FeedbackKeys(token)
        self._lang = lang
        self._bot = ExtBot(
            token,
            base_url=f"{base_url.rstrip('/')}/bot",
            base_file_url=f"{base_url.rstrip('/')}/file/bot",
            request=HTTPXRequest(connect_timeout=min(timeout, 10.0), read_timeout=timeout,
                                 write_timeout=timeout, pool_timeout=timeout),
            rate_limiter=AIORateLimiter(overall_max_rate=25, overall_time_period=1,
                                        group_max_rate=20, group_time_period=60,
                                        max_retries=0),
        )
        for name in ("telegram.ext.AIORateLimiter", "telegram.request.BaseRequest"):
            logger = logging.getLogger(name)
            if not any(isinstance(f, _Demote) for f in logger.filters):
                logger.addFilter(_Demote())
        self._started = False

    @property
    def bot(self) -> ExtBot[Any]:
        """The underlying bot, for other Bot API calls (commands, photos)."""
        return self._bot

    async def start(self) -> None:
        """Open the connection pool and check the token (getMe); failures are transient."""
        if self._started:
            return
        try:
            await self._bot.initialize()
        except TelegramError as exc:
            await self._bot.shutdown()
            raise delivery_error(exc, "getMe") from None
        self._started = True
        log.info("telegram_ready bot=@%s", self._bot.username)

    async def stop(self) -> None:
        """Close the connection pool; safe to call twice."""
        if self._started:
            self._started = False
            await self._bot.shutdown()

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    def alert_keyboard(self, outbox_id: int) -> InlineKeyboardMarkup:
        """The signed "relevant" / "not relevant" buttons of one alert."""
        return self._keys.keyboard(outbox_id, self._lang)

    async def send(self, chat_id: str, html_message: str, *, preview_url: str | None = None,
                   preview: bool = True, reply_markup: InlineKeyboardMarkup | None = None,
                   ) -> int:
        """Send one HTML message; on "can't parse entities" resend it once as plain text.

        The link preview shows `preview_url`, else the message's first link (none when
        `preview` is off).
        """
        if not self._started:
            await self.start()
        url = preview_url or _first_link(html_message)
        options = LinkPreviewOptions(is_disabled=True) if not preview else (
            LinkPreviewOptions(url=url) if url else None)
        try:
            message = await self._bot.send_message(
                chat_id, html_message, parse_mode=ParseMode.HTML, link_preview_options=options,
                reply_markup=reply_markup)
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise delivery_error(exc, "sendMessage") from None
            log.warning("telegram_html_refused chat=%s error=%r; resending as plain text",
                        chat_id, redact(str(exc)))
            return await self._send_plain(chat_id, plain_text(html_message), options,
                                          reply_markup)
        except TelegramError as exc:
            raise delivery_error(exc, "sendMessage") from None
        return message.message_id

    async def edit(self, chat_id: str, message_id: int, html_message: str, *,
                   reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace a sent alert's text (a story gained copies); unchanged text is fine.

        Telegram drops a message's buttons on an edit that does not repeat them.
        """
        if not self._started:
            await self.start()
        url = _first_link(html_message)
        try:
            await self._bot.edit_message_text(
                html_message,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(url=url) if url else None,
                reply_markup=reply_markup,
            )
        except BadRequest as exc:
            if "message is not modified" in str(exc).lower():
                return
            raise delivery_error(exc, "editMessageText") from None
        except TelegramError as exc:
            raise delivery_error(exc, "editMessageText") from None

    async def send_photo(self, chat_id: str, png: bytes, caption_html: str, *,
                         filename: str) -> int:
        """Send a PNG with an HTML caption (at most 1,024 UTF-16 units)."""
        if not self._started:
            await self.start()
        try:
            message = await self._bot.send_photo(chat_id, png, caption=caption_html,
                                                 parse_mode=ParseMode.HTML, filename=filename)
        except TelegramError as exc:
            raise delivery_error(exc, "sendPhoto") from None
        return message.message_id

    async def _send_plain(self, chat_id: str, text: str, preview: LinkPreviewOptions | None,
                          reply_markup: InlineKeyboardMarkup | None) -> int:
        try:
            message = await self._bot.send_message(chat_id, text, link_preview_options=preview,
                                                   reply_markup=reply_markup)
        except TelegramError as exc:
            raise delivery_error(exc, "sendMessage") from None
        return message.message_id


def _first_link(html_message: str) -> str | None:
    m = _HREF.search(html_message)
    return html.unescape(m.group(1)) if m else None


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def delivery_error(exc: TelegramError, method: str) -> DeliveryError:
    """Map a python-telegram-bot error to a DeliveryError with a redacted message."""
    text = redact(f"{method}: {type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            retry_after = _seconds(exc.retry_after)
        return DeliveryError(text, retry_after=retry_after)
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"{text} (new chat id {exc.new_chat_id})", permanent=True)
    if isinstance(exc, Forbidden):
        return DeliveryError(text, permanent=True)
    if isinstance(exc, InvalidToken):
        return DeliveryError(redact(f"{method}: Telegram refused the bot token: {exc}"))
    if isinstance(exc, BadRequest):  # chat not found, no rights, ...: the same request fails again
        return DeliveryError(text, permanent=True)
    return DeliveryError(text)  # NetworkError, TimedOut, 5xx, invalid server responses
