"""monitor.sources.sitemaps on sitemap documents, and read_source() on sitemaps served over
real sockets (index followed one level, gzip, an index of indexes)."""

from __future__ import annotations

import gzip
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from monitor.errors import FeedError
from monitor.sources.discover import read_source
from monitor.sources.http import Fetcher, FetchLimits
from monitor.sources.sitemaps import MAX_SITEMAP_BYTES, parse_date, parse_sitemap
from tests.paths import DATA
from tests.servers.feedserver import FeedServer

SITEMAPS = DATA / "sitemaps"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)  # 12:00 in Istanbul
DAYS3 = 3 * 86400.0
XML = "application/xml; charset=utf-8"
URLSET = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
          'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">')


def parse(body: bytes, max_age_s: float = DAYS3, url: str = "https://www.example-haber.com.tr/s.xml"):
    return parse_sitemap(body, url, now=NOW, max_age_s=max_age_s)


def news_item(loc: str, when: str, title: str = "Başlık") -> str:
    return (f"<url><loc>{loc}</loc><news:news><news:publication><news:name>Yerel</news:name>"
            f"<news:language>tr</news:language></news:publication><news:publication_date>{when}"
            f"</news:publication_date><news:title>{title}</news:title></news:news></url>")


def feed_error(body: bytes) -> str:
    with pytest.raises(FeedError) as info:
        parse(body)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the Google News schema, plain sitemaps, max_age ----------------------------------------


def test_news_sitemap_gives_titles_dates_and_publication() -> None:
    sitemap = parse((SITEMAPS / "news.xml").read_bytes())
    assert (sitemap.is_news, sitemap.publication, sitemap.language) == (
        True, "Kahramanmaraş Manşet", "tr")
    assert (sitemap.items, sitemap.has_titles, sitemap.is_index) == (5, True, False)
    got = [(e.url, e.title, e.published) for e in sitemap.entries]
    base = "https://www.kahramanmarasmanset.com"
    assert got == [
        (f"{base}/ekonomi/kmtso-meclis-toplantisi-h1201.html",  # the news:title, not image:title
         "KMTSO Mayıs ayı meclis toplantısı yapıldı", datetime(2024, 5, 1, 7, 30, tzinfo=UTC)),
        (f"{base}/ekonomi/erkenez-osb-h1200.html?utm_source=gn",
         "Erkenez OSB'de yeni fabrika & istihdam", datetime(2024, 5, 1, 6, 0, tzinfo=UTC)),
        (f"{base}/gundem/yerel-saat-h1199.html",  # no offset: Istanbul time
         "Tarih ofsetsiz yazılmış haber", datetime(2024, 5, 1, 6, 0, tzinfo=UTC)),
        (f"{base}/gundem/tarihsiz-h1198.html", "Tarihi olmayan haber", None),  # undated, kept
    ]
    first, second = sitemap.entries[:2]
    assert first.key == first.url and first.summary == ""
    assert second.canonical_url == f"{base}/ekonomi/erkenez-osb-h1200.html"
    assert sitemap.newest == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)


def test_plain_sitemap_falls_back_to_lastmod_and_drops_undated() -> None:
    sitemap = parse((SITEMAPS / "plain.xml").read_bytes())
    assert (sitemap.is_news, sitemap.has_titles, sitemap.publication) == (False, False, None)
    assert sitemap.items == 4  # javascript: and a <url> without <loc> are no items
    assert [(e.url, e.title, e.published) for e in sitemap.entries] == [
        ("https://www.example-haber.com.tr/2024/05/01/belediye-meclisi/", "",
         datetime(2024, 5, 1, 5, 15, tzinfo=UTC)),
        ("https://www.example-haber.com.tr/2024/04/30/sanayi-odasi/", "",  # relative, resolved
         datetime(2024, 4, 29, 21, 0, tzinfo=UTC)),  # a bare date: midnight in Istanbul
    ]


@pytest.mark.parametrize(("max_age_s", "urls"), [
    (30 * 86400.0, 5),  # the ten-day-old item too
    (DAYS3, 4),
    (2 * 3600, 2),  # from 07:00 UTC on, plus the undated news item
    (60.0, 1),  # only the undated news item
])
def test_only_entries_newer_than_max_age(max_age_s: float, urls: int) -> None:
    sitemap = parse((SITEMAPS / "news.xml").read_bytes(), max_age_s=max_age_s)
    assert len(sitemap.entries) == urls
    assert sitemap.items == 5  # counted whatever their age


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-01T10:30:00+03:00", datetime(2024, 5, 1, 7, 30, tzinfo=UTC)),
    ("2024-05-01T07:30:00.123Z", datetime(2024, 5, 1, 7, 30, 0, 123000, tzinfo=UTC)),
    ("2024-05-01T10:30+03:00", datetime(2024, 5, 1, 7, 30, tzinfo=UTC)),
    ("2024-05-01", datetime(2024, 4, 30, 21, 0, tzinfo=UTC)),
    ("Wed, 01 May 2024 10:30:00 +0300", datetime(2024, 5, 1, 7, 30, tzinfo=UTC)),
    ("dün", None),
    ("2024-13-45", None),
    ("", None),
    (None, None),
])
def test_dates(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


# --- indexes ---------------------------------------------------------------------------------


def test_index_lists_the_five_newest_children_resolved_http_only() -> None:
    body = (SITEMAPS / "index.xml").read_text().replace("{BASE}", "https://haber.example")
    sitemap = parse(body.encode(), url="https://haber.example/sitemap_index.xml")
    assert sitemap.is_index and sitemap.entries == ()
    assert sitemap.children == tuple(
        f"https://haber.example/sitemap/news-2024-{day}.xml"
        for day in ("05-01", "04-30", "04-29", "04-28", "04-27")
    )


# --- what is refused -------------------------------------------------------------------------


def test_an_html_page_is_no_sitemap() -> None:
    message = feed_error((DATA / "feeds" / "not_a_feed.html").read_bytes())
    assert message == "not a sitemap: got an HTML page"
    assert feed_error(b"\n<!-- cache --><html><body>x</body></html>") == (
        "not a sitemap: got an HTML page")


@pytest.mark.parametrize(("body", "says"), [
    (b"", "empty document"),
    (b"   \n", "empty document"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "<rss> is neither"),
    (b'{"urls": []}', "malformed sitemap"),
    (URLSET.encode() + b"<url><loc>https://a.example/x</loc>", "malformed sitemap"),
    (URLSET.encode() + b"<url><loc>https://a.example/x</url></urlset>", "malformed sitemap"),
    (URLSET.encode() + b"<url><loc>https://a.example/&nbsp;</loc></url></urlset>",
     "malformed sitemap"),
    (b"\x1f\x8b\x08\x00garbage", "sitemap gzip: truncated compressed body"),
    (gzip.compress(b"<urlset/>" * 99)[:10] + b"\xff" * 20, "sitemap gzip: corrupt compressed body"),
    (gzip.compress((SITEMAPS / "news.xml").read_bytes())[:500],
     "sitemap gzip: truncated compressed body"),
])
def test_malformed_documents_are_one_clear_error(body: bytes, says: str) -> None:
    assert says in feed_error(body)


def test_fifty_megabytes_are_refused_without_parsing() -> None:
    body = (URLSET + news_item("https://a.example/x", "2024-05-01T10:00:00Z") * 1
            ).encode() + b" " * (50 * 1024 * 1024) + b"</urlset>"
    started = time.perf_counter()
    message = feed_error(body)
    assert time.perf_counter() - started < 0.5
    assert message == f"sitemap over {MAX_SITEMAP_BYTES} bytes: https://www.example-haber.com.tr/s.xml"


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(URLSET.encode() + b" " * (50 * 1024 * 1024) + b"</urlset>")
    assert len(bomb) < 200_000
    started = time.perf_counter()
    assert feed_error(bomb) == f"sitemap gzip: over {MAX_SITEMAP_BYTES} bytes decompressed"
    assert time.perf_counter() - started < 2.0


def test_gzip_is_decompressed() -> None:
    sitemap = parse(gzip.compress((SITEMAPS / "news.xml").read_bytes()))
    assert len(sitemap.entries) == 4


def test_external_entities_are_never_resolved() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>' + URLSET
        + news_item("https://a.example/x", "2024-05-01T10:00:00Z", "A &xxe;&remote; B")
        + "</urlset>"
    ).encode()
    [entry] = parse(body).entries
    assert "root:" not in entry.title
    assert entry.title.startswith("A") and entry.title.endswith("B")


def test_an_entity_bomb_is_refused_quickly() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "ha">{laughs}]>' + URLSET
            + news_item("https://a.example/x", "2024-05-01T10:00:00Z", "A &l9; C")
            + "</urlset>").encode()
    started = time.perf_counter()
    assert "malformed sitemap: Maximum entity amplification" in feed_error(body)
    assert time.perf_counter() - started < 0.5


# --- read_source over HTTP: an index followed one level --------------------------------------


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchLimits(total_timeout=5.0)) as f:
        yield f


def day_sitemap(srv: FeedServer, day: str) -> None:
    items = "".join(news_item(f"{srv.url}/haber/{day}-{n}.html", f"2024-{day}T1{n}:00:00+03:00",
                              f"Haber {day} {n}") for n in range(3))
    srv.add(f"/sitemap/news-2024-{day}.xml", URLSET + items + "</urlset>", content_type=XML)


async def test_read_source_follows_an_index_to_its_newest_children(srv, fetcher) -> None:
    index = srv.add_template("/sitemap_index.xml", SITEMAPS / "index.xml", content_type=XML)
    for day in ("04-27", "04-28", "04-29", "04-30", "05-01", "04-25", "04-26"):
        day_sitemap(srv, day)
    srv.remove("/sitemap/news-2024-04-30.xml")  # one child fails: 404
    read = await read_source(fetcher, index, "sitemap", now=NOW, max_age_s=DAYS3)
    assert (read.kind, read.url, read.feed.title) == ("sitemap", index, "Yerel")
    assert read.items == 12 and read.has_titles
    assert read.feed.error is not None
    assert read.feed.error.startswith("1 of 5 child sitemaps failed")
    assert "news-2024-04-30.xml: HTTP 404" in read.feed.error
    published = [e.published for e in read.feed.entries]
    assert published == sorted(published, reverse=True)  # newest first, across children
    assert read.newest == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)  # 12:00 +03:00
    assert all(e.published >= datetime(2024, 4, 28, 9, tzinfo=UTC) for e in read.feed.entries)
    assert not srv.requests_for("/sitemap/news-2024-04-26.xml")  # older than the 5 newest
    assert read.documents[0] == index and len(read.documents) == 6


async def test_an_endless_index_is_not_followed_past_one_level(srv, fetcher) -> None:
    def index_of(path: str) -> str:
        return ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{srv.url}{path}</loc></sitemap></sitemapindex>")

    top = srv.add("/index.xml", index_of("/index-1.xml"), content_type=XML)
    srv.add("/index-1.xml", index_of("/index-2.xml"), content_type=XML)
    srv.add("/index-2.xml", index_of("/index-3.xml"), content_type=XML)
    with pytest.raises(FeedError) as info:
        await read_source(fetcher, top, None, now=NOW, max_age_s=DAYS3)
    assert "an index inside a sitemap index is not followed" in str(info.value)
    assert len(srv.requests_for("/index-1.xml")) == 1
    assert not srv.requests_for("/index-2.xml")
    srv.add("/self.xml", index_of("/self.xml"), content_type=XML)  # an index naming itself
    with pytest.raises(FeedError):
        await read_source(fetcher, f"{srv.url}/self.xml", "sitemap", now=NOW, max_age_s=DAYS3)
    assert len(srv.requests_for("/self.xml")) == 2


async def test_read_source_reads_gzip_sitemaps_either_way(srv, fetcher) -> None:
    news = (SITEMAPS / "news.xml").read_bytes()
    raw = srv.add("/sitemap-news.xml.gz", gzip.compress(news), content_type="application/x-gzip")
    encoded = srv.add("/sitemap-news.xml", news, content_type=XML, gzip=True)
    for url in (raw, encoded):
        read = await read_source(fetcher, url, None, now=NOW, max_age_s=DAYS3)
        assert (read.kind, len(read.feed.entries), read.feed.title) == (
            "sitemap", 4, "Kahramanmaraş Manşet")


async def test_read_source_refuses_a_page_where_a_sitemap_was_asked(srv, fetcher) -> None:
    url = srv.add_file("/sitemap-news.xml", DATA / "feeds" / "not_a_feed.html",
                       content_type="text/html")
    with pytest.raises(FeedError, match="not a sitemap: got an HTML page"):
        await read_source(fetcher, url, "sitemap", now=NOW, max_age_s=DAYS3)
    with pytest.raises(FeedError, match="not a feed or sitemap: got an HTML page"):
        await read_source(fetcher, url, None, now=NOW, max_age_s=DAYS3)


async def test_read_source_conditional_get_answers_304(srv, fetcher) -> None:
    from monitor.models import FeedState

    url = srv.add("/sitemap-news.xml", (SITEMAPS / "news.xml").read_bytes(), content_type=XML,
                  etag=True)
    first = await read_source(fetcher, url, "sitemap", now=NOW, max_age_s=DAYS3)
    state = FeedState(id=1, url=url, name=None, etag=first.etag)
    again = await read_source(fetcher, url, "sitemap", now=NOW, max_age_s=DAYS3, state=state)
    assert (again.status, again.kind, again.feed.entries, again.etag) == (
        304, "sitemap", (), first.etag)
