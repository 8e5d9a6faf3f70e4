"""monitor.sources.http against a real server on 127.0.0.1 (tests/servers/feedserver.py)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator

import pytest

from monitor.errors import FetchError
from monitor.models import FeedState
from monitor.sources.http import DEFAULT_USER_AGENT, Fetcher, FetchLimits
from tests.paths import DEVDATA
from tests.servers.feedserver import FeedServer, Request, Route

FAST = FetchLimits(connect_timeout=2, read_timeout=1.0, total_timeout=2.0, max_bytes=100_000)


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FAST) as f:
        yield f


def state(url: str, **kw: object) -> FeedState:
    return FeedState(id=1, url=url, name=None, **kw)  # type: ignore[arg-type]


async def fetch_error(coro: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        await coro  # type: ignore[misc]
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return info.value


# --- feeds: plain, conditional, compressed --------------------------------------------------


async def test_get_feed_200_sends_honest_user_agent(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add(
        "/rss",
        b"<rss/>",
        content_type="application/rss+xml; charset=utf-8",
        headers={"X-Extra": "1"},
    )
    result = await fetcher.get_feed(state(url))
    assert (result.status, result.body, result.url) == (200, b"<rss/>", url)
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert result.headers["x-extra"] == "1"
    sent = srv.requests_for("/rss")[-1].headers
    assert sent["user-agent"] == DEFAULT_USER_AGENT
    assert "KMTSO-Monitor" in sent["user-agent"]
    assert "rss+xml" in sent["accept"]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


async def test_conditional_get_with_etag(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/rss", b"<rss/>", etag=True, content_type="application/rss+xml")
    first = await fetcher.get_feed(state(url))
    assert first.status == 200 and first.etag
    second = await fetcher.get_feed(state(url, etag=first.etag))
    assert second.not_modified and second.body == b""
    assert second.etag == first.etag
    assert srv.requests_for("/rss")[-1].headers["if-none-match"] == first.etag


async def test_conditional_get_with_last_modified(srv: FeedServer, fetcher: Fetcher) -> None:
    stamp = "Thu, 19 Nov 2026 10:00:00 GMT"
    url = srv.add("/rss", b"<rss/>", last_modified=stamp)
    first = await fetcher.get_feed(state(url))
    assert first.last_modified == stamp
    second = await fetcher.get_feed(state(url, last_modified=stamp))
    assert second.status == 304 and second.last_modified == stamp
    assert srv.requests_for("/rss")[-1].headers["if-modified-since"] == stamp
    older = await fetcher.get_feed(state(url, last_modified="Wed, 18 Nov 2026 10:00:00 GMT"))
    assert older.status == 200


async def test_304_without_validators_keeps_the_stored_ones(
    srv: FeedServer, fetcher: Fetcher
) -> None:
    url = srv.add("/rss", b"", status=304, content_type=None)
    result = await fetcher.get_feed(state(url, etag='"e1"', last_modified="x"))
    assert result.not_modified and result.etag == '"e1"' and result.last_modified == "x"


async def test_gzip_and_deflate_bodies_are_decoded(srv: FeedServer, fetcher: Fetcher) -> None:
    body = "<rss>TUSAŞ</rss>".encode() * 100
    gz = srv.add("/gz", body, gzip=True)
    df = srv.add("/df", zlib.compress(body), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    rawdf = srv.add(
        "/rawdf", raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    for url in (gz, df, rawdf):
        assert (await fetcher.get_feed(state(url))).body == body
    assert "gzip" in srv.requests_for("/gz")[-1].headers["accept-encoding"]


# --- statuses, redirects, schemes, refused connections --------------------------------------


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 429, 500, 502, 503])
async def test_error_statuses(srv: FeedServer, fetcher: Fetcher, code: int) -> None:
    err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/status/{code}")))
    assert err.status == code and str(err) == f"HTTP {code}"


async def test_redirects_are_followed_up_to_five(srv: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.get_feed(state(f"{srv.url}/fault/redirect/5"))
    assert result.status == 200 and result.url == f"{srv.url}/fault/ok"
    err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/redirect/6")))
    assert str(err) == "too many redirects"


async def test_redirect_loop(srv: FeedServer, fetcher: Fetcher) -> None:
    err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/loop")))
    assert str(err) == "too many redirects"


async def test_relative_and_301_redirects(srv: FeedServer, fetcher: Fetcher) -> None:
    srv.add("/new/rss", b"<rss/>")
    srv.add_redirect("/old", "new/rss", status=301)
    result = await fetcher.get_feed(state(f"{srv.url}/old"))
    assert result.url == f"{srv.url}/new/rss" and result.body == b"<rss/>"


@pytest.mark.parametrize("url", ["ftp://example.org/rss", "file:///etc/passwd", "rss", ""])
async def test_non_http_schemes(fetcher: Fetcher, url: str) -> None:
    await fetch_error(fetcher.get_feed(state(url)))
    await fetch_error(fetcher.get_page(url, feed_url="https://example.org/rss"))


async def test_redirect_to_other_scheme_is_refused(srv: FeedServer, fetcher: Fetcher) -> None:
    srv.add_redirect("/to-file", "file:///etc/passwd")
    await fetch_error(fetcher.get_feed(state(f"{srv.url}/to-file")))


async def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = await fetch_error(fetcher.get_feed(state(f"http://127.0.0.1:{port}/rss")))
    assert str(err) == "connection refused" and err.status is None


# --- timeouts and size caps -----------------------------------------------------------------


async def test_stall_after_headers_is_cut(srv: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/stall")))
    assert "timed out" in str(err)
    assert time.monotonic() - started < 3


async def test_slow_trickle_hits_the_total_timeout(srv: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/trickle")))
    assert str(err) == "timed out after 2s"
    assert 1.9 < time.monotonic() - started < 3


async def test_body_over_cap_by_content_length(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/big", b"x" * 100_001)
    err = await fetch_error(fetcher.get_feed(state(url)))
    assert str(err) == "body over 100000 bytes"
    srv.add("/fits", b"x" * 100_000)
    assert len((await fetcher.get_feed(state(f"{srv.url}/fits"))).body) == 100_000


async def test_decompressed_size_is_capped(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/gzbig", b"a" * 300_000, gzip=True)  # ~300 bytes on the wire
    err = await fetch_error(fetcher.get_feed(state(url)))
    assert str(err) == "body over 100000 bytes"


async def test_gzip_bomb(srv: FeedServer) -> None:
    async with Fetcher() as fetcher:  # default 5 MB cap; the bomb inflates to 64 MB
        started = time.monotonic()
        err = await fetch_error(fetcher.get_feed(state(f"{srv.url}/fault/bomb")))
    assert str(err) == "body over 5000000 bytes"
    assert time.monotonic() - started < 2


async def test_corrupt_gzip(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/bad", b"not gzip at all", headers={"Content-Encoding": "gzip"})
    assert "corrupt" in str(await fetch_error(fetcher.get_feed(state(url))))


# --- pages: HTML only, SSRF guard -----------------------------------------------------------


async def test_get_page_same_origin_as_feed_is_allowed(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/pages/a.html", "<p>TUSAŞ</p>".encode())
    result = await fetcher.get_page(url, feed_url=f"{srv.url}/rss")
    assert result.status == 200 and "TUSAŞ".encode() in result.body
    assert "text/html" in srv.requests_for("/pages/a.html")[-1].headers["accept"]


async def test_get_page_refuses_non_html(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/doc.pdf", b"%PDF-1.4", content_type="application/pdf")
    err = await fetch_error(fetcher.get_page(url, feed_url=f"{srv.url}/rss"))
    assert str(err) == "not an HTML page: application/pdf"
    xhtml = srv.add("/x", b"<html/>", content_type="application/xhtml+xml; charset=utf-8")
    assert (await fetcher.get_page(xhtml, feed_url=f"{srv.url}/rss")).status == 200


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",
        "100.64.0.1",
        "[::ffff:127.0.0.1]",
        "224.0.0.1",
    ],
)
async def test_ssrf_guard_blocks_non_public_addresses(fetcher: Fetcher, host: str) -> None:
    err = await fetch_error(
        fetcher.get_page(f"http://{host}:9/admin", feed_url="https://news.example/rss")
    )
    assert str(err).startswith("blocked non-public address")


async def test_ssrf_guard_other_port_is_another_origin(srv: FeedServer, fetcher: Fetcher) -> None:
    url = srv.add("/a.html", b"<p>x</p>")
    err = await fetch_error(fetcher.get_page(url, feed_url="http://127.0.0.1:1/rss"))
    assert "blocked" in str(err)
    assert srv.requests_for("/a.html") == []  # refused before connecting


async def test_ssrf_guard_rechecks_every_redirect(srv: FeedServer, fetcher: Fetcher) -> None:
    srv.add("/secret", b"<p>secret</p>")
    srv.add_redirect("/hop", f"http://localhost:{srv.port}/secret")
    err = await fetch_error(fetcher.get_page(f"{srv.url}/hop", feed_url=f"{srv.url}/rss"))
    assert "blocked non-public address" in str(err)
    assert srv.requests_for("/secret") == []


async def test_allow_private_networks(srv: FeedServer) -> None:
    url = f"http://localhost:{srv.port}/fault/ok"
    async with Fetcher(FAST, allow_private_networks=True) as fetcher:
        result = await fetcher.get_page(url, feed_url="https://news.example/rss")
    assert result.body == b"ok"


async def test_get_feed_has_no_guard(srv: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.get_feed(state(f"http://localhost:{srv.port}/fault/ok"))
    assert result.status == 200


async def test_unresolvable_host(fetcher: Fetcher) -> None:
    err = await fetch_error(
        fetcher.get_page("http://no-such-host.invalid/a", feed_url="https://n.example/rss")
    )
    assert "could not resolve host" in str(err)


# --- concurrency bounds ---------------------------------------------------------------------


class InFlight:
    """A route handler that records the peak number of concurrent requests."""

    def __init__(self, delay: float = 0.15):
        self.delay, self.now, self.peak = delay, 0, 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Route:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.delay)
        with self.lock:
            self.now -= 1
        return Route(body=b"<rss/>", content_type="application/rss+xml")


async def test_per_host_bound(srv: FeedServer) -> None:
    probe = InFlight()
    url = srv.add_handler("/slow", probe)
    limits = FetchLimits(max_per_host=2, max_connections=10, total_timeout=10)
    async with Fetcher(limits) as fetcher:
        results = await asyncio.gather(*(fetcher.get_feed(state(url)) for _ in range(8)))
    assert all(r.status == 200 for r in results)
    assert probe.peak == 2


async def test_global_bound_across_hosts(srv: FeedServer) -> None:
    probe = InFlight()
    srv.add_handler("/slow", probe)
    urls = [f"http://127.0.0.1:{srv.port}/slow", f"http://localhost:{srv.port}/slow"] * 4
    limits = FetchLimits(max_per_host=4, max_connections=3, total_timeout=10)
    async with Fetcher(limits) as fetcher:
        await asyncio.gather(*(fetcher.get_feed(state(u)) for u in urls))
    assert probe.peak == 3


async def test_queueing_does_not_eat_the_total_timeout(srv: FeedServer) -> None:
    probe = InFlight(delay=0.4)
    url = srv.add_handler("/slow", probe)
    limits = FetchLimits(max_per_host=1, total_timeout=1.0, read_timeout=1.0)
    async with Fetcher(limits) as fetcher:  # 5 x 0.4 s in a row: each within its own 1 s
        results = await asyncio.gather(*(fetcher.get_feed(state(url)) for _ in range(5)))
    assert len(results) == 5


# --- the test server itself (used by the end-to-end tests too) -------------------------------


async def test_feedserver_templates_dirs_and_log(srv: FeedServer, fetcher: Fetcher) -> None:

    devdata = DEVDATA
    feed_url = srv.add_template("/feeds/dev.xml", devdata / "feeds" / "dev.xml")
    pages = srv.add_dir("/pages", devdata / "pages")
    assert f"{srv.url}/pages/d1.html" in pages
    feed = await fetcher.get_feed(state(feed_url))
    assert b"{BASE}" not in feed.body and f"{srv.url}/pages/d2.html".encode() in feed.body
    assert feed.headers["content-type"].startswith("application/rss+xml")
    page = await fetcher.get_page(f"{srv.url}/pages/d2.html", feed_url=feed_url)
    assert page.headers["content-type"] == "text/html"
    assert [r.path for r in srv.requests] == ["/feeds/dev.xml", "/pages/d2.html"]
    missing = await fetch_error(fetcher.get_feed(state(f"{srv.url}/nothing")))
    assert missing.status == 404
