"""What the bot commands report, read from the database: recent, today's and searched matches.

    reply_son(engine)            the last 10 matched articles, newest first
    reply_bugun(engine, now=..)  today's stories (local day), grouped by entry, counted as
                                 the digest counts them (`monitor.reports.digest`)
    reply_durum(feeds, outbox)   feeds OK / failing / disabled, outbox depth and errors
                                 and, given `verdicts=`, the week's feedback presses
    reply_ara(engine, "tusaş")   past stories with that word in title, matched text or snippet

Each reads with a few small queries and hands the rows to `monitor.messages.replies`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, func, select

from monitor.matching.text import normalize, scan_key
from monitor.messages.replies import (
    DAY_HEADLINES,
    DayGroup,
    Listed,
    render_ara,
    render_bugun,
    render_durum,
    render_son,
    search_usage,
)
from monitor.reports.digest import story_of
from monitor.store.schema import articles, matches

__all__ = ["reply_ara", "reply_bugun", "reply_durum", "reply_son"]

LIST_LIMIT = 10  # /son and /ara
SEARCH_CHUNK = 2000
SEARCH_SCAN_LIMIT = 50_000  # /ara looks back over at most this many matches

reply_durum = render_durum  # feeds and outbox come from the store as they are


def reply_son(engine: Engine, *, limit: int = LIST_LIMIT, lang: str = "tr",
              tz: str = "Europe/Istanbul") -> str:
    """The last `limit` matched articles (first of their story), newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            _article_columns()
            .where(articles.c.story_id.is_(None),
                   articles.c.id.in_(select(matches.c.article_id)))
            .order_by(articles.c.id.desc())
            .limit(limit)
        ).all()
        listed = _listed(conn, rows)
    return render_son([listed[row.id] for row in rows], lang=lang, tz=tz)


def reply_bugun(engine: Engine, *, now: datetime | None = None, lang: str = "tr",
                tz: str = "Europe/Istanbul", per_entry: int = DAY_HEADLINES) -> str:
    """Today's stories (the local day of `now` in `tz`), grouped by entry, busiest first.

    A story (an article and its copies) counts once, listed by its lead article.
    """
    local_now = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
    start_local = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = start_local.astimezone(UTC)
    end = (start_local + timedelta(days=1)).astimezone(UTC)  # zone-aware midnight to midnight
    with engine.connect() as conn:
        found = conn.execute(
            select(matches.c.entry_id, matches.c.name, matches.c.article_id,
                   story_of().label("story"))
            .join(articles, articles.c.id == matches.c.article_id)
            .where(matches.c.created_at >= start, matches.c.created_at < end)
            .order_by(matches.c.id.desc())
        ).all()
        article_ids = list(dict.fromkeys(row.story for row in found))
        rows = conn.execute(_article_columns().where(articles.c.id.in_(article_ids))).all() \
            if article_ids else []
        listed = _listed(conn, rows, names=False)
    by_entry: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for row in found:  # newest first
        names.setdefault(row.entry_id, row.name)
        ids = by_entry.setdefault(row.entry_id, [])
        if row.story not in ids:
            ids.append(row.story)
    order = sorted(by_entry, key=lambda e: (-len(by_entry[e]), normalize(names[e]).scan))
    groups = [DayGroup(names[e], tuple(listed[i] for i in by_entry[e])) for e in order]
    copies = len({row.article_id for row in found}) - len(article_ids)
    return render_bugun(groups, day=start, lang=lang, tz=tz, per_entry=per_entry,
                        copies=copies)


def reply_ara(engine: Engine, query: str, *, limit: int = LIST_LIMIT, lang: str = "tr",
              tz: str = "Europe/Istanbul", scan_limit: int = SEARCH_SCAN_LIMIT) -> str:
    """Past matches whose title, matched text, snippet or entry name contains `query`.

    Turkish-aware and case-insensitive (the scan form of `monitor.matching.text`:
    "tusas", "tusaş" and "TUSAŞ'ın" are the same word), matching at word starts;
    newest first, one line per story (its lead, however many of its copies matched).
    Looks back over the latest `scan_limit` matches.
    """
    key = scan_key(query or "")
    if not key:
        return search_usage(lang=lang)
    hits = _search(engine, " " + key, limit, scan_limit)
    with engine.connect() as conn:
        rows = conn.execute(
            _article_columns().where(articles.c.id.in_([i for i, _ in hits]))
        ).all() if hits else []
        listed = _listed(conn, rows)
    return render_ara(query, [(listed[i], snippet) for i, snippet in hits], lang=lang, tz=tz)


def _article_columns() -> Select[Any]:
    return select(articles.c.id, articles.c.title, articles.c.url, articles.c.outlet,
                  articles.c.published, articles.c.created_at)


def _listed(conn: Connection, rows: Sequence[Any], *, names: bool = True) -> dict[int, Listed]:
    """Article rows as `Listed`, with their entry names and copy counts."""
    ids = [row.id for row in rows]
    entry_names = _names(conn, ids) if names else {}
    copy_counts = _copy_counts(conn, ids)
    return {
        row.id: Listed(row.id, row.title, row.url, row.outlet, row.published, row.created_at,
                       tuple(entry_names.get(row.id, ())), copy_counts.get(row.id, 0))
        for row in rows
    }


def _names(conn: Connection, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each article's entry names, distinct, in the order they were matched."""
    found: dict[int, list[str]] = {}
    if not article_ids:
        return found
    rows = conn.execute(
        select(matches.c.article_id, matches.c.entry_id, matches.c.name)
        .where(matches.c.article_id.in_(list(article_ids)))
        .order_by(matches.c.id)
    )
    seen: set[tuple[int, str]] = set()
    for row in rows:
        if (row.article_id, row.entry_id) not in seen:
            seen.add((row.article_id, row.entry_id))
            found.setdefault(row.article_id, []).append(row.name)
    return found


def _copy_counts(conn: Connection, article_ids: Sequence[int]) -> dict[int, int]:
    """How many other outlets carried each article's story (copies joined to it)."""
    if not article_ids:
        return {}
    rows = conn.execute(
        select(articles.c.story_id, func.count())
        .where(articles.c.story_id.in_(list(article_ids)))
        .group_by(articles.c.story_id)
    )
    return {story: count for story, count in rows}


def _search(engine: Engine, needle: str, limit: int, scan_limit: int) -> list[tuple[int, str]]:
    """(lead article id, snippet) of the newest `limit` stories whose matches contain `needle`."""
    hits: dict[int, str] = {}
    folded_titles: dict[int, str] = {}
    before: int | None = None
    scanned = 0
    while scanned < scan_limit and len(hits) < limit:
        query = (
            select(matches.c.id, story_of().label("story"), matches.c.article_id,
                   matches.c.name, matches.c.matched, matches.c.snippet, articles.c.title)
            .join(articles, articles.c.id == matches.c.article_id)
            .order_by(matches.c.id.desc())
            .limit(min(SEARCH_CHUNK, scan_limit - scanned))
        )
        if before is not None:
            query = query.where(matches.c.id < before)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            break
        scanned += len(rows)
        before = rows[-1].id
        for row in rows:
            if row.story in hits:
                continue
            title = folded_titles.get(row.article_id)
            if title is None:
                title = folded_titles[row.article_id] = normalize(row.title or "").scan + " "
            if (needle in title or needle in normalize(row.snippet or "").scan
                    or needle in normalize(row.matched or "").scan
                    or needle in normalize(row.name or "").scan):
                hits[row.story] = row.snippet or ""
                if len(hits) >= limit:
                    break
    return list(hits.items())
