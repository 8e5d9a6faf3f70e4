"""Alert messages as Telegram HTML (pure).

Every text taken from the web is cleaned and escaped (`monitor.messages.markup`);
a message never exceeds 4,096 UTF-16 code units. Each matched entry gets one
snippet (never the headline again). When a message would be too long, the
snippets' context is cut first, then snippets are dropped, then the headline,
then the link, always at clean boundaries.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from monitor.messages.markup import (
    MAX_UNITS,
    clean_text,
    clip,
    cut_end,
    cut_start,
    esc,
    format_time,
    safe_url,
    utf16_len,
)
from monitor.models import Alert, Match

TITLE_CHARS = 300
MAX_SNIPPETS = 10  # one per entry named in the first line
MAX_NAMES = 10
MAX_COPIES = 10
NAME_UNITS = 80
OUTLET_UNITS = 120
URL_UNITS = 2000

_TEXT = {
    "tr": {"untitled": "(başlıksız)", "more": "+{n} daha", "copies": "Aynı haber",
           "no_body": "⚠️ Haberin metni okunamadı; eşleşme başlık ve özetten."},
    "en": {"untitled": "(untitled)", "more": "+{n} more", "copies": "Same story",
           "no_body": "⚠️ The article text could not be read; matched in the headline and summary."},
}
# (snippet context chars per side or None for whole, snippets, title chars, link)
_Level = tuple[int | None, int, int, bool]
_LEVELS: tuple[_Level, ...] = (
    *((context, MAX_SNIPPETS, TITLE_CHARS, True) for context in (None, 120, 60, 30, 15, 0)),
    *((0, n, TITLE_CHARS, True) for n in (5, 3, 1, 0)),
    (0, 0, 150, True), (0, 0, 150, False), (0, 0, 60, False),
)


def _best_per_entry(matches: tuple[Match, ...]) -> list[Match]:
    """One match per entry (the best scored, body before title on ties), in first-seen order."""
    best: dict[str, Match] = {}
    for m in matches:
        cur = best.get(m.entry_id)
        if cur is None or (m.score, m.field == "body") > (cur.score, cur.field == "body"):
            best[m.entry_id] = m
    return list(best.values())


def _shows_more(m: Match, title: str) -> bool:
    """Whether the snippet tells more than the headline (a headline match's own snippet
    is the headline again, or a piece of it)."""
    text = _fold(m.snippet or "").strip("… ")
    return bool(text) and text not in _fold(title)


def _fold(text: str) -> str:
    return clean_text(text).replace("I", "ı").replace("İ", "i").casefold()


def snippet_html(m: Match, context: int | None) -> str:
    """The snippet with the matched span in bold; `context` chars kept on each side."""
    snip, s, e = m.snippet or "", m.snippet_start, m.snippet_end
    if not (0 <= s < e <= len(snip)):
        found = snip.lower().find((m.matched or "").lower()) if m.matched else -1
        if found < 0:
            text = clean_text(snip)
            return esc(text if context is None else cut_end(text, 2 * context + 20))
        s, e = found, found + len(m.matched)
    before, mid, after = clean_text(snip[:s]), clean_text(snip[s:e]), clean_text(snip[e:])
    if context is not None:
        before, after = cut_start(before, context), cut_end(after, context)
    mid = cut_end(mid, max(context or 0, 100))
    sep_b = " " if snip[:s][-1:].isspace() and before else ""
    sep_a = " " if snip[e:][:1].isspace() and after else ""
    return f"{esc(before)}{sep_b}<b>{esc(mid)}</b>{sep_a}{esc(after)}"


def _lines(alert: Alert, lang: str, tz: str, level: _Level) -> Iterator[str]:
    context, n_snippets, title_chars, link = level
    words = _TEXT.get(lang, _TEXT["tr"])
    entries = _best_per_entry(alert.matches)
    names = [f"<b>{clip(clean_text(m.name), NAME_UNITS) or '?'}</b>"
             for m in entries[:MAX_NAMES]]
    if len(entries) > MAX_NAMES:
        names.append(words["more"].format(n=len(entries) - MAX_NAMES))
    yield "🔔 " + " · ".join(names) if names else "🔔"
    title = cut_end(clean_text(alert.title), title_chars) or words["untitled"]
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
    for m in [m for m in entries if _shows_more(m, alert.title)][:n_snippets]:
        yield "💬 " + snippet_html(m, context)
    if alert.body_unavailable:
        yield words["no_body"]


def _copies_html(copies: tuple[tuple[str, str | None], ...], link: bool,
                 words: dict[str, str]) -> str:
    """Other outlets that carried the same story, linked where the link is safe."""
    parts = []
    for outlet, url in copies[:MAX_COPIES]:
        name = esc(cut_end(clean_text(outlet), 60)) or "?"
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
