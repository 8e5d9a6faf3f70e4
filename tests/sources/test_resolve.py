"""PublisherResolver against real servers on 127.0.0.1: a search engine serving
Google-News-like and Bing-like RSS, and a publisher serving its own RSS, read with the
real Fetcher and feed parser."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote

import pytest

from monitor.models import Entry, FeedState
from monitor.sources.feeds import parse_feed
from monitor.sources.http import Fetcher, FetchLimits
from monitor.sources.resolve import (
    CACHE_TTL_S,
    MATCH_THRESHOLD,
    PublisherResolver,
    Resolution,
    title_similarity,
)
from tests.paths import DATA
from tests.servers.feedserver import FeedServer

FEEDS = DATA / "feeds"
FAST = FetchLimits(connect_timeout=2, read_timeout=2, total_timeout=4)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def publisher() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.add_template("/rss", FEEDS / "publisher.xml")
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FAST) as f:
        yield f


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def resolver(fetcher: Fetcher, clock: Clock) -> PublisherResolver:
    async def recent_entries(source_url: str) -> Sequence[Entry]:
        """The publisher's feed at <homepage>/rss, as the discovery code would find it."""
        feed_url = source_url.rstrip("/") + "/rss"
        result = await fetcher.get_feed(FeedState(id=0, url=feed_url, name=None))
        return parse_feed(result, feed_url=feed_url).entries

    return PublisherResolver(recent_entries, clock=clock)


async def search_items(engine: FeedServer, fetcher: Fetcher, name: str,
                       values: dict[str, str]) -> tuple[str, tuple[Entry, ...]]:
    url = engine.add_template("/search", FEEDS / name, {"{BASE}": engine.url, **values})
    result = await fetcher.get_feed(FeedState(id=0, url=url, name=None))
    return url, parse_feed(result, feed_url=url).entries


async def google(engine: FeedServer, publisher: FeedServer,
                 fetcher: Fetcher) -> tuple[str, tuple[Entry, ...]]:
    return await search_items(engine, fetcher, "search_google.xml",
                              {"{PUB}": publisher.url + "/", "{GONE}": engine.url + "/gone"})


# --- opaque links: the headline among the publisher's entries -----------------------------


async def test_opaque_items_resolve_to_the_publisher_entries(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver
) -> None:
    search_url, items = await google(engine, publisher, fetcher)
    resolved = [await resolver.resolve(item, search_url) for item in items[:5]]
    # quotes, case and İ/ı, a "..." cut, "iş birliği"/"işbirliği": all found
    assert [r.how for r in resolved] == ["publisher"] * 5
    assert [r.entry.url for r in resolved] == [
        publisher.url + "/haber/101?utm_source=rss", *(publisher.url + f"/haber/10{i}"
                                                        for i in range(2, 6))]
    first = resolved[0]
    assert first.outlet == "Maraş Ekspres"
    assert first.entry.canonical_url == publisher.url + "/haber/101"
    assert first.entry.title == "TUSAŞ’tan Kahramanmaraş’a yeni yatırım: 500 kişiye istihdam"
    assert first.entry.key == items[0].key  # still the search feed's identity
    assert first.entry.published is not None
    assert first.entry.published.isoformat() == "2026-11-19T09:10:00+00:00"
    assert first.entry.summary.startswith("Türk Havacılık ve Uzay Sanayii (TUSAŞ)")
    assert len(publisher.requests_for("/rss")) == 1
    assert not engine.requests_for(items[0].url.split(engine.url, 1)[1].split("?")[0])


async def test_another_story_of_the_same_outlet_stays_unresolved(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver
) -> None:
    search_url, items = await google(engine, publisher, fetcher)
    # another month, another year, "köy" for "deprem", "üçüncü" for "ikinci"
    wrong = items[5:9]
    resolved = [await resolver.resolve(item, search_url) for item in wrong]
    assert [r.how for r in resolved] == ["unresolved"] * 4
    assert [r.entry for r in resolved] == list(wrong)  # the items themselves
    assert resolved[0].outlet == "Maraş Ekspres"


async def test_a_matching_headline_published_days_apart_is_another_story(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver
) -> None:
    search_url, items = await google(engine, publisher, fetcher)
    assert items[0].published is not None
    later = replace(items[0], published=items[0].published + timedelta(days=5))
    assert (await resolver.resolve(later, search_url)).how == "unresolved"
    undated = replace(items[0], published=None)
    assert (await resolver.resolve(undated, search_url)).how == "publisher"


async def test_twenty_items_of_one_outlet_cost_one_fetch(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver,
    clock: Clock,
) -> None:
    search_url, items = await google(engine, publisher, fetcher)
    twenty = [replace(items[i % 5], key=f"k{i}") for i in range(20)]
    resolved = await asyncio.gather(*(resolver.resolve(i, search_url) for i in twenty))
    assert {r.how for r in resolved} == {"publisher"}
    assert len(publisher.requests_for("/rss")) == 1
    clock.now += CACHE_TTL_S - 1
    await resolver.resolve(items[0], search_url)
    assert len(publisher.requests_for("/rss")) == 1
    clock.now += 2  # the TTL is over: the next item looks again
    await asyncio.gather(*(resolver.resolve(i, search_url) for i in twenty[:3]))
    assert len(publisher.requests_for("/rss")) == 2


async def test_a_failing_publisher_is_unresolved_and_logged_once_per_ttl(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver,
    clock: Clock, caplog: pytest.LogCaptureFixture,
) -> None:
    search_url, items = await google(engine, publisher, fetcher)
    gone = items[9]
    assert gone.source_url == engine.url + "/gone"
    with caplog.at_level(logging.WARNING, logger="monitor.sources.resolve"):
        resolved = await asyncio.gather(*(resolver.resolve(replace(gone, key=str(i)), search_url)
                                          for i in range(20)))
        assert {(r.how, r.outlet) for r in resolved} == {("unresolved", "Kent Gazetesi")}
        assert len(engine.requests_for("/gone/rss")) == 1
        clock.now += CACHE_TTL_S + 1
        assert (await resolver.resolve(gone, search_url)).how == "unresolved"
    assert len(engine.requests_for("/gone/rss")) == 2
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("publisher_lookup_failed origin=http://127.0.0.1:")
    assert 'error="HTTP 404"' in lines[0]
    # the other publisher is not affected
    assert (await resolver.resolve(items[0], search_url)).how == "publisher"


async def test_a_publisher_feed_that_is_no_feed_is_unresolved(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver
) -> None:
    publisher.add("/rss", "<html><body>Bakımdayız</body></html>")
    search_url, items = await google(engine, publisher, fetcher)
    assert (await resolver.resolve(items[0], search_url)).how == "unresolved"


async def test_a_bug_in_the_lookup_is_not_hidden(engine: FeedServer) -> None:
    async def broken(source_url: str) -> Sequence[Entry]:
        raise KeyError(source_url)

    item = entry(engine.url + "/rss/articles/CBMi1", source_url="https://pub.example/")
    with pytest.raises(KeyError):
        await PublisherResolver(broken).resolve(item, engine.url + "/rss/search?q=x")


# --- links that need no lookup ------------------------------------------------------------


async def test_bing_click_links_are_unwrapped_without_a_request(
    engine: FeedServer, publisher: FeedServer, fetcher: Fetcher, resolver: PublisherResolver
) -> None:
    search_url, items = await search_items(
        engine, fetcher, "search_bing.xml", {"{PUB_ENCODED}": quote(publisher.url, safe="")})
    resolution = await resolver.resolve(items[0], search_url)
    assert resolution.how == "unwrapped"
    assert resolution.outlet == "Maraş Ekspres"
    assert resolution.entry.url == publisher.url + "/haber/101?kaynak=rss"
    assert resolution.entry.canonical_url == publisher.url + "/haber/101?kaynak=rss"
    assert resolution.entry.title == items[0].title
    # a click link carrying no http(s) URL points nowhere we may go
    assert (await resolver.resolve(items[1], search_url)).how == "unresolved"
    assert publisher.requests == [] and engine.requests_for("/news/apiclick.aspx") == []


def entry(url: str | None, title: str = "TUSAŞ'tan yeni yatırım - Maraş Ekspres",
          source_url: str | None = None, source_name: str | None = "Maraş Ekspres") -> Entry:
    return Entry(key="k", url=url, canonical_url=url, title=title, summary="", published=None,
                 source_url=source_url, source_name=source_name)


async def resolve(item: Entry, search_url: str = "http://127.0.0.1:9/rss/search?q=x",
                  ) -> Resolution:
    async def never(source_url: str) -> Sequence[Entry]:
        raise AssertionError("no lookup expected")

    return await PublisherResolver(never).resolve(item, search_url)


async def test_a_link_on_another_origin_is_direct() -> None:
    resolution = await resolve(entry("https://maras.example/h/1?utm_source=x",
                                     source_url="https://maras.example/"))
    assert resolution.how == "direct"
    assert resolution.entry.title == "TUSAŞ'tan yeni yatırım"
    assert resolution.entry.canonical_url == "https://maras.example/h/1"
    # the same host on another port or scheme is another origin too
    assert (await resolve(entry("http://127.0.0.1:10/h/1"))).how == "direct"


async def test_aggregator_links_relayed_by_a_mirror_are_looked_up() -> None:
    story = entry("https://maras.example/haber/7", title="TUSAŞ’tan yeni yatırım")
    asked: list[str] = []

    async def recent(source_url: str) -> Sequence[Entry]:
        asked.append(source_url)
        return [story]

    item = entry("https://news.google.com/rss/articles/CBMi9?oc=5",
                 source_url="https://maras.example/")
    resolution = await PublisherResolver(recent).resolve(item, "http://127.0.0.1:9/rss?q=x")
    assert (resolution.how, resolution.entry.url) == ("publisher", story.url)
    assert asked == ["https://maras.example/"]
    own = entry("https://maras.example/rss/articles/5", source_url="https://maras.example/")
    assert (await resolve(own)).how == "direct"  # the publisher's own path


@pytest.mark.parametrize("item", [
    entry(None),
    entry("http://[::1/haber/1"),  # unparseable
    entry("ftp://maras.example/haber/1"),
    entry("http://127.0.0.1:9/rss/articles/CBMi1"),  # opaque, no <source url>
    entry("http://127.0.0.1:9/rss/articles/CBMi1", source_url="javascript:x"),
])
async def test_what_cannot_be_resolved_without_a_publisher(item: Entry) -> None:
    resolution = await resolve(item)
    assert (resolution.how, resolution.entry) == ("unresolved", item)


# --- headline similarity ------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("TUSAŞ'tan Kahramanmaraş'a yeni yatırım", "TUSAŞ’tan Kahramanmaraş’a yeni yatırım"),
    ('"Erkenez OSB\'de ikinci etap başlıyor"', "“Erkenez OSB’de ikinci etap başlıyor”"),
    ("İHRACATTA REKOR: KAHRAMANMARAŞ İLK 10'DA", "Ihracatta rekor, Kahramanmaras ilk 10'da!"),
    ("Kahramanmaraş'ta sanayiciler yeni organize…", "Kahramanmaraş'ta sanayiciler yeni "
                                                   "organize sanayi bölgesi için harekete geçti"),
    ("Kahramanmaraş'ta sanayiciler yeni organize sanayi bölgesi için harekete geçti",
     "Kahramanmaraş'ta sanayiciler yeni organize sanayi bölge..."),
    ("Başkan Buluntu: İhracatta rekor hedefliyoruz", "Başkan Buluntu: İhracatta rekor hedefliyouz"),
])
def test_same_story_headlines_clear_the_threshold(a: str, b: str) -> None:
    assert title_similarity(a, b) >= MATCH_THRESHOLD


@pytest.mark.parametrize(("a", "b"), [
    ("TUSAŞ yöneticileri oda meclisine konuk oldu", "TUSAŞ yöneticileri Erkenez OSB'yi gezdi"),
    ("KMTSO Meclisi Ekim ayı toplantısını yaptı", "KMTSO Meclisi Kasım ayı toplantısını yaptı"),
    ("TUSAŞ 2024 yılında 15 uçak teslim etti", "TUSAŞ 2025 yılında 15 uçak teslim etti"),
    ("Kahramanmaraş'ta sanayiciler yeni organize...", "Kahramanmaraş'ta sanayiciler enerji "
                                                     "fiyatlarına tepki gösterdi"),
    ("TUSAŞ...", "TUSAŞ yöneticileri oda meclisine konuk oldu"),  # too short a cut
    ("...", "TUSAŞ yöneticileri oda meclisine konuk oldu"),
])
def test_other_stories_stay_below_it(a: str, b: str) -> None:
    assert title_similarity(a, b) < MATCH_THRESHOLD
