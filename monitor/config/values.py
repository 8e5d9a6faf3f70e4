"""The small values admins write by hand, checked: durations, chat ids, users, the bot token.

Each checker returns the clean value or raises ValueError with a message that
says what a good value looks like; the caller adds the file and line (or the
variable). The bot token is never repeated in a message.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
# a numeric chat id (groups and channels are negative: -100…) or a public @username
_CHAT = re.compile(r"^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$")
_USER = re.compile(r"^(\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$")
# what @BotFather hands out: the bot's numeric id, a colon, a long secret
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{16,}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DURATION_HINT = "such as 30s, 5m, 1h or 3d"


def parse_duration(value: object) -> float:
    """'90s', '5m', '1.5h', '3d' -> seconds (> 0); a bare number has no unit and is refused."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration {DURATION_HINT}")
    if isinstance(value, int | float) or _NUMBER.match(str(value)):
        number = f"{value:g}" if isinstance(value, int | float) else str(value).strip()
        raise ValueError(f"{number} has no unit: write {number}m for minutes "
                         f"(or {number}s, {number}h, {number}d)")
    found = _DURATION.match(str(value))
    if not found:
        raise ValueError(f"{value!r} is not a duration {DURATION_HINT}")
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be more than zero")
    return seconds


def chat_id(value: object) -> str:
    """A Telegram chat: a numeric id (-100… for groups and channels) or @channelname."""
    text = str(value).strip()
    if isinstance(value, bool) or not _CHAT.match(text):
        raise ValueError(f"{text!r} is not a Telegram chat: use its numeric id "
                         "(-1001234567890) or @channelname")
    return text


def user_id(value: object) -> str:
    """A Telegram user: a numeric id or @username."""
    text = str(value).strip()
    if isinstance(value, bool) or not _USER.match(text):
        raise ValueError(f"{text!r} is not a Telegram user: use the numeric user id "
                         "or @username")
    return text


def bot_token(value: str) -> str:
    """The bot token as @BotFather gives it ("123456789:AA..."); the value is never echoed."""
    text = value.strip()
    if not _TOKEN.match(text):
        raise ValueError("not a bot token (expected the bot's id, a colon and the secret, "
                         "as @BotFather gives it)")
    return text


def slug(value: str) -> str:
    """A stable id: lower-case letters, digits, '-' and '_', starting with a letter or digit."""
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not an id: use lower-case letters, digits, '-' and '_' "
                         "(like km-havacilik)")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
ChatId = Annotated[str, BeforeValidator(chat_id)]
UserId = Annotated[str, BeforeValidator(user_id)]
Slug = Annotated[str, AfterValidator(slug)]
