"""Feed bytes + headers -> ParsedFeed (pure).

Charset handling is done here, before feedparser sees the document: real
Turkish feeds declare UTF-8 and send windows-1254, or send UTF-8 under a
windows-1254 header. `decode_document` picks the encoding that the bytes
actually support, and feedparser then parses clean UTF-8.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from monitor.errors import FeedError
from monitor.models import Entry, FetchResult, ParsedFeed
from monitor.urls import canonical_url, resolve_link

__all__ = ["canonical_url", "decode_document", "http_charset", "parse_feed"]

FALLBACK_ENCODING = "windows-1254"
SUMMARY_MAX_CHARS = 1000
# Latin-1 family decodes of Turkish text show these in place of ğ ı ş Ğ İ Ş.
_TURKISH_MOJIBAKE = re.compile("[ðýþÐÝÞ]")
_LATIN1_FAMILY = {"latin-1", "iso8859-1", "cp1252", "ascii"}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_XML_DECL_STR = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)[\"'][A-Za-z0-9._:-]+[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_WS = re.compile(r"\s+")
_BLOCK_TAGS = (
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "blockquote",
    "section",
    "article",
    "ul",
    "ol",
    "dd",
    "dt",
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    charset = msg.get_param("charset")
    return charset.strip().strip("\"'") if isinstance(charset, str) and charset.strip() else None


def declared_charset(data: bytes) -> str | None:
    """The encoding named in an XML declaration or an HTML <meta charset>, if any."""
    head = data[:2048]
    found = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _codec(name: str | None) -> str | None:
    """Python codec name for a charset label, None when unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def decode_document(
    data: bytes, *, http: str | None = None, declared: str | None = None
) -> tuple[str, str]:
    """Decode feed or page bytes; returns (text, codec used).

    A BOM wins; bytes that are valid UTF-8 are UTF-8 whatever the labels say;
    otherwise the HTTP charset, then the in-document one, then windows-1254.
    A latin-1/windows-1252 label on Turkish text is corrected to windows-1254.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared is None:
        declared = declared_charset(data)
    for label in (http, declared, FALLBACK_ENCODING):
        name = _codec(label)
        if name is None or name.startswith("utf-"):
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if name in _LATIN1_FAMILY and _TURKISH_MOJIBAKE.search(text):
            name = "cp1254"
            text = data.decode(name, errors="replace")
        return text, name
    return data.decode(FALLBACK_ENCODING, errors="replace"), "cp1254"


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
                return datetime(*value[:6], tzinfo=UTC)
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
    return Entry(
        key=_entry_key(guid, link, title, published),
        url=link,
        canonical_url=canonical_url(link) if link else None,
        title=title,
        summary=strip_html(summary_html),
        published=published,
        author=strip_html(raw.get("author"), limit=200) or None,
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
