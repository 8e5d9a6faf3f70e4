"""A burst's running summary as Telegram HTML (pure).

While one entry draws many alerts to one chat, the chat gets one message that is
edited as stories arrive: the entry's name, how many stories, then each story's
linked headline, outlet and the story's other entries, newest first. Stories that
do not fit in 4,096 UTF-16 units (the oldest) are counted on one "+ N more" line;
links are always kept (over-long ones are dropped), since the link is what staff use.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from monitor.messages.markup import clean_text, clip, cut_end, esc, fit_blocks, safe_url, utf16_len
from monitor.models import Burst, BurstStory

TITLE_CHARS = 150
NAME_UNITS = 80
OUTLET_UNITS = 60
URL_UNITS = 500
MAX_ALSO = 3

_TEXT = {
    "tr": {"head": "📣 <b>{name}</b>: {n} haber", "more": "+ {n} haber daha",
           "note": "Yoğun haber akışı: yeni haberler bu mesaja ekleniyor.",
           "untitled": "(başlıksız)", "also": "ayrıca"},
    "en": {"head": "📣 <b>{name}</b>: {n} stories", "more": "+ {n} more",
           "note": "Many stories at once: new ones are added to this message.",
           "untitled": "(untitled)", "also": "also"},
}
_OLDEST = datetime.min.replace(tzinfo=UTC)


def _story_line(story: BurstStory, words: dict[str, str]) -> str:
    title = esc(cut_end(clean_text(story.title), TITLE_CHARS) or words["untitled"])
    url = safe_url(story.url)
    href = html.escape(url, quote=True) if url else None
    if href and utf16_len(href) <= URL_UNITS:
        line = f'• <a href="{href}">{title}</a>'
    else:
        line = f"• <b>{title}</b>"
    outlet = clip(clean_text(story.outlet), OUTLET_UNITS)
    if outlet:
        line += f" · {outlet}"
    names = [clip(clean_text(name), NAME_UNITS) for name in story.also[:MAX_ALSO]]
    if names:
        line += f" ({words['also']}: {', '.join(names)})"
    return line


def newest_first(stories: tuple[BurstStory, ...]) -> list[BurstStory]:
    """By publication time, newest first; undated stories last, ties in the given order."""
    return sorted(stories, key=lambda s: s.published or _OLDEST, reverse=True)


def format_burst(burst: Burst, *, lang: str = "tr") -> str:
    """The running summary as Telegram HTML, at most 4,096 UTF-16 code units."""
    words = _TEXT.get(lang, _TEXT["tr"])
    name = clip(clean_text(burst.entry_name), NAME_UNITS) or "?"
    head = [words["head"].format(name=name, n=len(burst.stories)), words["note"]]
    lines = [_story_line(s, words) for s in newest_first(burst.stories)]
    return fit_blocks(head, lines, words["more"], sep="\n")[0]
