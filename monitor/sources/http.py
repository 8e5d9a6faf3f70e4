"""The shared HTTP client: timeouts, size caps, redirects, SSRF guard, conditional GET.

    Fetcher.get_feed(state)          conditional GET of an admin-configured feed
    Fetcher.get_page(url, feed_url)  GET of an untrusted article link (HTML only, guarded)

Every failure is a FetchError with a one-line message ("HTTP 404",
"timed out after 45s", "body over 5000000 bytes", "too many redirects",
"connection refused", "blocked non-public address 10.0.0.5", ...).

Politeness: every request (feed, sitemap, page, each redirect hop) takes one of
its host's slots (FetchLimits.max_per_host) before one of the global ones, so a
queue for one busy outlet never holds slots other outlets need. A 429 or 503
with Retry-After pauses the whole host: until then, requests to any URL on it
fail at once ("not contacted: ...") without reaching the server.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import certifi

from monitor.errors import FetchError
from monitor.models import FeedState, FetchResult
from monitor.sources.body import CappedDecoder
from monitor.sources.guard import check_address
from monitor.sources.hosts import RETRY_AFTER_STATUSES, HostSlots, host_key, parse_retry_after
from monitor.sources.urls import is_http_url

AGENT = "KMTSO-Monitor/0.2"
# HTTP headers are ASCII: "Kahramanmaras", not "Kahramanmaraş".
PURPOSE = "news monitoring for the Kahramanmaras Chamber of Commerce"
# Printable ASCII that may stay as it is inside a User-Agent comment; the rest is %-encoded.
_CONTACT_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '()\\"')
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchLimits:
    """Timeouts (seconds), caps and concurrency bounds of the fetcher."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    # Above the service's 32 feeds polled at once, so feeds stalled on other hosts never
    # queue a healthy feed (or its pages) for a whole timeout.
    max_connections: int = 64
    max_per_host: int = 4


def user_agent(contact: str | None) -> str:
    """The honest User-Agent: who we are, why we fetch, and where outlets can reach us.

    `contact` is a URL ("+https://...") or a mailto: address; non-ASCII and characters
    that would end the comment are %-encoded, so the header stays ASCII and one token.
    """
    parts = [PURPOSE]
    if contact and contact.strip():
        address = quote(contact.strip(), safe=_CONTACT_SAFE)
        parts.insert(0, address if address.lower().startswith("mailto:") else f"+{address}")
    return f"{AGENT} ({'; '.join(parts)})"


DEFAULT_USER_AGENT = user_agent(None)


def _ascii(text: str) -> str:
    """Fold a header value to ASCII (ş -> s); HTTP headers cannot carry other bytes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(folded.split())


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


class Fetcher:
    """One aiohttp session with the service's limits; an async context manager."""

    def __init__(
        self,
        limits: FetchLimits = FetchLimits(),
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        allow_private_networks: bool = False,
        trust_env: bool = False,
    ):
        self.limits = limits
        self.allow_private_networks = allow_private_networks
        self._headers = {"User-Agent": _ascii(user_agent), "Accept-Encoding": "gzip, deflate"}
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None  # made in the running loop
        self._all = asyncio.Semaphore(limits.max_connections)
        self._hosts = HostSlots(limits.max_per_host)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            limits = self.limits
            connector = aiohttp.TCPConnector(
                limit=limits.max_connections, limit_per_host=limits.max_per_host,
                ssl=ssl.create_default_context(cafile=certifi.where()))
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, trust_env=self._trust_env,
                auto_decompress=False,  # decoded here, under the size cap
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # loopback outlets keep theirs
                timeout=aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout,
                                              sock_read=limits.read_timeout))
        return self._session

    async def get_feed(self, state: FeedState, *, origin: str | None = None) -> FetchResult:
        """Conditional GET of a feed or sitemap: returns on 200 and 304, raises FetchError
        otherwise. With `origin` (the page that named the URL) every hop is guarded."""
        headers = {"Accept": FEED_ACCEPT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        result = await self._fetch(state.url, headers, guard_origin=origin, html_only=False)
        if result.not_modified:
            return FetchResult(
                url=result.url,
                status=304,
                body=b"",
                headers=result.headers,
                etag=result.etag or state.etag,
                last_modified=result.last_modified or state.last_modified,
            )
        return result

    async def get_page(self, url: str, *, feed_url: str) -> FetchResult:
        """GET an article page: HTML only; non-public addresses refused unless same origin."""
        result = await self._fetch(
            url, {"Accept": PAGE_ACCEPT}, guard_origin=feed_url, html_only=True
        )
        if result.status != 200:
            raise FetchError(f"HTTP {result.status}", status=result.status)
        return result

    async def _fetch(
        self, url: str, headers: dict[str, str], *, guard_origin: str | None, html_only: bool
    ) -> FetchResult:
        """Follow redirects by hand, each hop checked, within the total time budget."""
        limits = self.limits
        remaining = limits.total_timeout
        for _hop in range(limits.max_redirects + 1):
            if not is_http_url(url):
                raise FetchError(f"unsupported URL: {url[:100]}")
            host = host_key(urlsplit(url).netloc.rpartition("@")[2])  # host[:port]
            self._check_paused(host)
            async with self._hosts.hold(host), self._all:
                self._check_paused(host)  # another request may have been told to wait meanwhile
                loop = asyncio.get_running_loop()
                started = loop.time()
                try:
                    async with asyncio.timeout(remaining):
                        if guard_origin is not None:
                            await check_address(
                                url, guard_origin, allow_private=self.allow_private_networks
                            )
                        result, location = await self._request(url, headers, html_only)
                except TimeoutError:
                    raise FetchError(f"timed out after {limits.total_timeout:g}s") from None
                except FetchError as exc:
                    if exc.retry_after_s is not None:
                        self._hosts.pause(host, exc.retry_after_s)
                    raise
                remaining -= loop.time() - started
            if location is None:
                return result
            url = location
            if remaining <= 0:
                raise FetchError(f"timed out after {limits.total_timeout:g}s")
        raise FetchError("too many redirects")

    def _check_paused(self, host: str) -> None:
        """Fail fast, without a request, while the host's Retry-After has not passed."""
        left = self._hosts.paused_for(host)
        if left is not None:
            raise FetchError(
                f"not contacted: {host} asked us to wait (Retry-After), {left:.0f}s left",
                retry_after_s=left,
            )

    async def _request(
        self, url: str, headers: dict[str, str], html_only: bool
    ) -> tuple[FetchResult, str | None]:
        """One HTTP exchange; returns the result, or the next URL when it is a redirect."""
        try:
            async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status in REDIRECT_CODES and "location" in resp_headers:
                    return _empty(url, resp.status, resp_headers), urljoin(
                        url, resp_headers["location"].strip()
                    )
                if resp.status == 304:
                    return _empty(url, 304, resp_headers), None
                if resp.status != 200:
                    raise _status_error(resp.status, resp_headers)
                if html_only:
                    ctype = resp_headers.get("content-type", "").split(";")[0].strip().lower()
                    if ctype and ctype not in HTML_TYPES:
                        raise FetchError(f"not an HTML page: {ctype}")
                body = await self._read_capped(resp, resp_headers)
                return replace(_empty(url, resp.status, resp_headers), body=body), None
        except aiohttp.ConnectionTimeoutError:
            raise FetchError(f"connect timed out after {self.limits.connect_timeout:g}s") from None
        except aiohttp.SocketTimeoutError:
            raise FetchError(f"read timed out after {self.limits.read_timeout:g}s") from None
        except aiohttp.ClientConnectorError as exc:
            raise FetchError(_connect_message(exc)) from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"{type(exc).__name__}: {_one_line(exc)}") from None

    async def _read_capped(self, resp: aiohttp.ClientResponse, headers: dict[str, str]) -> bytes:
        """Read the body while streaming, decompressing with a hard cap on the decoded size."""
        cap = self.limits.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body over {cap} bytes")
        encodings = [e.strip().lower() for e in headers.get("content-encoding", "").split(",")]
        encodings = [e for e in encodings if e and e != "identity"]
        if len(encodings) > 1:
            raise FetchError(f"unsupported content encoding: {', '.join(encodings)}")
        decoder = CappedDecoder(encodings[0] if encodings else "", cap)
        parts = []
        async for chunk in resp.content.iter_any():
            parts.append(decoder.feed(chunk))
        return b"".join(parts)


def _status_error(status: int, headers: dict[str, str]) -> FetchError:
    """HTTP <status>; on 429 and 503 with the Retry-After the outlet gave, if any."""
    wait = parse_retry_after(headers) if status in RETRY_AFTER_STATUSES else None
    if wait is None:
        return FetchError(f"HTTP {status}", status=status)
    return FetchError(f"HTTP {status} (Retry-After {wait:.0f}s)", status=status, retry_after_s=wait)


def _empty(url: str, status: int, headers: dict[str, str]) -> FetchResult:
    return FetchResult(url=url, status=status, body=b"", headers=headers,
                       etag=headers.get("etag"), last_modified=headers.get("last-modified"))


def _connect_message(exc: aiohttp.ClientConnectorError) -> str:
    """A short reason for a failed connection."""
    cause: BaseException | None = exc.os_error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "could not resolve host"
        cause = cause.__cause__ or cause.__context__
    text = _one_line(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "name or service" in text.lower() or "nodename" in text.lower():
        return "could not resolve host"
    return f"connection failed: {text}"
