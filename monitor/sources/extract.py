"""Article page bytes -> Article via trafilatura (pure, CPU-bound: run it off the loop).

The page is decoded here (see `monitor.sources.charset`). The headline is chosen
by agreement of og:title, <h1> and <title> (`monitor.sources.headline`), the
publication time read from the page's metadata (`monitor.sources.published`),
and the lead taken from under the headline (`monitor.sources.lead`) before the
main text comes from trafilatura with favor_precision=True, which drops menus,
sidebars, related-news blocks, comments and footers. Agency notices, bylines,
date lines and tag lists left in the body go last (`monitor.sources.boilerplate`).
Article.text is the lead, then the body; the headline is never its first line.

Old table-layout pages are first rewritten as modern ones (`monitor.sources.layout`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document

from monitor.errors import ExtractError
from monitor.models import Article
from monitor.sources.boilerplate import clean_body
from monitor.sources.charset import decode_document, http_charset
from monitor.sources.headline import choose_headline, fold, host_name, key
from monitor.sources.layout import normalise_old_layout
from monitor.sources.lead import split_lead, take_lead
from monitor.sources.published import parse_datetime, published_at

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
_OG_TITLE_XPATHS = (
    "//meta[@property='og:title']/@content",
    "//meta[@name='twitter:title']/@content",
)
_SITE_XPATHS = (
    "//meta[@property='og:site_name']/@content",
    "//meta[@name='application-name']/@content",
)
_DESCRIPTION_XPATHS = (
    "//meta[@name='description']/@content",
    "//meta[@property='og:description']/@content",
)


def _clean(text: str | None) -> str:
    """Collapse spaces inside lines, drop blank lines."""
    if not text:
        return ""
    lines = (_WS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _texts(tree: lxml.html.HtmlElement, xpaths: tuple[str, ...]) -> list[str]:
    """The non-empty strings the xpaths find, in order, without repeats."""
    found: dict[str, None] = {}
    for xpath in xpaths:
        for node in tree.xpath(xpath):
            text = " ".join(str(node if isinstance(node, str) else node.text_content()).split())
            if text:
                found.setdefault(text)
    return list(found)


def _first(tree: lxml.html.HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    texts = _texts(tree, xpaths)
    return texts[0] if texts else None


def decode_html(html: bytes, content_type: str | None = None) -> str:
    """Page bytes -> text, honouring BOM, valid UTF-8, HTTP charset, <meta charset>."""
    text, _ = decode_document(html, http=http_charset(content_type))
    return _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding decl


def _drop_related_blocks(tree: lxml.html.HtmlElement) -> None:
    """Remove "İLGİLİ HABER"-style link blocks that sit between paragraphs."""
    for node in tree.xpath(_RELATED_XPATH):
        if node.getparent() is None:
            continue
        text = fold(node.text_content())
        if not text.startswith(RELATED_MARKERS):
            continue
        link_chars = sum(len(" ".join(a.text_content().split())) for a in node.iter("a"))
        marker = next(m for m in RELATED_MARKERS if text.startswith(m))
        rest = len(text) - len(marker)
        if link_chars >= 0.5 * rest or rest < 5:
            node.drop_tree()


@dataclass(frozen=True)
class _Headlines:
    """Where a page states its headline."""

    og_title: str | None
    h1s: list[str]
    title: str | None
    sites: list[str]

    def choose(self, fallback: str | None) -> str:
        """The headline; without og:title and <h1>, trafilatura's title is the second opinion."""
        h1s = self.h1s if self.og_title or self.h1s or not fallback else [fallback]
        return choose_headline(self.og_title, h1s, self.title, self.sites)

    def keys(self, *more: str | None) -> set[str]:
        """Keys of every headline form, to spot the headline repeated in the body."""
        forms = (self.og_title, self.title, *self.h1s[:1], *more)
        return {key(form) for form in forms if form} - {""}


def _headlines(tree: lxml.html.HtmlElement, url: str) -> _Headlines:
    return _Headlines(
        og_title=_first(tree, _OG_TITLE_XPATHS),
        h1s=_texts(tree, ("//article//h1", "//h1")),
        title=_first(tree, ("//head/title", "//title")),
        sites=[*_texts(tree, _SITE_XPATHS), host_name(url)],
    )


def _parse(html: bytes, content_type: str | None) -> lxml.html.HtmlElement:
    if not html or not html.strip():
        raise ExtractError("empty page")
    text = decode_html(html, content_type)
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparseable HTML: {' '.join(str(exc).split())[:120]}") from None


def _main_text(tree: lxml.html.HtmlElement, url: str) -> Document:
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
    return doc


def extract_article(html: bytes, *, url: str, content_type: str | None = None) -> Article:
    """Extract headline, date, author, lead and main text; ExtractError when nothing usable."""
    tree = _parse(html, content_type)
    headlines = _headlines(tree, url)
    published = published_at(tree)
    lead = take_lead(tree, headlines.choose(None), _first(tree, _DESCRIPTION_XPATHS) or "")
    normalise_old_layout(tree)
    _drop_related_blocks(tree)
    doc = _main_text(tree, url)
    title = headlines.choose(_clean(doc.title)) or _clean(doc.title)
    paragraphs = _clean(doc.text).splitlines()
    forms = headlines.keys(title, _clean(doc.title))
    while paragraphs and key(paragraphs[0]) in forms:  # the headline, repeated
        paragraphs.pop(0)
    lead, paragraphs = split_lead(lead, paragraphs)
    body, byline = clean_body(paragraphs)
    text = "\n".join([lead, *body] if lead else body)
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractError(f"article text too short ({len(text)} chars)")
    return Article(
        url=url,
        title=title,
        text=text,
        lead=lead,
        published=published or parse_datetime(doc.date),
        author=_clean(doc.author) or byline,
        from_feed_only=False,
    )
