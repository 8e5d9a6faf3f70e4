"""What the read-only commands print: `check`, `match` and `feeds`."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config.examples import find_example_files, load_examples
from monitor.config.settings import Settings
from monitor.config.watchlists import load_watchlists
from monitor.errors import ExtractError
from monitor.matching.examples import evaluate
from monitor.matching.explain import explain as near_misses
from monitor.matching.matcher import Matcher
from monitor.models import FeedHealth, Match
from monitor.sources.extract import extract_article
from monitor.store.database import Store

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
STATE_WIDTH = 30  # "FAILING since 2026-11-29 08:04" fits, so the columns stay aligned


def load_matcher(settings: Settings) -> Matcher:
    return Matcher(load_watchlists(settings.watchlists_path))


def read_input(name: str) -> tuple[str, str]:
    """(title, body) of one input: an HTML page is extracted first; text is all body."""
    if name == "-":
        return "", sys.stdin.read()
    if name.lower().endswith(HTML_SUFFIXES):
        path = Path(name)
        try:
            article = extract_article(path.read_bytes(), url=path.resolve().as_uri())
        except ExtractError:
            return "", ""
        return article.title, article.text
    return "", _read_bytes(name).decode("utf-8", errors="replace")


def _read_bytes(name: str) -> bytes:
    """A file's bytes with fewer system calls than `open()` makes: `match` may read thousands."""
    fd = os.open(name, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def match_json(
    name: str, found: list[Match], matcher: Matcher, title: str, body: str, explain: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input": name,
        "matches": [
            {
                "id": m.entry_id,
                "name": m.name,
                "score": round(m.score, 1),
                "snippet": m.snippet,
                "matched": m.matched,
                "term": m.term,
                "kind": m.kind,
                "field": m.field,
                "span": [m.start, m.end],
            }
            for m in found
        ],
    }
    if explain:
        out["near_misses"] = near_misses(matcher, title, body)
    return out


def match_lines(
    name: str, found: list[Match], matcher: Matcher, title: str, body: str, explain: bool
) -> list[str]:
    lines = [f"{name}: {len(found)} match{'es' if len(found) != 1 else ''}"]
    for m in found:
        marked = f"{m.snippet[: m.snippet_start]}[{m.matched}]{m.snippet[m.snippet_end :]}"
        lines.append(
            f"  {m.entry_id} ({m.name}) score {m.score:.0f} {m.kind} in {m.field} "
            f"at {m.start}-{m.end} via {m.term!r}"
        )
        lines.append(f"    {marked}")
    if explain:
        misses = near_misses(matcher, title, body)
        lines.extend(f"  near miss: {reason}" for reason in misses or ["none"])
    return lines


def check(settings: Settings) -> tuple[bool, list[str]]:
    """Validate the watchlists and run their labelled examples (config is valid already)."""
    watchlists = load_watchlists(settings.watchlists_path)
    lines = [
        f"{settings.config_path}: OK ({len(settings.feeds)} feeds)",
        f"{settings.watchlists_path}: OK ({len(watchlists.entries)} entries "
        f"in {len(watchlists.files)} file{'s' if len(watchlists.files) != 1 else ''})",
    ]
    files = find_example_files(settings.watchlists_path)
    if not files:
        lines.append("no labelled examples next to the watchlists (NAME.examples.yaml)")
        return True, lines
    ids = [entry.id for entry in watchlists.entries]
    examples = [example for path in files for example in load_examples(path, ids)]
    result = evaluate(Matcher(watchlists), examples, ids)
    lines.append(f"examples: {', '.join(str(path) for path in files)}")
    lines.extend(f"  {line}" for line in result.lines())
    return result.ok, lines


def feeds_table(settings: Settings) -> list[str]:
    store = Store(settings.database_url)
    try:
        store.sync_feeds(settings.feeds, datetime.now(UTC))
        health, stats = store.feed_health(), store.outbox_stats()
    finally:
        store.close()
    zone = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    w = STATE_WIDTH
    lines = [f"{'STATE':<{w}} {'HTTP':>4} {'SEEN':>5}  {'LAST POLL':<16}  {'NEXT POLL':<16}  FEED"]
    for feed in health:
        lines.append(
            f"{_state(feed, zone):<{w}} {feed.last_status or '-':>4} {feed.entries_seen:>5}  "
            f"{_when(feed.last_polled_at, zone):<16}  {_when(feed.next_poll_at, zone):<16}  "
            f"{feed.name or feed.title or feed.url}"
        )
        if feed.name or feed.title:
            lines.append(f"{'':<{w}} {feed.url}")
        if feed.last_error:
            lines.append(f"{'':<{w}} error: {feed.last_error}")
        if feed.consecutive_failures and not feed.disabled:
            lines.append(
                f"{'':<{w}} backing off until {_when(feed.next_poll_at, zone)} "
                f"after {feed.consecutive_failures} failed poll(s) in a row"
            )
    oldest = ""
    if stats.oldest_pending_at is not None:
        minutes = (now - stats.oldest_pending_at).total_seconds() / 60
        oldest = f", oldest waiting {minutes:.0f} min"
    lines.append("")
    lines.append(f"outbox: {stats.pending} pending{oldest}, {stats.sent} sent")
    if stats.last_error:
        lines.append(f"last delivery error: {stats.last_error}")
    return lines


def _state(feed: FeedHealth, zone: ZoneInfo) -> str:
    if feed.disabled:
        return "DISABLED (gone)"
    if feed.last_polled_at is None:
        return "NEW (not polled yet)"
    if feed.consecutive_failures:
        since = _when(feed.failing_since, zone)
        return f"FAILING since {since}"
    return "OK"


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"
