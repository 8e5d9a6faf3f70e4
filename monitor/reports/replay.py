"""`monitor replay`: a dry run of a watchlist edit over the stored article texts.

Each stored article is matched with the live watchlists and with the edited
ones; an article whose set of matched entries differs is a change: `new` (it
would start alerting), `stop` (it would no longer alert) or `changed` (it would
alert for other entries). Entries that fall away carry the edited matcher's own
explanation (`monitor.matching.explain`). Rows come from the store in chunks
and each Matcher is built once, so memory stays flat over any number of
articles. The worker logs the same tally after a hot reload (`replay_summary`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config.settings import Settings
from monitor.config.watchlists import load_watchlists
from monitor.matching.explain import explain
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import Watchlists
from monitor.models import Match
from monitor.store.articles import StoredArticle
from monitor.store.database import Store

NEW, STOP, CHANGED = "new", "stop", "changed"
RELOAD_WINDOW = timedelta(days=7)  # what the worker replays a hot-reloaded edit over
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One article whose verdict the edit changes."""

    article: StoredArticle
    kind: str  # new | stop | changed
    before: tuple[Match, ...]  # with the live watchlists
    after: tuple[Match, ...]  # with the edited ones
    reasons: tuple[str, ...] = ()  # why the entries that fall away no longer match

    @property
    def added(self) -> tuple[Match, ...]:
        ids = {m.entry_id for m in self.before}
        return tuple(m for m in self.after if m.entry_id not in ids)

    @property
    def removed(self) -> tuple[Match, ...]:
        ids = {m.entry_id for m in self.after}
        return tuple(m for m in self.before if m.entry_id not in ids)


@dataclass
class Tally:
    """How many articles were replayed and how many of each change were found."""

    articles: int = 0
    new: int = 0
    stop: int = 0
    changed: int = 0

    def count(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


def same_rules(a: Watchlists, b: Watchlists) -> bool:
    """Whether two watchlists decide alike: equal entries, wherever they are written."""
    def rules(w: Watchlists) -> tuple[object, ...]:
        return tuple(replace(entry, path="", line=0) for entry in w.entries)
    return rules(a) == rules(b)


def replay(rows: Iterable[StoredArticle], live: Matcher, edited: Matcher,
           tally: Tally) -> Iterator[Change]:
    """The changes, in article order; `tally` counts every article and change as they pass."""
    unchanged = same_rules(live.watchlists, edited.watchlists)
    for article in rows:
        tally.articles += 1
        if unchanged:
            continue
        change = compare(article, live, edited)
        if change is not None:
            tally.count(change.kind)
            yield change


def compare(article: StoredArticle, live: Matcher, edited: Matcher) -> Change | None:
    """The change for one article, or None when it alerts for the same entries."""
    before = tuple(live.find_matches(article.title, article.text))
    after = tuple(edited.find_matches(article.title, article.text))
    if {m.entry_id for m in before} == {m.entry_id for m in after}:
        return None
    kind = NEW if not before else STOP if not after else CHANGED
    change = Change(article, kind, before, after)
    gone = [m.entry_id for m in change.removed]
    if not gone:
        return change
    lines = explain(edited, article.title, article.text)
    known = {entry.id for entry in edited.entries}
    reasons: list[str] = []
    for entry_id in gone:  # explain() says nothing of an entry it no longer knows or finds
        said = [line for line in lines if line.split(": ", 1)[0] == entry_id]
        reasons.extend(said or [f"{entry_id}: no longer in the watchlists" if entry_id not in known
                                else f"{entry_id}: none of its terms is found any more"])
    return replace(change, reasons=tuple(reasons))


def replay_summary(store: Store, live: Watchlists, edited: Watchlists,
                   since: datetime) -> Tally:
    """The tally of an edit over the articles since `since` (for the worker's reload log)."""
    tally = Tally()
    for _ in replay(store.stored_articles(since), Matcher(live), Matcher(edited), tally):
        pass
    return tally


async def log_replay(store: Store, live: Watchlists, edited: Watchlists,
                     now: datetime) -> None:
    """The worker's one line on a hot-reloaded edit over RELOAD_WINDOW, off the event loop.

    A report, not part of the reload: a failure is logged as one line and swallowed.
    """
    try:
        since = now - RELOAD_WINDOW
        tally = await asyncio.to_thread(replay_summary, store, live, edited, since)
    except Exception:  # whatever it was (a bug: hence the traceback), the reload stands
        log.warning("watchlist_replay_failed", exc_info=True)
        return
    log.info("watchlist_replay new=%d stop=%d changed=%d articles=%d",
             tally.new, tally.stop, tally.changed, tally.articles)


def run_replay(settings: Settings, path: Path, since_s: float, *, as_json: bool,
               write: Callable[[str], object], now: datetime | None = None) -> Tally:
    """`monitor replay`: every change to `write` as it is found, then the tally.

    The edited watchlists are loaded first: an invalid file is a ConfigError naming
    file and line, before the database is opened. Nothing is written anywhere.
    """
    edited = Matcher(load_watchlists(path))
    live = Matcher(load_watchlists(settings.watchlists_path))
    since = (now or datetime.now(UTC)) - timedelta(seconds=since_s)
    tally = Tally()
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        encode = json.JSONEncoder(ensure_ascii=False).encode
        for change in replay(store.stored_articles(since), live, edited, tally):
            if as_json:
                write(encode(change_json(change)) + "\n")
            else:
                write("\n".join(change_lines(change, settings.timezone)) + "\n")
    finally:
        store.close()
    if not as_json:
        write(summary_line(tally, since, settings.timezone) + "\n")
    return tally


def summary_line(tally: Tally, since: datetime, tz: str) -> str:
    local = since.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    return (f"{tally.articles} stored article{'s' if tally.articles != 1 else ''} since "
            f"{local}: {tally.new} would newly alert, {tally.stop} would stop alerting, "
            f"{tally.changed} would change their entries")


def change_lines(change: Change, tz: str) -> list[str]:
    """A change for people: the verdict and article, each added or dropped entry, why."""
    a = change.article
    when = (a.published or a.created_at).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    lines = [f"{change.kind.upper():<7} #{a.id} {when} {a.outlet}: {a.title}"]
    if a.url:
        lines.append(f"        {a.url}")
    for sign, found in (("+", change.added), ("-", change.removed)):
        lines.extend(f"        {sign} {m.entry_id} ({m.name}) via {m.term!r}: {_marked(m)}"
                     for m in found)
    lines.extend(f"          why: {reason}" for reason in change.reasons)
    return lines


def change_json(change: Change) -> dict[str, Any]:
    """A change as one JSON object (one line of `monitor replay --json`)."""
    a = change.article
    return {
        "article_id": a.id,
        "change": change.kind,
        "title": a.title,
        "outlet": a.outlet,
        "url": a.url,
        "published": a.published.isoformat() if a.published else None,
        "before": [m.entry_id for m in change.before],
        "after": [m.entry_id for m in change.after],
        "added": [_match_json(m) for m in change.added],
        "removed": [_match_json(m) for m in change.removed],
        "reasons": list(change.reasons),
    }


def _match_json(m: Match) -> dict[str, Any]:
    return {"id": m.entry_id, "name": m.name, "term": m.term, "matched": m.matched,
            "score": round(m.score, 1), "field": m.field, "snippet": m.snippet}


def _marked(m: Match) -> str:
    return f"{m.snippet[: m.snippet_start]}[{m.matched}]{m.snippet[m.snippet_end :]}"
