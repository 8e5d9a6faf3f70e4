"""Past matches with their article metadata, for staff's weekly reports (`monitor history`).

One row per match (an article and one watchlist entry it named), oldest first.
Times are local ISO 8601 in the configured zone, e.g. 2026-11-28T14:05:00+03:00.
`story` is the id of the story's lead article (the same for all its copies), so
stories count the way the digest and /bugun count them.

Formats:
- table: readable columns, the link on a second line (the default);
- JSON: one array of objects, non-ASCII kept as is (`ensure_ascii=False`);
- CSV: a header row, then one row per match, RFC 4180 (CRLF line ends); the CLI
  writes it as UTF-8 with a byte-order mark so Excel shows Turkish letters right.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from monitor.config.settings import Settings
from monitor.messages.markup import clean_text
from monitor.reports.digest import day_bounds, entry_names, story_of
from monitor.store.database import Store
from monitor.store.schema import articles, matches

FIELDS = ("matched_at", "entry_id", "entry_name", "matched", "score", "kind", "title",
          "outlet", "url", "published", "story")
CSV_BOM = "\ufeff"


@dataclass(frozen=True)
class HistoryRow:
    matched_at: str  # local ISO 8601: when the service recorded the match
    entry_id: str
    entry_name: str
    matched: str  # the text as it stood in the article
    score: float
    kind: str  # exact | folded | fuzzy
    title: str
    outlet: str
    url: str | None
    published: str | None  # local ISO 8601, when the feed or page gave one
    story: int  # the story's lead article: copies of one story share it
    article: int = field(default=0, repr=False, compare=False)  # for the table's totals


def history_rows(
    engine: Engine,
    tz: str = "Europe/Istanbul",
    *,
    entry_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[HistoryRow]:
    """Matches recorded on or after the local day `since` (and on or before `until`)."""
    zone = ZoneInfo(tz)
    query = (
        select(matches.c.created_at, matches.c.entry_id, matches.c.name, matches.c.matched,
               matches.c.score, matches.c.kind, articles.c.title, articles.c.outlet,
               articles.c.url, articles.c.published, articles.c.id,
               story_of().label("story"))
        .join(articles, articles.c.id == matches.c.article_id)
        .order_by(matches.c.created_at, matches.c.id)
    )
    if entry_id is not None:
        query = query.where(matches.c.entry_id == entry_id)
    if since is not None:
        query = query.where(matches.c.created_at >= day_bounds(since, tz)[0])
    if until is not None:
        query = query.where(matches.c.created_at < day_bounds(until, tz)[1])
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        HistoryRow(
            matched_at=_local(row.created_at, zone),
            entry_id=row.entry_id,
            entry_name=row.name,
            matched=row.matched,
            score=round(row.score, 1),
            kind=row.kind,
            title=clean_text(row.title),
            outlet=clean_text(row.outlet),
            url=row.url,
            published=_local(row.published, zone) if row.published else None,
            story=row.story,
            article=row.id,
        )
        for row in rows
    ]


def recorded_entry_ids(engine: Engine) -> set[str]:
    """Every entry id that has ever matched."""
    with engine.connect() as conn:
        return set(conn.execute(select(matches.c.entry_id).distinct()).scalars())


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _values(row: HistoryRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in FIELDS}


def _totals(rows: list[HistoryRow]) -> str:
    """'11 matches in 5 stories (2 copies from other outlets not counted again)'."""
    stories = len({r.story for r in rows})
    copies = len({r.article for r in rows}) - stories
    line = (f"{len(rows)} match{'es' if len(rows) != 1 else ''} in {stories} "
            f"stor{'ies' if stories != 1 else 'y'}")
    return line + (f" ({copies} cop{'ies' if copies != 1 else 'y'} from other outlets "
                   "not counted again)" if copies else "")


def to_json(rows: list[HistoryRow]) -> str:
    """One JSON array of objects with FIELDS as keys."""
    return json.dumps([_values(row) for row in rows], ensure_ascii=False, indent=2)


def to_csv(rows: list[HistoryRow], *, bom: bool = True) -> str:
    """CSV text with a header row; with `bom`, it starts with U+FEFF for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow(["" if value is None else value for value in _values(row).values()])
    return (CSV_BOM if bom else "") + buffer.getvalue()


def to_table(rows: list[HistoryRow], *, title_chars: int = 70) -> list[str]:
    """Readable lines: time, entry, score and kind, outlet, title; the link below."""
    if not rows:
        return ["no matches"]
    entry_w = min(max(len(r.entry_id) for r in rows), 24)
    outlet_w = min(max(len(r.outlet) for r in rows), 24)
    lines = [f"{'MATCHED AT':<16}  {'ENTRY':<{entry_w}}  {'SCORE':>5} {'KIND':<6}  "
             f"{'OUTLET':<{outlet_w}}  TITLE"]
    for r in rows:
        title = r.title if len(r.title) <= title_chars else r.title[: title_chars - 1] + "…"
        lines.append(
            f"{r.matched_at[:16].replace('T', ' '):<16}  {r.entry_id[:entry_w]:<{entry_w}}  "
            f"{r.score:>5.0f} {r.kind:<6}  {r.outlet[:outlet_w]:<{outlet_w}}  {title}"
        )
        if r.url:
            lines.append(f"{'':<16}  {r.url}")
    lines.append(_totals(rows))
    return lines


def print_history(settings: Settings, *, entry_id: str | None, since: date | None,
                  form: Literal["table", "json", "csv"]) -> None:
    """`monitor history`: the rows to stdout; a warning when the entry id is unknown."""
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        rows = history_rows(store.engine, settings.timezone, entry_id=entry_id, since=since)
        known = recorded_entry_ids(store.engine) if entry_id and not rows else None
    finally:
        store.close()
    if known is not None and entry_id not in known:
        names = entry_names(settings)
        if names is None or entry_id not in names:
            print(f"warning: unknown entry id {entry_id!r}", file=sys.stderr)
    if form == "table":
        print("\n".join(to_table(rows)))
        return
    text = to_csv(rows) if form == "csv" else to_json(rows) + "\n"
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
