"""What `monitor feeds` prints: each source's state, kind, interval, status, entries seen,
polls and what a site resolved to; the outbox; the workers alive on the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.config.settings import Settings
from monitor.config.watchlists import load_watchlists
from monitor.messages.replies import ALIVE_WITHIN
from monitor.models import FeedHealth
from monitor.sources.search import all_sources
from monitor.store.database import Store

STATE_WIDTH = 30  # "FAILING since 2026-11-29 08:04" fits, so the columns stay aligned


def feeds_table(settings: Settings) -> list[str]:
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        watchlists = load_watchlists(settings.watchlists_path)
        sources = all_sources(settings.feeds, settings.search, watchlists)
        store.sync_feeds(sources, datetime.now(UTC))
        health, stats = store.feed_health(), store.outbox_stats()
        alive = store.workers_alive(datetime.now(UTC), ALIVE_WITHIN)
    finally:
        store.close()
    zone = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    w = STATE_WIDTH
    lines = [f"{'STATE':<{w}} {'KIND':<7} {'EVERY':>5} {'HTTP':>4} {'SEEN':>5}  "
             f"{'LAST POLL':<16}  {'NEXT POLL':<16}  FEED"]
    for feed in health:
        lines.append(
            f"{_state(feed, zone):<{w}} {feed.kind or 'auto':<7} {_every(feed):>5} "
            f"{feed.last_status or '-':>4} {feed.entries_seen:>5}  "
            f"{_when(feed.last_polled_at, zone):<16}  {_when(feed.next_poll_at, zone):<16}  "
            f"{feed.name or feed.title or feed.url}"
        )
        if feed.name or feed.title:
            lines.append(f"{'':<{w}} {feed.url}")
        if feed.found_url and feed.found_url != feed.url:
            lines.append(f"{'':<{w}} uses {feed.found_url} ({feed.found_kind})")
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
    return lines + workers_section(alive, now)


def workers_section(alive: Sequence[tuple[str, datetime, str]], now: datetime,
                    within: timedelta = ALIVE_WITHIN) -> list[str]:
    """The workers heard from within `within`: (id, last heartbeat, holds) each."""
    seconds = f"{within.total_seconds():.0f} s"
    if not alive:
        return ["", f"workers: none has reported in the last {seconds}"]
    lines = ["", f"workers: {len(alive)} alive (heartbeat within the last {seconds})"]
    width = max(len(worker_id) for worker_id, _, _ in alive)
    for worker_id, beat, holds in alive:
        age = max(0, int((now - beat).total_seconds()))
        lines.append(f"  {worker_id:<{width}}  heartbeat {age:>2} s ago"
                     + (f"  holds {holds}" if holds else ""))
    return lines


def _state(feed: FeedHealth, zone: ZoneInfo) -> str:
    if feed.disabled:
        return "DISABLED (gone)"
    if feed.last_polled_at is None:
        return "NEW (not polled yet)"
    if feed.consecutive_failures:
        since = _when(feed.failing_since, zone)
        return f"FAILING since {since}"
    if feed.silent_since is not None:
        return f"SILENT since {_when(feed.last_new_at or feed.silent_since, zone)}"
    return "OK"


def _every(feed: FeedHealth) -> str:
    """The poll interval, compact: 2m, 45m, 1h; a trailing * marks a fixed one."""
    seconds = feed.interval_s or 0.0
    text = f"{seconds / 3600:.0f}h" if seconds >= 3600 else f"{seconds / 60:.0f}m"
    return text + ("*" if feed.fixed_interval else "")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"
