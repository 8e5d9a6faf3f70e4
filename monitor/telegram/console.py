"""A worker without a bot token prints what it would send: alerts, notices, the digest."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import TextIO

from telegram import InlineKeyboardMarkup

from monitor.messages.markup import plain_text


class ConsoleSender:
    """Prints messages as plain text when no bot token is set; the `Sender` interface.

    Photos (the digest's chart) are written to files in `photo_dir`.
    """

    def __init__(self, stream: TextIO | None = None, *, photo_dir: Path | str = "data"):
        self._stream = stream
        self._photo_dir = Path(photo_dir)
        self._ids = itertools.count(1)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def __aenter__(self) -> ConsoleSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def alert_keyboard(self, outbox_id: int) -> None:
        """No buttons on the console."""
        return None

    async def send(self, chat_id: str, html_message: str, *, preview_url: str | None = None,
                   preview: bool = True, reply_markup: InlineKeyboardMarkup | None = None,
                   ) -> int:
        """Print the message (plain text) with a header naming the chat."""
        message_id = next(self._ids)
        self._write(f"--- message #{message_id} to {chat_id} ---", html_message)
        return message_id

    async def edit(self, chat_id: str, message_id: int, html_message: str, *,
                   reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Print the updated message, marked as an update of the earlier one."""
        self._write(f"--- message #{message_id} updated ---", html_message)

    async def send_photo(self, chat_id: str, png: bytes, caption_html: str, *,
                         filename: str) -> int:
        """Write the PNG to `photo_dir/filename` and print its caption and path."""
        path = self._photo_dir / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        message_id = next(self._ids)
        self._write(f"--- photo #{message_id} to {chat_id}: {path} ---", caption_html)
        return message_id

    def _write(self, header: str, html_message: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(f"{header}\n{plain_text(html_message)}\n\n")
        stream.flush()
