"""`monitor replay`'s core: which stored articles an edit changes, and how they are shown."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from monitor.models import Article, Entry, FeedSource
from monitor.reports.replay import (
    Tally,
    change_json,
    change_lines,
    compare,
    log_replay,
    replay,
    replay_summary,
    same_rules,
    summary_line,
)
from monitor.store.articles import StoredArticle

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TUSAS = WatchlistEntry("tusas", "TUSAŞ", ("Türk Havacılık ve Uzay Sanayii",), None,
                       path="live.yaml", line=2)
ERKENEZ = WatchlistEntry("erkenez-osb", "Erkenez OSB", (), None, exclude=("Erkenez Barajı",),
                         path="live.yaml", line=8)
LIVE = Watchlists((TUSAS, ERKENEZ), ("live.yaml",))


def article(n: int, title: str, body: str = "") -> StoredArticle:
    return StoredArticle(n, title, body, "Yerel Gazete", f"https://news.example/{n}", None, NOW)


def edit(*entries: WatchlistEntry) -> Matcher:
    return Matcher(Watchlists(entries, ("edited.yaml",)))


def test_an_added_alias_newly_alerts():
    edited = edit(replace(TUSAS, aliases=(*TUSAS.aliases, "Türk Uzay")), ERKENEZ)
    change = compare(article(1, "Türk Uzay yeni uydu tanıttı"), Matcher(LIVE), edited)
    assert change is not None and change.kind == "new"
    assert [m.entry_id for m in change.added] == ["tusas"] and change.removed == ()
    assert change.added[0].matched == "Türk Uzay" and change.reasons == ()


def test_an_added_exclude_stops_with_the_matchers_reason():
    edited = edit(TUSAS, replace(ERKENEZ, exclude=(*ERKENEZ.exclude, "Erkenez OSB yolu")))
    change = compare(article(2, "Erkenez OSB yolu kapandı"), Matcher(LIVE), edited)
    assert change is not None and change.kind == "stop"
    assert [m.entry_id for m in change.removed] == ["erkenez-osb"]
    assert "erkenez-osb: 'Erkenez OSB' excluded by context 'Erkenez OSB yolu'" in change.reasons


def test_one_entry_of_two_dropping_is_a_changed_article():
    edited = edit(TUSAS)  # the whole entry is gone: explain has nothing to say of it
    change = compare(article(3, "TUSAŞ ve Erkenez OSB işbirliği"), Matcher(LIVE), edited)
    assert change is not None and change.kind == "changed"
    assert [m.entry_id for m in change.before] == ["tusas", "erkenez-osb"]
    assert [m.entry_id for m in change.after] == ["tusas"]
    assert change.reasons == ("erkenez-osb: no longer in the watchlists",)
    edited = edit(TUSAS, replace(ERKENEZ, name="Erkenez Organize Sanayi Bölgesi"))
    change = compare(article(3, "Erkenez OSB açıldı"), Matcher(LIVE), edited)
    assert change is not None and change.kind == "stop"
    assert change.reasons == ("erkenez-osb: none of its terms is found any more",)


def test_same_entries_are_no_change_even_with_another_term():
    edited = edit(replace(TUSAS, aliases=("TUSAŞ A.Ş.",)), ERKENEZ)
    assert compare(article(4, "TUSAŞ yeni tesis açtı"), Matcher(LIVE), edited) is None
    assert compare(article(5, "Kayak sezonu açıldı"), Matcher(LIVE), edited) is None


def test_replay_counts_every_article_and_each_kind():
    edited = edit(replace(TUSAS, aliases=("Türk Uzay",)), ERKENEZ)
    rows = [article(1, "Türk Uzay uydu tanıttı"), article(2, "Kayak sezonu"),
            article(3, "Türk Havacılık ve Uzay Sanayii büyüyor"), article(4, "Erkenez OSB")]
    tally = Tally()
    changes = list(replay(iter(rows), Matcher(LIVE), edited, tally))
    assert [(c.article.id, c.kind) for c in changes] == [(1, "new"), (3, "stop")]
    assert tally == Tally(articles=4, new=1, stop=1, changed=0)


def test_same_rules_ignores_where_an_entry_is_written():
    moved = Watchlists(tuple(replace(e, path="copy.yaml", line=e.line + 3) for e in LIVE.entries),
                       ("copy.yaml",))
    assert same_rules(LIVE, moved)
    assert not same_rules(LIVE, Watchlists((TUSAS,), ()))
    assert not same_rules(LIVE, Watchlists((TUSAS, replace(ERKENEZ, threshold=95)), ()))
    tally = Tally()
    assert list(replay([article(1, "TUSAŞ")], Matcher(LIVE), Matcher(moved), tally)) == []
    assert tally.articles == 1


def test_lines_and_json_name_the_article_the_entries_and_why():
    edited = edit(TUSAS, replace(ERKENEZ, exclude=("Erkenez OSB yolu",)))
    change = compare(article(7, "Erkenez OSB yolu kapandı"), Matcher(LIVE), edited)
    assert change is not None
    lines = change_lines(change, "Europe/Istanbul")
    assert lines[0] == "STOP    #7 2026-11-28 15:00 Yerel Gazete: Erkenez OSB yolu kapandı"
    assert lines[1].strip() == "https://news.example/7"
    assert lines[2].strip() == ("- erkenez-osb (Erkenez OSB) via 'Erkenez OSB': "
                                "[Erkenez OSB] yolu kapandı")
    assert any(line.strip().startswith("why: erkenez-osb:") for line in lines[3:])
    row = change_json(change)
    assert row["article_id"] == 7 and row["change"] == "stop" and row["published"] is None
    assert row["before"] == ["erkenez-osb"] and row["after"] == [] and row["added"] == []
    assert row["removed"][0]["snippet"] == "Erkenez OSB yolu kapandı"
    assert row["reasons"] == list(change.reasons)


def test_summary_line_is_in_local_time():
    line = summary_line(Tally(1, 0, 1, 0), NOW - timedelta(days=14), "Europe/Istanbul")
    assert line == ("1 stored article since 2026-11-14 15:00: 0 would newly alert, "
                    "1 would stop alerting, 0 would change their entries")


def stored(store, title: str, body: str, n: int, when: datetime = NOW) -> None:
    store.sync_feeds([FeedSource("https://feed.example/rss", "Feed", 300)], NOW)
    feed = store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)
    feed_id = feed[0].id if feed else 1
    url = f"https://news.example/{n}"
    store.record_entry(feed_id, Entry(f"k{n}", url, url, title, "", None), when,
                       article=Article(url, title, body), outlet="Gazete")


def test_replay_summary_reads_the_store(store):
    stored(store, "Türk Uzay uydu tanıttı", "", 1)
    stored(store, "Erkenez OSB yolu kapandı", "TUSAŞ da oradaydı", 2)
    stored(store, "Kayak sezonu", "", 3)
    edited = Watchlists((replace(TUSAS, aliases=("Türk Uzay",)),), ())
    tally = replay_summary(store, LIVE, edited, NOW - timedelta(days=7))
    assert tally == Tally(articles=3, new=1, stop=0, changed=1)
    assert replay_summary(store, LIVE, edited, NOW + timedelta(days=1)) == Tally()


async def test_log_replay_logs_one_line_and_never_raises(store, caplog):
    caplog.set_level(logging.INFO)
    stored(store, "Türk Uzay uydu tanıttı", "", 1)
    stored(store, "Türk Uzay geçen hafta", "", 2, NOW - timedelta(days=8))  # past the window
    edited = Watchlists((replace(TUSAS, aliases=("Türk Uzay",)), ERKENEZ), ())
    await log_replay(store, LIVE, edited, NOW)
    assert "watchlist_replay new=1 stop=0 changed=0 articles=1" in caplog.text
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
    await log_replay(store, LIVE, edited, NOW)
    failed = [r for r in caplog.records if r.getMessage() == "watchlist_replay_failed"]
    assert len(failed) == 1 and failed[0].levelno == logging.WARNING and failed[0].exc_info
