"""Copying a populated SQLite store into an empty database (PostgreSQL, and SQLite too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Table, create_engine, func, insert, inspect, select

from monitor.errors import StoreError
from monitor.models import Article, Entry, FeedSource, Match, Verdict
from monitor.store import copy
from monitor.store.copy import CopyFailed, copy_database
from monitor.store.database import Store
from monitor.store.feeds import PollRecord
from monitor.store.schema import articles, feeds, metadata, outbox

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHAT = "-100"


def match(entry_id: str = "tusas") -> Match:
    return Match(entry_id, "TUSAŞ", "TUSAŞ", "TUSAŞ", 100.0, "body", 0, 5, "TUSAŞ dedi", 0, 5)


def record(store: Store, feed_id: int, n: int, **kwargs: object) -> list[int]:
    url = f"https://news.example/{n}"
    return store.record_entry(
        feed_id, Entry(f"k{n}", url, url, f"Haber {n}", "", NOW - timedelta(hours=n)), NOW,
        article=Article(url, f"Haber {n}", f"TUSAŞ metin {n}", published=NOW), outlet="A",
        found=[match()], **kwargs)  # type: ignore[arg-type]


def populate(store: Store) -> None:
    """Every table gets rows: feeds, seen entries, articles with texts, matches, outbox
    sent and pending, a story with a copy, a verdict and a running burst summary."""
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300),
                      FeedSource("https://b.example/rss", "B", 600)], NOW)
    feed_id = store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0].id
    store.record_poll(feed_id, PollRecord(200, None, True, NOW, etag='"v1"'), NOW)
    for n in range(1, 6):
        record(store, feed_id, n, routes={CHAT: ["tusas"]}, fingerprint=f"fp{n}")
    record(store, feed_id, 99, story_of=1)  # a copy of the first story
    store.record_entry(feed_id, Entry("seen-only", None, None, "x", "", None), NOW)
    for message_id in (501, 502, 503):
        [alert] = store.next_alerts(NOW)
        store.mark_sent(alert, message_id, NOW)
    assert store.place_in_burst(4, NOW, more_than=2, window_s=3600) is not None
    store.record_verdict(Verdict(1, CHAT, "7", "Ayşe", "relevant", ("tusas",), ("TUSAŞ",),
                                 "TUSAŞ dedi", NOW))
    store.heartbeat(NOW, "1 feed")  # the workers' tables (m005)
    store.claim_once(f"digest:{NOW.date()}", NOW)
    store.take_send_slot(CHAT, NOW, lambda chat, sent, now: 0.0)


@pytest.fixture
def source(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/source.db")
    populate(store)
    yield store
    store.close()


def counts(conn: Connection) -> dict[str, int]:
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables}


def test_every_table_is_copied_with_its_ids_and_the_copy_works(source, database_url):
    copied = copy_database(source.engine, database_url, batch=2)
    with source.engine.connect() as conn:
        expected = counts(conn)
    assert {t.name: t.rows for t in copied} == expected
    assert all(expected.values()), expected  # the fixture fills every table
    target = Store(database_url)
    assert target.migrations_applied == []  # the copy's schema is the latest
    with target.engine.connect() as conn:
        assert counts(conn) == expected
        titles = dict(conn.execute(select(articles.c.id, articles.c.title)).all())
    assert titles[1] == "Haber 1" and len(titles) == 6
    assert target.next_alerts(NOW) == source.next_alerts(NOW)
    assert target.feed_health() == source.feed_health()
    assert target.latest_verdicts() == source.latest_verdicts()
    assert target.outbox_stats() == source.outbox_stats()
    target.close()


def test_ids_continue_after_the_copied_ones(source, database_url):
    copy_database(source.engine, database_url)
    target = Store(database_url)
    feed_id = target.claim_due_feeds(NOW + timedelta(days=1), timedelta(minutes=5))[0].id
    [outbox_id] = record(target, feed_id, 100, routes={CHAT: ["tusas"]})
    target.sync_feeds([FeedSource("https://c.example/rss", "C", 300)], NOW)
    with target.engine.connect() as conn:
        newest = conn.execute(select(func.max(articles.c.id))).scalar_one()
        feed_ids = conn.execute(select(feeds.c.id).order_by(feeds.c.id)).scalars().all()
        outbox_ids = conn.execute(select(outbox.c.id)).scalars().all()
    assert newest == 7 and outbox_id == max(outbox_ids) == 6
    assert feed_ids == [1, 2, 3]
    target.close()


def test_a_target_that_is_not_empty_is_refused_and_left_alone(source, database_url):
    Store(database_url).close()
    with pytest.raises(CopyFailed, match=r"is not empty \(it has the tables articles, bursts, "
                                         r".*, \.\.\.\): copy only into an empty database"):
        copy_database(source.engine, database_url)
    check = Store(database_url)
    assert check.feed_health() == []
    check.close()


def test_rows_written_to_the_source_meanwhile_fail_the_copy_and_keep_nothing(
        source, database_url, monkeypatch):
    real = copy._copy_table

    def worker_writes_meanwhile(src: Connection, dst: Connection, table: Table,
                                batch: int) -> int:
        done = real(src, dst, table, batch)
        if table.name == "feeds":  # a worker still running adds a source
            with source.engine.begin() as conn:
                conn.execute(insert(feeds).values(url="https://late.example/", interval_s=60,
                                                  next_poll_at=NOW))
        return done

    monkeypatch.setattr(copy, "_copy_table", worker_writes_meanwhile)
    with pytest.raises(CopyFailed, match="table feeds: 2 rows copied, but the source now has 3 "
                                         r"and the target 2 \(stop the worker"):
        copy_database(source.engine, database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


def test_a_nul_character_an_old_install_kept_is_dropped_on_the_way(source, postgres_url):
    with source.engine.begin() as conn:  # SQLite keeps a NUL character, PostgreSQL cannot
        conn.exec_driver_sql("UPDATE articles SET text = 'a' || char(0) || 'b' WHERE id = 3")
    copy_database(source.engine, postgres_url)
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(select(articles.c.text).where(articles.c.id == 3)).scalar() == "ab"
    engine.dispose()


def test_an_unreachable_target_is_a_store_error(source):
    with pytest.raises(StoreError, match=r"--to: database postgresql\+psycopg://postgres@"
                                         r"127\.0\.0\.1:1/x: .*refused"):
        copy_database(source.engine, "postgresql+psycopg://postgres@127.0.0.1:1/x",
                      where="--to")
