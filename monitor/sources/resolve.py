"""A news-search item -> the publisher's own article (`PublisherResolver`).

    resolver = PublisherResolver(recent_entries)          # recent_entries(source_url)
    resolution = await resolver.resolve(item, search_url)
    resolution.entry, resolution.outlet, resolution.how  # how: direct | unwrapped |
                                                          #      publisher | unresolved

A Bing click link is unwrapped locally; a link on another origin than the search
feed is the publisher's already. An opaque aggregator link (Google News' handles,
on the search feed's own origin, with a <source url>) is never followed: its
headline is looked up among the publisher's recent entries instead, one lookup
per publisher origin every TTL however many items name it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from monitor.errors import FeedError, FetchError
from monitor.matching.text import normalize
from monitor.models import Entry
from monitor.sources.search import strip_publisher, unwrap_click
from monitor.sources.urls import canonical_url, is_http_url, origin

log = logging.getLogger("monitor.sources.resolve")

RecentEntries = Callable[[str], Awaitable[Sequence[Entry]]]
How = Literal["direct", "unwrapped", "publisher", "unresolved"]

CACHE_TTL_S = 300.0
# Scan-form similarity (rapidfuzz ratio, 0..100) from which two headlines are one story.
# Tested in tests/sources/test_resolve.py: quote, punctuation, case and İ/ı variants score
# 100, a spacing variant ("iş birliği"/"işbirliği") 99; other stories of the same outlet
# score 55-70, and the near-identical ones (another month, another year) are refused by
# the substituted-word check, not by this number.
MATCH_THRESHOLD = 90.0
MAX_SKEW = timedelta(days=2)  # item and publisher entry published further apart: not one story
MIN_TRUNCATED_CHARS = 20  # a "..." headline shorter than this says too little to match
_ELLIPSES = ("...", "…")


@dataclass(frozen=True)
class Resolution:
    """What a search item turned out to be.

    `entry` is the publisher's article (its url, canonical_url, title without the
    " - Publisher" suffix, published), keeping the search item's `key` so the search
    feed's seen-set still works; for "unresolved" it is the item itself.
    """

    entry: Entry
    outlet: str | None  # the publisher's name, when the item gives one
    how: How


def _cut(title: str) -> tuple[str, bool]:
    """The title's scan form, and whether it was truncated with an ellipsis."""
    title = title.strip()
    truncated = title.endswith(_ELLIPSES)
    if truncated:
        title = title.rstrip(".…").rstrip()
    return " ".join(normalize(title).scan.split()), truncated


def _substituted(a: list[str], b: list[str]) -> bool:
    """True when a word of one headline was replaced by a clearly different word
    ("Ekim"/"Kasım", "2024"/"2025"); spacing and typo differences do not count."""
    left_a = [w for w in a if w not in b]
    left_b = [w for w in b if w not in a]
    if not left_a or not left_b:
        return False
    return fuzz.ratio("".join(left_a), "".join(left_b)) < 80


def title_similarity(wanted: str, candidate: str) -> float:
    """How alike two headlines are, 0..100, after Turkish normalisation.

    A headline cut with "..." is compared with the same length of the other one.
    """
    a, a_cut = _cut(wanted)
    b, b_cut = _cut(candidate)
    if (a_cut and len(a) < len(b)) or (b_cut and len(b) < len(a)):
        if min(len(a), len(b)) < MIN_TRUNCATED_CHARS:
            return 0.0
        size = min(len(a), len(b))
        # the last word may be cut mid-way on both sides: leave it out of the word check
        a, b = a[:size], b[:size]
        words_a, words_b = a.split()[:-1], b.split()[:-1]
    else:
        words_a, words_b = a.split(), b.split()
    if not a or not b or _substituted(words_a, words_b):
        return 0.0
    return fuzz.ratio(a, b)


def best_match(item: Entry, title: str, candidates: Sequence[Entry],
               publisher: str | None = None) -> Entry | None:
    """The candidate that is the item's story, or None when none is close enough."""
    best: tuple[float, float, Entry] | None = None
    for candidate in candidates:
        if not candidate.url:
            continue
        skew = _skew(item, candidate)
        if skew is not None and skew > MAX_SKEW:
            continue
        score = title_similarity(title, strip_publisher(candidate.title, publisher))
        rank = (score, -(skew.total_seconds() if skew is not None else 0.0))
        if score >= MATCH_THRESHOLD and (best is None or rank > best[:2]):
            best = (*rank, candidate)
    return best[2] if best else None


def _skew(a: Entry, b: Entry) -> timedelta | None:
    if a.published is None or b.published is None:
        return None
    return abs(a.published - b.published)


def _opaque(link: str, search_url: str, source_url: str | None) -> bool:
    """True for an aggregator's own handle: a link on the search feed's origin, or one
    shaped like Google News' (/rss/articles/...) on another origin than its publisher's
    (a mirror's feed may carry the aggregator's links unchanged)."""
    if origin(link) == origin(search_url):
        return True
    path = urlsplit(link).path
    aggregator_path = "/rss/articles/" in path or path.startswith("/articles/")
    return aggregator_path and source_url is not None and origin(link) != origin(source_url)


def _origin_key(url: str) -> str:
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


class PublisherResolver:
    """Turns search items into publisher entries; one instance per worker.

    `recent_entries(source_url)` returns the recent entries of the publisher's own
    feed or news sitemap (raising FetchError or FeedError when it cannot); its
    answer is cached per origin for `ttl_s` seconds of `clock`, failures too, and
    concurrent items of one publisher wait for the same lookup.
    """

    def __init__(self, recent_entries: RecentEntries, *,
                 clock: Callable[[], float] = time.monotonic, ttl_s: float = CACHE_TTL_S):
        self._recent_entries = recent_entries
        self._clock = clock
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Sequence[Entry] | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def resolve(self, item: Entry, search_url: str) -> Resolution:
        """Where `item` of the search feed at `search_url` really points. Never raises
        for a failing publisher: that item is "unresolved"."""
        publisher = item.source_name
        link = item.url
        if not link or not is_http_url(link):
            return Resolution(item, publisher, "unresolved")
        target = unwrap_click(link)
        if target is not None:
            return Resolution(self._retarget(item, target), publisher, "unwrapped")
        if not _opaque(link, search_url, item.source_url):
            return Resolution(self._retarget(item, link), publisher, "direct")
        if not item.source_url or not is_http_url(item.source_url):
            return Resolution(item, publisher, "unresolved")
        found = await self._find(item, item.source_url)
        if found is None:
            return Resolution(item, publisher, "unresolved")
        entry = replace(
            found,
            key=item.key,
            title=strip_publisher(found.title, publisher),
            published=found.published or item.published,
            summary=found.summary or item.summary,
            source_url=item.source_url,
            source_name=publisher,
        )
        return Resolution(entry, publisher, "publisher")

    def _retarget(self, item: Entry, url: str) -> Entry:
        return replace(item, url=url, canonical_url=canonical_url(url),
                       title=strip_publisher(item.title, item.source_name))

    async def _find(self, item: Entry, source_url: str) -> Entry | None:
        candidates = await self._recent(source_url)
        if not candidates:
            return None
        title = strip_publisher(item.title, item.source_name)
        return best_match(item, title, candidates, item.source_name)

    async def _recent(self, source_url: str) -> Sequence[Entry] | None:
        """The publisher's recent entries, None when its lookup failed (cached either way)."""
        key = _origin_key(source_url)
        cached = self._fresh(key)
        if cached is not None:
            return cached[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._fresh(key)  # another item of this publisher may have looked
            if cached is not None:
                return cached[1]
            entries: Sequence[Entry] | None
            try:
                entries = tuple(await self._recent_entries(source_url))
            except (FetchError, FeedError) as exc:
                message = " ".join(str(exc).split())[:200] or type(exc).__name__
                log.warning('publisher_lookup_failed origin=%s error="%s"',
                            key, message.replace('"', "'"))
                entries = None
            self._store(key, entries)
            return entries

    def _fresh(self, key: str) -> tuple[float, Sequence[Entry] | None] | None:
        cached = self._cache.get(key)
        return cached if cached is not None and cached[0] > self._clock() else None

    def _store(self, key: str, entries: Sequence[Entry] | None) -> None:
        now = self._clock()
        for old in [k for k, (expires, _) in self._cache.items() if expires <= now]:
            del self._cache[old]
            lock = self._locks.get(old)
            if old != key and lock is not None and not lock.locked():
                del self._locks[old]
        self._cache[key] = (now + self._ttl_s, entries)
