"""What the worker does for people besides alerts: bot commands, the daily digest,
and notices to the admin chat. Each part is optional and off without a token or config.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from monitor.config.settings import Settings
from monitor.errors import DeliveryError
from monitor.matching.watchlist import Watchlists
from monitor.ops.logs import event
from monitor.reports.digest import build_digest, today
from monitor.store.database import Store
from monitor.telegram.commands import BotCommands
from monitor.telegram.digest import send_digest
from monitor.telegram.sender import Sender

log = logging.getLogger("monitor.telegram.staff")


class StaffServices:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        sender: Sender,
        watchlists: Callable[[], Watchlists],
        clock: Callable[[], datetime],
        pace: Callable[[str], Awaitable[None]] | None = None,
    ):
        self.settings = settings
        self.store = store
        self.sender = sender
        self.watchlists = watchlists
        self.clock = clock
        self.commands: BotCommands | None = None
        if settings.telegram_token:
            self.commands = BotCommands(
                token=settings.telegram_token,
                api_url=settings.telegram_api_url,
                store=store,
                allowed_chats=self.command_chats(),
                allowed_users=settings.command_users,
                lang=settings.language,
                tz=settings.timezone,
                feedback_retention_s=settings.article_retention_s,
                pace=pace,
            )

    def command_chats(self) -> set[str]:
        """Alert chats (default, routed, admin) and the chats listed in config."""
        settings = self.settings
        routed = {entry.chat for entry in self.watchlists().entries if entry.chat}
        chats = {settings.telegram_chat_id, settings.admin_chat, *settings.command_chats}
        return {chat for chat in chats | routed if chat}

    async def start(self) -> None:
        if self.commands is not None:
            await self.commands.start()

    async def stop(self) -> None:
        if self.commands is not None:
            await self.commands.stop()

    def watchlists_changed(self) -> None:
        """A routed chat added to a watchlist may use the commands at once."""
        if self.commands is not None:
            self.commands.set_allowed(chats=self.command_chats())

    async def send_daily_digest(self) -> None:
        """The day's digest to the default chat, by one worker (the day is claimed);
        a failure is logged, never raised."""
        settings = self.settings
        chat = settings.telegram_chat_id or "console"
        names = {entry.id: entry.name for entry in self.watchlists().entries}
        day = today(settings.timezone, self.clock())
        if not self.store.claim_once(f"digest:{day}", self.clock()):
            event(log, "digest_taken", day=day)  # another worker sends today's
            return
        digest = build_digest(
            self.store.engine, day, settings.timezone, settings.language, entries=names
        )
        try:
            from monitor.messages.chart import render_chart  # matplotlib: only when drawing

            png = await asyncio.to_thread(render_chart, digest)
            await send_digest(self.sender, chat, digest, png=png)
        except DeliveryError as exc:
            event(log, "digest_failed", logging.ERROR, day=day, error=exc)
            return
        event(log, "digest_sent", day=day, chat=chat)

    async def notify_admins(self, text: str) -> None:
        """Tell the admin chat (when configured) about a problem; never raises."""
        chat = self.settings.admin_chat
        if not chat:
            return
        try:
            await self.sender.send(chat, "⚠️ " + html.escape(text, quote=False))
        except DeliveryError as exc:
            event(log, "admin_notice_failed", logging.WARNING, chat=chat, error=exc)
