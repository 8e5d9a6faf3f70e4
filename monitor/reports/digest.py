"""The daily digest read from the database: the day's mentions per entry, top stories, 14 days.

    digest = build_digest(store.engine, date(2026, 11, 28), "Europe/Istanbul")

A day is the local calendar day in the configured time zone, and a mention is
counted on the day the service recorded the match (`matches.created_at`, the
moment it was alerted), so the digest of a day counts what staff were told that
day. Everything counts stories: an article and its copies from other outlets
(`articles.story_id`) are one story, counted once per entry and listed once (by
its lead article) with the number of further outlets; the copies of the day are
given apart. `/bugun` (`monitor.reports.recent`) counts the same way.

`build_digest` only reads; `monitor.messages.digest` renders what it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, func, select

from monitor.config.settings import Settings
from monitor.config.watchlists import load_watchlists
from monitor.errors import ConfigError
from monitor.messages.digest import TEXT, Digest, EntryCount, Series, Story
from monitor.store.database import Store
from monitor.store.schema import articles, matches

DAYS = 14  # the chart's window, ending with the digest's day
TOP_STORIES = 5


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC (DST-safe)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def today(tz: str, now: datetime | None = None) -> date:
    """Today's date in the zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()


def build_digest(
    engine: Engine,
    day: date,
    tz: str = "Europe/Istanbul",
    lang: str = "tr",
    *,
    entries: Mapping[str, str] | None = None,
    top: int = TOP_STORIES,
    days: int = DAYS,
    max_series: int = 8,
) -> Digest:
    """The digest of one local day, read from the database (no writes).

    `entries` (watchlist id -> name, in watchlist order) adds entries without any
    mention to the counts (as 0) and gives current names; without it only
    entries with mentions appear, named as at their latest match.
    The chart keeps the `max_series` busiest entries and sums the rest as one line.
    """
    first = day - timedelta(days=days - 1)
    window = _read_window(engine, first, day, tz)
    names = dict(window.names)
    if entries:
        names.update(entries)
    chart_days = tuple(first + timedelta(days=i) for i in range(days))
    return Digest(
        day=day,
        tz=tz,
        lang=lang,
        counts=_counts(window, names, day, list(entries or ())),
        story_count=len(window.today_entries),
        copies=len(window.today_articles) - len(window.today_entries),
        stories=_top_stories(engine, window.today_entries, window.recorded, names, top),
        days=chart_days,
        series=_series(window, names, chart_days, max_series, lang),
    )


@dataclass
class _Window:
    """The matches of the chart's days, as the digest counts them."""

    names: dict[str, str] = field(default_factory=dict)  # entry -> name at its latest match
    # entry -> local day -> stories that mention it
    per_day: dict[str, dict[date, set[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    today_entries: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    recorded: dict[int, datetime] = field(default_factory=dict)  # story -> latest match
    today_articles: set[int] = field(default_factory=set)  # leads and copies of the day


def story_of() -> ColumnElement[int]:
    """A matched article's story: its lead article's id (its own id for a lead)."""
    return func.coalesce(articles.c.story_id, articles.c.id)


def _read_window(engine: Engine, first: date, day: date, tz: str) -> _Window:
    zone = ZoneInfo(tz)
    window_start, _ = day_bounds(first, tz)
    day_start, day_end = day_bounds(day, tz)
    with engine.connect() as conn:
        rows = conn.execute(
            select(matches.c.article_id, story_of().label("story"), matches.c.entry_id,
                   matches.c.name, matches.c.created_at)
            .join(articles, articles.c.id == matches.c.article_id)
            .where(matches.c.created_at >= window_start, matches.c.created_at < day_end)
            .order_by(matches.c.created_at, matches.c.id)
        ).all()
    window = _Window()
    for row in rows:
        window.names[row.entry_id] = row.name  # ordered by time: the latest name wins
        local_day = row.created_at.astimezone(zone).date()
        window.per_day[row.entry_id][local_day].add(row.story)
        if day_start <= row.created_at < day_end:
            window.today_articles.add(row.article_id)
            if row.entry_id not in window.today_entries[row.story]:
                window.today_entries[row.story].append(row.entry_id)
            window.recorded[row.story] = max(
                window.recorded.get(row.story, row.created_at), row.created_at)
    return window


def _counts(window: _Window, names: Mapping[str, str], day: date,
            watched: list[str]) -> tuple[EntryCount, ...]:
    """The day's stories per entry, most first; watched entries appear even at 0."""
    order = {entry_id: i for i, entry_id in enumerate(watched)}

    def today(entry_id: str) -> int:
        return len(window.per_day.get(entry_id, {}).get(day, ()))

    counts = [EntryCount(entry_id, names[entry_id], today(entry_id)) for entry_id in names
              if entry_id in order or today(entry_id)]
    counts.sort(key=lambda c: (-c.count, order.get(c.entry_id, len(order)), c.name.casefold(),
                               c.entry_id))
    return tuple(counts)


def _series(window: _Window, names: Mapping[str, str], chart_days: tuple[date, ...],
            max_series: int, lang: str) -> tuple[Series, ...]:
    """One line per entry with mentions, busiest first; the rest summed as "others"."""
    lines = [
        Series(entry_id, names[entry_id],
               tuple(len(per_day.get(d, ())) for d in chart_days))
        for entry_id, per_day in window.per_day.items()
    ]
    lines.sort(key=lambda s: (-sum(s.counts), s.name.casefold(), s.entry_id))
    if len(lines) > max_series:
        rest = lines[max_series - 1:]
        others = tuple(sum(s.counts[i] for s in rest) for i in range(len(chart_days)))
        lines = [*lines[: max_series - 1], Series("", TEXT.get(lang, TEXT["tr"])["others"],
                                                  others)]
    return tuple(lines)


def _top_stories(
    engine: Engine,
    entries_of: Mapping[int, list[str]],
    recorded: Mapping[int, datetime],
    names: Mapping[str, str],
    top: int,
) -> tuple[Story, ...]:
    if not entries_of or top <= 0:
        return ()
    ids = list(entries_of)
    with engine.connect() as conn:
        found = {
            row.id: row
            for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500))
            for row in conn.execute(
                select(articles.c.id, articles.c.title, articles.c.outlet, articles.c.url,
                       articles.c.published)
                .where(articles.c.id.in_(chunk))
            )
        }
        firsts = list(found.values())  # the stories' leads

        def newest(a) -> datetime:  # type: ignore[no-untyped-def]
            return a.published or recorded[a.id]

        firsts.sort(key=lambda a: (-len(entries_of[a.id]), -newest(a).timestamp(), -a.id))
        chosen = firsts[:top]
        copies: dict[int, int] = {}
        if chosen:
            copies = {
                story_id: count
                for story_id, count in conn.execute(
                    select(articles.c.story_id, func.count())
                    .where(articles.c.story_id.in_([a.id for a in chosen]))
                    .group_by(articles.c.story_id)
                )
            }
    return tuple(
        Story(
            article_id=a.id,
            title=a.title,
            outlet=a.outlet,
            url=a.url,
            published=a.published,
            recorded_at=recorded[a.id],
            entries=tuple(names[e] for e in entries_of[a.id]),
            copies=copies.get(a.id, 0),
        )
        for a in chosen
    )


def read_digest(settings: Settings, day: date | None = None) -> Digest:
    """The digest of a local day (default: today) from the configured database."""
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        return build_digest(store.engine, day or today(settings.timezone), settings.timezone,
                            settings.language, entries=entry_names(settings))
    finally:
        store.close()


def entry_names(settings: Settings) -> dict[str, str] | None:
    """Watchlist id -> name, or None when the watchlists cannot be read right now."""
    try:
        return {e.id: e.name for e in load_watchlists(settings.watchlists_path).entries}
    except ConfigError:
        return None
