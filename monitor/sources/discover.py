"""Reading feeds and sitemaps, and discovering them from an outlet's homepage (I/O).

    read_source(fetcher, url, kind)   one feed or sitemap (an index followed one level) ->
                                      SourceRead: a ParsedFeed plus what ranking needs
    discover(fetcher, url)            a homepage (or a feed or sitemap URL) -> Discovery:
                                      every candidate checked and the best one

Every request goes through the shared Fetcher (its timeouts and size caps). URLs
taken from a document (advertised feeds, robots.txt sitemaps, child sitemaps)
pass the SSRF guard against the page that named them; the URL given is trusted
like a configured feed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from monitor.errors import FeedError, FetchError, PageNotFeed
from monitor.models import Entry, FeedState, FetchResult, ParsedFeed
from monitor.sources.discovery import (
    PROBE_PATHS,
    Candidate,
    Kind,
    SourceRead,
    feed_links,
    is_good,
    pick_best,
    robots_sitemaps,
    sniff,
    summarise,
)
from monitor.sources.feeds import parse_feed
from monitor.sources.http import Fetcher
from monitor.sources.sitemaps import MAX_CHILDREN, Sitemap, parse_sitemap
from monitor.sources.urls import canonical_url

PARALLEL = 4  # requests in flight for one discovery (the Fetcher's per-host limit too)
MAX_ADVERTISED = 4  # feeds a homepage names, and sitemaps its robots.txt names, checked
Probe = tuple[str, Kind, str]  # url, the kind expected, how it was found (Candidate.via)
DISCOVERY_CHILDREN = 2  # child sitemaps of an index read to judge it (the pipeline reads 5)


@dataclass(frozen=True)
class Discovery:
    """What `discover` found for one URL; `error` says why nothing is usable."""

    url: str  # as given
    candidates: list[Candidate] = field(default_factory=list)
    best: Candidate | None = None
    error: str | None = None


async def fetch_document(
    fetcher: Fetcher, url: str, *, origin: str | None = None, state: FeedState | None = None
) -> FetchResult:
    """GET any document (feed, sitemap, page, robots.txt) through the Fetcher.

    With `origin` (the page that named `url`), a non-public address of another
    origin is refused at every redirect hop, as for article links.
    """
    return await fetcher.get_feed(state or FeedState(id=0, url=url, name=None), origin=origin)


async def read_source(
    fetcher: Fetcher,
    url: str,
    kind: Kind | None = None,
    *,
    now: datetime,
    max_age_s: float,
    state: FeedState | None = None,
    origin: str | None = None,
    max_children: int = MAX_CHILDREN,
) -> SourceRead:
    """Fetch and read one feed or sitemap; `kind` None tells it from the response.

    `state` makes it a conditional GET (its etag/last_modified) of the document
    itself; children of an index are fetched plainly, and an index among them is
    not followed. Raises FetchError when the document cannot be fetched and
    FeedError when it is not the kind asked (or neither kind), or when no child of
    an index could be read.
    """
    result = await fetch_document(fetcher, url, origin=origin, state=state)
    return await _read_fetched(fetcher, result, url, now, max_age_s, kind, max_children)


async def _read_fetched(
    fetcher: Fetcher,
    result: FetchResult,
    url: str,
    now: datetime,
    max_age_s: float,
    kind: Kind | None = None,
    max_children: int = DISCOVERY_CHILDREN,
) -> SourceRead:
    """read_source once the document is fetched."""
    found = kind or sniff(result.body, result.headers.get("content-type"))
    if result.not_modified:
        return SourceRead(result.url, "sitemap" if found == "sitemap" else "feed",
                          ParsedFeed(None, ()), 304, result.etag, result.last_modified)
    if found == "feed":
        return _feed_read(result, url)
    if found != "sitemap":
        if found == "html":
            raise PageNotFeed("not a feed or sitemap: got an HTML page")
        raise FeedError("not a feed or sitemap: no RSS, Atom or sitemap root")
    top = parse_sitemap(result.body, result.url, now=now, max_age_s=max_age_s)
    children: list[tuple[str, Sitemap | str]] = []
    if top.is_index:
        children = await _children(fetcher, top.children[:max_children], result.url,
                                   now, max_age_s)
    return _sitemap_read(result, top, children)


def _feed_read(result: FetchResult, url: str) -> SourceRead:
    parsed = parse_feed(result, feed_url=url)
    dated = [e.published for e in parsed.entries if e.published is not None]
    return SourceRead(result.url, "feed", parsed, result.status, result.etag,
                      result.last_modified, len(parsed.entries), max(dated, default=None),
                      any(e.title for e in parsed.entries), (result.url,))


async def _children(
    fetcher: Fetcher, urls: Iterable[str], index_url: str, now: datetime, max_age_s: float
) -> list[tuple[str, Sitemap | str]]:
    """(url, the child parsed or a one-line error) for each child sitemap."""

    async def one(url: str) -> tuple[str, Sitemap | str]:
        try:
            result = await fetch_document(fetcher, url, origin=index_url)
            child = parse_sitemap(result.body, result.url, now=now, max_age_s=max_age_s)
        except (FetchError, FeedError) as exc:
            return url, f"{url}: {exc}"
        if child.is_index:
            return url, f"{url}: an index inside a sitemap index is not followed"
        return url, child

    return list(await asyncio.gather(*(one(url) for url in urls)))


def _sitemap_read(
    result: FetchResult, top: Sitemap, children: list[tuple[str, Sitemap | str]]
) -> SourceRead:
    """One SourceRead from a sitemap, or from an index and its children."""
    read = [c for _, c in children if isinstance(c, Sitemap)] if top.is_index else [top]
    failed = [c for _, c in children if isinstance(c, str)]
    if failed and not read:
        raise FeedError(f"sitemap index: no child sitemap could be read ({failed[0]})")
    entries: dict[str, Entry] = {}
    for sitemap in read:
        for entry in sitemap.entries:
            entries.setdefault(entry.key, entry)
    ordered = sorted(entries.values(), reverse=True,
                     key=lambda e: e.published.timestamp() if e.published else float("-inf"))
    error = f"{len(failed)} of {len(children)} child sitemaps failed: {failed[0]}" \
        if failed else None
    title = next((s.publication for s in read if s.publication), None)
    return SourceRead(
        result.url, "sitemap", ParsedFeed(title, tuple(ordered), error), result.status,
        result.etag, result.last_modified, items=sum(s.items for s in read),
        newest=max((s.newest for s in read if s.newest is not None), default=None),
        has_titles=any(s.has_titles for s in read),
        documents=(result.url, *(url for url, _ in children)),
    )


async def discover(fetcher: Fetcher, url: str, *, now: datetime, max_age_s: float) -> Discovery:
    """Find and check an outlet's feeds and sitemaps; the URL may itself be one.

    A homepage: its <link>ed feeds and its robots.txt sitemaps (fetched at the same
    time), then PROBE_PATHS in rounds of PARALLEL until a good candidate (titles,
    dates, recent items) turns up: at most 2 + 2 * MAX_ADVERTISED + len(PROBE_PATHS)
    documents, plus DISCOVERY_CHILDREN per sitemap index.
    """
    try:
        result = await fetch_document(fetcher, url)
    except FetchError as exc:
        return Discovery(url, error=f"cannot fetch {url}: {exc}")
    what = sniff(result.body, result.headers.get("content-type"))
    if what in ("feed", "sitemap"):
        check = _Checker(fetcher, url, now, max_age_s)
        candidate = await check.one(url, "feed" if what == "feed" else "sitemap", "given", result)
        return _outcome(url, [candidate])
    if what != "html":
        return Discovery(url, error=f"{url}: not a feed, a sitemap or an HTML page")
    return _outcome(url, await _explore(fetcher, result, now, max_age_s))


async def _explore(
    fetcher: Fetcher, home: FetchResult, now: datetime, max_age_s: float
) -> list[Candidate]:
    """Advertised feeds and robots.txt sitemaps, then the common paths until a good one."""
    check = _Checker(fetcher, home.url, now, max_age_s)
    links: list[Probe] = [(link, "feed", "link") for link in feed_links(home.body, home.url)]
    advertised, robots = await asyncio.gather(
        check.many(links[:MAX_ADVERTISED]), _robots(fetcher, home.url)
    )
    found = advertised + await check.many(
        [(link, "sitemap", "robots") for link in robots[:MAX_ADVERTISED]]
    )
    guesses: list[Probe] = [
        (urljoin(home.url, path), _kind_of(path), "guess") for path in PROBE_PATHS
    ]
    for start in range(0, len(guesses), PARALLEL):
        if any(is_good(c) for c in found):
            break
        found += await check.many(guesses[start : start + PARALLEL])
    return found


def _outcome(url: str, candidates: list[Candidate]) -> Discovery:
    best = pick_best(candidates)
    if best is not None:
        return Discovery(url, candidates, best)
    failed = next((c for c in candidates if c.via != "guess" and c.error), None)
    reason = f" ({failed.url}: {failed.error})" if failed else ""
    return Discovery(url, candidates, None, f"no usable feed or sitemap found{reason}")


def _kind_of(path: str) -> Kind:
    return "sitemap" if "sitemap" in path or "news" in path else "feed"


async def _robots(fetcher: Fetcher, home: str) -> list[str]:
    """Sitemaps named in the homepage's robots.txt; none when it cannot be read."""
    robots_url = urljoin(home, "/robots.txt")
    try:
        result = await fetch_document(fetcher, robots_url, origin=home)
    except FetchError:
        return []
    if sniff(result.body, result.headers.get("content-type")) is not None:
        return []  # a page or feed served in its place
    return robots_sitemaps(result.body.decode("utf-8", "replace"), result.url)


class _Checker:
    """Checks candidates of one outlet, each URL once, PARALLEL at a time."""

    def __init__(self, fetcher: Fetcher, home: str, now: datetime, max_age_s: float):
        self.fetcher, self.home, self.now, self.max_age_s = fetcher, home, now, max_age_s
        self.seen: set[str] = set()
        self.slots = asyncio.Semaphore(PARALLEL)

    async def many(self, items: list[Probe]) -> list[Candidate]:
        fresh = []
        for url, kind, via in items:
            if canonical_url(url) not in self.seen:
                self.seen.add(canonical_url(url))
                fresh.append(self.one(url, kind, via))
        return list(await asyncio.gather(*fresh))

    async def one(
        self, url: str, kind: Kind, via: str, fetched: FetchResult | None = None
    ) -> Candidate:
        """Read one candidate (`fetched` when its response is at hand) and summarise it."""
        async with self.slots:
            try:
                if fetched is not None:
                    read = await _read_fetched(self.fetcher, fetched, url, self.now,
                                               self.max_age_s)
                else:
                    read = await read_source(
                        self.fetcher, url, None, now=self.now, max_age_s=self.max_age_s,
                        origin=self.home, max_children=DISCOVERY_CHILDREN)
            except (FetchError, FeedError) as exc:
                return Candidate(url, kind, error=str(exc), via=via)
        self.seen.add(canonical_url(read.url))
        return summarise(read, via, now=self.now, max_age_s=self.max_age_s)
