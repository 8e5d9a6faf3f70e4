"""The feedback buttons under every alert: "✅ İlgili" / "❌ İlgisiz".

A button's callback data is `fb:<outbox id>:<r|i>:<signature>`, the signature an
HMAC-SHA256 keyed by a secret derived from the bot token, cut to 12 base64url
characters: data the bot never sent (forged, altered, another bot's) is refused.
A press is stored (the latest press per alert counts) and the alert is edited to
show the verdict and who gave it; the keyboard stays, so a verdict can be changed.
Presses count only from those who may use the bot commands; one on an alert older
than the retention, or whose outbox row is gone, is answered "too old".
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from monitor.messages.alerts import format_alert
from monitor.messages.markup import esc
from monitor.messages.phrases import reply_words
from monitor.models import Alert, Verdict
from monitor.ops.logs import event
from monitor.ops.redact import redact
from monitor.telegram.access import Access

log = logging.getLogger("monitor.telegram.feedback")

VERDICTS = {"r": "relevant", "i": "irrelevant"}
SIGNATURE_CHARS = 12  # 72 bits of the HMAC: the data stays far below Telegram's 64 bytes
_DATA = re.compile(r"fb:([0-9]{1,12}):([ri]):([A-Za-z0-9_-]{12})")
SEEN_QUERIES = 10_000  # query ids remembered so a replayed press is stored once


class FeedbackKeys:
    """Signs and checks the buttons' callback data with a secret derived from the token."""

    def __init__(self, token: str):
        self._secret = hmac.new(b"monitor-feedback-buttons", token.encode(),
                                hashlib.sha256).digest()

    def data(self, outbox_id: int, verdict: str) -> str:
        """The callback data of one button; `verdict` is "r" or "i"."""
        payload = f"fb:{outbox_id}:{verdict}"
        return f"{payload}:{self._sign(payload)}"

    def read(self, data: str | None) -> tuple[int, str] | None:
        """(outbox id, "relevant" | "irrelevant") when the bot signed `data`, else None."""
        m = _DATA.fullmatch(data or "")
        if m is None:
            return None
        payload = f"fb:{m.group(1)}:{m.group(2)}"
        if not hmac.compare_digest(self._sign(payload), m.group(3)):
            return None
        return int(m.group(1)), VERDICTS[m.group(2)]

    def keyboard(self, outbox_id: int, lang: str) -> InlineKeyboardMarkup:
        """The two buttons of one alert."""
        words = reply_words(lang)
        return InlineKeyboardMarkup([[
            InlineKeyboardButton(words["fb_relevant"], callback_data=self.data(outbox_id, "r")),
            InlineKeyboardButton(words["fb_irrelevant"],
                                 callback_data=self.data(outbox_id, "i")),
        ]])

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def verdict_of(alert: Alert, *, outbox_id: int, chat_id: str, user: User, verdict: str,
               now: datetime) -> Verdict:
    """The row a press leaves: who, when, and what the alert matched."""
    return Verdict(
        outbox_id=outbox_id,
        chat_id=chat_id,
        user_id=str(user.id),
        user_name=user.full_name or user.username,
        verdict=verdict,
        entry_ids=tuple(dict.fromkeys(m.entry_id for m in alert.matches)),
        terms=tuple(dict.fromkeys(m.term for m in alert.matches)),
        snippet=" … ".join(dict.fromkeys(m.snippet for m in alert.matches)),
        created_at=now,
    )


def alert_text(alert: Alert, verdict: Verdict | None, *, lang: str, tz: str) -> str:
    """The alert as sent, with the latest verdict on it as its last line (edits keep it)."""
    text = format_alert(alert, lang=lang, tz=tz)
    return text if verdict is None else text + "\n\n" + verdict_line(verdict, lang=lang, tz=tz)


def verdict_line(verdict: Verdict, *, lang: str, tz: str) -> str:
    """The alert's last line once judged, e.g. "✅ İlgili — Ayşe Y. (14:05)"."""
    words = reply_words(lang)
    label = words["fb_relevant" if verdict.verdict == "relevant" else "fb_irrelevant"]
    parts = (verdict.user_name or verdict.user_id).split()
    name = " ".join([parts[0], *(f"{p[0]}." for p in parts[1:2])]) if parts else "?"
    when = verdict.created_at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
    return f"{label} — {esc(name)} ({when})"


class FeedbackButtons:
    """Handles the presses (a python-telegram-bot callback query handler)."""

    def __init__(self, *, keys: FeedbackKeys, store: Any, access: Access, lang: str, tz: str,
                 clock: Callable[[], datetime], retention_s: float):
        self.keys = keys
        self.store = store
        self.access = access
        self.lang = lang
        self.tz = tz
        self.clock = clock
        self.retention = timedelta(seconds=retention_s)
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or self._replayed(query.id):
            return
        words = reply_words(self.lang)
        chat = update.effective_chat
        chat_id = str(chat.id) if chat else ""
        who: dict[str, Any] = {"chat": chat_id, "user": query.from_user.id}
        parsed = self.keys.read(query.data)
        if parsed is None:
            event(log, "feedback_forged", logging.WARNING, data=(query.data or "")[:64], **who)
            return await self._answer(query.answer(words["fb_invalid"]))
        if not self.access.allows(update):
            event(log, "feedback_refused", **who)
            return await self._answer(query.answer(words["fb_invalid"]))
        outbox_id, verdict = parsed
        now = self.clock()
        found = await asyncio.to_thread(self.store.feedback_alert, outbox_id)
        if found is None or now - found[1] > self.retention:
            event(log, "feedback_too_old", alert=outbox_id, **who)
            return await self._answer(query.answer(words["fb_too_old"]))
        alert = found[0]
        row = verdict_of(alert, outbox_id=outbox_id, chat_id=chat_id, user=query.from_user,
                         verdict=verdict, now=now)
        await asyncio.to_thread(self.store.record_verdict, row)
        event(log, "feedback", alert=outbox_id, verdict=verdict, **who)
        await self._answer(query.answer(words["fb_saved"]))
        text = alert_text(alert, row, lang=self.lang, tz=self.tz)
        await self._answer(query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=self.keys.keyboard(outbox_id, self.lang),
            link_preview_options=LinkPreviewOptions(url=alert.url) if alert.url else None))

    def _replayed(self, query_id: str) -> bool:
        if query_id in self._seen:
            event(log, "feedback_replayed", query=query_id)
            return True
        self._seen[query_id] = None
        if len(self._seen) > SEEN_QUERIES:
            self._seen.popitem(last=False)
        return False

    async def _answer(self, call: Any) -> None:
        """Run one Bot API call; a failure (query too old, message gone) is one line."""
        try:
            await call
        except TelegramError as exc:
            event(log, "feedback_reply_failed", logging.WARNING, error=redact(str(exc)))
