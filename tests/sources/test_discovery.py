"""Outlet discovery: the pure parts (feed links, robots.txt, sniffing, ranking) and
discover() against small sites served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.sources.discover import discover
from monitor.sources.discovery import (
    PROBE_PATHS,
    Candidate,
    feed_links,
    pick_best,
    rank,
    robots_sitemaps,
    sniff,
)
from monitor.sources.http import Fetcher, FetchLimits
from tests.paths import DATA
from tests.servers.feedserver import FeedServer

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
DAYS3 = 3 * 86400.0
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
HOME = ("<!doctype html><html><head><title>Yerel Haber</title>{head}</head>"
        "<body>{body}</body></html>")


def rss(base: str, count: int, hours_old: float = 1.0, title: str = "Yerel Haber") -> str:
    items = "".join(
        f"<item><title>Haber {n}</title><link>{base}/haber/{n}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=hours_old + n))}</pubDate></item>"
        for n in range(count)
    )
    return ('<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<title>{title}</title>{items}</channel></rss>")


def news_sitemap(base: str, count: int, hours_old: float = 1.0) -> str:
    items = "".join(
        f"<url><loc>{base}/haber/{n}</loc><news:news><news:publication><news:name>Maraş Haber"
        "</news:name><news:language>tr</news:language></news:publication><news:publication_date>"
        f"{(NOW - timedelta(hours=hours_old + n)).isoformat()}</news:publication_date>"
        f"<news:title>Haber {n}</news:title></news:news></url>"
        for n in range(count)
    )
    return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>')


def home(head: str = "", body: str = "") -> str:
    return HOME.format(head=head, body=body)


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchLimits(total_timeout=5.0)) as f:
        yield f


def probes_made(srv: FeedServer) -> int:
    return sum(len(srv.requests_for(path.split("?")[0])) for path in PROBE_PATHS
               if not path.startswith("/?"))


# --- feed links, robots.txt, sniffing --------------------------------------------------------


def test_feed_links_from_a_wordpress_head() -> None:
    html = home(
        head='<link rel="alternate" type="application/rss+xml; charset=UTF-8" title="X &raquo; '
             'Akış" href="https://x.example/feed/">'
             '<link rel="alternate" type="application/rss+xml" href="/comments/feed/">'
             '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">'
             '<link rel="alternate" type="application/json+oembed" href="/wp-json/oembed?x">'
             '<link rel="alternate" hreflang="en" href="/en/">'
             '<link rel="Alternate Feed" type="application/atom+xml" href="/atom.xml">',
        body='<a href="/kategori/ekonomi/feed/">Ekonomi RSS</a><a href="/rss-nedir">?</a>'
             '<a href="/feed/">again</a><a href="mailto:x@x.example">mail</a>',
    ).encode()
    assert feed_links(html, "https://x.example/") == [
        "https://x.example/feed/", "https://x.example/atom.xml",
        "https://x.example/kategori/ekonomi/feed/",
    ]


def test_feed_links_honour_base_href_and_survive_junk() -> None:
    html = home(head='<base href="https://cdn.x.example/tr/">',
                body='<a href="rss.xml">RSS</a>').encode()
    assert feed_links(html, "https://x.example/") == ["https://cdn.x.example/tr/rss.xml"]
    assert feed_links(b"", "https://x.example/") == []
    assert feed_links(b"\x00\xff\xfe garbage", "https://x.example/") == []
    assert feed_links(b"<html><body>no feeds</body></html>", "https://x.example/") == []


def test_robots_sitemaps_news_first_even_in_a_big_robots_txt() -> None:
    text = "\n".join([
        "User-agent: *", *(f"Disallow: /arama/{n}/" for n in range(800)),  # ~17 KB
        "Sitemap: https://x.example/sitemap.xml", "# Sitemap: https://x.example/old.xml",
        "sitemap: /sitemap-news.xml  # Google News", "SITEMAP: https://x.example/sitemap.xml",
        "Sitemap: ftp://x.example/s.xml", "Sitemap:",
    ])
    assert len(text) > 10_000
    assert robots_sitemaps(text, "https://x.example/robots.txt") == [
        "https://x.example/sitemap-news.xml", "https://x.example/sitemap.xml"]
    assert robots_sitemaps("", "https://x.example/") == []
    assert robots_sitemaps("<html>not robots</html>", "https://x.example/") == []


@pytest.mark.parametrize(("body", "ctype", "kind"), [
    (b'<?xml version="1.0"?>\n<rss version="2.0">', None, "feed"),
    (b'\xef\xbb\xbf<feed xmlns="http://www.w3.org/2005/Atom">', None, "feed"),
    (b'<rdf:RDF xmlns:rdf="...">', None, "feed"),
    (b'<?xml version="1.0"?><?xml-stylesheet href="/s.xsl"?><!-- x --><urlset>', None, "sitemap"),
    (b"<sitemapindex>", "text/xml", "sitemap"),
    (b"\x1f\x8b\x08\x00", "application/x-gzip", "sitemap"),
    (b"<!doctype html><html>", "text/html", "html"),
    (b"<!DOCTYPE html>\n<html>", None, "html"),
    (b"<head><title>x</title>", "text/html; charset=utf-8", "html"),
    (b'{"items": []}', "application/json", None),
    (b"not found", "text/plain", None),
    (b"", None, None),
])
def test_sniff(body: bytes, ctype: str | None, kind: str | None) -> None:
    assert sniff(body, ctype) == kind


# --- ranking ---------------------------------------------------------------------------------


def cand(url: str, kind: str = "feed", **kw: object) -> Candidate:
    defaults: dict[str, object] = {"items": 10, "recent": 5, "newest": NOW, "has_titles": True,
                                   "has_dates": True}
    return Candidate(url, kind, **{**defaults, **kw})  # type: ignore[arg-type]


def test_rank_prefers_titles_and_dates_then_recent_then_newest_then_feeds() -> None:
    plain = cand("plain", "sitemap", has_titles=False, recent=40)
    stale = cand("stale", recent=0, newest=NOW - timedelta(days=30))
    news = cand("news", "sitemap", recent=8)
    feed = cand("feed", recent=8)
    older = cand("older", recent=8, newest=NOW - timedelta(hours=5))
    broken = cand("broken", items=0, recent=0, newest=None, error="HTTP 404")
    empty = cand("empty", items=0, recent=0, newest=None)
    assert [c.url for c in rank([broken, plain, stale, older, news, empty, feed])] == [
        "feed", "news", "older", "plain", "stale", "broken", "empty"]
    assert pick_best([stale, broken]) == stale  # a quiet outlet is still a source
    assert pick_best([broken, empty]) is None
    assert pick_best([]) is None


# --- discover() against sites ----------------------------------------------------------------


async def test_wordpress_site_uses_its_advertised_feed(srv, fetcher) -> None:
    srv.add("/", home(head=f'<link rel="alternate" type="application/rss+xml" '
                           f'href="{srv.url}/feed/"><link rel="alternate" '
                           'type="application/rss+xml" href="/comments/feed/">'))
    srv.add("/feed/", rss(srv.url, 10), content_type=RSS)
    srv.add("/robots.txt", f"User-agent: *\nSitemap: {srv.url}/wp-sitemap.xml\n",
            content_type="text/plain")
    srv.add("/wp-sitemap.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{srv.url}/a</loc><lastmod>{NOW.isoformat()}</lastmod></url></urlset>",
            content_type=XML)
    found = await discover(fetcher, srv.url + "/", now=NOW, max_age_s=DAYS3)
    assert found.error is None and found.best is not None
    assert (found.best.url, found.best.kind, found.best.via) == (f"{srv.url}/feed/", "feed", "link")
    assert (found.best.items, found.best.recent, found.best.title) == (10, 10, "Yerel Haber")
    assert found.best.newest == NOW - timedelta(hours=1)
    by_url = {c.url: c for c in found.candidates}
    assert by_url[f"{srv.url}/wp-sitemap.xml"].via == "robots"
    assert not srv.requests_for("/comments/feed/")
    assert probes_made(srv) == 1  # /feed/ itself, checked once; no other common path
    assert len(srv.requests) == 4  # homepage, robots.txt, the feed, the sitemap


async def test_robots_txt_leads_to_a_news_sitemap(srv, fetcher) -> None:
    srv.add("/", home(body="<p>haberler</p>"))
    srv.add("/robots.txt", f"Sitemap: {srv.url}/sitemap.xml\nSitemap: /haber-sitemap.php\n",
            content_type="text/plain")
    srv.add("/haber-sitemap.php", news_sitemap(srv.url, 6), content_type=XML)
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    assert found.best is not None
    assert (found.best.url, found.best.kind, found.best.via) == (
        f"{srv.url}/haber-sitemap.php", "sitemap", "robots")
    assert (found.best.recent, found.best.has_titles, found.best.title) == (6, True, "Maraş Haber")
    assert not srv.requests_for("/feed/") and not srv.requests_for("/sitemap-news.xml")
    failed = next(c for c in found.candidates if c.url == f"{srv.url}/sitemap.xml")
    assert failed.error == "HTTP 404"


async def test_a_site_with_only_sitemap_news_xml(srv, fetcher) -> None:
    srv.add("/", home())
    srv.add("/sitemap-news.xml", news_sitemap(srv.url, 3), content_type=XML)
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    assert found.best is not None
    assert (found.best.url, found.best.via, found.best.recent) == (
        f"{srv.url}/sitemap-news.xml", "guess", 3)
    assert probes_made(srv) == 4  # the first round only
    assert not srv.requests_for("/sitemap.xml")


async def test_a_site_with_only_an_unadvertised_feed(srv, fetcher) -> None:
    srv.add("/", home())
    srv.add_redirect("/feed", "/feed/", status=301)
    srv.add("/feed/", rss(srv.url, 5, hours_old=100), content_type=RSS)  # all older than 3 days
    srv.add("/rss.xml", rss(srv.url, 2), content_type=RSS)
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    assert found.best is not None and found.best.url == f"{srv.url}/rss.xml"  # recent beats more
    stale = next(c for c in found.candidates if c.url == f"{srv.url}/feed/")
    assert (stale.items, stale.recent, stale.error) == (5, 0, None)


async def test_a_homepage_with_nothing(srv, fetcher) -> None:
    srv.add("/", home(body='<a href="/haber/1">haber</a>'))
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    assert found.best is None
    assert found.error == "no usable feed or sitemap found"
    assert len(found.candidates) == len(PROBE_PATHS)
    html = "not a feed or sitemap: got an HTML page"  # /?feed=rss2 is the homepage again
    assert {c.error for c in found.candidates} == {"HTTP 404", html}
    assert len(srv.requests) == 2 + len(PROBE_PATHS)  # bounded: homepage, robots, each path once


async def test_a_sitemap_that_is_an_html_page(srv, fetcher) -> None:
    page = (DATA / "feeds" / "not_a_feed.html").read_bytes()
    srv.add("/", home())
    srv.add("/robots.txt", "Sitemap: /sitemap-news.xml\n", content_type="text/plain")
    srv.add("/sitemap-news.xml", page)  # a soft 404: the homepage, 200
    srv.add("/feed/", page)
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    assert found.best is None
    assert found.error == (f"no usable feed or sitemap found ({srv.url}/sitemap-news.xml: "
                           "not a feed or sitemap: got an HTML page)")
    assert len(srv.requests_for("/sitemap-news.xml")) == 1  # not probed a second time


async def test_the_url_given_may_be_a_feed_or_a_sitemap_index(srv, fetcher) -> None:
    feed = srv.add("/rss", rss(srv.url, 4), content_type=RSS)
    srv.add("/news-1.xml", news_sitemap(srv.url, 2), content_type=XML)
    index = srv.add("/index.xml", '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/'
                    f'0.9"><sitemap><loc>{srv.url}/news-1.xml</loc></sitemap></sitemapindex>',
                    content_type=XML)
    by_feed = await discover(fetcher, feed, now=NOW, max_age_s=DAYS3)
    assert by_feed.best is not None and (by_feed.best.via, by_feed.best.recent) == ("given", 4)
    by_index = await discover(fetcher, index, now=NOW, max_age_s=DAYS3)
    assert by_index.best is not None
    assert (by_index.best.url, by_index.best.kind, by_index.best.recent) == (index, "sitemap", 2)
    assert not srv.requests_for("/robots.txt")


async def test_unreachable_or_unknown_urls(srv, fetcher) -> None:
    down = await discover(fetcher, f"{srv.url}/fault/status/503", now=NOW, max_age_s=DAYS3)
    assert (down.best, down.candidates) == (None, [])
    assert down.error == f"cannot fetch {srv.url}/fault/status/503: HTTP 503"
    json_url = srv.add("/api", '{"items": []}', content_type="application/json")
    odd = await discover(fetcher, json_url, now=NOW, max_age_s=DAYS3)
    assert odd.error == f"{json_url}: not a feed, a sitemap or an HTML page"


async def test_an_advertised_feed_on_a_private_address_elsewhere_is_refused(srv, fetcher) -> None:
    other = f"http://localhost:{srv.port}/feed.xml"  # same server, another origin
    srv.add("/", home(head=f'<link rel="alternate" type="application/rss+xml" href="{other}">'))
    srv.add("/feed.xml", rss(srv.url, 3), content_type=RSS)
    found = await discover(fetcher, srv.url, now=NOW, max_age_s=DAYS3)
    refused = next(c for c in found.candidates if c.via == "link")
    assert refused.error is not None and refused.error.startswith("blocked non-public address")
    assert not [r for r in srv.requests_for("/feed.xml") if "localhost" in r.headers["host"]]
