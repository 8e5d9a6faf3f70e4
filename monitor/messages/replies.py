"""The bot commands' replies as Telegram HTML (pure: the rows come from `monitor.reports.recent`).

Each renderer returns one message of at most 4,096 UTF-16 code units. Every
text taken from the web (headlines, outlets, snippets, feed errors) is cleaned
and escaped; lists are cut between items, never inside one, and say how many
were left out.

    render_son(listed)             the last matched articles, newest first
    render_bugun(groups, day=..)   today's stories, grouped by entry (counted as the digest)
    render_durum(feeds, outbox)    feeds OK / failing / disabled, outbox depth and errors,
                                   given `workers=`, the workers alive and what they hold
    render_ara(query, hits)        past stories with a word in title, matched text or snippet
    reply_yardim()                 the commands, one line each
    reply_unknown("/x")            an unknown command: said so, then the commands
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.messages.digest import story_totals
from monitor.messages.markup import (
    clean_text,
    clip,
    esc,
    fit_best,
    fit_blocks,
    format_time,
    safe_url,
    utf16_len,
)
from monitor.messages.phrases import AGO_UNITS, HOLDS_WORDS, reply_words
from monitor.models import FeedHealth, OutboxStats

DAY_HEADLINES = 5  # /bugun: headlines shown per entry
FAILING_SHOWN = 5  # /durum: failing feeds listed
WORKERS_SHOWN = 10  # /durum: live workers listed
# a worker heard from within this is alive (`monitor feeds`, /durum): as
# monitor.telegram.workers.STALE, which lies above (tests keep the two equal)
ALIVE_WITHIN = timedelta(seconds=90)
TITLE_UNITS = 200
NAME_UNITS = 60
OUTLET_UNITS = 60
SNIPPET_UNITS = 220
ERROR_UNITS = 160
URL_UNITS = 1000


@dataclass(frozen=True)
class Listed:
    """One matched article as a reply lists it."""

    id: int
    title: str
    url: str | None
    outlet: str
    published: datetime | None
    created_at: datetime
    names: tuple[str, ...] = ()  # the entries it matched, in match order
    copies: int = 0  # other outlets that carried its story

    @property
    def when(self) -> datetime:
        return self.published or self.created_at


@dataclass(frozen=True)
class DayGroup:
    """One entry's matches of the day, newest first."""

    name: str
    articles: tuple[Listed, ...]


DAY_TITLE = {"tr": "📅 <b>Bugün</b> ({day}): {totals}", "en": "📅 <b>Today</b> ({day}): {totals}"}
UNKNOWN = {"tr": "{command} diye bir komut yok.", "en": "There is no {command} command."}


def reply_yardim(*, lang: str = "tr") -> str:
    return reply_words(lang)["help"]


def reply_unknown(command: str, *, lang: str = "tr") -> str:
    """The answer to a command the bot does not know: which one, then the list."""
    shown = clip(clean_text(command), NAME_UNITS) or "?"
    return UNKNOWN.get(lang, UNKNOWN["tr"]).format(command=shown) + "\n\n" + reply_yardim(lang=lang)


def render_son(listed: Sequence[Listed], *, lang: str = "tr", tz: str = "Europe/Istanbul") -> str:
    """The latest matched articles (first of their story), newest first."""
    w = reply_words(lang)
    if not listed:
        return w["son_empty"]

    def blocks(link: bool) -> list[str]:
        return [_article_block(item, lang, tz, number=i, link=link)
                for i, item in enumerate(listed, 1)]

    return fit_best([w["son_title"]], blocks, w["more_cut"], sep="\n\n")


def render_bugun(groups: Sequence[DayGroup], *, day: datetime, lang: str = "tr",
                 tz: str = "Europe/Istanbul", per_entry: int = DAY_HEADLINES,
                 copies: int = 0) -> str:
    """Today's stories grouped by entry (busiest first, as given); `day` is its local start.

    `copies`: the day's matched articles that are copies of a listed story.
    """
    w = reply_words(lang)
    day_label = format_time(day, lang=lang, tz=tz).rsplit(" ", 1)[0]
    if not groups:
        return w["day_empty"].format(day=esc(day_label))

    def block(group: DayGroup, link: bool) -> str:
        name = clip(clean_text(group.name), NAME_UNITS) or "?"
        lines = [f"<b>{name}</b> ({len(group.articles)})"]
        for item in group.articles[:per_entry]:
            when = format_time(item.when, lang=lang, tz=tz)
            if when.rsplit(" ", 1)[0] == day_label:
                when = when.rsplit(" ", 1)[1]  # today: the time is enough
            extra = [clip(clean_text(item.outlet), OUTLET_UNITS), esc(when)]
            if item.copies:
                extra.append(w["copies"].format(n=item.copies))
            tail = " · ".join(p for p in extra if p)
            lines.append(f"• {_headline(item, lang, link)}" + (f" ({tail})" if tail else ""))
        if len(group.articles) > per_entry:
            lines.append(w["more"].format(n=len(group.articles) - per_entry))
        return "\n".join(lines)

    stories = len({a.id for g in groups for a in g.articles})
    totals = story_totals(stories, len(groups), copies, lang)
    header = DAY_TITLE.get(lang, DAY_TITLE["tr"]).format(day=esc(day_label), totals=totals)
    return fit_best([header], lambda link: [block(g, link) for g in groups], w["more_cut"],
                    sep="\n\n")


def render_durum(feeds: Sequence[FeedHealth], outbox: OutboxStats, *,
                 now: datetime | None = None, lang: str = "tr", tz: str = "Europe/Istanbul",
                 failing_shown: int = FAILING_SHOWN,
                 verdicts: tuple[int, int] | None = None,
                 workers: Sequence[tuple[str, datetime, str]] | None = None,
                 alive_within: timedelta = ALIVE_WITHIN) -> str:
    """Feed health, the outbox, the workers alive and the week's verdicts in one message.

    `verdicts`: (relevant, irrelevant); `workers`: (id, last heartbeat, holds) of the
    workers heard from within `alive_within` (None: the section is left out).
    """
    w = reply_words(lang)
    now = now or datetime.now(UTC)
    disabled = [f for f in feeds if f.disabled]
    failing = [f for f in feeds if f.consecutive_failures and not f.disabled]
    ok = len(feeds) - len(disabled) - len(failing)
    lines = [w["status_title"],
             w["feeds"].format(ok=ok, failing=len(failing), disabled=len(disabled))]
    failing.sort(key=lambda f: f.failing_since or now)
    if failing:
        lines.append(w["failing"])
    lines += [_failing_line(feed, lang, tz) for feed in failing[:failing_shown]]
    if len(failing) > failing_shown:
        lines.append(w["more"].format(n=len(failing) - failing_shown))
    silent = [f for f in feeds if f.silent_since and not f.consecutive_failures
              and not f.disabled]
    if silent:
        lines.append(w["silent"])
    lines += [_silent_line(feed, lang, tz) for feed in silent[:failing_shown]]
    if len(silent) > failing_shown:
        lines.append(w["more"].format(n=len(silent) - failing_shown))
    polled = [f.last_polled_at for f in feeds if f.last_polled_at]
    if polled:
        last = max(polled)
        lines.append(w["last_poll"].format(when=esc(format_time(last, lang=lang, tz=tz)),
                                           ago=ago(now - last, lang)))
    else:
        lines.append(w["never_polled"])
    queue = w["outbox"].format(pending=outbox.pending)
    if outbox.pending and outbox.oldest_pending_at:
        queue += " · " + w["oldest"].format(ago=ago(now - outbox.oldest_pending_at, lang))
    lines.append(queue)
    if outbox.last_error:
        lines.append(w["outbox_error"].format(
            error=clip(clean_text(outbox.last_error), ERROR_UNITS)))
    if workers is not None:
        lines += _worker_lines(workers, now, lang, alive_within)
    if verdicts is not None:
        lines.append(w["feedback"].format(relevant=verdicts[0], irrelevant=verdicts[1]))
    return fit_blocks(lines[:1], lines[1:], w["more_cut"], sep="\n")[0]


def _failing_line(feed: FeedHealth, lang: str, tz: str) -> str:
    label = clip(clean_text(feed.name or feed.title or feed.url), OUTLET_UNITS) or "?"
    error = feed.last_error or (f"HTTP {feed.last_status}" if feed.last_status else "")
    parts = [clip(clean_text(error), ERROR_UNITS)]
    if feed.failing_since:
        since = format_time(feed.failing_since, lang=lang, tz=tz)
        parts.append(esc(reply_words(lang)["since"].format(when=since)))
    detail = " · ".join(p for p in parts if p)
    return f"• <b>{label}</b>" + (f": {detail}" if detail else "")


def _worker_lines(workers: Sequence[tuple[str, datetime, str]], now: datetime, lang: str,
                  alive_within: timedelta) -> list[str]:
    w = reply_words(lang)
    if not workers:
        return [w["no_workers"].format(within=f"{alive_within.total_seconds():.0f}")]
    lines = [w["workers"].format(n=len(workers))]
    for worker_id, beat, holds in workers[:WORKERS_SHOWN]:
        age = max(0, int((now - beat).total_seconds()))
        name = clip(clean_text(worker_id), OUTLET_UNITS) or "?"
        held = clip(clean_text(_holds(holds, lang)), ERROR_UNITS)
        line = f"• <code>{name}</code>: " + esc(w["worker"].format(age=age))
        lines.append(line + (f" · {held}" if held else ""))
    if len(workers) > WORKERS_SHOWN:
        lines.append(w["more"].format(n=len(workers) - WORKERS_SHOWN))
    return lines


def _holds(holds: str, lang: str) -> str:
    """'12 feeds, 0 alerts, commands' in the reply's language; unknown words stay as they are."""
    words = HOLDS_WORDS.get(lang, {})
    return re.sub(r"[a-z]+", lambda m: words.get(m[0], m[0]), holds)


def _silent_line(feed: FeedHealth, lang: str, tz: str) -> str:
    label = clip(clean_text(feed.name or feed.title or feed.url), OUTLET_UNITS) or "?"
    if feed.last_new_at is None:
        return f"• <b>{label}</b>"
    when = format_time(feed.last_new_at, lang=lang, tz=tz)
    return f"• <b>{label}</b>: " + esc(reply_words(lang)["last_new"].format(when=when))


def render_ara(query: str, hits: Sequence[tuple[Listed, str]], *, lang: str = "tr",
               tz: str = "Europe/Istanbul") -> str:
    """The search's hits (article, snippet), newest first; the usage line for an empty query."""
    w = reply_words(lang)
    shown_query = clip(clean_text(query), NAME_UNITS)
    if not hits:
        return w["search_empty"].format(query=shown_query)

    def blocks(link: bool) -> list[str]:
        found = []
        for i, (item, snippet) in enumerate(hits, 1):
            block = _article_block(item, lang, tz, number=i, link=link)
            text = clip(clean_text(snippet), SNIPPET_UNITS)
            found.append(block + (f"\n💬 {text}" if text else ""))
        return found

    header = w["search_title"].format(query=shown_query, n=len(hits))
    return fit_best([header], blocks, w["more_cut"], sep="\n\n")


def search_usage(*, lang: str = "tr") -> str:
    return reply_words(lang)["search_usage"]


def _headline(item: Listed, lang: str, link: bool = True) -> str:
    title = clip(clean_text(item.title), TITLE_UNITS) or esc(reply_words(lang)["untitled"])
    url = safe_url(item.url)
    href = html.escape(url, quote=True) if url else None
    if link and href and utf16_len(href) <= URL_UNITS:
        return f'<a href="{href}">{title}</a>'
    return title


def _article_block(item: Listed, lang: str, tz: str, *, number: int,
                   link: bool = True) -> str:
    w = reply_words(lang)
    bold = [f"<b>{clip(clean_text(n), NAME_UNITS) or '?'}</b>" for n in item.names]
    lines = [f"{number}. " + (" · ".join(bold[:5]) if bold else "")]
    if len(bold) > 5:
        lines[0] += " " + w["more"].format(n=len(bold) - 5)
    lines.append(_headline(item, lang, link))
    source = [clip(clean_text(item.outlet), OUTLET_UNITS),
              esc(format_time(item.when, lang=lang, tz=tz))]
    if item.copies:
        source.append(w["copies"].format(n=item.copies))
    source = [p for p in source if p]
    if source:
        lines.append("📰 " + " · ".join(source))
    return "\n".join(lines)


def ago(delta: timedelta, lang: str) -> str:
    """'3 sa 5 dk', '12 dk', '40 sn', '2 gün 4 sa'."""
    day_u, hour_u, min_u, sec_u = AGO_UNITS.get(lang, AGO_UNITS["tr"])
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} {day_u}" + (f" {hours} {hour_u}" if hours else "")
    if hours:
        return f"{hours} {hour_u}" + (f" {minutes} {min_u}" if minutes else "")
    if minutes:
        return f"{minutes} {min_u}"
    return f"{secs} {sec_u}"
