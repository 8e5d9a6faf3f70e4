"""Polite fetching, against a real server on 127.0.0.1: User-Agent, Retry-After, host slots."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from email.utils import formatdate

import pytest

from monitor.errors import FetchError
from monitor.models import FeedState
from monitor.sources.hosts import MAX_RETRY_AFTER_S, HostSlots, parse_retry_after
from monitor.sources.http import Fetcher, FetchLimits, user_agent
from tests.servers.feedserver import FeedServer, Request, Route

FAST = FetchLimits(connect_timeout=2, read_timeout=2.0, total_timeout=5.0)
RSS = "application/rss+xml"


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def feed(url: str) -> FeedState:
    return FeedState(id=1, url=url, name=None)


async def fetch_error(coro: Awaitable[object]) -> FetchError:
    with pytest.raises(FetchError) as info:
        await coro
    assert "\n" not in str(info.value)
    return info.value


# --- the User-Agent -------------------------------------------------------------------------


async def test_user_agent_carries_the_contact(srv: FeedServer) -> None:
    url = srv.add("/rss", b"<rss/>", content_type=RSS)
    agent = user_agent("https://www.kmtso.org.tr/monitor")
    async with Fetcher(FAST, user_agent=agent) as fetcher:
        await fetcher.get_feed(feed(url))
        await fetcher.get_page(srv.add("/a.html", b"<html/>"), feed_url=url)
    sent = [r.headers["user-agent"] for r in srv.requests]
    assert sent == [agent, agent]
    assert agent == (
        "KMTSO-Monitor/0.2 (+https://www.kmtso.org.tr/monitor; "
        "news monitoring for the Kahramanmaras Chamber of Commerce)"
    )


@pytest.mark.parametrize(
    ("contact", "shown"),
    [
        (None, "(news monitoring"),
        ("  ", "(news monitoring"),
        ("mailto:basin@kmtso.org.tr", "(mailto:basin@kmtso.org.tr; news"),
        ("https://kmtso.org.tr/iletişim", "(+https://kmtso.org.tr/ileti%C5%9Fim; news"),
        ("https://x.tr/a(b)", "(+https://x.tr/a%28b%29; news"),  # would close the comment
        ("https://x.tr/\r\nX-Evil: 1", "(+https://x.tr/%0D%0AX-Evil:%201; news"),
    ],
)
def test_user_agent_is_one_ascii_comment(contact: str | None, shown: str) -> None:
    agent = user_agent(contact)
    assert shown in agent
    assert agent.isascii() and agent.isprintable()
    assert agent.count("(") == agent.count(")") == 1


# --- Retry-After on 429 and 503 -------------------------------------------------------------


async def test_429_with_seconds(srv: FeedServer) -> None:
    url = srv.add("/rss", b"slow down", status=429, headers={"Retry-After": "120"})
    async with Fetcher(FAST) as fetcher:
        error = await fetch_error(fetcher.get_feed(feed(url)))
    assert (error.status, error.retry_after_s) == (429, 120.0)
    assert str(error) == "HTTP 429 (Retry-After 120s)"


async def test_503_with_an_http_date(srv: FeedServer) -> None:
    later = formatdate(time.time() + 300, usegmt=True)
    url = srv.add("/a.html", b"busy", status=503, headers={"Retry-After": later})
    async with Fetcher(FAST) as fetcher:
        error = await fetch_error(fetcher.get_page(url, feed_url=url))
    assert error.status == 503
    assert error.retry_after_s is not None and 298 <= error.retry_after_s <= 301
    assert str(error).startswith("HTTP 503 (Retry-After ")


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(429, None), (503, "soon"), (429, "-5"), (503, ""), (500, "120"), (404, "120")],
)
async def test_no_usable_retry_after_pauses_nothing(
    srv: FeedServer, status: int, retry_after: str | None
) -> None:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    url = srv.add("/rss", b"no", status=status, headers=headers)
    async with Fetcher(FAST) as fetcher:
        for _ in range(2):
            error = await fetch_error(fetcher.get_feed(feed(url)))
            assert (str(error), error.retry_after_s) == (f"HTTP {status}", None)
    assert len(srv.requests_for("/rss")) == 2  # the second request was sent


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "120"}, 120.0),
        ({"retry-after": " 7.5 "}, 7.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "999999999"}, MAX_RETRY_AFTER_S),
        ({"retry-after": "Sat, 28 Nov 2026 12:02:00 GMT"}, 120.0),
        ({"retry-after": "Saturday, 28-Nov-26 12:02:00 GMT"}, 120.0),  # RFC 850
        ({"retry-after": "Sat Nov 28 12:02:00 2026"}, 120.0),  # asctime, no zone: GMT
        ({"retry-after": "Sat, 28 Nov 2026 11:00:00 GMT"}, 0.0),  # already past
        ({"retry-after": "Sat, 05 Dec 2026 12:00:00 GMT"}, MAX_RETRY_AFTER_S),
        # measured from the outlet's own clock when it sends one
        ({"retry-after": "Sat, 28 Nov 2026 12:02:00 GMT",
          "date": "Sat, 28 Nov 2026 12:01:00 GMT"}, 60.0),
        ({"retry-after": "Sat, 28 Nov 2026 12:02:00 GMT", "date": "yesterday"}, 120.0),
        ({}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "1e3"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "Sat, 32 Nov 2026 12:02:00 GMT"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers, NOW) == seconds


# --- a host in its Retry-After window is not contacted --------------------------------------


async def test_paused_host_is_not_contacted_on_any_url(srv: FeedServer) -> None:
    page = srv.add("/a.html", b"slow down", status=429, headers={"Retry-After": "120"})
    rss = srv.add("/rss", b"<rss/>", content_type=RSS)
    other_host = f"http://localhost:{srv.port}/rss"
    async with Fetcher(FAST) as fetcher:
        await fetch_error(fetcher.get_page(page, feed_url=rss))
        error = await fetch_error(fetcher.get_feed(feed(rss)))
        assert (await fetcher.get_feed(feed(other_host))).status == 200  # another host
        again = await fetch_error(fetcher.get_page(page, feed_url=rss))
    assert srv.requests_for("/a.html") and len(srv.requests_for("/a.html")) == 1
    assert len(srv.requests_for("/rss")) == 1  # only the one to localhost
    assert str(error).startswith(  # host and port: two outlets on one address are two hosts
        f"not contacted: 127.0.0.1:{srv.port} asked us to wait (Retry-After), ")
    assert error.status is None
    assert error.retry_after_s is not None and 115 < error.retry_after_s <= 120
    assert "not contacted" in str(again)


async def test_redirect_to_a_paused_host_is_not_followed(srv: FeedServer) -> None:
    srv.add("/busy", b"", status=503, headers={"Retry-After": "60"})
    srv.add_redirect("/moved", f"http://localhost:{srv.port}/target")
    async with Fetcher(FAST) as fetcher:
        await fetch_error(fetcher.get_feed(feed(f"http://localhost:{srv.port}/busy")))
        error = await fetch_error(fetcher.get_feed(feed(srv.url + "/moved")))
    assert "not contacted: localhost" in str(error)
    assert srv.requests_for("/target") == []


async def test_requests_queued_for_the_host_fail_fast_once_it_says_wait(srv: FeedServer) -> None:
    def slow_429(_: Request) -> Route:
        time.sleep(0.3)
        return Route(body=b"", status=429, headers={"Retry-After": "60"})

    srv.add_handler("/slow", slow_429)
    rss = srv.add("/rss", b"<rss/>", content_type=RSS)
    limits = FetchLimits(max_per_host=1, total_timeout=5.0)
    async with Fetcher(limits) as fetcher:
        first, queued = await asyncio.gather(
            fetcher.get_feed(feed(srv.url + "/slow")), fetcher.get_feed(feed(rss)),
            return_exceptions=True,
        )
    assert isinstance(first, FetchError) and first.status == 429
    assert isinstance(queued, FetchError) and "not contacted" in str(queued)
    assert srv.requests_for("/rss") == []


async def test_the_host_is_asked_again_after_its_wait(srv: FeedServer) -> None:
    srv.add("/busy", b"", status=503, headers={"Retry-After": "1"})
    rss = srv.add("/rss", b"<rss/>", content_type=RSS)
    async with Fetcher(FAST) as fetcher:
        await fetch_error(fetcher.get_feed(feed(srv.url + "/busy")))
        await fetch_error(fetcher.get_feed(feed(rss)))
        await asyncio.sleep(1.1)
        assert (await fetcher.get_feed(feed(rss))).status == 200


def test_host_slots_pause_rules() -> None:
    now = [1000.0]
    slots = HostSlots(2, clock=lambda: now[0])
    slots.pause("WWW.AA.com.tr.", 120)
    assert slots.paused_for("www.aa.com.tr") == 120.0  # one name per outlet
    slots.pause("www.aa.com.tr", 30)  # a shorter wait does not shorten the pause
    assert slots.paused_for("www.aa.com.tr") == 120.0
    slots.pause("other.tr", 0)
    slots.pause("huge.tr", 10 * 86400)
    assert slots.paused_for("other.tr") is None
    assert slots.paused_for("huge.tr") == MAX_RETRY_AFTER_S
    now[0] += 120
    assert slots.paused_for("www.aa.com.tr") is None


# --- at most N requests at once per host ----------------------------------------------------


class InFlight:
    """Route handlers sharing one count of the requests in flight, and its peak."""

    def __init__(self, delay: float = 0.15):
        self.delay = delay
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def serving(self, body: bytes, content_type: str) -> Callable[[Request], Route]:
        def handler(_: Request) -> Route:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            time.sleep(self.delay)
            with self.lock:
                self.now -= 1
            return Route(body=body, content_type=content_type)

        return handler


async def test_per_host_limit_spans_feed_and_page_fetches(srv: FeedServer) -> None:
    probe = InFlight()
    rss = srv.add_handler("/rss", probe.serving(b"<rss/>", RSS))
    page = srv.add_handler("/page.html", probe.serving(b"<html/>", "text/html"))
    limits = FetchLimits(max_per_host=2, max_connections=20, total_timeout=10)
    async with Fetcher(limits) as fetcher:
        results = await asyncio.gather(
            *(fetcher.get_feed(feed(rss)) for _ in range(5)),
            *(fetcher.get_page(page, feed_url=rss) for _ in range(5)),
        )
    assert [r.status for r in results] == [200] * 10
    assert probe.peak == 2


async def test_a_queue_for_one_host_leaves_other_hosts_free(srv: FeedServer) -> None:
    slow = InFlight(delay=0.5)
    srv.add_handler("/slow", slow.serving(b"<rss/>", RSS))
    fast = f"http://localhost:{srv.port}/fast"
    srv.add("/fast", b"<rss/>", content_type=RSS)
    limits = FetchLimits(max_per_host=2, max_connections=3, total_timeout=10)
    async with Fetcher(limits) as fetcher:
        queued = [asyncio.create_task(fetcher.get_feed(feed(srv.url + "/slow"))) for _ in range(6)]
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await fetcher.get_feed(feed(fast))
        waited = time.monotonic() - started
        await asyncio.gather(*queued)
    assert slow.peak == 2
    assert waited < 0.4  # not behind the slow host's queue (each of its requests takes 0.5 s)
