"""Article page bytes -> Article via trafilatura (pure, CPU-bound: run it off the loop).

The page is decoded here (see `monitor.sources.charset`), the headline and the
full publication timestamp are read from the page's metadata, and the main
text comes from trafilatura with favor_precision=True, which drops menus,
sidebars, related-news blocks, comments and footers.

Old table-layout pages are first rewritten as modern ones (`monitor.sources.layout`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document

from monitor.errors import ExtractError
from monitor.models import Article
from monitor.sources.charset import decode_document, http_charset
from monitor.sources.layout import normalise_old_layout

# Naive timestamps on Turkish news sites are local time (UTC+3 all year since 2016).
LOCAL_TZ = ZoneInfo("Europe/Istanbul")
MIN_TEXT_CHARS = 80  # below this a page is a stub (paywall, JS shell, cookie wall)
# Lead-ins of related-news links placed inside the article body (Turkish-folded).
RELATED_MARKERS = (
    "ilgili haber",
    "ilgili video",
    "ilgili içerik",
    "bunlar da ilginizi",
    "ayrıca bakınız",
    "bunu da okuyun",
    "bunları da okuyun",
    "okumadan geçmeyin",
    "göz atın",
    "sıradaki haber",
    "önerilen haber",
    "haberin devamı için tıklayın",
    "related",
    "read more",
    "see also",
)
_RELATED_XPATH = "//p|//div|//li|//section|//aside|//ul|//h2|//h3|//h4|//strong/.."
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_TITLE_XPATHS = (
    "//meta[@property='og:title']/@content",
    "//meta[@name='twitter:title']/@content",
    "//article//h1",
    "//h1",
)
_DATE_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
    "//time[@itemprop='datePublished']/@datetime",
    "//article//time/@datetime",
    "//time/@datetime",
)


def _clean(text: str | None) -> str:
    """Collapse spaces inside lines, drop blank lines."""
    if not text:
        return ""
    lines = (_WS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _first_text(tree: lxml.html.HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    """The first non-empty string found by the xpaths."""
    for xpath in xpaths:
        for node in tree.xpath(xpath):
            text = node if isinstance(node, str) else node.text_content()
            text = " ".join(str(text).split())
            if text:
                return text
    return None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 date or timestamp as aware UTC; naive values are Istanbul time."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(datetime.fromisoformat(value[:10]).date(), time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def _json_ld_dates(tree: lxml.html.HtmlElement) -> list[str]:
    """datePublished values from JSON-LD blocks."""
    found: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    found.append(item["datePublished"])
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return found


def _published(tree: lxml.html.HtmlElement, fallback: str | None) -> datetime | None:
    """Full publication timestamp from metadata; trafilatura's date as a fallback."""
    candidates = [_first_text(tree, _DATE_XPATHS), *_json_ld_dates(tree), fallback]
    for value in candidates:
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    return None


def decode_html(html: bytes, content_type: str | None = None) -> str:
    """Page bytes -> text, honouring BOM, valid UTF-8, HTTP charset, <meta charset>."""
    text, _ = decode_document(html, http=http_charset(content_type))
    return _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding decl


def _turkish_fold(text: str) -> str:
    """Lower-case with Turkish dotted/dotless i, spaces collapsed."""
    return " ".join(text.replace("İ", "i").replace("I", "ı").lower().split())


def _drop_related_blocks(tree: lxml.html.HtmlElement) -> None:
    """Remove "İLGİLİ HABER"-style link blocks that sit between paragraphs."""
    for node in tree.xpath(_RELATED_XPATH):
        if node.getparent() is None:
            continue
        text = _turkish_fold(node.text_content())
        if not text.startswith(RELATED_MARKERS):
            continue
        link_chars = sum(len(" ".join(a.text_content().split())) for a in node.iter("a"))
        marker = next(m for m in RELATED_MARKERS if text.startswith(m))
        rest = len(text) - len(marker)
        if link_chars >= 0.5 * rest or rest < 5:
            node.drop_tree()


def _drop_title_line(text: str, title: str) -> str:
    """Remove the headline when trafilatura repeats it as the first line of the text."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == title.casefold():
        return rest
    return text


def extract_article(html: bytes, *, url: str, content_type: str | None = None) -> Article:
    """Extract headline, date, author and main text; ExtractError when nothing usable."""
    if not html or not html.strip():
        raise ExtractError("empty page")
    text = decode_html(html, content_type)
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparseable HTML: {' '.join(str(exc).split())[:120]}") from None
    headline = _first_text(tree, _TITLE_XPATHS)
    date_tree = _published(tree, None)
    normalise_old_layout(tree)
    _drop_related_blocks(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if not isinstance(doc, Document):  # None when trafilatura finds no text
        raise ExtractError("no article text found")
    title = headline or _clean(doc.title) or ""
    body = _drop_title_line(_clean(doc.text), title)
    if len(body) < MIN_TEXT_CHARS:
        raise ExtractError(f"article text too short ({len(body)} chars)")
    published = date_tree or parse_datetime(doc.date)
    author = _clean(doc.author) or None
    return Article(
        url=url,
        title=title,
        text=body,
        published=published,
        author=author,
        from_feed_only=False,
    )
