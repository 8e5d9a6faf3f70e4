"""The daily digest read from the database: local-day counts, top stories, the series."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from monitor.messages.chart import render_chart
from monitor.messages.digest import digest_messages, render_digest_html
from monitor.reports.digest import build_digest
from monitor.reports.recent import reply_bugun
from tests.records import DAY, NAMES, TZ, utc


def counts(digest) -> dict[str, int]:
    return {c.entry_id: c.count for c in digest.counts}


# --- counting ---------------------------------------------------------------------------


def test_the_day_is_the_local_day_in_istanbul(store, rec):
    rec.add(utc(DAY - timedelta(days=1), 20, 59), ["tusas"])  # 23:59 on the 27th: before
    rec.add(utc(DAY - timedelta(days=1), 22, 30), ["tusas"])  # 01:30 on the 28th
    rec.add(utc(DAY, 20, 59), ["tusas", "erkenez-osb"])  # 23:59 on the 28th
    rec.add(utc(DAY, 21, 0), ["tusas"])  # 00:00 on the 29th: after

    digest = build_digest(store.engine, DAY, TZ)

    assert counts(digest) == {"tusas": 2, "erkenez-osb": 1}
    assert digest.story_count == 2 and digest.copies == 0
    assert build_digest(store.engine, DAY, "UTC").counts[0].count == 2  # 22:30 and 20:59 UTC


def test_counts_are_sorted_and_name_watchlist_entries_without_mentions(store, rec):
    for hour in (6, 7, 8):
        rec.add(utc(DAY, hour), ["km-havacilik"])
    rec.add(utc(DAY, 9), ["tusas", "km-havacilik"])
    entries = {"tusas": "TUSAŞ (güncel)", "km-havacilik": "KM Havacılık",
               "erkenez-osb": "Erkenez OSB"}

    digest = build_digest(store.engine, DAY, TZ, entries=entries)

    assert [(c.entry_id, c.name, c.count) for c in digest.counts] == [
        ("km-havacilik", "KM Havacılık", 4),
        ("tusas", "TUSAŞ (güncel)", 1),
        ("erkenez-osb", "Erkenez OSB", 0),
    ]
    assert "Erkenez OSB: <b>0</b>" in render_digest_html(digest)


def test_the_series_covers_fourteen_days_ending_with_the_day(store, rec):
    for back in range(20):  # day N back gets N % 4 tusas articles, km only on even days
        for i in range(back % 4):
            rec.add(utc(DAY - timedelta(days=back), 8 + i), ["tusas"])
        if back % 2 == 0:
            rec.add(utc(DAY - timedelta(days=back), 12), ["km-havacilik"])
    rec.add(utc(DAY + timedelta(days=1), 8), ["tusas"])  # after the day: never counted

    digest = build_digest(store.engine, DAY, TZ)

    assert len(digest.days) == 14
    assert digest.days[0] == date(2026, 11, 15) and digest.days[-1] == DAY
    by_id = {s.entry_id: s for s in digest.series}
    assert [s.entry_id for s in digest.series] == ["tusas", "km-havacilik"]  # busiest first
    assert by_id["tusas"].counts == tuple((13 - i) % 4 for i in range(14))
    assert by_id["km-havacilik"].counts == tuple(int((13 - i) % 2 == 0) for i in range(14))
    assert counts(digest) == {"km-havacilik": 1}  # 0 tusas articles on the day itself


def test_many_entries_fold_into_others_on_the_chart(store, rec):
    for i in range(10):
        for _ in range(10 - i):
            rec.add(utc(DAY, 6 + i), [f"entry-{i}"])
    digest = build_digest(store.engine, DAY, TZ, max_series=4)
    assert [s.entry_id for s in digest.series] == ["entry-0", "entry-1", "entry-2", ""]
    assert digest.series[-1].name == "Diğer"
    assert digest.series[-1].counts[-1] == sum(range(1, 8))
    assert len(digest.counts) == 10  # the text still names every entry


def test_top_stories_most_entries_first_then_newest(store, rec):
    old_one = rec.add(utc(DAY, 5), ["tusas"], title="tek eski")
    two = rec.add(utc(DAY, 6), ["tusas", "km-havacilik"], title="iki")
    new_one = rec.add(utc(DAY, 9), ["erkenez-osb"], title="tek yeni")
    three = rec.add(utc(DAY, 4), ["tusas", "km-havacilik", "erkenez-osb"], title="üç")
    rec.add(utc(DAY, 10), ["tusas", "km-havacilik"], title="kopya", story_of=two)
    rec.add(utc(DAY, 11), ["tusas", "km-havacilik"], title="kopya 2", story_of=two)
    rec.add(utc(DAY - timedelta(days=1), 10), ["tusas"] * 1, title="dünkü")

    digest = build_digest(store.engine, DAY, TZ, top=4)

    assert [s.article_id for s in digest.stories] == [three, two, new_one, old_one]
    assert digest.stories[0].entries == ("TUSAŞ", "KM Havacılık", "Erkenez OSB")
    assert digest.stories[1].copies == 2  # a story counts once, its copies apart
    assert counts(digest)["tusas"] == 3 and digest.story_count == 4 and digest.copies == 2
    text = render_digest_html(digest)
    assert "+2 kaynak daha" in text
    assert ("4 haber · 3 takip edilen · aynı haberin başka kaynaklardaki 2 kopyası ayrıca "
            "sayılmadı") in text


def test_the_digest_and_bugun_give_the_same_counts_for_a_day(store, rec):
    lead = rec.add(utc(DAY, 6), ["mustafa-buluntu", "tusas"], title="Buluntu TUSAŞ'ta")
    for hour in (7, 8, 9):
        rec.add(utc(DAY, hour), ["mustafa-buluntu", "tusas"], title=f"kopya {hour}",
                outlet=f"Gazete {hour}", story_of=lead)
    for hour in (10, 11):
        rec.add(utc(DAY, hour), ["mustafa-buluntu"], title=f"Buluntu {hour}")
    rec.add(utc(DAY, 12), ["km-havacilik"], title="KM")
    rec.add(utc(DAY, 13), ["km-havacilik"], title="KM kopya", story_of=lead + 6)

    digest = build_digest(store.engine, DAY, TZ, entries=NAMES)
    bugun = reply_bugun(store.engine, now=utc(DAY, 18), tz=TZ)

    assert counts(digest) == {"mustafa-buluntu": 3, "tusas": 1, "km-havacilik": 1,
                              "erkenez-osb": 0}
    for entry_id, name in NAMES.items():
        if counts(digest)[entry_id]:
            assert f"<b>{name}</b> ({counts(digest)[entry_id]})" in bugun
            assert f"{name}: <b>{counts(digest)[entry_id]}</b>" in render_digest_html(digest)
    totals = ("4 haber · 3 takip edilen · aynı haberin başka kaynaklardaki 4 kopyası ayrıca "
              "sayılmadı")
    assert totals in bugun and totals in render_digest_html(digest)


def test_an_empty_day_says_so(store):
    digest = build_digest(store.engine, DAY, TZ)
    assert digest.counts == () and digest.stories == ()
    assert "Bu gün için eşleşme yok." in render_digest_html(digest)
    assert digest_messages(digest)[1] is None
    assert Image.open(io.BytesIO(render_chart(digest))).size == (1200, 700)


# --- text -------------------------------------------------------------------------------


# --- the chart --------------------------------------------------------------------------


# --- sending ----------------------------------------------------------------------------


def test_watchlist_entries_without_mentions_stay_off_the_chart(store, rec):
    rec.add(utc(DAY - timedelta(days=2), 8), ["tusas"])
    digest = build_digest(store.engine, DAY, TZ, entries=NAMES)
    assert [s.entry_id for s in digest.series] == ["tusas"]
    assert counts(digest) == dict.fromkeys(NAMES, 0)
