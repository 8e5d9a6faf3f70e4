"""Several workers on one database: feed leases, entries and stories recorded once,
alert claims, duties claimed once, shared pacing, the commands seat, the workers table.

Each worker is a Store of its own (its own engine and worker id) on the same database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.models import Article, FeedSource
from monitor.pipeline.entries import first_of_story
from monitor.store.database import Store
from monitor.store.entries import StoryLookup
from monitor.store.feeds import PollRecord
from monitor.store.locks import COMMANDS_LOCK, SessionLock
from monitor.store.migrations import LATEST
from monitor.store.schema import articles, outbox
from monitor.stories.fingerprint import fingerprint
from monitor.telegram.pacing import shared_wait_s
from tests.store.test_store import NOW, entry, match

LEASE = timedelta(minutes=1)
TEXT = ("Kahramanmaraş Ticaret ve Sanayi Odası meclisinde TUSAŞ yöneticileri yeni tedarik "
        "programını anlattı; 42 firma başvurdu, ilk sözleşmeler 15 Aralık'ta imzalanacak.")


@pytest.fixture
def pair(database_url: str) -> Iterator[tuple[Store, Store]]:
    """Two workers on one database."""
    first, second = Store(database_url), Store(database_url)
    first.worker_id, second.worker_id = "host:1:a", "host:2:b"
    first.sync_feeds([FeedSource(f"https://{n}.example/rss", n, 300) for n in "ab"], NOW)
    yield first, second
    first.close()
    second.close()


def test_a_leased_feed_goes_to_no_other_worker_until_its_lease_ends(pair) -> None:
    first, second = pair
    assert len(first.claim_due_feeds(NOW, LEASE, limit=1)) == 1
    [other] = second.claim_due_feeds(NOW, LEASE)
    assert second.claim_due_feeds(NOW, LEASE, every=True) == []  # both leased
    assert first.leases_of() == {"host:1:a": 1, "host:2:b": 1}
    later = NOW + LEASE + timedelta(seconds=1)  # the first worker died: its lease ran out
    taken = second.claim_due_feeds(later, LEASE)  # both: its own lease ran out too
    assert sorted(feed.id for feed in taken) == [1, 2]
    second.record_poll(other.id, PollRecord(200, None, True, NOW + timedelta(hours=1)), NOW)
    assert first.leases_of() == {"host:2:b": 1}  # released with the next poll time


def test_leases_are_renewed_and_released_by_their_holder_only(pair) -> None:
    first, second = pair
    [feed, _] = first.claim_due_feeds(NOW, LEASE)
    assert first.renew_leases(NOW + 5 * LEASE) == (2, 0)
    assert second.claim_due_feeds(NOW + 2 * LEASE, LEASE) == []  # still renewed
    second.release_lease(feed.id)  # not its lease
    assert first.leases_of() == {"host:1:a": 2}
    first.release_lease(feed.id)
    assert [f.id for f in second.claim_due_feeds(NOW, LEASE)] == [feed.id]


def test_an_entry_reached_by_two_workers_is_recorded_once(pair) -> None:
    first, second = pair
    [feed] = first.claim_due_feeds(NOW, LEASE, limit=1)
    article = Article("https://news.example/x", "TUSAŞ", TEXT)
    kwargs = {"article": article, "outlet": "A", "found": [match()], "routes": {"-1": ["tusas"]}}
    assert len(first.record_entry(feed.id, entry("x"), NOW, **kwargs)) == 1
    assert second.record_entry(feed.id, entry("x"), NOW, **kwargs) == []  # the loser
    # another feed's entry for the same article: seen, but no second article or alert
    other = second.claim_due_feeds(NOW, LEASE)[0].id
    assert second.record_entry(other, entry("y", "https://news.example/x"), NOW, **kwargs) == []
    with first.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 1
    assert second.unseen_entries(other, [entry("y")]) == []


def slow_decide(story_print: str, candidates: list[tuple[int, str]]) -> int | None:
    time.sleep(0.3)  # widens the window between the lookup and the commit
    return first_of_story(story_print, candidates)


def test_copies_recorded_at_the_same_instant_alert_once(pair) -> None:
    """Two outlets' copies of one story, recorded by two workers at once."""
    first, second = pair
    feeds = [first.claim_due_feeds(NOW, LEASE, limit=1)[0].id,
             second.claim_due_feeds(NOW, LEASE)[0].id]
    story_print = fingerprint("TUSAŞ", TEXT)
    start = threading.Barrier(2)
    written: list[list[int]] = []

    def record(store: Store, feed_id: int, key: str) -> None:
        url = f"https://{key}.example/haber"
        start.wait()
        written.append(store.record_entry(
            feed_id, entry(key, url), NOW, article=Article(url, "TUSAŞ", TEXT), outlet=key,
            found=[match()], routes={"-1": ["tusas"]}, fingerprint=story_print,
            stories=StoryLookup(slow_decide, since=NOW - timedelta(hours=1))))

    threads = [threading.Thread(target=record, args=(store, feed, key))
               for store, feed, key in zip(pair, feeds, "pq", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(ids) for ids in written) == [0, 1]  # one alert, one copy joined it
    with first.engine.connect() as conn:
        stories = list(conn.execute(select(articles.c.story_id)).scalars())
        assert sorted(stories, key=str) == [1, None] or sorted(stories, key=str) == [2, None]


def test_an_alert_is_claimed_by_one_worker(pair) -> None:
    first, second = pair
    [feed] = first.claim_due_feeds(NOW, LEASE, limit=1)
    for key in "xy":
        first.record_entry(feed.id, entry(key), NOW,
                           article=Article(f"https://news.example/{key}", key, TEXT + key),
                           outlet="A", found=[match()], routes={"-1": ["tusas"]})
    [alert] = first.next_alerts(NOW)
    if first.engine.dialect.name == "sqlite":
        return  # one process: no claims (the write lock serialises)
    assert second.next_alerts(NOW) == []  # the chat's head is the first worker's
    assert [a.id for a in first.next_alerts(NOW)] == [alert.id]  # its own claim again
    first.mark_sent(alert, 7, NOW)
    [following] = second.next_alerts(NOW)
    assert following.id != alert.id
    assert first.next_alerts(NOW + timedelta(seconds=30)) == []
    assert first.renew_leases(NOW) == (1, 0) and second.renew_leases(NOW) == (0, 1)
    second.release_claims([following.id])
    assert [a.id for a in first.next_alerts(NOW)] == [following.id]
    assert [a.id for a in second.next_alerts(NOW + 2 * LEASE)] == [following.id]  # expired


def test_a_duty_is_claimed_once(pair) -> None:
    first, second = pair
    assert first.claim_once("digest:2026-11-28", NOW)
    assert not second.claim_once("digest:2026-11-28", NOW)
    assert not first.claim_once("digest:2026-11-28", NOW)
    assert second.claim_once("digest:2026-11-29", NOW)


def test_send_slots_are_shared_by_the_workers(pair) -> None:
    first, second = pair
    assert first.take_send_slot("-1", NOW, shared_wait_s) == 0.0
    wait = second.take_send_slot("-1", NOW + timedelta(seconds=0.5), shared_wait_s)
    assert 0.5 < wait <= 0.75
    assert second.take_send_slot("-2", NOW, shared_wait_s) == 0.0  # another chat
    for n in range(1, 20):  # a group: 20 a minute
        assert first.take_send_slot("-1", NOW + timedelta(seconds=1.3 * n), shared_wait_s) == 0
    assert second.take_send_slot("-1", NOW + timedelta(seconds=27), shared_wait_s) > 30


def test_a_retry_after_holds_the_chat_for_every_worker(pair) -> None:
    first, second = pair
    first.hold_chat("-1", NOW + timedelta(seconds=30))
    first.hold_chat("-1", NOW + timedelta(seconds=10))  # a shorter one does not shorten it
    assert 29 < second.take_send_slot("-1", NOW, shared_wait_s) <= 30
    assert second.take_send_slot("-1", NOW + timedelta(seconds=31), shared_wait_s) == 0.0
    assert first.take_send_slot("-2", NOW, shared_wait_s) == 0.0  # other chats go on


def test_workers_heartbeat_and_the_dead_age_out(pair) -> None:
    first, second = pair
    first.heartbeat(NOW, "2 feeds")
    second.heartbeat(NOW - timedelta(minutes=5), "")
    first.heartbeat(NOW + timedelta(seconds=15), "1 feeds, commands")
    alive = first.workers_alive(NOW + timedelta(seconds=20), timedelta(seconds=90))
    assert alive == [("host:1:a", NOW + timedelta(seconds=15), "1 feeds, commands")]
    assert first.forget_dead_workers(NOW, timedelta(seconds=90)) == 1
    first.claim_due_feeds(NOW, LEASE)
    first.leave()
    assert first.workers_alive(NOW, timedelta(days=1)) == [] and first.leases_of() == {}


def test_one_worker_holds_the_commands_seat(pair) -> None:
    first = pair[0]
    seats = [SessionLock(store.engine, COMMANDS_LOCK) for store in pair]
    try:
        if first.engine.dialect.name == "sqlite":
            assert seats[0].try_hold() and seats[1].try_hold()  # one process
            return
        assert seats[0].try_hold() and seats[0].try_hold()
        assert not seats[1].try_hold()
        seats[0].release()  # the leader stopped (or its connection died)
        assert seats[1].try_hold() and not seats[0].try_hold()
    finally:
        for seat in seats:
            seat.release()


def test_workers_starting_together_migrate_once(postgres_url: str) -> None:
    """PostgreSQL: one migrates under the lock, the others wait and find it current."""
    stores: list[Store] = []
    threads = [threading.Thread(target=lambda: stores.append(Store(postgres_url)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(store.migrations_applied) for store in stores) == [0, 0, LATEST]
    for store in stores:
        store.close()
