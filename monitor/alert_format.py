"""Alert messages as Telegram HTML (pure).

Every text taken from the web is cleaned (control, zero-width and bidi
characters removed, whitespace collapsed) and escaped; a message never exceeds
4,096 UTF-16 code units. When a message would be too long, the snippets are cut
first, then the headline, then the link, always at clean boundaries: texts are
cut before they are escaped, so a cut never falls inside an entity or a tag.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.models import Alert, Match

MAX_UNITS = 4096
TITLE_CHARS = 300
MAX_SNIPPETS = 3
MAX_NAMES = 10
MAX_COPIES = 10
NAME_UNITS = 80
OUTLET_UNITS = 120
URL_UNITS = 2000
ELLIPSIS = "…"

MONTHS = {  # month names by language; the digest uses them too
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
           "Eylül", "Ekim", "Kasım", "Aralık"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_TEXT = {
    "tr": {"untitled": "(başlıksız)", "more": "+{n} daha", "copies": "Aynı haber",
           "no_body": "⚠️ Haberin metni okunamadı; eşleşme başlık ve özetten."},
    "en": {"untitled": "(untitled)", "more": "+{n} more", "copies": "Same story",
           "no_body": "⚠️ The article text could not be read; matched in the headline and summary."},
}
# Zero-width, bidi embedding/override/isolate marks, BOM, word joiner, soft hyphen.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>")
# (snippet context chars per side or None for whole, snippets, title chars, link)
_LEVELS = (
    (None, 3, TITLE_CHARS, True), (120, 3, TITLE_CHARS, True), (60, 3, TITLE_CHARS, True),
    (30, 2, TITLE_CHARS, True), (0, 1, TITLE_CHARS, True), (0, 0, TITLE_CHARS, True),
    (0, 0, 150, True), (0, 0, 150, False), (0, 0, 60, False),
)


def utf16_len(s: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count 2)."""
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def clean_text(text: str | None, *, keep_newlines: bool = False) -> str:
    """Drop control/invisible characters and collapse whitespace (one line unless asked)."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", text)
    text = "".join(
        c for c in text
        if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn")
    )
    if keep_newlines:
        return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
    return " ".join(text.split())


def esc(text: str) -> str:
    """Escape text for use outside tags."""
    return html.escape(text, quote=False)


def _cut_end(text: str, n: int) -> str:
    """The first `n` characters of `text`, ended at a word boundary when one is near."""
    if len(text) <= n:
        return text
    head = text[:n]
    space = head.rfind(" ")
    if space >= n * 0.7:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def _cut_start(text: str, n: int) -> str:
    """The last `n` characters of `text`, started at a word boundary when one is near."""
    if len(text) <= n:
        return text
    tail = text[len(text) - n:]
    space = tail.find(" ")
    if 0 <= space <= n * 0.3:
        tail = tail[space + 1:]
    return ELLIPSIS + tail.lstrip()


def clip(text: str, units: int) -> str:
    """Escape `text`, cut first so the escaped result has at most `units` UTF-16 units."""
    def fits(n: int) -> bool:
        return utf16_len(esc(_cut_end(text, n))) <= units

    if fits(len(text)):
        return esc(text)
    lo, hi = 0, len(text)
    while lo < hi:  # the longest cut that fits once escaped
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return esc(_cut_end(text, lo)) if lo and fits(lo) else ""


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, cleaned; otherwise None."""
    url = clean_text(url)
    if not url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def format_time(published: datetime | None, *, lang: str = "tr",
                tz: str = "Europe/Istanbul") -> str:
    """'28 Kasım 2026 14:05' in the given zone; naive datetimes are taken as UTC."""
    if published is None:
        return ""
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    local = published.astimezone(ZoneInfo(tz))
    month = MONTHS.get(lang, MONTHS["tr"])[local.month - 1]
    return f"{local.day} {month} {local.year} {local:%H:%M}"


def _best_per_entry(matches: tuple[Match, ...]) -> list[Match]:
    """One match per entry (the best scored, body before title on ties), in first-seen order."""
    best: dict[str, Match] = {}
    for m in matches:
        cur = best.get(m.entry_id)
        if cur is None or (m.score, m.field == "body") > (cur.score, cur.field == "body"):
            best[m.entry_id] = m
    return list(best.values())


def snippet_html(m: Match, context: int | None) -> str:
    """The snippet with the matched span in bold; `context` chars kept on each side."""
    snip, s, e = m.snippet or "", m.snippet_start, m.snippet_end
    if not (0 <= s < e <= len(snip)):
        found = snip.lower().find((m.matched or "").lower()) if m.matched else -1
        if found < 0:
            text = clean_text(snip)
            return esc(text if context is None else _cut_end(text, 2 * context + 20))
        s, e = found, found + len(m.matched)
    before, mid, after = clean_text(snip[:s]), clean_text(snip[s:e]), clean_text(snip[e:])
    if context is not None:
        before, after = _cut_start(before, context), _cut_end(after, context)
    mid = _cut_end(mid, max(context or 0, 100))
    sep_b = " " if snip[:s][-1:].isspace() and before else ""
    sep_a = " " if snip[e:][:1].isspace() and after else ""
    return f"{esc(before)}{sep_b}<b>{esc(mid)}</b>{sep_a}{esc(after)}"


def _lines(alert: Alert, lang: str, tz: str, level: tuple) -> Iterator[str]:
    context, n_snippets, title_chars, link = level
    words = _TEXT.get(lang, _TEXT["tr"])
    entries = _best_per_entry(alert.matches)
    names = [f"<b>{clip(clean_text(m.name), NAME_UNITS) or '?'}</b>"
             for m in entries[:MAX_NAMES]]
    if len(entries) > MAX_NAMES:
        names.append(words["more"].format(n=len(entries) - MAX_NAMES))
    yield "🔔 " + " · ".join(names) if names else "🔔"
    title = _cut_end(clean_text(alert.title), title_chars) or words["untitled"]
    url = safe_url(alert.url)
    href = html.escape(url, quote=True) if url else None
    if link and href and utf16_len(href) <= URL_UNITS:
        yield f'<a href="{href}">{esc(title)}</a>'
    else:
        yield f"<b>{esc(title)}</b>"
    when = format_time(alert.published, lang=lang, tz=tz)
    outlet = clip(clean_text(alert.outlet), OUTLET_UNITS)
    source = " · ".join(p for p in (outlet, esc(when)) if p)
    if source:
        yield "📰 " + source
    if alert.copies:
        yield "🔁 " + words["copies"] + ": " + _copies_html(alert.copies, link, words)
    for m in entries[:n_snippets]:
        if m.snippet:
            yield "💬 " + snippet_html(m, context)
    if alert.body_unavailable:
        yield words["no_body"]


def _copies_html(copies: tuple[tuple[str, str | None], ...], link: bool, words: dict) -> str:
    """Other outlets that carried the same story, linked where the link is safe."""
    parts = []
    for outlet, url in copies[:MAX_COPIES]:
        name = esc(_cut_end(clean_text(outlet), 60)) or "?"
        href = safe_url(url) if link else None
        if href and utf16_len(href) <= 500:
            parts.append(f'<a href="{html.escape(href, quote=True)}">{name}</a>')
        else:
            parts.append(name)
    if len(copies) > MAX_COPIES:
        parts.append(words["more"].format(n=len(copies) - MAX_COPIES))
    return ", ".join(parts)


def format_alert(alert: Alert, *, lang: str = "tr", tz: str = "Europe/Istanbul") -> str:
    """The alert as Telegram HTML, at most 4,096 UTF-16 code units."""
    message = ""
    for level in _LEVELS:
        message = "\n".join(_lines(alert, lang, tz, level))
        if utf16_len(message) <= MAX_UNITS:
            return message
    return message  # unreachable: the last level is bounded well below the limit


def plain_text(html_message: str) -> str:
    """The message without markup: links become 'text (url)', entities are unescaped."""
    def link(m: re.Match[str]) -> str:
        url, text = html.unescape(m.group(1)), m.group(2)
        return text if html.unescape(_TAG.sub("", text)) == url else f"{text} ({esc(url)})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, html_message)))
