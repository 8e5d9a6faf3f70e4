"""Kept article texts: stored with every article, read back in chunks, pruned after retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.models import Article, Entry, FeedSource, Match
from monitor.store.schema import articles

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MATCH = Match("tusas", "TUSAŞ", "TUSAŞ", "TUSAŞ", 100.0, "body", 0, 5, "TUSAŞ", 0, 5)


@pytest.fixture
def store(store):
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300)], NOW)
    store.feed = store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0].id
    return store


def keep(store, n: int, when: datetime, *, published: datetime | None = None,
         matched: bool = False, body: str | None = None) -> None:
    url = f"https://news.example/{n}"
    store.record_entry(store.feed, Entry(f"k{n}", url, url, f"Başlık {n}", "", published), when,
                       article=Article(url, f"Başlık {n}", body or f"metin {n}",
                                       published=published),
                       outlet="A", found=[MATCH] if matched else [])


def texts(store) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(articles.c.title, articles.c.text)).all()
    return {row.title: row.text for row in rows}


def test_matched_and_unmatched_articles_keep_their_text(store):
    keep(store, 1, NOW, matched=True, body="TUSAŞ yeni tesis açtı")
    keep(store, 2, NOW)
    assert texts(store) == {"Başlık 1": "TUSAŞ yeni tesis açtı", "Başlık 2": "metin 2"}


def test_stored_articles_come_in_id_order_across_chunks(store):
    for n in range(1, 8):
        keep(store, n, NOW - timedelta(hours=n))
    got = list(store.stored_articles(NOW - timedelta(days=1), chunk=3))
    assert [a.title for a in got] == [f"Başlık {n}" for n in range(1, 8)]
    assert [a.id for a in got] == sorted(a.id for a in got)
    first = got[0]
    assert first.text == "metin 1" and first.outlet == "A" and first.created_at.tzinfo
    assert first.url == "https://news.example/1"
    assert len(list(store.stored_articles(NOW - timedelta(days=1), chunk=7))) == 7


def test_stored_articles_since_created_or_published(store):
    keep(store, 1, NOW - timedelta(days=20))  # old in every way
    keep(store, 2, NOW - timedelta(days=20), published=NOW - timedelta(days=1))
    keep(store, 3, NOW - timedelta(hours=1), published=NOW - timedelta(days=30))
    since = NOW - timedelta(days=14)
    assert [a.title for a in store.stored_articles(since)] == ["Başlık 2", "Başlık 3"]
    assert list(store.stored_articles(NOW + timedelta(hours=1))) == []


def test_pruning_forgets_old_texts_only_and_once(store):
    keep(store, 1, NOW - timedelta(days=31))
    keep(store, 2, NOW - timedelta(days=29))
    assert store.prune_article_texts(NOW - timedelta(days=30)) == 1
    assert texts(store) == {"Başlık 1": None, "Başlık 2": "metin 2"}
    assert store.prune_article_texts(NOW - timedelta(days=30)) == 0
    assert [a.title for a in store.stored_articles(NOW - timedelta(days=60))] == ["Başlık 2"]
