"""The daily digest as Telegram HTML and plain text (pure; `monitor.reports.digest` builds it).

`render_digest_html` and the chart (`monitor.messages.chart`) are deterministic:
the same digest gives the same text and the same PNG bytes. Every count is of
stories (an article and its copies from other outlets count once), worded by
`story_totals` exactly as `/bugun` words it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from monitor.messages.markup import MONTHS, clean_text, clip, esc, plain_text, safe_url, utf16_len

CAPTION_UNITS = 1024  # Telegram's photo caption limit (UTF-16 code units)
MESSAGE_UNITS = 4096

SHORT_MONTHS = {
    "tr": ("Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
TEXT = {
    "tr": {
        "title": "📊 <b>Günlük özet: {day}</b>",
        "totals": "{stories} haber · {entries} takip edilen",
        "totals_copies": "aynı haberin başka kaynaklardaki {copies} kopyası ayrıca sayılmadı",
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
        "totals": "{stories} stories · {entries} watched entries",
        "totals_copies": "{copies} copies of them in other outlets not counted again",
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
    count: int  # stories of the day that mention the entry


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
    counts: tuple[EntryCount, ...]  # the day's stories per entry, most first
    story_count: int  # distinct stories with a match on the day
    stories: tuple[Story, ...]  # top stories: most matched entries, then newest
    days: tuple[date, ...]  # the chart's days, oldest first, ending with `day`
    series: tuple[Series, ...]  # stories per entry per day, busiest entry first
    copies: int = 0  # the day's matched articles beyond the first of each story

    @property
    def texts(self) -> dict[str, str]:
        return TEXT.get(self.lang, TEXT["tr"])


def long_date(day: date, lang: str = "tr") -> str:
    """'28 Kasım 2026'."""
    return f"{day.day} {MONTHS.get(lang, MONTHS['tr'])[day.month - 1]} {day.year}"


def short_date(day: date, lang: str = "tr") -> str:
    """'28 Kas', as the chart's axis shows dates."""
    return f"{day.day} {SHORT_MONTHS.get(lang, SHORT_MONTHS['tr'])[day.month - 1]}"


def story_totals(stories: int, entries: int, copies: int, lang: str = "tr") -> str:
    """'5 haber · 3 takip edilen · aynı haberin başka kaynaklardaki 2 kopyası ayrıca
    sayılmadı': the day's totals, the same words in the digest and in /bugun."""
    t = TEXT.get(lang, TEXT["tr"])
    line = t["totals"].format(stories=stories, entries=entries)
    return line + (" · " + t["totals_copies"].format(copies=copies) if copies else "")


def _head(digest: Digest) -> list[str]:
    t = digest.texts
    lines = [t["title"].format(day=esc(long_date(digest.day, digest.lang)))]
    if digest.story_count:
        entries = sum(1 for c in digest.counts if c.count)
        lines.append(story_totals(digest.story_count, entries, digest.copies, digest.lang))
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
