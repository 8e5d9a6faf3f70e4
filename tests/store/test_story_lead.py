"""What staff are shown of a stored story: a body snippet for a headline match, and the
earliest-published copy as the story's lead (real SQLite store, real alert formatter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monitor.messages.alerts import format_alert
from monitor.messages.markup import plain_text
from monitor.models import Article, Entry, FeedSource, Match
from monitor.store.database import Store
from monitor.store.schema import articles, outbox

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CHAT = "-100"


def title_match(title: str, matched: str, term: str | None = None) -> Match:
    s = title.find(matched)
    return Match("tusas", "TUSAŞ", term or matched, matched, 100.0, "title", s,
                 s + len(matched), title, s, s + len(matched))


def feed(store: Store) -> int:
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300)], NOW)
    return store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0].id


def record(store: Store, feed_id: int, key: str, title: str, text: str, *,
           published: datetime = NOW, matched: str = "TUSAŞ", story_of: int | None = None,
           from_feed_only: bool = False, term: str | None = None) -> int:
    url = f"https://news.example/{key}"
    store.record_entry(feed_id, Entry(key, url, url, title, text, published), NOW,
                       article=Article(url, title, text, published, from_feed_only=from_feed_only),
                       outlet=f"Outlet {key}", found=[title_match(title, matched, term)],
                       routes={CHAT: ["tusas"]}, story_of=story_of)
    with store.engine.connect() as conn:
        return conn.execute(select(articles.c.id).where(articles.c.canonical_url == url)
                            ).scalar_one()


def snippet_line(store: Store) -> list[str]:
    [alert] = store.next_alerts(NOW + timedelta(hours=1))
    return [plain_text(ln) for ln in format_alert(alert).splitlines() if ln.startswith("💬")]


@pytest.mark.parametrize(("body", "shown"), [
    ("Dün Tusaş'ın heyeti OSB'yi gezdi.", "💬 Dün Tusaş'ın heyeti OSB'yi gezdi."),
    ("Açıklamayı TUSAŞ yaptı. " + "Uzun metin. " * 30, "💬 Açıklamayı TUSAŞ yaptı. Uzun metin."),
    ("Şirket açıklama yaptı.", None),  # only in the headline: no snippet at all
    ("BATUSAŞ adlı başka bir firma", None),  # not at a word start
])
def test_a_headline_match_takes_its_snippet_from_the_body(store, body, shown):
    record(store, feed(store), "1", "TUSAŞ yeni anlaşma imzaladı", body)
    lines = snippet_line(store)
    if shown is None:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith(shown)
        assert len(lines[0]) < 200


def test_a_term_found_in_the_body_when_the_headline_spelled_it_otherwise(store):
    record(store, feed(store), "1", "TUSAS yeni anlaşma", "Dün TUSAŞ heyeti geldi.",
           matched="TUSAS", term="TUSAŞ")
    assert snippet_line(store) == ["💬 Dün TUSAŞ heyeti geldi."]


def test_the_feed_summary_gives_the_snippet_when_the_page_was_unreadable(store):
    record(store, feed(store), "1", "TUSAŞ'a ziyaret", "Oda heyeti TUSAŞ tesislerini gezdi.",
           from_feed_only=True)
    assert snippet_line(store) == ["💬 Oda heyeti TUSAŞ tesislerini gezdi."]


def test_an_earlier_copy_becomes_the_lead_of_the_same_alert(store):
    feed_id = feed(store)
    first = record(store, feed_id, "late", "TUSAŞ haberi geç", "TUSAŞ metni")
    [alert] = store.next_alerts(NOW)
    store.mark_sent(alert, 77, NOW)
    earlier = record(store, feed_id, "early", "TUSAŞ haberi erken", "TUSAŞ metni",
                     published=NOW - timedelta(hours=3), story_of=first)
    third = record(store, feed_id, "later", "TUSAŞ haberi sonra", "TUSAŞ metni",
                   published=NOW + timedelta(hours=1), story_of=earlier)
    [edit] = store.next_alerts(NOW)
    assert (edit.id, edit.message_id, edit.title) == (alert.id, 77, "TUSAŞ haberi erken")
    assert [outlet for outlet, _ in edit.copies] == ["Outlet late", "Outlet later"]
    assert edit.matches and edit.revision == alert.revision + 2
    with store.engine.connect() as conn:
        leads = dict(conn.execute(select(articles.c.id, articles.c.story_id)).all())
        assert conn.execute(select(outbox.c.id)).scalars().all() == [alert.id]  # one alert
    assert leads == {first: earlier, earlier: None, third: earlier}
    store.mark_sent(edit, 77, NOW)
    assert store.next_alerts(NOW + timedelta(hours=1)) == []


def test_a_copy_without_a_date_never_takes_the_lead(store):
    feed_id = feed(store)
    first = record(store, feed_id, "a", "TUSAŞ haberi", "TUSAŞ metni")
    url = "https://news.example/b"
    store.record_entry(feed_id, Entry("b", url, url, "TUSAŞ kopya", "", None), NOW,
                       article=Article(url, "TUSAŞ kopya", "TUSAŞ metni"), outlet="B",
                       found=[title_match("TUSAŞ kopya", "TUSAŞ")], story_of=first)
    [alert] = store.next_alerts(NOW)
    assert alert.title == "TUSAŞ haberi" and [o for o, _ in alert.copies] == ["B"]
