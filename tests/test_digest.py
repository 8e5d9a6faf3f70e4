"""The daily digest: local-day counts, top stories, escaping, Telegram limits, the chart."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from monitor.errors import DeliveryError
from monitor.messages.chart import render_chart
from monitor.messages.digest import (
    Digest,
    digest_messages,
    long_date,
    render_digest_html,
    render_digest_text,
    short_date,
)
from monitor.messages.markup import utf16_len
from monitor.models import Article, Entry, FeedSource, Match
from monitor.reports.digest import build_digest
from monitor.store.database import Store
from monitor.store.schema import articles
from monitor.telegram import digest as sending
from monitor.telegram.console import ConsoleSender
from monitor.telegram.digest import send_digest
from monitor.telegram.sender import TelegramSender
from tests.servers.fakebot import FakeBotAPI, check_html

TZ = "Europe/Istanbul"  # UTC+3 all year
TOKEN = "123456:TEST-digest-token"
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
        self.feed_id = store.claim_due_feeds(start, timedelta(minutes=5), every=True)[0].id

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


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/m.db")
    yield store
    store.close()


@pytest.fixture
def rec(store):
    return Recorder(store)


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
    assert digest.articles == 2 and digest.mentions == 3
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
    assert digest.stories[1].copies == 2  # copies count in the totals, listed once
    assert counts(digest)["tusas"] == 5
    assert "+2 kaynak daha" in render_digest_html(digest)


def test_an_empty_day_says_so(store):
    digest = build_digest(store.engine, DAY, TZ)
    assert digest.counts == () and digest.stories == ()
    assert "Bu gün için eşleşme yok." in render_digest_html(digest)
    assert digest_messages(digest)[1] is None
    assert Image.open(io.BytesIO(render_chart(digest))).size == (1200, 700)


# --- text -------------------------------------------------------------------------------


def test_web_text_is_escaped(store, rec):
    rec.add(utc(DAY, 8), ["tusas"], title='<b>TUSAŞ</b> & "ortakları" <script>x</script>',
            outlet="A&B <Haber>", url='https://news.example/a?x=1&y="2"')
    text = render_digest_html(build_digest(store.engine, DAY, TZ,
                                           entries={"tusas": "TUSAŞ <&>"}))
    check_html(text)  # what Telegram accepts
    assert "&lt;b&gt;TUSAŞ&lt;/b&gt; &amp; \"ortakları\" &lt;script&gt;" in text
    assert "A&amp;B &lt;Haber&gt;" in text and "TUSAŞ &lt;&amp;&gt;" in text
    assert 'href="https://news.example/a?x=1&amp;y=&quot;2&quot;"' in text
    assert set(re.findall(r"</?([a-z]+)", text)) <= {"a", "b", "i"}
    plain = render_digest_text(build_digest(store.engine, DAY, TZ))
    assert '<b>TUSAŞ</b> & "ortakları"' in plain


def test_english_digest(store, rec):
    rec.add(utc(DAY, 8), ["tusas"])
    text = render_digest_html(build_digest(store.engine, DAY, TZ, lang="en"))
    assert "Daily digest: 28 November 2026" in text and "Top stories" in text


def test_a_short_digest_is_the_caption(store, rec):
    rec.add(utc(DAY, 8), ["tusas"], title="TUSAŞ'tan yeni yatırım")
    digest = build_digest(store.engine, DAY, TZ)
    caption, follow_up = digest_messages(digest)
    assert follow_up is None and caption == render_digest_html(digest)
    assert "28 Kasım 2026" in caption and "TUSAŞ" in caption


def test_a_long_digest_gets_a_short_caption_and_a_message_within_limits(store, rec):
    long_title = "Kahramanmaraş'ta 🏭 sanayi " * 30  # astral characters count twice
    for i in range(40):
        entries = [f"giris-{i}-{'x' * 60}", "tusas"]
        rec.add(utc(DAY, 6, i), entries, title=f"{i} {long_title}",
                url=f"https://news.example/{i}/{'p' * 1500}")
    digest = build_digest(store.engine, DAY, TZ, top=10)
    caption, follow_up = digest_messages(digest)
    assert utf16_len(caption) <= 1024 and follow_up is not None
    assert utf16_len(follow_up) <= 4096
    assert "Günlük özet" in caption and "Ayrıntılar aşağıda." in caption
    check_html(caption)
    check_html(follow_up)
    assert "Öne çıkan haberler" in follow_up  # stories are kept, links dropped first


# --- the chart --------------------------------------------------------------------------


def test_the_chart_is_a_1200x700_png_and_deterministic(store, rec):
    for back in range(16):
        for i, entry in enumerate(NAMES):
            for k in range((back + i) % 3):
                rec.add(utc(DAY - timedelta(days=back), 6 + k), [entry])
    digest = build_digest(store.engine, DAY, TZ)
    png = render_chart(digest)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 700)
    assert render_chart(build_digest(store.engine, DAY, TZ)) == png
    assert b"Software" not in png and b"matplotlib" not in png.lower()


def test_dates_are_turkish():
    assert short_date(DAY) == "28 Kas"
    assert short_date(date(2026, 8, 3)) == "3 Ağu"
    assert long_date(date(2026, 2, 1)) == "1 Şubat 2026"


# --- sending ----------------------------------------------------------------------------


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []

    async def sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(sending, "_sleep", sleep)
    return slept


@pytest.fixture
def api():
    with FakeBotAPI(token=TOKEN) as server:
        yield server


async def send(api, digest: Digest) -> None:
    async with TelegramSender(TOKEN, base_url=api.url) as sender:
        await send_digest(sender, "-100123", digest, png=render_chart(digest))


async def test_send_digest_sends_the_chart_then_the_text(store, rec, no_sleep, api):
    for i in range(8):
        rec.add(utc(DAY, 6 + i), ["tusas"], title=f"{i} " + "uzun başlık " * 20)
    digest = build_digest(store.engine, DAY, TZ)
    await send(api, digest)
    photo, message = api.messages
    assert photo.method == "sendPhoto" and message.method == "sendMessage"
    assert photo.chat_id == "-100123" and photo.parse_mode == "HTML"
    assert Image.open(io.BytesIO(photo.photo)).size == (1200, 700)
    assert message.text == render_digest_html(digest)
    assert message.link_preview_options == {"is_disabled": True}
    assert no_sleep == [sending.PER_CHAT_GAP_S]


async def test_send_digest_honours_retry_after_and_maps_errors(store, rec, no_sleep, api):
    rec.add(utc(DAY, 8), ["tusas"])
    digest = build_digest(store.engine, DAY, TZ)
    api.throttle_next(1, retry_after=3)
    await send(api, digest)
    assert [r.method for r in api.requests if r.method == "sendPhoto"] == ["sendPhoto"] * 2
    assert no_sleep == [3.0]

    api.set_chat_error("-100123")
    with pytest.raises(DeliveryError) as failed:
        await send(api, digest)
    assert failed.value.permanent and "sendPhoto" in str(failed.value)


async def test_console_digest_writes_the_png_and_prints(store, rec, tmp_path):
    rec.add(utc(DAY, 8), ["tusas"], title="Başlık <1>")
    stream = io.StringIO()
    digest = build_digest(store.engine, DAY, TZ)
    await send_digest(ConsoleSender(stream, photo_dir=tmp_path / "data"), "console", digest,
                      png=render_chart(digest))
    path = tmp_path / "data" / "digest-2026-11-28.png"
    assert Image.open(path).size == (1200, 700)
    assert "Başlık <1>" in stream.getvalue() and str(path) in stream.getvalue()


def test_watchlist_entries_without_mentions_stay_off_the_chart(store, rec):
    rec.add(utc(DAY - timedelta(days=2), 8), ["tusas"])
    digest = build_digest(store.engine, DAY, TZ, entries=NAMES)
    assert [s.entry_id for s in digest.series] == ["tusas"]
    assert counts(digest) == dict.fromkeys(NAMES, 0)
