"""Matches written through the real Store API, for the tests of what reads them back."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from sqlalchemy import select

from monitor.models import Article, Entry, FeedSource, Match
from monitor.store.database import Store
from monitor.store.schema import articles, feeds

TZ = "Europe/Istanbul"  # UTC+3 all year
DAY = date(2026, 11, 28)
NAMES = {"tusas": "TUSAŞ", "km-havacilik": "KM Havacılık", "erkenez-osb": "Erkenez OSB",
         "mustafa-buluntu": "Mustafa Buluntu"}
_keys = itertools.count(1)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Recorder:
    """Writes articles and their matches through the real Store API."""

    def __init__(self, store: Store):
        self.store = store
        start = datetime(2026, 1, 1, tzinfo=UTC)
        store.sync_feeds([FeedSource("https://feed.example/rss", "Feed", 300)], start)
        with store.engine.connect() as conn:  # not claimed: a second Recorder shares it
            self.feed_id = conn.execute(select(feeds.c.id)).scalar_one()

    def add(self, when: datetime, entry_ids: list[str], *, title: str | None = None,
            outlet: str = "Yerel Gazete", published: datetime | None = None,
            url: str | None = None, story_of: int | None = None) -> int:
        n = next(_keys)
        url = url or f"https://news.example/{n}"
        title = title or f"Haber {n}"
        found = [Match(e, NAMES.get(e, e), NAMES.get(e, e), NAMES.get(e, e), 100.0, "body",
                       0, 5, "snippet", 0, 5) for e in entry_ids]
        self.store.record_entry(
            self.feed_id, Entry(f"k{n}", url, url, title, "", published), when,
            article=Article(url, title, "metin", published=published or when), outlet=outlet,
            found=found, story_of=story_of)
        with self.store.engine.connect() as conn:
            return conn.execute(
                select(articles.c.id).where(articles.c.canonical_url == url)).scalar_one()
