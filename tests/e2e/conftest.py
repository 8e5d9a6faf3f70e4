"""Shared pieces of the end-to-end tests: real servers on 127.0.0.1 and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.paths import DEVDATA, ROOT
from tests.servers.fakebot import FakeBotAPI
from tests.servers.feedserver import FeedServer

TOKEN = "123456:TEST-secret-token"
CHAT = "-1001234567890"


def rss(items: Sequence[tuple[str, str, datetime]], title: str = "Yerel Haber") -> str:
    """An RSS 2.0 document of (title, link, published) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(t)}</description></item>"
        for t, link, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>{body}</channel></rss>"
    )


def recent(hours: float = 1.0) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


def three_item_feed(server) -> str:
    """A feed of two articles that match (devdata d1, d2) and one that does not (d4)."""
    items = [
        ("KM Havacılık'ın kalite laboratuvarı kuruluyor", f"{server.url}/pages/d1.html", recent(1)),
        ("TUSAŞ yöneticileri oda meclisine konuk oldu", f"{server.url}/pages/d2.html", recent(2)),
        (
            "Savunma sanayiinde KOBİ'lere yeni kredi paketi",
            f"{server.url}/pages/d4.html",
            recent(3),
        ),
    ]
    return server.add(
        "/rss.xml",
        rss(items),
        content_type="application/rss+xml",
        etag=True,
        last_modified=recent(5).timestamp(),
    )


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.add_dir("/pages", DEVDATA / "pages")
        yield server


@pytest.fixture
def bot() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN, enforce_limits=True) as api:
        yield api


def write_config(tmp_path: Path, feed_urls: Sequence[str], **extra: str) -> Path:
    lines = [
        f"database: {tmp_path / 'monitor.db'}",
        f"watchlists: {ROOT / 'watchlists'}",
        "interval: 5m",
        *(f"{key}: {value}" for key, value in extra.items()),
        "feeds:",
        *(f"  - url: {url}\n    name: Outlet {i}" for i, url in enumerate(feed_urls, 1)),
    ]
    path = tmp_path / "monitor.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(
    args: Sequence[str],
    *,
    bot: FakeBotAPI | None = None,
    timeout: float = 120,
    input: str | None = None,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m monitor ARGS` the way an operator would, with a clean environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MONITOR_"))}
    if bot is not None:
        environ.update(
            TELEGRAM_BOT_TOKEN=bot.token, TELEGRAM_CHAT_ID=CHAT, TELEGRAM_API_URL=bot.url
        )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        env=environ,
        cwd=ROOT,
    )
