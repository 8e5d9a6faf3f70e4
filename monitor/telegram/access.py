"""Who may use the bot: the alert chats, the chats and users named in config.

Anyone else gets no answer. The lists are python-telegram-bot filters, so
the same rule guards every handler, and they can be replaced while the bot
runs (a watchlist edit that routes an entry to a new chat).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Update
from telegram.ext import filters

from monitor.ops.logs import event

log = logging.getLogger(__name__)


class Access:
    """The allow-lists, as one filter (`filter`) for the bot's handlers."""

    def __init__(self, *, chats: Iterable[object], users: Iterable[object] = ()):
        self._chat_ids = filters.Chat(allow_empty=False)
        self._chat_names = filters.Chat(allow_empty=False)
        self._user_ids = filters.User(allow_empty=False)
        self._user_names = filters.User(allow_empty=False)
        self.filter = self._chat_ids | self._chat_names | self._user_ids | self._user_names
        self.set(chats=chats, users=users)

    def set(self, *, chats: Iterable[object] | None = None,
            users: Iterable[object] | None = None) -> None:
        """Replace the chat list, the user list, or both."""
        if chats is not None:
            ids, names = parse_ids(chats)
            self._chat_ids.chat_ids = ids
            self._chat_names.usernames = names
        if users is not None:
            ids, names = parse_ids(users)
            self._user_ids.user_ids = ids
            self._user_names.usernames = names

    def allows(self, update: Update) -> bool:
        """Whether the chat or the person behind an update may use the bot.

        For a button press: the update's message is the bot's own alert, so the
        message filters (which look at its sender) cannot judge it; this looks at the
        chat and at the user who pressed.
        """
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and (chat.id in self._chat_ids.chat_ids or _named(
                chat.username, self._chat_names.usernames)):
            return True
        return user is not None and (user.id in self._user_ids.user_ids or _named(
            user.username, self._user_names.usernames))


def _named(username: str | None, names: frozenset[str]) -> bool:
    return bool(username) and (username or "").lower() in {n.lower() for n in names}


def parse_ids(values: Iterable[object]) -> tuple[set[int], set[str]]:
    """Config/env chat or user ids -> (numeric ids, @usernames without the '@').

    Accepts ints and strings ("-1001234", "42", "@channel"); anything else is dropped
    with a warning.
    """
    ids: set[int] = set()
    names: set[str] = set()
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if text.startswith("@") and len(text) > 1:
            names.add(text[1:].lower())
            continue
        try:
            ids.add(int(text))
        except ValueError:
            event(log, "command_id_ignored", logging.WARNING, value=text)
    return ids, names
