"""One poll of a source of any kind -> its entries, each pointing at the publisher (I/O).

    feed      RSS/Atom, read as it is
    sitemap   a (news) sitemap, an index followed one level
    site      an outlet's homepage: its feed or news sitemap is discovered once, stored
              by the caller (`Reading.found`), and read on every later poll
    None      told from the first response (a feed, a sitemap, or a homepage: a site)
    search    a news-search feed generated from the watchlists: each new item becomes
              the publisher's own entry (`SourceReader.publishers`) before it is read

The caller (the pipeline) decides when to discover again: it forgets `found_url`
after failures in a row or when the source falls silent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from monitor.errors import FeedError, PageNotFeed
from monitor.models import Entry, FeedState
from monitor.sources.discover import Discovery, discover, read_source
from monitor.sources.discovery import Kind, SourceRead
from monitor.sources.guard import check_address
from monitor.sources.http import Fetcher
from monitor.sources.resolve import PublisherResolver

PUBLISHER_TTL_S = 6 * 3600.0  # a publisher's discovered feed is trusted this long
# check_address() compares against a feed's origin; a publisher named by a search item
# has none of its own, so every publisher is treated as "another origin" and a
# non-public address is refused unless allow_private_networks is set.
_NO_ORIGIN = "about:search-item"


@dataclass(frozen=True)
class Reading:
    """What one poll of a source found; `found` is set when discovery settled anew."""

    read: SourceRead
    found: tuple[str, Kind] | None = None


@dataclass(frozen=True)
class Item:
    """A new entry ready for the page stage: where it really points and who published it."""

    entry: Entry
    outlet: str | None = None  # the publisher, for a search item
    headline_only: bool = False  # no publisher copy found: never fetch the aggregator's link


class SourceReader:
    """Reads sources for the pipeline; one per worker (it caches publishers' sources)."""

    def __init__(self, fetcher: Fetcher, *, max_age_s: float,
                 clock: Callable[[], datetime], monotonic: Callable[[], float]):
        self.fetcher = fetcher
        self.max_age_s = max_age_s
        self.clock = clock
        self._monotonic = monotonic
        self._publishers: dict[str, tuple[float, str, Kind]] = {}  # origin -> (at, url, kind)
        self.resolver = PublisherResolver(self._publisher_entries, clock=monotonic)

    async def read(self, feed: FeedState) -> Reading:
        """The source's document now; FetchError or FeedError when it cannot be read."""
        if feed.kind in (None, "site") and feed.found_url and feed.found_kind:
            kind: Kind = "sitemap" if feed.found_kind == "sitemap" else "feed"
            return Reading(await self._read(feed.found_url, kind, state=replace(
                feed, url=feed.found_url)))
        if feed.kind is None:  # told from the response: a feed, a sitemap, or a homepage
            try:
                read = await self._read(feed.url, None, state=feed)
                return Reading(read, (feed.url, read.kind))
            except PageNotFeed:
                pass
        if feed.kind in (None, "site"):
            found = await self.discover(feed.url)
            if found.best is None:
                raise FeedError(found.error or "no feed or news sitemap found")
            best = found.best
            return Reading(await self._read(best.url, best.kind), (best.url, best.kind))
        kind = "sitemap" if feed.kind == "sitemap" else "feed"
        return Reading(await self._read(feed.url, kind, state=feed))

    async def discover(self, url: str) -> Discovery:
        return await discover(self.fetcher, url, now=self.clock(), max_age_s=self.max_age_s)

    async def items(self, feed: FeedState, entries: Sequence[Entry]) -> list[Item]:
        """New entries as the page stage takes them; search items resolved to publishers."""
        if feed.kind != "search":
            return [Item(entry) for entry in entries]
        items = []
        for entry in entries:
            found = await self.resolver.resolve(entry, feed.url)
            outlet = found.outlet or urlsplit(found.entry.url or "").hostname  # never the engine
            items.append(Item(found.entry, outlet, found.how == "unresolved"))
        return items

    async def _read(self, url: str, kind: Kind | None, *, state: FeedState | None = None,
                    origin: str | None = None) -> SourceRead:
        return await read_source(self.fetcher, url, kind, now=self.clock(),
                                 max_age_s=self.max_age_s, state=state, origin=origin)

    async def _publisher_entries(self, source_url: str) -> Sequence[Entry]:
        """The recent entries of a publisher named by a search item (its `<source url>`)."""
        await check_address(source_url, _NO_ORIGIN,
                            allow_private=self.fetcher.allow_private_networks)
        origin = urlsplit(source_url).netloc.lower()
        known = self._publishers.get(origin)
        if known is None or self._monotonic() - known[0] > PUBLISHER_TTL_S:
            found = await self.discover(source_url)
            if found.best is None:
                raise FeedError(found.error or f"no feed or news sitemap on {origin}")
            known = (self._monotonic(), found.best.url, found.best.kind)
            self._publishers[origin] = known
        read = await self._read(known[1], known[2], origin=source_url)
        return read.feed.entries
