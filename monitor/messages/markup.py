"""Telegram HTML building blocks (pure): clean, escape, cut, count as Telegram counts.

Every text taken from the web goes through `clean_text` (control, zero-width
and bidi characters removed, whitespace collapsed) and `esc`/`clip` before it
is placed in a message; `utf16_len` counts UTF-16 code units, as Telegram's
4,096-unit message limit does. Texts are cut before they are escaped, so a cut
never falls inside an entity or a tag.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

MAX_UNITS = 4096
ELLIPSIS = "…"

MONTHS = {  # month names by language; the digest uses them too
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
           "Eylül", "Ekim", "Kasım", "Aralık"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
# Zero-width, bidi embedding/override/isolate marks, BOM, word joiner, soft hyphen.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>")

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


def cut_end(text: str, n: int) -> str:
    """The first `n` characters of `text`, ended at a word boundary when one is near."""
    if len(text) <= n:
        return text
    head = text[:n]
    space = head.rfind(" ")
    if space >= n * 0.7:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def cut_start(text: str, n: int) -> str:
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
        return utf16_len(esc(cut_end(text, n))) <= units

    if fits(len(text)):
        return esc(text)
    lo, hi = 0, len(text)
    while lo < hi:  # the longest cut that fits once escaped
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return esc(cut_end(text, lo)) if lo and fits(lo) else ""


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


def plain_text(html_message: str) -> str:
    """The message without markup: links become 'text (url)', entities are unescaped."""
    def link(m: re.Match[str]) -> str:
        url, text = html.unescape(m.group(1)), m.group(2)
        return text if html.unescape(_TAG.sub("", text)) == url else f"{text} ({esc(url)})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, html_message)))


def fit_blocks(head: list[str], blocks: list[str], more: str, *, sep: str) -> tuple[str, int]:
    """Header plus as many whole blocks as fit in one message, and how many did.

    `more` (a template with {n}) ends a cut list, saying how many blocks were left out.
    """
    message = sep.join(head)
    for i, block in enumerate(blocks):
        left = len(blocks) - i - 1
        candidate = message + sep + block
        # keep room for the "n more" line unless this is the last block
        reserve = 0 if left == 0 else utf16_len(sep + more.format(n=left))
        if utf16_len(candidate) + reserve > MAX_UNITS:
            return message + sep + more.format(n=len(blocks) - i), i
        message = candidate
    return message, len(blocks)


def fit_best(head: list[str], blocks: Callable[[bool], list[str]], more: str, *,
             sep: str) -> str:
    """With links when every block fits; otherwise whichever of linked/unlinked shows more."""
    linked = blocks(True)
    message, shown = fit_blocks(head, linked, more, sep=sep)
    if shown == len(linked):
        return message
    plain, shown_plain = fit_blocks(head, blocks(False), more, sep=sep)
    return plain if shown_plain > shown else message
