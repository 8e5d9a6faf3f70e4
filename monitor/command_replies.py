"""The bot commands' replies as Telegram HTML, built from the database (no Telegram here).

Each builder reads what it needs with a few small queries and returns one
message of at most 4,096 UTF-16 code units. Every text taken from the web
(headlines, outlets, snippets, feed errors) is cleaned and escaped; lists are
cut between items, never inside one, and say how many were left out.

    reply_son(engine)            the last 10 matched articles, newest first
    reply_bugun(engine, now=..)  today's matches (local day), grouped by entry
    reply_durum(feeds, outbox)   feeds OK / failing / disabled, outbox depth and errors
    reply_ara(engine, "tusaş")   past matches with that word in title, matched text or snippet
    reply_yardim()               the commands, one line each
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from monitor.alert_format import clean_text, clip, esc, format_time, safe_url, utf16_len
from monitor.schema import articles, matches
from monitor.text import normalize, scan_key

MAX_UNITS = 4096
LIST_LIMIT = 10  # /son and /ara
DAY_HEADLINES = 5  # /bugun: headlines shown per entry
FAILING_SHOWN = 5  # /durum: failing feeds listed
TITLE_UNITS = 200
NAME_UNITS = 60
OUTLET_UNITS = 60
SNIPPET_UNITS = 220
ERROR_UNITS = 160
URL_UNITS = 1000
SEARCH_CHUNK = 2000
SEARCH_SCAN_LIMIT = 50_000  # /ara looks back over at most this many matches

_TEXT = {
    "tr": {
        "son_title": "🕘 <b>Son eşleşmeler</b>",
        "son_empty": "Henüz eşleşme yok.",
        "day_title": "📅 <b>Bugün</b> ({day}): {articles} haber, {entries} kayıt",
        "day_empty": "📅 Bugün ({day}) henüz eşleşme yok.",
        "status_title": "📊 <b>Durum</b>",
        "feeds": "Kaynaklar: {ok} çalışıyor · {failing} hatalı · {disabled} devre dışı",
        "failing": "Hatalı kaynaklar:",
        "since": "{when} tarihinden beri",
        "last_poll": "Son tarama: {when} ({ago} önce)",
        "never_polled": "Son tarama: henüz yok",
        "outbox": "Gönderim kuyruğu: {pending} bekliyor",
        "oldest": "en eskisi {ago} önce",
        "outbox_error": "Son gönderim hatası: {error}",
        "search_title": "🔎 <b>{query}</b>: son {n} sonuç",
        "search_empty": "🔎 <b>{query}</b> için eşleşme bulunamadı.",
        "search_usage": "Kullanım: /ara &lt;kelime&gt; (örnek: /ara tusaş)",
        "more": "… ve {n} tane daha",
        "more_cut": "… {n} tane daha sığmadı",
        "copies": "🔁 +{n} kaynak",
        "untitled": "(başlıksız)",
        "units": ("gün", "sa", "dk", "sn"),
        "help": (
            "<b>Komutlar</b>\n"
            "/son: son 10 eşleşme\n"
            "/bugun: bugünün eşleşmeleri, kayıtlara göre\n"
            "/durum: kaynakların ve gönderimin durumu\n"
            "/ara &lt;kelime&gt;: geçmiş eşleşmelerde ara\n"
            "/yardim: bu liste"
        ),
    },
    "en": {
        "son_title": "🕘 <b>Latest matches</b>",
        "son_empty": "No matches yet.",
        "day_title": "📅 <b>Today</b> ({day}): {articles} articles, {entries} entries",
        "day_empty": "📅 No matches today ({day}) yet.",
        "status_title": "📊 <b>Status</b>",
        "feeds": "Feeds: {ok} OK · {failing} failing · {disabled} disabled",
        "failing": "Failing feeds:",
        "since": "since {when}",
        "last_poll": "Last poll: {when} ({ago} ago)",
        "never_polled": "Last poll: none yet",
        "outbox": "Outbox: {pending} pending",
        "oldest": "oldest {ago} ago",
        "outbox_error": "Last delivery error: {error}",
        "search_title": "🔎 <b>{query}</b>: latest {n} results",
        "search_empty": "🔎 No matches found for <b>{query}</b>.",
        "search_usage": "Usage: /ara &lt;word&gt; (e.g. /ara tusaş)",
        "more": "… and {n} more",
        "more_cut": "… {n} more did not fit",
        "copies": "🔁 +{n} outlets",
        "untitled": "(untitled)",
        "units": ("d", "h", "min", "s"),
        "help": (
            "<b>Commands</b>\n"
            "/son: the latest 10 matches\n"
            "/bugun: today's matches, by entry\n"
            "/durum: feeds and delivery status\n"
            "/ara &lt;word&gt;: search past matches\n"
            "/yardim: this list"
        ),
    },
}


def words(lang: str) -> dict:
    return _TEXT.get(lang, _TEXT["tr"])


# --- the replies ----------------------------------------------------------------------------


def reply_yardim(*, lang: str = "tr") -> str:
    return words(lang)["help"]


def reply_son(engine: Engine, *, limit: int = LIST_LIMIT, lang: str = "tr",
              tz: str = "Europe/Istanbul") -> str:
    """The last `limit` matched articles (first of their story), newest first."""
    w = words(lang)
    with engine.connect() as conn:
        rows = conn.execute(
            _article_columns()
            .where(articles.c.story_id.is_(None),
                   articles.c.id.in_(select(matches.c.article_id)))
            .order_by(articles.c.id.desc())
            .limit(limit)
        ).all()
        names = _names(conn, [row.id for row in rows])
        copies = _copy_counts(conn, [row.id for row in rows])
    if not rows:
        return w["son_empty"]
    def blocks(link: bool) -> list[str]:
        return [_article_block(row, names.get(row.id, []), copies.get(row.id, 0), lang, tz,
                               number=i, link=link)
                for i, row in enumerate(rows, 1)]

    return _fit_best([w["son_title"]], blocks, w, sep="\n\n")


def reply_bugun(engine: Engine, *, now: datetime | None = None, lang: str = "tr",
                tz: str = "Europe/Istanbul", per_entry: int = DAY_HEADLINES) -> str:
    """Today's matches (the local day of `now` in `tz`), grouped by entry, busiest first."""
    w = words(lang)
    zone = ZoneInfo(tz)
    local_now = (now or datetime.now(UTC)).astimezone(zone)
    start_local = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = start_local.astimezone(UTC)
    end = (start_local + timedelta(days=1)).astimezone(UTC)  # zone-aware midnight to midnight
    day = format_time(start, lang=lang, tz=tz).rsplit(" ", 1)[0]
    with engine.connect() as conn:
        found = conn.execute(
            select(matches.c.entry_id, matches.c.name, matches.c.article_id)
            .join(articles, articles.c.id == matches.c.article_id)
            .where(matches.c.created_at >= start, matches.c.created_at < end,
                   articles.c.story_id.is_(None))
            .order_by(matches.c.id.desc())
        ).all()
        article_ids = list(dict.fromkeys(row.article_id for row in found))
        rows = {row.id: row for row in conn.execute(
            _article_columns().where(articles.c.id.in_(article_ids))
        )} if article_ids else {}
        copies = _copy_counts(conn, article_ids)
    if not found:
        return w["day_empty"].format(day=esc(day))
    by_entry: dict[str, list[int]] = {}
    entry_names: dict[str, str] = {}
    for row in found:  # newest first
        entry_names.setdefault(row.entry_id, row.name)
        ids = by_entry.setdefault(row.entry_id, [])
        if row.article_id not in ids:
            ids.append(row.article_id)
    order = sorted(by_entry, key=lambda e: (-len(by_entry[e]), _fold(entry_names[e])))
    def blocks(link: bool) -> list[str]:
        return [_day_block(entry_id, link) for entry_id in order]

    def _day_block(entry_id: str, link: bool) -> str:
        ids = by_entry[entry_id]
        name = clip(clean_text(entry_names[entry_id]), NAME_UNITS) or "?"
        lines = [f"<b>{name}</b> ({len(ids)})"]
        for article_id in ids[:per_entry]:
            row = rows[article_id]
            when = format_time(_when(row), lang=lang, tz=tz)
            if when.rsplit(" ", 1)[0] == day:
                when = when.rsplit(" ", 1)[1]  # today: the time is enough
            extra = [clip(clean_text(row.outlet), OUTLET_UNITS), esc(when)]
            if copies.get(article_id):
                extra.append(w["copies"].format(n=copies[article_id]))
            tail = " · ".join(p for p in extra if p)
            lines.append(f"• {_headline(row, lang, link)}" + (f" ({tail})" if tail else ""))
        if len(ids) > per_entry:
            lines.append(w["more"].format(n=len(ids) - per_entry))
        return "\n".join(lines)

    header = w["day_title"].format(day=esc(day), articles=len(article_ids), entries=len(order))
    return _fit_best([header], blocks, w, sep="\n\n")


def reply_durum(feeds: Sequence, outbox, *, now: datetime | None = None, lang: str = "tr",
                tz: str = "Europe/Istanbul", failing_shown: int = FAILING_SHOWN) -> str:
    """Feed health (Store.feed_health()) and the outbox (Store.outbox_stats()) in one message."""
    w = words(lang)
    now = now or datetime.now(UTC)
    disabled = [f for f in feeds if f.disabled]
    failing = [f for f in feeds if f.consecutive_failures and not f.disabled]
    ok = len(feeds) - len(disabled) - len(failing)
    lines = [w["status_title"],
             w["feeds"].format(ok=ok, failing=len(failing), disabled=len(disabled))]
    failing.sort(key=lambda f: f.failing_since or now)
    for feed in failing[:failing_shown]:
        label = clip(clean_text(feed.name or feed.title or feed.url), OUTLET_UNITS) or "?"
        error = feed.last_error or (f"HTTP {feed.last_status}" if feed.last_status else "")
        parts = [clip(clean_text(error), ERROR_UNITS)]
        if feed.failing_since:
            parts.append(esc(w["since"].format(
                when=format_time(feed.failing_since, lang=lang, tz=tz))))
        detail = " · ".join(p for p in parts if p)
        if len(lines) == 2:
            lines.append(w["failing"])
        lines.append(f"• <b>{label}</b>" + (f": {detail}" if detail else ""))
    if len(failing) > failing_shown:
        lines.append(w["more"].format(n=len(failing) - failing_shown))
    polled = [f.last_polled_at for f in feeds if f.last_polled_at]
    if polled:
        last = max(polled)
        lines.append(w["last_poll"].format(when=esc(format_time(last, lang=lang, tz=tz)),
                                           ago=_ago(now - last, lang)))
    else:
        lines.append(w["never_polled"])
    queue = w["outbox"].format(pending=outbox.pending)
    if outbox.pending and outbox.oldest_pending_at:
        queue += " · " + w["oldest"].format(ago=_ago(now - outbox.oldest_pending_at, lang))
    lines.append(queue)
    if outbox.last_error:
        lines.append(w["outbox_error"].format(
            error=clip(clean_text(outbox.last_error), ERROR_UNITS)))
    return _fit(lines[:1], lines[1:], w, sep="\n")[0]


def reply_ara(engine: Engine, query: str, *, limit: int = LIST_LIMIT, lang: str = "tr",
              tz: str = "Europe/Istanbul", scan_limit: int = SEARCH_SCAN_LIMIT) -> str:
    """Past matches whose title, matched text, snippet or entry name contains `query`.

    Turkish-aware and case-insensitive (monitor.text's scan form: "tusas", "tusaş" and
    "TUSAŞ'ın" are the same word), matching at word starts; newest first, one line per
    article. Looks back over the latest `scan_limit` matches.
    """
    w = words(lang)
    key = scan_key(query or "")
    if not key:
        return w["search_usage"]
    shown_query = clip(clean_text(query), NAME_UNITS)
    needle = " " + key
    hits = _search(engine, needle, limit, scan_limit)
    if not hits:
        return w["search_empty"].format(query=shown_query)
    with engine.connect() as conn:
        ids = [article_id for article_id, _ in hits]
        rows = {row.id: row for row in conn.execute(
            _article_columns().where(articles.c.id.in_(ids)))}
        names = _names(conn, ids)
    def blocks(link: bool) -> list[str]:
        found = []
        for i, (article_id, snippet) in enumerate(hits, 1):
            block = _article_block(rows[article_id], names.get(article_id, []), 0, lang, tz,
                                   number=i, link=link)
            text = clip(clean_text(snippet), SNIPPET_UNITS)
            found.append(block + (f"\n💬 {text}" if text else ""))
        return found

    header = w["search_title"].format(query=shown_query, n=len(hits))
    return _fit_best([header], blocks, w, sep="\n\n")


# --- queries --------------------------------------------------------------------------------


def _article_columns():  # type: ignore[no-untyped-def]
    return select(articles.c.id, articles.c.title, articles.c.url, articles.c.outlet,
                  articles.c.published, articles.c.created_at)


def _names(conn, article_ids: Sequence[int]) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
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


def _copy_counts(conn, article_ids: Sequence[int]) -> dict[int, int]:  # type: ignore[no-untyped-def]
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
    """(article id, snippet) of the newest `limit` articles whose matches contain `needle`."""
    hits: dict[int, str] = {}
    folded_titles: dict[int, str] = {}
    before: int | None = None
    scanned = 0
    while scanned < scan_limit and len(hits) < limit:
        query = (
            select(matches.c.id, matches.c.article_id, matches.c.name, matches.c.matched,
                   matches.c.snippet, articles.c.title)
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
            if row.article_id in hits:
                continue
            title = folded_titles.get(row.article_id)
            if title is None:
                title = folded_titles[row.article_id] = normalize(row.title or "").scan + " "
            snippet_scan = normalize(row.snippet or "").scan
            if (needle in title or needle in snippet_scan
                    or needle in normalize(row.matched or "").scan
                    or needle in normalize(row.name or "").scan):
                hits[row.article_id] = row.snippet or ""
                if len(hits) >= limit:
                    break
    return list(hits.items())


# --- formatting -----------------------------------------------------------------------------


def _when(row) -> datetime | None:  # type: ignore[no-untyped-def]
    return row.published or row.created_at


def _headline(row, lang: str, link: bool = True) -> str:  # type: ignore[no-untyped-def]
    title = clip(clean_text(row.title), TITLE_UNITS) or esc(words(lang)["untitled"])
    url = safe_url(row.url)
    href = html.escape(url, quote=True) if url else None
    if link and href and utf16_len(href) <= URL_UNITS:
        return f'<a href="{href}">{title}</a>'
    return title


def _article_block(row, names: Iterable[str], copies: int, lang: str, tz: str,  # type: ignore[no-untyped-def]
                   *, number: int, link: bool = True) -> str:
    bold = [f"<b>{clip(clean_text(n), NAME_UNITS) or '?'}</b>" for n in names]
    lines = [f"{number}. " + (" · ".join(bold[:5]) if bold else "")]
    if len(bold) > 5:
        lines[0] += " " + words(lang)["more"].format(n=len(bold) - 5)
    lines.append(_headline(row, lang, link))
    source = [clip(clean_text(row.outlet), OUTLET_UNITS),
              esc(format_time(_when(row), lang=lang, tz=tz))]
    if copies:
        source.append(words(lang)["copies"].format(n=copies))
    source = [p for p in source if p]
    if source:
        lines.append("📰 " + " · ".join(source))
    return "\n".join(lines)


def _fit_best(head: list[str], blocks: Callable[[bool], list[str]], w: dict, *,
              sep: str) -> str:
    """With links when every item fits; otherwise whichever of linked/unlinked shows more."""
    linked = blocks(True)
    message, shown = _fit(head, linked, w, sep=sep)
    if shown == len(linked):
        return message
    plain, shown_plain = _fit(head, blocks(False), w, sep=sep)
    return plain if shown_plain > shown else message


def _fit(head: list[str], blocks: list[str], w: dict, *, sep: str) -> tuple[str, int]:
    """Header plus as many whole blocks as fit in one message (the rest counted); and how many."""
    message = sep.join(head)
    for i, block in enumerate(blocks):
        left = len(blocks) - i - 1
        candidate = message + sep + block
        # keep room for the "n more" line unless this is the last block
        reserve = 0 if left == 0 else utf16_len(sep + w["more_cut"].format(n=left))
        if utf16_len(candidate) + reserve > MAX_UNITS:
            return message + sep + w["more_cut"].format(n=len(blocks) - i), i
        message = candidate
    return message, len(blocks)


def _ago(delta: timedelta, lang: str) -> str:
    """'3 sa 5 dk', '12 dk', '40 sn', '2 gün 4 sa'."""
    day_u, hour_u, min_u, sec_u = words(lang)["units"]
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


def _fold(text: str) -> str:
    return normalize(text or "").scan
