"""The daily digest: the day's mentions per watchlist entry, its top stories, a 14-day chart.

    digest = build_digest(store.engine, date(2026, 11, 28), "Europe/Istanbul")
    await send_digest(sender, chat_id, digest)        # TelegramSender or ConsoleSender

A day is the local calendar day in the configured time zone, and a mention is
counted on the day the service recorded the match (`matches.created_at`, the
moment it was alerted), so the digest of a day counts what staff were told that
day. Each article counts once per entry; copies of one story from several
outlets each count (that is the coverage), but the top stories list each story
once (its first article), with the number of further outlets.

`build_digest` only reads; `render_digest_html` and `render_chart` are pure and
deterministic (the same data gives the same text and the same PNG bytes).
"""

from __future__ import annotations

import asyncio
import html
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from monitor.alert_format import MONTHS, clean_text, clip, esc, plain_text, safe_url, utf16_len
from monitor.errors import DeliveryError
from monitor.schema import articles, matches

DAYS = 14  # the chart's window, ending with the digest's day
TOP_STORIES = 5
CAPTION_UNITS = 1024  # Telegram's photo caption limit (UTF-16 code units)
MESSAGE_UNITS = 4096
PER_CHAT_GAP_S = 1.1  # Telegram: about one message a second to one chat
SEND_ATTEMPTS = 3  # per Bot API call, when Telegram answers retry_after
MAX_RETRY_AFTER_S = 60.0

SHORT_MONTHS = {
    "tr": ("Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
TEXT = {
    "tr": {
        "title": "📊 <b>Günlük özet: {day}</b>",
        "totals": "{articles} haberde {mentions} eşleşme",
        "none": "Bu gün için eşleşme yok.",
        "counts": "<b>Takip edilenler</b>",
        "stories": "<b>Öne çıkan haberler</b>",
        "copies": "+{n} kaynak daha",
        "more": "… +{n} daha",
        "untitled": "(başlıksız)",
        "chart_title": "Son {days} gün: günlük haber sayısı",
        "chart_y": "Haber sayısı",
        "chart_empty": "Son {days} günde eşleşme yok",
        "others": "Diğer",
        "full_below": "Ayrıntılar aşağıda.",
    },
    "en": {
        "title": "📊 <b>Daily digest: {day}</b>",
        "totals": "{mentions} mentions in {articles} articles",
        "none": "No matches on this day.",
        "counts": "<b>Watched entries</b>",
        "stories": "<b>Top stories</b>",
        "copies": "+{n} more outlets",
        "more": "… +{n} more",
        "untitled": "(untitled)",
        "chart_title": "Last {days} days: articles per day",
        "chart_y": "Articles",
        "chart_empty": "No matches in the last {days} days",
        "others": "Others",
        "full_below": "Details below.",
    },
}


@dataclass(frozen=True)
class EntryCount:
    entry_id: str
    name: str
    count: int  # articles of the day that mention the entry


@dataclass(frozen=True)
class Story:
    article_id: int
    title: str
    outlet: str
    url: str | None
    published: datetime | None  # aware UTC, as stored
    recorded_at: datetime  # aware UTC: when the match was recorded
    entries: tuple[str, ...]  # names of the matched entries
    copies: int = 0  # further articles of the same story (other outlets)


@dataclass(frozen=True)
class Series:
    entry_id: str  # "" for the "others" line
    name: str
    counts: tuple[int, ...]  # one per day of Digest.days


@dataclass(frozen=True)
class Digest:
    day: date
    tz: str
    lang: str
    counts: tuple[EntryCount, ...]  # the day's mentions per entry, most first
    articles: int  # distinct articles with a match on the day
    stories: tuple[Story, ...]  # top stories: most matched entries, then newest
    days: tuple[date, ...]  # the chart's days, oldest first, ending with `day`
    series: tuple[Series, ...]  # mentions per entry per day, busiest entry first

    @property
    def mentions(self) -> int:
        return sum(c.count for c in self.counts)

    @property
    def texts(self) -> dict[str, str]:
        return TEXT.get(self.lang, TEXT["tr"])


# --- building ---------------------------------------------------------------------------


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
    zone = ZoneInfo(tz)
    first = day - timedelta(days=days - 1)
    window_start, _ = day_bounds(first, tz)
    day_start, day_end = day_bounds(day, tz)
    with engine.connect() as conn:
        rows = conn.execute(
            select(matches.c.article_id, matches.c.entry_id, matches.c.name,
                   matches.c.created_at)
            .where(matches.c.created_at >= window_start, matches.c.created_at < day_end)
            .order_by(matches.c.created_at, matches.c.id)
        ).all()
    names: dict[str, str] = {}
    per_day: dict[str, dict[date, set[int]]] = defaultdict(lambda: defaultdict(set))
    today_entries: dict[int, list[str]] = defaultdict(list)
    recorded: dict[int, datetime] = {}
    for row in rows:
        names[row.entry_id] = row.name  # ordered by time: the latest name wins
        local_day = row.created_at.astimezone(zone).date()
        per_day[row.entry_id][local_day].add(row.article_id)
        if day_start <= row.created_at < day_end:
            if row.entry_id not in today_entries[row.article_id]:
                today_entries[row.article_id].append(row.entry_id)
            recorded[row.article_id] = max(recorded.get(row.article_id, row.created_at),
                                           row.created_at)
    if entries:
        names.update(entries)
    order = {entry_id: i for i, entry_id in enumerate(entries or ())}

    counts = sorted(
        (
            EntryCount(entry_id, names[entry_id], len(per_day.get(entry_id, {}).get(day, ())))
            for entry_id in names
            if entry_id in order or per_day.get(entry_id, {}).get(day)
        ),
        key=lambda c: (-c.count, order.get(c.entry_id, len(order)), c.name.casefold(),
                       c.entry_id),
    )
    chart_days = tuple(first + timedelta(days=i) for i in range(days))
    lines = [
        Series(entry_id, names[entry_id],
               tuple(len(per_day[entry_id].get(d, ())) for d in chart_days))
        for entry_id in per_day
    ]
    lines.sort(key=lambda s: (-sum(s.counts), s.name.casefold(), s.entry_id))
    if len(lines) > max_series:
        rest = lines[max_series - 1:]
        others = tuple(sum(s.counts[i] for s in rest) for i in range(days))
        lines = [*lines[: max_series - 1], Series("", TEXT.get(lang, TEXT["tr"])["others"],
                                                  others)]
    stories = _top_stories(engine, today_entries, recorded, names, top)
    return Digest(
        day=day,
        tz=tz,
        lang=lang,
        counts=tuple(counts),
        articles=len(today_entries),
        stories=stories,
        days=chart_days,
        series=tuple(lines),
    )


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
                       articles.c.published, articles.c.story_id)
                .where(articles.c.id.in_(chunk))
            )
        }
        firsts = [a for a in found.values() if a.story_id is None]

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


# --- text -------------------------------------------------------------------------------


def long_date(day: date, lang: str = "tr") -> str:
    """'28 Kasım 2026'."""
    return f"{day.day} {MONTHS.get(lang, MONTHS['tr'])[day.month - 1]} {day.year}"


def short_date(day: date, lang: str = "tr") -> str:
    """'28 Kas', as the chart's axis shows dates."""
    return f"{day.day} {SHORT_MONTHS.get(lang, SHORT_MONTHS['tr'])[day.month - 1]}"


def _head(digest: Digest) -> list[str]:
    t = digest.texts
    lines = [t["title"].format(day=esc(long_date(digest.day, digest.lang)))]
    if digest.articles:
        lines.append(t["totals"].format(articles=digest.articles, mentions=digest.mentions))
    else:
        lines.append(t["none"])
    return lines


def _count_line(c: EntryCount) -> str:
    return f"• {clip(clean_text(c.name), 80)}: <b>{c.count}</b>"


def _story_line(n: int, s: Story, t: Mapping[str, str], link: bool) -> str:
    title = clip(clean_text(s.title), 250) or esc(t["untitled"])
    url = safe_url(s.url) if link else None
    if url and utf16_len(url) <= 1000:
        title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
    parts = [f"{n}. {title}"]
    outlet = clip(clean_text(s.outlet), 80)
    if outlet:
        parts.append(f"— <i>{outlet}</i>")
    if s.copies:
        parts.append(f"({esc(t['copies'].format(n=s.copies))})")
    names = clip(clean_text(", ".join(s.entries)), 200)
    line = " ".join(parts)
    return f"{line}\n    {names}" if names else line


def _compose(digest: Digest, max_counts: int, max_stories: int, links: bool) -> str:
    t = digest.texts
    lines = _head(digest)
    if digest.counts and max_counts:
        lines += ["", t["counts"]]
        lines += [_count_line(c) for c in digest.counts[:max_counts]]
        if len(digest.counts) > max_counts:
            lines.append(esc(t["more"].format(n=len(digest.counts) - max_counts)))
    if digest.stories and max_stories:
        lines += ["", t["stories"]]
        lines += [_story_line(i, s, t, links)
                  for i, s in enumerate(digest.stories[:max_stories], 1)]
    return "\n".join(lines)


def render_digest_html(digest: Digest, *, limit: int = MESSAGE_UNITS) -> str:
    """The digest as Telegram HTML (one message, at most `limit` UTF-16 units).

    Every text from the web or the watchlist is cleaned and escaped. When too long,
    story links go first, then stories, then entry lines (with a "+N more" line).
    """
    n_counts, n_stories = len(digest.counts), len(digest.stories)
    levels = [(n_counts, n_stories, True), (n_counts, n_stories, False)]
    levels += [(n_counts, k, False) for k in range(n_stories - 1, -1, -1)]
    levels += [(k, 0, False) for k in (40, 20, 10, 5, 0) if k < n_counts]
    for max_counts, max_stories, links in levels:
        text = _compose(digest, max_counts, max_stories, links)
        if utf16_len(text) <= limit:
            return text
    return "\n".join(_head(digest))  # a title and one line: always short


def digest_messages(digest: Digest) -> tuple[str, str | None]:
    """(photo caption, follow-up message or None).

    The whole digest is the caption when it fits Telegram's 1,024-unit caption limit;
    otherwise the caption is the title and totals, and the full text follows.
    """
    full = render_digest_html(digest)
    if utf16_len(full) <= CAPTION_UNITS:
        return full, None
    caption = "\n".join([*_head(digest), "", esc(digest.texts["full_below"])])
    return caption, full


def render_digest_text(digest: Digest) -> str:
    """The digest as plain text (for the console and `monitor digest --out`)."""
    return plain_text(render_digest_html(digest))


def render_chart(digest: Digest) -> bytes:
    """The 14-day chart as PNG bytes (matplotlib, Agg); see monitor.chart."""
    from monitor.chart import render_chart as render  # matplotlib loads only when needed

    return render(digest)


# --- sending ----------------------------------------------------------------------------

T = TypeVar("T")
_sleep = asyncio.sleep  # patched by tests


async def send_digest(
    sender: object,
    chat_id: str,
    digest: Digest,
    *,
    out_dir: Path | str = "data",
    stream: TextIO | None = None,
    png: bytes | None = None,
) -> None:
    """Send the chart with a caption, then the full text when the caption could not hold it.

    With a TelegramSender (anything with a `.bot`): sendPhoto, then sendMessage to the
    same chat a second later (Telegram's per-chat pace). Telegram's `retry_after` is
    honoured a few times; other failures raise DeliveryError (`.permanent` as for
    alerts). With a ConsoleSender: the PNG goes to OUT_DIR/digest-YYYY-MM-DD.png and the
    text and the path are printed. Pass `png` (render_chart(digest), e.g. made in a
    thread with asyncio.to_thread) to keep the ~0.3 s of drawing off the event loop.
    """
    if png is None:
        png = render_chart(digest)
    bot = getattr(sender, "bot", None)
    if bot is None:
        path = Path(out_dir) / f"digest-{digest.day.isoformat()}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        out = stream or sys.stdout
        out.write(f"--- digest {digest.day.isoformat()} to {chat_id} ---\n"
                  f"{render_digest_text(digest)}\nchart: {path}\n\n")
        out.flush()
        return

    from telegram import LinkPreviewOptions
    from telegram.constants import ParseMode
    from telegram.error import RetryAfter, TelegramError

    from monitor.telegram import _delivery_error

    async def call(method: str, request: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await request()
            except RetryAfter as exc:
                error = _delivery_error(exc, method)
                if attempt == SEND_ATTEMPTS or (error.retry_after or 0) > MAX_RETRY_AFTER_S:
                    raise error from None
                await _sleep(error.retry_after or 1.0)
            except TelegramError as exc:
                raise _delivery_error(exc, method) from None
        raise DeliveryError(f"{method}: no attempt left")  # pragma: no cover

    start = getattr(sender, "start", None)
    if start is not None:
        await start()
    caption, text = digest_messages(digest)
    await call("sendPhoto", lambda: bot.send_photo(
        chat_id=chat_id, photo=png, caption=caption, parse_mode=ParseMode.HTML))
    if text:
        await _sleep(PER_CHAT_GAP_S)
        await call("sendMessage", lambda: bot.send_message(
            chat_id=chat_id, text=text, parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))
