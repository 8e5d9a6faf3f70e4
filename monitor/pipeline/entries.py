"""One new entry through the page, match and store stages (`EntryStage.process`).

page -> could it match at all? (`monitor.matching.prefilter`) -> extract (in worker
processes) -> match -> store (entry, article, matches, outbox: one transaction). An
entry whose article another source already brought, or one older than max_age, is
only marked seen; a page that cannot match is kept with the feed's title and no
text, which is extracted later, when the worker is idle (`monitor.pipeline.backfill`,
for replays). Entries that alert nobody are written in batches
(`Store.record_seen_many`), by the last entry of a poll still in this stage; a
poll cut short loses only such marks, and those entries are seen again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.errors import ExtractError, FetchError
from monitor.matching.matcher import Matcher
from monitor.matching.prefilter import could_match
from monitor.matching.watchlist import Watchlists
from monitor.models import Article, Entry, FeedState, Match
from monitor.ops.logs import event
from monitor.sources.http import Fetcher
from monitor.sources.reader import Item
from monitor.store.database import Store
from monitor.store.entries import StoryLookup
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
    # a page not extracted (it cannot match): its text is extracted later, for replays
    unread: Callable[[str | None, str, bytes, str | None], None] = lambda *page: None
    # per feed: entries in this stage now, and the marks they leave for the last one out
    _active: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _marks: dict[int, list[tuple[Entry, Article | None, str]]] = field(
        default_factory=dict, init=False, repr=False)

    async def process(self, feed: FeedState, item: Item, outlet: str,
                      known: Collection[str] = ()) -> tuple[int, int]:
        """Returns (entries matched, outbox rows written) for one new entry. `known`: the
        canonical URLs of the poll's articles already stored when it began (an article
        another feed brings meanwhile is found when it is written)."""
        self._active[feed.id] = self._active.get(feed.id, 0) + 1
        try:
            return await self._process(feed, item, outlet, known)
        finally:
            self._active[feed.id] -= 1
            if not self._active[feed.id]:
                del self._active[feed.id]
                if marks := self._marks.pop(feed.id, None):
                    await self.store.off_loop(self.store.record_seen_many, feed.id, marks,
                                              self.clock())

    def _mark(self, feed: FeedState, entry: Entry, article: Article | None = None,
              outlet: str = "") -> tuple[int, int]:
        self._marks.setdefault(feed.id, []).append((entry, article, outlet))
        return 0, 0

    async def _process(self, feed: FeedState, item: Item, outlet: str,
                       known: Collection[str]) -> tuple[int, int]:
        entry, now = item.entry, self.clock()
        if entry.published is not None and entry.published > now:
            entry = replace(entry, published=now)  # a date in the future is a feed's mistake
        if self._too_old(entry.published, now) or (
            entry.canonical_url and entry.canonical_url in known
        ):
            return self._mark(feed, entry)
        article = await self._read_article(feed, entry, item.headline_only)
        if entry.published is None and self._too_old(article.published, now):
            return self._mark(feed, entry)
        matcher, watchlists = self.matching()
        found = matcher.find_matches(article.title, article.text)
        if not found:
            return self._mark(feed, entry, article, outlet)
        story_print = fingerprint(article.title, article.text)
        stories = StoryLookup(first_of_story, since=now - timedelta(seconds=self.story_window_s))
        outbox_ids = await self.store.off_loop(
            self.store.record_entry,
            feed.id,
            entry,
            self.clock(),
            article=article,
            outlet=outlet,
            found=found,
            routes=route(found, watchlists, self.default_chat),
            fingerprint=story_print,
            stories=stories,  # looked up inside the transaction: copies at once alert once
        )
        names = ",".join(match.entry_id for match in found)
        if stories.found is not None:
            event(log, "story_copy", url=entry.url, entries=names, story=stories.found)
        else:
            event(log, "entry_matched", url=entry.url, entries=names, alerts=len(outbox_ids))
        return 1, len(outbox_ids)

    async def _read_article(self, feed: FeedState, entry: Entry, headline_only: bool) -> Article:
        """The extracted page; the entry's own title and summary when the page fails
        (or must not be fetched: a search item whose publisher copy was not found); the
        entry's title and no text when neither page nor entry can match (not extracted)."""
        if entry.url and not headline_only:
            try:
                page = await self.fetcher.get_page(entry.url, feed_url=feed.url)
                if not could_match(page.body, self.matching()[0], entry.title, entry.summary):
                    self.unread(entry.canonical_url, page.url, page.body,
                                page.headers.get("content-type"))
                    return Article(url=entry.url, title=entry.title, text="",
                                   published=entry.published, author=entry.author)
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


def first_of_story(story_print: str, candidates: list[tuple[int, str]]) -> int | None:
    """The first article of the same story from another outlet, among the candidates."""
    return next((story for story, other in candidates if same_story(story_print, other)), None)


def route(
    found: Sequence[Match], watchlists: Watchlists, default_chat: str
) -> dict[str, list[str]]:
    """Which chat hears of which matched entries: an entry's own chat, else the default."""
    chats = {entry.id: entry.chat for entry in watchlists.entries}
    routes: dict[str, list[str]] = {}
    for match in found:
        routes.setdefault(chats.get(match.entry_id) or default_chat, []).append(match.entry_id)
    return routes
