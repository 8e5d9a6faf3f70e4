"""Store.record_seen_many: entries that alert nobody, marked seen in one transaction."""

from __future__ import annotations

from sqlalchemy import select

from monitor.models import Article
from monitor.store.database import Store
from monitor.store.schema import articles, seen_entries
from tests.store.test_store import NOW, entry, one_feed


def test_entries_and_articles_are_marked_in_one_go(store: Store) -> None:
    feed = one_feed(store)
    read = Article("https://news.example/b", "B", "the extracted body")
    skipped = Article("https://news.example/c", "C", "")  # a page the prefilter passed over
    marked = store.record_seen_many(
        feed, [(entry("a"), None, ""), (entry("b"), read, "Outlet"),
               (entry("c"), skipped, "Outlet")], NOW)
    assert marked == 3
    assert store.unseen_entries(feed, [entry("a"), entry("b"), entry("c"), entry("d")]) == [
        entry("d")]
    assert store.articles_known(["https://news.example/b"]) == {"https://news.example/b"}
    assert store.articles_known(["https://news.example/c"]) == {"https://news.example/c"}
    with store.engine.connect() as conn:
        texts = dict(conn.execute(select(articles.c.title, articles.c.text)).all())
    assert texts == {"B": "the extracted body", "C": None}  # nothing to replay for C
    assert store.feed_health()[0].entries_seen == 3


def test_an_entry_seen_before_or_twice_is_passed_over(store: Store) -> None:
    feed = one_feed(store)
    store.record_entry(feed, entry("a"), NOW)
    marked = store.record_seen_many(
        feed, [(entry("a"), None, ""), (entry("b"), None, ""), (entry("b"), None, "")], NOW)
    assert marked == 1
    with store.engine.connect() as conn:
        keys = conn.execute(select(seen_entries.c.key).order_by(seen_entries.c.key)).scalars()
        assert list(keys) == ["a", "b"]
    assert store.feed_health()[0].entries_seen == 2


def test_nothing_to_mark(store: Store) -> None:
    feed = one_feed(store)
    assert store.record_seen_many(feed, [], NOW) == 0


def test_nul_characters_from_the_web_are_dropped_not_fatal(store: Store) -> None:
    feed = one_feed(store)
    article = Article("https://news.example/n", "Ba\x00şlık", "met\x00in")
    store.record_entry(feed, entry("n\x00"), NOW, article=article, outlet="O\x00")
    assert store.unseen_entries(feed, [entry("n\x00")]) == []
    with store.engine.connect() as conn:
        row = conn.execute(select(articles.c.title, articles.c.text, articles.c.outlet)).one()
    assert tuple(row) == ("Başlık", "metin", "O")
