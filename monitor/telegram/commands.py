"""Bot commands in the alert chats: /son, /bugun, /durum, /ara, /yardim (/start, /help).

A python-telegram-bot `Application` polls getUpdates inside the worker's own event loop
(started and stopped by hand, never `run_polling`, which would own the loop), with its
own bot and connection pools; the database reads run in a thread (asyncio.to_thread).

Who may ask: the alert chats (TELEGRAM_CHAT_ID and every watchlist `chat:`), the
chats in `command_chats` and the users in `command_users`. Anyone else gets no
answer; the attempt is logged at INFO as `command_refused chat=.. user=..`. The same
people may press the feedback buttons under the alerts (monitor.telegram.feedback).

Starting never fails the worker: when Telegram cannot be reached (getMe or deleteWebhook
fails), the start is retried in the background with backoff. Polling errors after that
are retried by the library (up to 30 s apart) and logged as one `command_poll_failed`
line at most once a minute. Replies take a send slot first (`pace`), like alerts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from monitor.messages.markup import plain_text
from monitor.messages.replies import ALIVE_WITHIN, reply_unknown, reply_yardim
from monitor.ops.logs import event
from monitor.ops.redact import install_redaction, redact
from monitor.reports.recent import reply_ara, reply_bugun, reply_durum, reply_son
from monitor.telegram.access import Access
from monitor.telegram.feedback import FeedbackButtons, FeedbackKeys

log = logging.getLogger("monitor.telegram.commands")

POLL_TIMEOUT_S = 25  # getUpdates long-poll; a stop cancels it at once
STOP_BUDGET_S = 1.8
STALE_AFTER = timedelta(minutes=10)  # commands older than this (sent while down) are skipped
START_RETRY_S = (5.0, 300.0)  # first and longest wait between start attempts
MAX_RETRY_AFTER_S = 10.0  # a reply refused with a longer retry_after is dropped
POLL_ERROR_LOG_S = 60.0
FEEDBACK_RETENTION_S = 30 * 86400.0  # Settings.article_retention_s's default

# command -> (description tr, description en); /start and /help are /yardim too
COMMANDS = {
    "son": ("son 10 eşleşme", "the latest 10 matches"),
    "bugun": ("bugünün eşleşmeleri", "today's matches"),
    "durum": ("kaynakların ve gönderimin durumu", "feeds and delivery status"),
    "ara": ("geçmiş eşleşmelerde ara: /ara kelime", "search past matches: /ara word"),
    "yardim": ("komutların listesi", "the list of commands"),
}
HELP_ALIASES = ("yardim", "start", "help")


class BotCommands:
    """Answers the bot commands; `await start()` once the loop runs, `await stop()` on exit."""

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        store: Any,
        allowed_chats: Iterable[object],
        allowed_users: Iterable[object] = (),
        lang: str = "tr",
        tz: str = "Europe/Istanbul",
        clock: Callable[[], datetime] | None = None,
        poll_timeout: float = POLL_TIMEOUT_S,
        feedback_retention_s: float = FEEDBACK_RETENTION_S,
        pace: Callable[[str], Awaitable[None]] | None = None,
    ):
        install_redaction(token)
        self.store = store
        self.lang = lang
        self.tz = tz
        self.clock = clock or (lambda: datetime.now(UTC))
        self.poll_timeout = poll_timeout
        self.pace = pace  # waits for a send slot in the chat (shared with the alerts)
        api = api_url.rstrip("/")
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .connect_timeout(10.0)
            .read_timeout(15.0)
            .write_timeout(15.0)
            .pool_timeout(5.0)
            .get_updates_connect_timeout(10.0)
            .get_updates_read_timeout(10.0)  # added to the long-poll timeout
            .job_queue(None)
            .build()
        )
        self.access = Access(chats=allowed_chats, users=allowed_users)
        allowed = self.access.filter
        fresh = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST  # not edits
        handlers = {"son": self._son, "bugun": self._bugun, "durum": self._durum,
                    "ara": self._ara}
        for name, callback in handlers.items():
            self.app.add_handler(CommandHandler(name, callback, filters=allowed & fresh))
        self.app.add_handler(CommandHandler(HELP_ALIASES, self._yardim, filters=allowed & fresh))
        self.app.add_handler(MessageHandler(filters.COMMAND & fresh & ~allowed, self._refused))
        self.app.add_handler(MessageHandler(filters.COMMAND & fresh & allowed, self._unknown))
        self.feedback = FeedbackButtons(
            keys=FeedbackKeys(token), store=store, access=self.access, lang=lang, tz=tz,
            clock=self.clock, retention_s=feedback_retention_s)
        self.app.add_handler(CallbackQueryHandler(self.feedback.on_press))
        self.app.add_error_handler(self._error)
        self._starter: asyncio.Task[None] | None = None
        self._polling = False
        self.ready = asyncio.Event()  # set once polling runs (tests wait on it)
        self._last_poll_log = 0.0

    def set_allowed(self, *, chats: Iterable[object] | None = None,
                    users: Iterable[object] | None = None) -> None:
        """Replace the allow-lists (e.g. after a watchlist reload adds a routed chat)."""
        self.access.set(chats=chats, users=users)

    async def start(self) -> None:
        """Start polling in the background; returns at once and never raises."""
        if self._starter is None:
            self._starter = asyncio.create_task(self._start_until_up(), name="bot-commands")

    async def stop(self) -> None:
        """Stop polling and close the connections, within about two seconds."""
        starter, self._starter = self._starter, None
        if starter is not None and not starter.done():
            starter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starter
        try:
            await asyncio.wait_for(self._shutdown(), STOP_BUDGET_S)
        except TimeoutError:
            event(log, "bot_commands_stop_slow", logging.WARNING)
        except Exception as exc:  # stopping must never take the worker down
            event(log, "bot_commands_stop_failed", logging.WARNING, error=redact(str(exc)))
        self.ready.clear()

    async def __aenter__(self) -> BotCommands:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _start_until_up(self) -> None:
        delay, longest = START_RETRY_S
        while True:
            try:
                await self._start_once()
                return
            except InvalidToken as exc:
                event(log, "bot_commands_disabled", logging.ERROR, error=redact(str(exc)))
                return
            except TelegramError as exc:
                event(log, "bot_commands_unavailable", logging.WARNING,
                      error=redact(str(exc)), retry_in=f"{delay:.0f}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def _start_once(self) -> None:
        app = self.app
        await app.initialize()  # getMe: the username CommandHandler needs for /son@bot
        assert app.updater is not None
        if not app.updater.running:
            # The library's polling start calls deleteWebhook: getUpdates is refused (409)
            # while a webhook is set; no webhook is ever set here.
            await app.updater.start_polling(
                timeout=timedelta(seconds=self.poll_timeout),
                allowed_updates=[Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY],
                error_callback=self._poll_error,
            )
        if not app.running:
            await app.start()
        self._polling = True
        self.ready.set()
        event(log, "bot_commands_ready", bot=f"@{app.bot.username}")
        with contextlib.suppress(TelegramError):  # the menu in Telegram clients; optional
            await app.bot.set_my_commands(
                [BotCommand(name, desc[1 if self.lang == "en" else 0])
                 for name, desc in COMMANDS.items()])

    async def _shutdown(self) -> None:
        app = self.app
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        self._polling = False
        await app.shutdown()

    def _poll_error(self, exc: TelegramError) -> None:
        now = time.monotonic()
        if now - self._last_poll_log >= POLL_ERROR_LOG_S:
            self._last_poll_log = now
            event(log, "command_poll_failed", logging.WARNING, error=redact(str(exc)))

    # --- handlers -------------------------------------------------------------------------

    async def _son(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, "son", lambda: reply_son(
            self.store.engine, lang=self.lang, tz=self.tz))

    async def _bugun(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, "bugun", lambda: reply_bugun(
            self.store.engine, now=self.clock(), lang=self.lang, tz=self.tz))

    async def _durum(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        def build() -> str:
            now = self.clock()
            return reply_durum(self.store.feed_health(), self.store.outbox_stats(), now=now,
                               lang=self.lang, tz=self.tz,
                               verdicts=self.store.verdict_counts(now - timedelta(days=7)),
                               workers=self.store.workers_alive(now, ALIVE_WITHIN))

        await self._answer(update, "durum", build)

    async def _ara(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = " ".join(context.args or [])
        await self._answer(update, "ara", lambda: reply_ara(
            self.store.engine, query, lang=self.lang, tz=self.tz))

    async def _yardim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, "yardim", lambda: reply_yardim(lang=self.lang))

    async def _refused(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = _who(update)
        event(log, "command_refused", chat=chat, user=user)

    async def _unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command no other handler took: the list of commands, unless meant for another bot."""
        text = update.effective_message.text if update.effective_message else None
        name, _, bot = (text or "/").split()[0].partition("@")
        if not bot or bot.casefold() == (context.bot.username or "").casefold():
            await self._answer(update, "unknown", lambda: reply_unknown(name, lang=self.lang))

    async def _answer(self, update: Update, name: str, build: Callable[[], str]) -> None:
        message = update.effective_message
        if message is None:
            return
        chat, user = _who(update)
        if self.clock() - message.date > STALE_AFTER:
            event(log, "command_stale", chat=chat, user=user, command=name)
            return
        event(log, "command", chat=chat, user=user, command=name)
        started = time.monotonic()
        text = await asyncio.to_thread(build)  # SQLite reads: off the event loop
        await self._send(message.chat_id, text)
        event(log, "command_answered", logging.DEBUG, chat=chat, command=name,
              ms=round((time.monotonic() - started) * 1000))

    async def _send(self, chat_id: int, text: str, *, retried: bool = False) -> None:
        bot = self.app.bot
        no_preview = LinkPreviewOptions(is_disabled=True)
        if self.pace is not None:
            await self.pace(str(chat_id))
        try:
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                   link_preview_options=no_preview)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            if retried or seconds > MAX_RETRY_AFTER_S:
                raise
            await asyncio.sleep(seconds)
            await self._send(chat_id, text, retried=True)
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            await bot.send_message(chat_id, plain_text(text), link_preview_options=no_preview)

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = _who(update) if isinstance(update, Update) else ("", "")
        error = context.error
        level = logging.WARNING if isinstance(error, TelegramError) else logging.ERROR
        event(log, "command_failed", level, chat=chat, user=user,
              error=redact(f"{type(error).__name__}: {error}"))


def _who(update: Update) -> tuple[str, str]:
    chat = update.effective_chat
    user = update.effective_user
    return (str(chat.id) if chat else "", str(user.id) if user else "")
