"""One new entry through the page, match and store stages (`EntryStage.process`).

page -> extract (off the loop) -> match -> store (entry, article, matches, outbox:
one transaction). An entry whose article another source already brought, or one
older than max_age, is only marked seen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.errors import ExtractError, FetchError
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import Watchlists
from monitor.models import Article, Entry, FeedState, Match
from monitor.ops.logs import event
from monitor.sources.http import Fetcher
from monitor.sources.reader import Item
from monitor.store.database import Store
from monitor.stories.fingerprint import DEFAULT_WINDOW, fingerprint, same_story

log = logging.getLogger("monitor.pipeline")

Extractor = Callable[[bytes, str, str | None], Awaitable[Article]]


@dataclass
class EntryStage:
    store: Store
    fetcher: Fetcher
    matching: Callable[[], tuple[Matcher, Watchlists]]  # the current (reloadable) watchlists
    extract: Extractor
    default_chat: str
    max_age_s: float
    clock: Callable[[], datetime]
    story_window_s: float = DEFAULT_WINDOW.total_seconds()  # copies within it join a story

    async def process(self, feed: FeedState, item: Item, outlet: str) -> tuple[int, int]:
        """Returns (entries matched, outbox rows written) for one new entry."""
        entry, now = item.entry, self.clock()
        if entry.published is not None and entry.published > now:
            entry = replace(entry, published=now)  # a date in the future is a feed's mistake
        if self._too_old(entry.published, now) or (
            entry.canonical_url and self.store.article_known(entry.canonical_url)
        ):
            self.store.record_entry(feed.id, entry, now)
            return 0, 0
        article = await self._read_article(feed, entry, item.headline_only)
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

    async def _read_article(self, feed: FeedState, entry: Entry, headline_only: bool) -> Article:
        """The extracted page; the entry's own title and summary when the page fails
        (or must not be fetched: a search item whose publisher copy was not found)."""
        if entry.url and not headline_only:
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


def route(
    found: Sequence[Match], watchlists: Watchlists, default_chat: str
) -> dict[str, list[str]]:
    """Which chat hears of which matched entries: an entry's own chat, else the default."""
    chats = {entry.id: entry.chat for entry in watchlists.entries}
    routes: dict[str, list[str]] = {}
    for match in found:
        routes.setdefault(chats.get(match.entry_id) or default_chat, []).append(match.entry_id)
    return routes
