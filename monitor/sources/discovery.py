"""Where an outlet publishes its news, and which source is worth following (pure).

    feed_links(html, base_url)        feeds a homepage advertises (<link rel=alternate>, <a href>)
    robots_sitemaps(text, base_url)   the Sitemap: lines of a robots.txt
    COMMON_FEED_PATHS / COMMON_SITEMAP_PATHS / PROBE_PATHS   where outlets put them unadvertised
    sniff(body, content_type)         "feed" | "sitemap" | "html" | None, from the bytes
    SourceRead, summarise()           a feed or sitemap as read, and its Candidate summary
    Candidate, rank(), pick_best()    a checked source and the order of preference

The fetching is `monitor.sources.discover`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest
from typing import Literal
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from trafilatura.sitemaps import extract_robots_sitemaps

from monitor.models import ParsedFeed
from monitor.sources.urls import resolve_link

Kind = Literal["feed", "sitemap"]
COMMON_FEED_PATHS = (
    "/feed/", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.rss", "/rss/",
    "/?feed=rss2", "/rss.php",
)
COMMON_SITEMAP_PATHS = (
    "/sitemap-news.xml", "/news-sitemap.xml", "/sitemap_google_news.xml", "/sitemap/news",
    "/news_sitemap.xml", "/sitemap-news.php", "/sitemap_news.xml", "/sitemaps/news.xml",
    "/googlenews.aspx", "/sitemap.xml", "/sitemap_index.xml",
)
# Likeliest first, feeds and news sitemaps taking turns; probing stops at the first good one.
PROBE_PATHS = tuple(
    path for pair in zip_longest(COMMON_FEED_PATHS, COMMON_SITEMAP_PATHS) for path in pair if path
)
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/rss",
    "application/atom", "application/x-rss+xml", "application/x-atom+xml", "text/rss+xml",
    "text/atom+xml", "application/xml", "text/xml",
})
# an <a href> that is obviously a feed (trafilatura.feeds' pattern, without its bare "rss" word)
_FEED_HREF = re.compile(r"\.(?:rss|atom|rdf)$|/(?:feed|rss|atom)/?$|\?feed=(?:rss2?|atom)$|"
                        r"/feeds/posts/default/?$|[/.]rss\.(?:xml|php|aspx)$", re.IGNORECASE)
_NOT_A_FEED = re.compile(r"/comments?/feed|/wp-json/|oembed", re.IGNORECASE)
MAX_LINKS = 8
_MARKUP_START = re.compile(rb"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*"
                           rb"<([A-Za-z][\w.:-]*)", re.DOTALL | re.IGNORECASE)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})


def feed_links(html: bytes, base_url: str) -> list[str]:
    """Feed URLs a homepage names: <link rel=alternate> of a feed type first, then <a href>."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    tag = root.find(".//base")
    base = resolve_link(tag.get("href") if tag is not None else None, base_url) or base_url
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        ctype = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and ctype in FEED_TYPES:
            found.append(resolve_link(link.get("href"), base))
    anchors = (resolve_link(a.get("href"), base) for a in root.iter("a"))
    found += [link for link in anchors if link and _FEED_HREF.search(link)]
    unique = dict.fromkeys(link for link in found if link and not _NOT_A_FEED.search(link))
    return list(unique)[:MAX_LINKS]


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """Sitemap URLs of a robots.txt, news sitemaps first.

    trafilatura's extract_robots_sitemaps reads the lines, but gives up on files
    over 10,000 characters (big outlets' robots.txt are), so it only sees those lines.
    """
    lines = "\n".join(line for line in text.splitlines()[:5000] if "sitemap" in line.lower())
    found = [resolve_link(link, base_url) for link in extract_robots_sitemaps(lines, base_url)]
    links = list(dict.fromkeys(link for link in found if link))
    return sorted(links, key=lambda link: not _newsy(link))[:MAX_LINKS]


def _newsy(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return "news" in path or "haber" in path


def sniff(body: bytes, content_type: str | None = None) -> str | None:
    """What a response is: "feed" (RSS/Atom), "sitemap", "html", or None (anything else)."""
    if body.startswith(b"\x1f\x8b"):
        return "sitemap"  # a .xml.gz; feeds come gzipped by Content-Encoding, already undone
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    match = _MARKUP_START.match(head)
    name = match.group(1).decode("ascii", "replace").lower() if match else ""
    if name in _FEED_ROOTS:
        return "feed"
    if name.split(":")[-1] in _SITEMAP_ROOTS:
        return "sitemap"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if name == "html" or (ctype in ("text/html", "application/xhtml+xml") and name != ""):
        return "html"
    return None


@dataclass(frozen=True)
class Candidate:
    """One checked source of an outlet: what it holds, or why it failed."""

    url: str
    kind: Kind
    items: int = 0  # entries in the document(s), whatever their age
    recent: int = 0  # entries newer than max_age
    newest: datetime | None = None
    has_titles: bool = False
    has_dates: bool = False
    error: str | None = None
    via: str = "given"  # given | link | robots | guess: how it was found
    title: str | None = None  # the feed's title or the news sitemap's publication name

    @property
    def usable(self) -> bool:
        return self.error is None and self.items > 0


def tier(candidate: Candidate) -> int:
    """3: titles, dates and recent items (a feed or a news sitemap); 2: dated, recent items
    (a plain sitemap); 1: usable but nothing recent; 0: unusable."""
    if not candidate.usable:
        return 0
    if not (candidate.has_dates and candidate.recent):
        return 1
    return 3 if candidate.has_titles else 2


def _order(candidate: Candidate) -> tuple[int, int, float, int]:
    newest = candidate.newest.timestamp() if candidate.newest else 0.0
    return (tier(candidate), candidate.recent, newest, candidate.kind == "feed")


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first: titles and dates with recent items, then more recent items, then the
    newest item, then a feed before a sitemap (feeds carry summaries)."""
    return sorted(candidates, key=_order, reverse=True)


def pick_best(candidates: list[Candidate]) -> Candidate | None:
    """The candidate to follow, or None when none is usable."""
    best = rank(candidates)[:1]
    return best[0] if best and best[0].usable else None


def is_good(candidate: Candidate) -> bool:
    """Good enough to stop looking: titles, dates and recent items."""
    return tier(candidate) == 3



@dataclass(frozen=True)
class SourceRead:
    """One feed or sitemap as read: what the pipeline stores and what discovery ranks.

    `feed.entries` are, for a feed, all its entries; for a sitemap, the recent ones
    (see parse_sitemap) of the document and, for an index, of its children, newest
    first. `feed.error` names a partial failure (a malformed feed, a child that failed).
    """

    url: str  # final URL of the document, after redirects
    kind: Kind
    feed: ParsedFeed
    status: int = 200  # 304: the conditional GET found nothing new (no entries then)
    etag: str | None = None
    last_modified: str | None = None
    items: int = 0  # entries in the document(s), whatever their age
    newest: datetime | None = None
    has_titles: bool = False
    documents: tuple[str, ...] = ()  # URLs read: the document, then an index's children


def summarise(read: SourceRead, via: str, *, now: datetime, max_age_s: float) -> Candidate:
    """A Candidate from a SourceRead: its counts, recent items and newest date."""
    cutoff = now - timedelta(seconds=max_age_s)
    recent = sum(1 for e in read.feed.entries if e.published is not None and e.published >= cutoff)
    return Candidate(
        url=read.url, kind=read.kind, items=read.items, recent=recent, newest=read.newest,
        has_titles=read.has_titles, has_dates=read.newest is not None, via=via,
        title=read.feed.title,
    )
