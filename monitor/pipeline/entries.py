"""check_feed(): the one place where one feed goes through every stage, in order.

fetch (conditional GET) -> parse -> entries never seen -> for each:
page -> extract (off the loop) -> match -> store (entry, article, matches, outbox: one transaction)
-> record the poll and the next poll time
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from monitor.errors import ExtractError, FeedError, FetchError
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import Watchlists
from monitor.models import Article, Entry, FeedState, Match, PollReport
from monitor.ops.logs import event
from monitor.sources.feeds import parse_feed
from monitor.sources.http import Fetcher
from monitor.sources.schedule import next_poll_at
from monitor.store.database import Store
from monitor.store.feeds import PollRecord
from monitor.stories.fingerprint import DEFAULT_WINDOW, fingerprint, same_story

log = logging.getLogger("monitor.pipeline")

Extractor = Callable[[bytes, str, str | None], Awaitable[Article]]
ENTRY_CONCURRENCY = 4
FEED_DEADLINE_S = 180.0


@dataclass
class Pipeline:
    store: Store
    fetcher: Fetcher
    matching: Callable[[], tuple[Matcher, Watchlists]]  # the current (reloadable) watchlists
    extract: Extractor
    default_chat: str
    max_age_s: float
    clock: Callable[[], datetime]
    on_alerts: Callable[[], None] = lambda: None  # wakes the outbox
    story_window_s: float = DEFAULT_WINDOW.total_seconds()  # copies within it join a story

    async def check_feed(self, feed: FeedState) -> PollReport:
        """Poll one feed end to end; every expected failure is recorded, never raised."""
        try:
            async with asyncio.timeout(FEED_DEADLINE_S):
                report = await self._poll(feed)
        except TimeoutError:
            report = self._failed(feed, None, f"feed took over {FEED_DEADLINE_S:.0f}s")
        fields = {"url": feed.url, "status": report.status or "-", "new": report.new_entries}
        if report.alerts:
            fields.update(matched=report.matched, alerts=report.alerts)
        if report.error:
            fields["error"] = report.error
        if report.disabled:
            fields["disabled"] = "gone"
        elif report.failures:
            fields.update(failures=report.failures, retry_in=f"{report.retry_in_s:.0f}s")
        level = logging.INFO
        if report.error:
            level = logging.ERROR if report.disabled else logging.WARNING
        event(log, "feed_polled", level, **fields)
        return report

    async def _poll(self, feed: FeedState) -> PollReport:
        try:
            result = await self.fetcher.get_feed(feed)
        except FetchError as exc:
            return self._failed(feed, exc.status, str(exc), disable=exc.status == 410)
        if result.not_modified:
            self._record(feed, PollRecord(304, None, True, self._next(feed, 0)))
            return PollReport(feed.url, 304)
        try:
            parsed = parse_feed(result, feed_url=feed.url)
        except FeedError as exc:
            return self._failed(feed, result.status, str(exc))
        new = self.store.unseen_entries(feed.id, parsed.entries)
        outlet = feed.name or parsed.title or urlsplit(feed.url).hostname or feed.url
        limit = asyncio.Semaphore(ENTRY_CONCURRENCY)

        async def one(entry: Entry) -> tuple[int, int]:
            async with limit:
                return await self._process_entry(feed, entry, outlet)

        outcomes = await asyncio.gather(*(one(entry) for entry in new))
        poll = PollRecord(
            status=result.status,
            error=parsed.error,
            ok=True,
            next_poll_at=self._next(feed, 0),
            etag=result.etag,
            last_modified=result.last_modified,
            title=parsed.title,
        )
        self._record(feed, poll)
        matched = sum(1 for found, _ in outcomes if found)
        alerts = sum(sent for _, sent in outcomes)
        if alerts:
            self.on_alerts()
        return PollReport(feed.url, result.status, len(new), matched, alerts, parsed.error)

    async def _process_entry(self, feed: FeedState, entry: Entry, outlet: str) -> tuple[int, int]:
        """Returns (entries matched, outbox rows written) for one new entry."""
        now = self.clock()
        if entry.published is not None and entry.published > now:
            entry = replace(entry, published=now)  # a date in the future is a feed's mistake
        if self._too_old(entry.published, now) or (
            entry.canonical_url and self.store.article_known(entry.canonical_url)
        ):
            self.store.record_entry(feed.id, entry, now)
            return 0, 0
        article = await self._read_article(feed, entry)
        if entry.published is None and self._too_old(article.published, now):
            self.store.record_entry(feed.id, entry, now)
            return 0, 0
        matcher, watchlists = self.matching()
        found = matcher.find_matches(article.title, article.text)
        if not found:
            self.store.record_entry(feed.id, entry, self.clock(), article=article, outlet=outlet)
            return 0, 0
        story_print = fingerprint(article.title, article.text)
        story_of = self._same_story_as(story_print, found, now)
        outbox_ids = self.store.record_entry(
            feed.id,
            entry,
            self.clock(),
            article=article,
            outlet=outlet,
            found=found,
            routes=route(found, watchlists, self.default_chat),
            fingerprint=story_print,
            story_of=story_of,
        )
        names = ",".join(match.entry_id for match in found)
        if story_of is not None:
            event(log, "story_copy", url=entry.url, entries=names, story=story_of)
        else:
            event(log, "entry_matched", url=entry.url, entries=names, alerts=len(outbox_ids))
        return 1, len(outbox_ids)

    def _same_story_as(self, story_print: str, found: list[Match], now: datetime) -> int | None:
        """The first article of the same story from another outlet, within the window."""
        since = now - timedelta(seconds=self.story_window_s)
        candidates = self.store.story_candidates((m.entry_id for m in found), since)
        return next((story for story, other in candidates if same_story(story_print, other)), None)

    async def _read_article(self, feed: FeedState, entry: Entry) -> Article:
        """The extracted page; the feed entry's own title and summary when the page fails."""
        if entry.url:
            try:
                page = await self.fetcher.get_page(entry.url, feed_url=feed.url)
                article = await self.extract(page.body, page.url, page.headers.get("content-type"))
                return Article(
                    url=entry.url,
                    title=article.title or entry.title,
                    text=article.text,
                    published=entry.published or article.published,  # max_age goes by the feed
                    author=article.author or entry.author,
                )
            except (FetchError, ExtractError) as exc:
                event(log, "page_unreadable", logging.WARNING, url=entry.url, error=exc)
        return Article(
            url=entry.url,
            title=entry.title,
            text=entry.summary,
            published=entry.published,
            author=entry.author,
            from_feed_only=True,
        )

    def _too_old(self, published: datetime | None, now: datetime) -> bool:
        return published is not None and published < now - timedelta(seconds=self.max_age_s)

    def _next(self, feed: FeedState, failures: int) -> datetime:
        return next_poll_at(self.clock(), feed.interval_s, failures)

    def _failed(
        self, feed: FeedState, status: int | None, error: str, *, disable: bool = False
    ) -> PollReport:
        failures = feed.consecutive_failures + 1
        retry_at = self._next(feed, failures)
        self._record(feed, PollRecord(status, error, False, retry_at, disable=disable))
        retry_in = (retry_at - self.clock()).total_seconds()
        return PollReport(
            feed.url, status, error=error, failures=failures, retry_in_s=retry_in, disabled=disable
        )

    def _record(self, feed: FeedState, poll: PollRecord) -> None:
        self.store.record_poll(feed.id, poll, self.clock())


def route(
    found: Sequence[Match], watchlists: Watchlists, default_chat: str
) -> dict[str, list[str]]:
    """Which chat hears of which matched entries: an entry's own chat, else the default."""
    chats = {entry.id: entry.chat for entry in watchlists.entries}
    routes: dict[str, list[str]] = {}
    for match in found:
        routes.setdefault(chats.get(match.entry_id) or default_chat, []).append(match.entry_id)
    return routes
