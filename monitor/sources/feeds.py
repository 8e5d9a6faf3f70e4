"""Feed bytes + headers -> ParsedFeed (pure).

The document is decoded first (`monitor.sources.charset`), so feedparser
parses clean UTF-8 whatever the outlet declared.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from monitor.errors import FeedError
from monitor.models import Entry, FetchResult, ParsedFeed
from monitor.sources.charset import decode_document, http_charset
from monitor.sources.urls import canonical_url, resolve_link

SUMMARY_MAX_CHARS = 1000
_XML_DECL_STR = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)[\"'][A-Za-z0-9._:-]+[\"']")
_WS = re.compile(r"\s+")
# tags whose text is a block of its own: their words stay apart from the next block's
_BLOCK_TAGS = tuple(
    "p div br li h1 h2 h3 h4 h5 h6 tr td th blockquote section article ul ol dd dt".split()
)


def strip_html(markup: str | None, limit: int = SUMMARY_MAX_CHARS) -> str:
    """Plain text of an HTML fragment: tags dropped, entities resolved, spaces collapsed."""
    if not markup or not markup.strip():
        return ""
    text = markup
    if "<" in markup or "&" in markup:
        try:
            root = lxml.html.fragment_fromstring(markup, create_parent="div")
            for bad in root.xpath(".//script|.//style"):
                bad.drop_tree()
            for el in root.iter(*_BLOCK_TAGS):  # keep words of adjacent blocks apart
                el.tail = " " + (el.tail or "")
            text = root.text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]*>", " ", markup)
    text = _WS.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _published(entry: Any) -> datetime | None:
    """The entry's published (else updated/created) time as aware UTC."""
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, field)  # plain lookup: skips feedparser's deprecated aliases
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _entry_key(guid: str | None, link: str | None, title: str, published: datetime | None) -> str:
    """Stable identity: guid, else link, else a hash of title and date."""
    if guid:
        return guid
    if link:
        return link
    stamp = published.isoformat() if published else ""
    return "sha256:" + hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()


def _source(raw: Any, feed_url: str) -> tuple[str | None, str | None]:
    """(url, name) of the publisher an aggregator item names: RSS <source url=...>,
    Atom <source><link/></source>, or Bing's <News:Source> (name only)."""
    source = raw.get("source") or {}
    url = resolve_link(source.get("href") or source.get("link"), feed_url)
    name = strip_html(source.get("title") or raw.get("news_source"), limit=200) or None
    return url, name


def _make_entry(raw: Any, feed_url: str) -> Entry:
    """One feedparser entry -> Entry."""
    title = strip_html(raw.get("title"), limit=500)
    link = resolve_link(raw.get("link"), feed_url)
    if link is None:  # some feeds only put the permalink in <guid isPermaLink="true">
        guidislink = raw.get("guidislink")
        link = resolve_link(raw.get("id"), feed_url) if guidislink else None
    summary_html = raw.get("summary")
    if not summary_html and raw.get("content"):
        summary_html = raw["content"][0].get("value")
    published = _published(raw)
    guid = (raw.get("id") or "").strip() or None
    source_url, source_name = _source(raw, feed_url)
    return Entry(
        key=_entry_key(guid, link, title, published),
        url=link,
        canonical_url=canonical_url(link) if link else None,
        title=title,
        summary=strip_html(summary_html),
        published=published,
        author=strip_html(raw.get("author"), limit=200) or None,
        source_url=source_url,
        source_name=source_name,
    )


def _one_line(exc: object) -> str:
    """A bozo exception as one short line."""
    text = _WS.sub(" ", str(exc)).strip() or type(exc).__name__
    return text[:200]


def _utf8_document(text: str) -> bytes:
    """Re-encode decoded text as UTF-8, rewriting an XML declaration to say so."""
    return _XML_DECL_STR.sub(r'\1"utf-8"', text, count=1).encode("utf-8")


def parse_feed(result: FetchResult, *, feed_url: str) -> ParsedFeed:
    """Parse a fetched feed; raise FeedError when the document is no feed at all."""
    content_type = result.headers.get("content-type")
    text, _ = decode_document(result.body, http=http_charset(content_type))
    base = result.url or feed_url
    parsed = feedparser.parse(
        _utf8_document(text),
        # No content-location: feedparser would then rewrite relative guids into URLs,
        # and keys must stay the raw guid. Links are resolved in _make_entry instead.
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=True,
    )
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.entries:
        if not result.body.strip():
            raise FeedError("not a feed: empty document")
        what = f"got {content_type.split(';')[0]}" if content_type else "no RSS/Atom root"
        if bozo is not None:
            what += f" ({_one_line(bozo)})"
        raise FeedError(f"not a feed: {what}")
    if bozo is not None and not parsed.entries:
        raise FeedError(f"not a feed: {_one_line(bozo)}")
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        entry = _make_entry(raw, base)
        if entry.key in seen:
            continue
        seen.add(entry.key)
        entries.append(entry)
    title = strip_html(parsed.feed.get("title"), limit=300) or None
    error = f"malformed feed: {_one_line(bozo)}" if bozo is not None else None
    return ParsedFeed(title=title, entries=tuple(entries), error=error)
