"""Sitemap bytes -> Sitemap (pure): Google News sitemaps, plain sitemaps, sitemap indexes.

    <urlset><url><loc>..</loc><news:news><news:title>..</news:title>
        <news:publication_date>..</news:publication_date></news:news></url></urlset>
    <urlset><url><loc>..</loc><lastmod>..</lastmod></url></urlset>      (plain: lastmod only)
    <sitemapindex><sitemap><loc>..</loc><lastmod>..</lastmod></sitemap></sitemapindex>

trafilatura.sitemaps only collects <loc> values (no titles, no dates), so the
elements are read here, incrementally (lxml.etree.iterparse, each <url> dropped
once read), with no entity resolution, no DTD and no network.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from lxml import etree

from monitor.errors import FeedError
from monitor.models import Entry
from monitor.sources.feeds import strip_html
from monitor.sources.urls import canonical_url, resolve_link

MAX_SITEMAP_BYTES = 10_000_000  # decoded size, gzip included
MAX_CHILDREN = 5  # newest child sitemaps of an index worth reading
LOCAL_ZONE = ZoneInfo("Europe/Istanbul")  # what a date without an offset means here
_HTML_START = re.compile(rb"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_ITEM = {"urlset": "url", "sitemapindex": "sitemap"}  # root -> its item element
_ROOTS = tuple(_ITEM)


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap document holds.

    `entries` are those newer than max_age, newest first (undated ones kept only
    in a news sitemap, last); `items` and `newest` count every <url>, whatever its age.
    """

    entries: tuple[Entry, ...]
    children: tuple[str, ...] = ()  # a <sitemapindex>: child sitemaps, newest lastmod first
    is_news: bool = False  # some <url> carried <news:news>
    language: str | None = None  # news:publication/news:language
    publication: str | None = None  # news:publication/news:name
    items: int = 0
    newest: datetime | None = None
    has_titles: bool = False  # some <url> carried a news:title
    is_index: bool = False


@dataclass
class _Reading:
    """What the parse has collected so far."""

    now: datetime
    max_age_s: float
    entries: list[Entry] = field(default_factory=list)
    children: list[tuple[datetime | None, str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    is_news: bool = False
    language: str | None = None
    publication: str | None = None
    items: int = 0
    newest: datetime | None = None
    has_titles: bool = False


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (or RFC 822 date) as aware UTC; naive times are Istanbul time."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=LOCAL_ZONE)
    return when.astimezone(UTC)


def unpack(body: bytes, url: str) -> bytes:
    """The document within the size cap, gunzipped when it is gzip (a .xml.gz)."""
    if len(body) > MAX_SITEMAP_BYTES:
        raise FeedError(f"sitemap over {MAX_SITEMAP_BYTES} bytes: {url}")
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        data = inflate.decompress(body, MAX_SITEMAP_BYTES + 1)  # stops right past the cap
    except zlib.error:
        raise FeedError("sitemap gzip: corrupt compressed body") from None
    if len(data) > MAX_SITEMAP_BYTES:
        raise FeedError(f"sitemap gzip: over {MAX_SITEMAP_BYTES} bytes decompressed")
    if not inflate.eof:
        raise FeedError("sitemap gzip: truncated compressed body")
    return data


def parse_sitemap(body: bytes, url: str, *, now: datetime, max_age_s: float) -> Sitemap:
    """Parse a sitemap or sitemap index; raise FeedError when it is neither."""
    data = unpack(body, url)
    if not data.strip():
        raise FeedError("not a sitemap: empty document")
    if _HTML_START.match(data[:4096]):
        raise FeedError("not a sitemap: got an HTML page")
    reading = _Reading(now=now, max_age_s=max_age_s)
    root = _walk(data, url, reading)
    reading.entries.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC),
                         reverse=True)
    children = sorted(reading.children, reverse=True,
                      key=lambda c: c[0] or datetime.min.replace(tzinfo=UTC))
    return Sitemap(
        entries=tuple(reading.entries),
        children=tuple(dict.fromkeys(link for _, link in children))[:MAX_CHILDREN],
        is_news=reading.is_news,
        language=reading.language,
        publication=reading.publication,
        items=reading.items,
        newest=reading.newest,
        has_titles=reading.has_titles,
        is_index=root == "sitemapindex",
    )


def _walk(data: bytes, url: str, reading: _Reading) -> str:
    """Read each <url>/<sitemap> of the root as it closes, then drop it; returns the root."""
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
    )
    root, depth = "", 0
    try:
        for event, elem in events:
            depth += 1 if event == "start" else -1
            if not root:
                root = _local(elem)
                if root not in _ROOTS:
                    raise FeedError(f"not a sitemap: <{root}> is neither urlset nor sitemapindex")
            elif event == "end" and depth == 1:
                if _local(elem) == _ITEM[root]:
                    _read_item(elem, url, reading)
                elem.clear()
                elem.getparent().remove(elem)  # an item of the root always has a parent
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed sitemap: {_one_line(exc)}") from None
    return root


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname


def _texts(elem: etree._Element, *, deep: bool) -> dict[str, str]:
    """Local name -> text of the children (or every descendant); the first of a name wins."""
    found: dict[str, str] = {}
    elements = elem.iterdescendants if deep else elem.iterchildren
    for child in elements(tag=etree.Element):  # elements only: no entities, no comments
        text = etree.tostring(child, method="text", encoding="unicode", with_tail=False)
        found.setdefault(_local(child), text.strip())
    return found


def _read_item(elem: etree._Element, url: str, reading: _Reading) -> None:
    """One <url> (an entry) or <sitemap> (a child of an index)."""
    own = _texts(elem, deep=False)
    link = resolve_link(own.get("loc"), url)
    if link is None:
        return
    lastmod = parse_date(own.get("lastmod"))
    if _local(elem) == "sitemap":
        reading.children.append((lastmod, link))
        return
    if link in reading.seen:  # the same <loc> twice: the first one counts
        return
    reading.seen.add(link)
    block = next((c for c in elem.iterchildren(tag=etree.Element) if _local(c) == "news"), None)
    news = _texts(block, deep=True) if block is not None else {}
    reading.is_news = reading.is_news or block is not None
    published = parse_date(news.get("publication_date")) or lastmod
    title = strip_html(news.get("title"), limit=500)
    reading.items += 1
    reading.has_titles = reading.has_titles or bool(title)
    reading.publication = reading.publication or news.get("name") or None
    reading.language = reading.language or news.get("language") or None
    if published is not None and (reading.newest is None or published > reading.newest):
        reading.newest = published
    if not _keep(published, block is not None, reading):
        return
    reading.entries.append(Entry(key=link, url=link, canonical_url=canonical_url(link),
                                 title=title, summary="", published=published))


def _keep(published: datetime | None, news: bool, reading: _Reading) -> bool:
    """Recent entries; an undated one only when it carries <news:news>."""
    if published is None:
        return news
    return published >= reading.now - timedelta(seconds=reading.max_age_s)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
