from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from monitor.errors import StoreError
from monitor.models import Article, Entry, FeedSource, Match
from monitor.store import migrations
from monitor.store.database import Store
from monitor.store.feeds import PollRecord

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def entry(key: str, url: str | None = None) -> Entry:
    url = url or f"https://news.example/{key}"
    return Entry(key, url, url, f"Title {key}", "summary", NOW)


def match(entry_id: str = "tusas") -> Match:
    return Match(entry_id, entry_id.upper(), entry_id, entry_id, 100.0, "body", 0, 5, "s", 0, 1)


def one_feed(store: Store, url: str = "https://a.example/rss") -> int:
    store.sync_feeds([FeedSource(url, "A", 300)], NOW)
    return store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0].id


def test_sqlite_uses_wal(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/m.db")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_feeds_are_claimed_once_until_the_lease_ends(store):
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300)], NOW)
    assert len(store.claim_due_feeds(NOW, timedelta(minutes=5))) == 1
    assert store.claim_due_feeds(NOW, timedelta(minutes=5)) == []
    later = NOW + timedelta(minutes=6)
    assert len(store.claim_due_feeds(later, timedelta(minutes=5))) == 1


def test_removed_feeds_are_deactivated_not_forgotten(store):
    feed_id = one_feed(store)
    store.record_entry(feed_id, entry("e1"), NOW)
    store.sync_feeds([], NOW)
    assert store.feed_health() == []
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300)], NOW)
    assert store.unseen_entries(feed_id, [entry("e1")]) == []


def test_entries_are_new_once(store):
    feed_id = one_feed(store)
    first = [entry("e1"), entry("e2")]
    assert store.unseen_entries(feed_id, first) == first
    store.record_entry(feed_id, first[0], NOW)
    assert store.unseen_entries(feed_id, [*first, entry("e3")]) == [first[1], entry("e3")]


def test_match_and_outbox_are_written_together_and_routed(store):
    feed_id = one_feed(store)
    article = Article("https://news.example/e1", "Başlık", "metin")
    ids = store.record_entry(
        feed_id,
        entry("e1"),
        NOW,
        article=article,
        outlet="A",
        found=[match("tusas"), match("erkenez-osb")],
        routes={"-100": ["tusas"], "-200": ["erkenez-osb"]},
    )
    assert len(ids) == 2
    alerts = {alert.chat_id: alert for alert in store.next_alerts(NOW)}
    assert [m.entry_id for m in alerts["-100"].matches] == ["tusas"]
    assert [m.entry_id for m in alerts["-200"].matches] == ["erkenez-osb"]
    assert alerts["-100"].title == "Başlık"


def test_the_same_article_through_two_feeds_is_kept_once(store):
    feed_a = one_feed(store)
    store.sync_feeds(
        [
            FeedSource("https://a.example/rss", "A", 300),
            FeedSource("https://b.example/rss", "B", 300),
        ],
        NOW,
    )
    feed_b = store.claim_due_feeds(NOW + timedelta(hours=1), timedelta(minutes=5))[-1].id
    article = Article("https://news.example/e1", "T", "x")
    routes = {"chat": ["tusas"]}
    kwargs = {"article": article, "outlet": "A", "found": [match()], "routes": routes}
    assert store.record_entry(feed_a, entry("e1"), NOW, **kwargs)
    assert store.articles_known(["https://news.example/e1"]) == {"https://news.example/e1"}
    assert (
        store.record_entry(feed_b, entry("other-key", "https://news.example/e1"), NOW, **kwargs)
        == []
    )
    assert store.pending_count() == 1


def test_outbox_order_per_chat_and_backoff(store):
    feed_id = one_feed(store)
    for key in ("e1", "e2"):
        store.record_entry(
            feed_id,
            entry(key),
            NOW,
            article=Article(None, key, "x"),
            outlet="A",
            found=[match()],
            routes={"chat": ["tusas"]},
        )
    head = store.next_alerts(NOW)
    assert [a.title for a in head] == ["e1"]
    store.mark_failed(head[0].id, "boom", NOW + timedelta(seconds=30), permanent=False)
    assert store.next_alerts(NOW) == []  # the head waits, and the chat keeps its order
    retried = store.next_alerts(NOW + timedelta(seconds=31))
    assert retried[0].title == "e1" and retried[0].attempts == 1
    store.mark_sent(retried[0], 7, NOW)
    assert [a.title for a in store.next_alerts(NOW)] == ["e2"]
    stats = store.outbox_stats()
    assert (stats.pending, stats.sent, stats.oldest_pending_at) == (1, 1, NOW)


def test_poll_records_health_and_keeps_validators_on_304(store):
    feed_id = one_feed(store)
    ok = PollRecord(200, None, True, NOW + timedelta(minutes=5), etag='"v1"', last_modified="x")
    store.record_poll(feed_id, ok, NOW)
    store.record_poll(feed_id, PollRecord(304, None, True, NOW), NOW)
    state = store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0]
    assert state.etag == '"v1"'
    store.record_poll(feed_id, PollRecord(503, "HTTP 503", False, NOW), NOW)
    store.record_poll(feed_id, PollRecord(503, "HTTP 503", False, NOW), NOW + timedelta(minutes=1))
    health = store.feed_health()[0]
    assert (health.consecutive_failures, health.failing_since, health.last_error) == (
        2,
        NOW,
        "HTTP 503",
    )
    store.record_poll(feed_id, PollRecord(410, "HTTP 410", False, NOW, disable=True), NOW)
    assert store.feed_health()[0].disabled
    assert store.claim_due_feeds(NOW + timedelta(days=1), timedelta(minutes=5)) == []


def test_reopening_keeps_data_and_schema_version(database_url):
    url = database_url
    store = Store(url)
    assert store.migrations_applied == list(range(1, migrations.LATEST + 1))
    feed_id = one_feed(store)
    store.record_entry(feed_id, entry("e1"), NOW)
    store.close()
    again = Store(url)
    assert again.migrations_applied == []
    assert again.unseen_entries(feed_id, [entry("e1")]) == []
    again.close()


def test_a_newer_schema_is_refused(database_url):
    url = database_url
    Store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 999"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(url)


def test_a_version_1_database_is_upgraded_without_losing_data(database_url):
    url = database_url
    engine = create_engine(url)
    with engine.begin() as conn:
        assert migrations.migrate(conn, target=1) == [1]
        conn.execute(
            text(
                "INSERT INTO feeds (id, url, interval_s, next_poll_at, etag) "
                "VALUES (1, 'https://a.example/rss', 300, '2026-11-28 12:00:00', '\"v7\"')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, url, title, outlet, feed_id, created_at) "
                "VALUES (1, 'https://a.example/1', 'Eski haber', 'A', 1, '2026-11-28 12:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO outbox (id, article_id, chat_id, entry_ids, created_at, "
                "next_attempt_at) VALUES (1, 1, 'chat', 'tusas', '2026-11-28 12:00:00', "
                "'2026-11-28 12:00:00')"
            )
        )
    engine.dispose()
    store = Store(url)
    assert store.migrations_applied == list(range(2, migrations.LATEST + 1))
    state = store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0]
    assert state.etag == '"v7"'
    [alert] = store.next_alerts(NOW)
    assert (alert.title, alert.revision, alert.copies) == ("Eski haber", 0, ())
    store.close()


def test_a_copy_of_a_sent_story_turns_into_an_edit(store):
    feed_id = one_feed(store)
    first = Article("https://a.example/1", "Basın bülteni", "metin")
    routes = {"chat": ["tusas"]}
    store.record_entry(
        feed_id,
        entry("e1"),
        NOW,
        article=first,
        outlet="A",
        found=[match()],
        routes=routes,
        fingerprint="fp",
    )
    [alert] = store.next_alerts(NOW)
    store.mark_sent(alert, 42, NOW)
    assert store.pending_count() == 0
    [(story_id, fingerprint)] = store.story_candidates(["tusas"], NOW - timedelta(hours=1))
    assert fingerprint == "fp"
    copy = Article("https://b.example/9", "Aynı bülten", "metin")
    assert (
        store.record_entry(
            feed_id,
            entry("e2"),
            NOW,
            article=copy,
            outlet="B",
            found=[match()],
            routes=routes,
            story_of=story_id,
        )
        == []
    )
    [edit] = store.next_alerts(NOW)
    assert (edit.id, edit.message_id, edit.is_edit) == (alert.id, 42, True)
    assert edit.copies == (("B", "https://news.example/e2"),)
    store.mark_sent(edit, None, NOW)
    assert store.next_alerts(NOW) == [] and store.pending_count() == 0
    assert store.story_candidates(["tusas"], NOW - timedelta(hours=1)) == [(story_id, "fp")]
