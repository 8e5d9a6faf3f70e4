"""`monitor history`: past matches with article metadata, as a table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from monitor.reports.history import (
    FIELDS,
    history_rows,
    recorded_entry_ids,
    to_csv,
    to_json,
    to_table,
)
from monitor.store.database import Store
from tests.records import DAY, TZ, Recorder, utc


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    rec = Recorder(store)
    rec.add(utc(DAY - timedelta(days=3), 10), ["tusas"], title="Eski haber", outlet="A")
    rec.add(utc(DAY - timedelta(days=1), 22, 30), ["tusas", "km-havacilik"],
            title="Gece yarısı: TUSAŞ & KM Havacılık", outlet="Çukurova <Haber>",
            published=utc(DAY - timedelta(days=1), 21, 0))
    rec.add(utc(DAY, 9), ["erkenez-osb"], title="Erkenez OSB'de şıklık", outlet="B")
    yield store
    store.close()


def test_rows_are_in_order_with_local_times(store):
    rows = history_rows(store.engine, TZ)
    assert [(r.entry_id, r.matched_at) for r in rows] == [
        ("tusas", "2026-11-25T13:00:00+03:00"),
        ("tusas", "2026-11-28T01:30:00+03:00"),
        ("km-havacilik", "2026-11-28T01:30:00+03:00"),
        ("erkenez-osb", "2026-11-28T12:00:00+03:00"),
    ]
    night = rows[1]
    assert night.entry_name == "TUSAŞ" and night.outlet == "Çukurova <Haber>"
    assert night.published == "2026-11-28T00:00:00+03:00"
    assert night.score == 100.0 and night.kind == "exact" and night.url.startswith("https://")


def test_filters_by_entry_and_local_since(store):
    assert [r.title for r in history_rows(store.engine, TZ, entry_id="tusas")] == [
        "Eski haber", "Gece yarısı: TUSAŞ & KM Havacılık"]
    since = history_rows(store.engine, TZ, since=DAY)  # 22:30 UTC on the 27th is the 28th
    assert [r.entry_id for r in since] == ["tusas", "km-havacilik", "erkenez-osb"]
    assert history_rows(store.engine, TZ, since=date(2026, 11, 29)) == []
    assert history_rows(store.engine, TZ, entry_id="nope") == []
    assert recorded_entry_ids(store.engine) == {"tusas", "km-havacilik", "erkenez-osb"}


def test_json_keeps_turkish_letters(store):
    text = to_json(history_rows(store.engine, TZ))
    assert "Erkenez OSB'de şıklık" in text  # not \u015f
    data = json.loads(text)
    assert isinstance(data, list) and len(data) == 4 and list(data[0]) == list(FIELDS)
    assert json.loads(to_json([])) == []


def test_csv_has_a_bom_and_a_header(store):
    text = to_csv(history_rows(store.engine, TZ))
    assert text.startswith("\ufeffmatched_at,entry_id,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 4 and rows[1]["title"] == "Gece yarısı: TUSAŞ & KM Havacılık"
    assert rows[0]["published"] and rows[3]["entry_name"] == "Erkenez OSB"
    assert to_csv([], bom=False) == ",".join(FIELDS) + "\r\n"


def test_table_is_readable(store):
    lines = to_table(history_rows(store.engine, TZ))
    assert lines[0].startswith("MATCHED AT")
    assert any("2026-11-28 01:30" in line and "Gece yarısı" in line for line in lines)
    assert lines[-1] == "4 matches in 3 stories"
    assert to_table([]) == ["no matches"]


def test_copies_share_their_story_and_are_counted_apart(store):
    rec = Recorder(store)
    lead = rec.add(utc(DAY, 10), ["tusas"], title="TUSAŞ haberi", outlet="A")
    rec.add(utc(DAY, 11), ["tusas"], title="TUSAŞ haberi (kopya)", outlet="B", story_of=lead)
    rows = history_rows(store.engine, TZ, since=DAY)
    assert [r.story for r in rows][-2:] == [lead, lead]
    assert json.loads(to_json(rows))[-1]["story"] == lead
    assert list(csv.DictReader(io.StringIO(to_csv(rows, bom=False))))[-1]["story"] == str(lead)
    assert to_table(rows)[-1] == (
        "5 matches in 3 stories (1 copy from other outlets not counted again)")
