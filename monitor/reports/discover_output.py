"""What `monitor discover URL...` prints: each URL's candidates, the one used, a YAML snippet.

    https://outlet.example/
      feed     https://outlet.example/feed/    20 items, 20 recent, newest 2024-05-01 12:40  <- used
      sitemap  https://outlet.example/s.xml    HTTP 404
      18 common paths tried: nothing there

    # paste under feeds:
      - url: https://outlet.example/
        kind: site
        name: Outlet  # uses https://outlet.example/feed/ (feed, 20 recent)
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.config.settings import Settings
from monitor.errors import InputError
from monitor.sources.client import fetcher_for
from monitor.sources.discover import Discovery, discover
from monitor.sources.discovery import Candidate
from monitor.sources.urls import is_http_url

SITES_AT_ONCE = 8
_PLAIN_NAME = re.compile(r"^\w[\w .,'&()/-]*$")  # a YAML plain scalar as it stands


def check_urls(urls: Sequence[str]) -> None:
    """Refuse, before fetching anything, an argument that is no http(s) URL."""
    for url in urls:
        if not is_http_url(url):
            raise InputError(url, "not an http(s) URL (give an outlet's homepage, feed or sitemap)")


async def discover_all(settings: Settings, urls: Sequence[str]) -> list[Discovery]:
    """Discover every URL, a few sites at a time, with the worker's fetch limits."""
    now = datetime.now(UTC)
    slots = asyncio.Semaphore(SITES_AT_ONCE)
    async with fetcher_for(settings) as fetcher:

        async def one(url: str) -> Discovery:
            async with slots:
                return await discover(fetcher, url, now=now, max_age_s=settings.max_age_s)

        return list(await asyncio.gather(*(one(url) for url in urls)))


def discover_lines(found: Sequence[Discovery], settings: Settings) -> list[str]:
    """The report for every URL, then one snippet for all usable ones."""
    zone = ZoneInfo(settings.timezone)
    lines: list[str] = []
    for discovery in found:
        lines += site_lines(discovery, zone)
        lines.append("")
    usable = [d for d in found if d.best is not None]
    if usable:
        lines.append("# paste under feeds:")
        for discovery in usable:
            lines += snippet(discovery)
    for discovery in found:
        if discovery.best is None:
            lines.append(f"# nothing usable at {discovery.url}: {discovery.error}")
    return lines


def site_lines(discovery: Discovery, zone: ZoneInfo) -> list[str]:
    lines = [discovery.url]
    guesses = [c for c in discovery.candidates if c.via == "guess"]
    shown = [c for c in discovery.candidates if c.via != "guess" or c.error is None]
    width = max((len(c.url) for c in shown), default=0)
    for candidate in shown:
        used = "  <- used" if candidate is discovery.best else ""
        lines.append(f"  {candidate.kind:<8} {candidate.url:<{width}}  "
                     f"{describe(candidate, zone)}{used}")
    if guesses:
        hits = sum(1 for c in guesses if c.error is None)
        lines.append(f"  {len(guesses)} common paths tried: "
                     + (f"{hits} answered" if hits else "nothing there"))
    if discovery.error:
        lines.append(f"  error: {discovery.error}")
    return lines


def describe(candidate: Candidate, zone: ZoneInfo) -> str:
    """Like "20 items, 20 recent, newest 2024-05-01 12:40", or the candidate's error."""
    if candidate.error is not None:
        return candidate.error
    parts = [f"{candidate.items} item{'s' if candidate.items != 1 else ''}",
             f"{candidate.recent} recent"]
    if candidate.newest is not None:
        parts.append(f"newest {candidate.newest.astimezone(zone):%Y-%m-%d %H:%M}")
    else:
        parts.append("undated")
    if not candidate.has_titles:
        parts.append("no titles")
    return ", ".join(parts)


def snippet(discovery: Discovery) -> list[str]:
    """A `feeds:` item for this URL; a homepage is a `site`, the source it uses in a comment."""
    best = discovery.best
    assert best is not None
    kind = best.kind if best.via == "given" else "site"
    name = best.title or urlsplit(discovery.url).hostname or discovery.url
    quoted = name if _PLAIN_NAME.match(name) and ": " not in name and " #" not in name \
        else json.dumps(name, ensure_ascii=False)
    return [
        f"  - url: {discovery.url}",
        f"    kind: {kind}",
        f"    name: {quoted}  # uses {best.url} ({best.kind}, {best.recent} recent)",
    ]
