"""The bot commands' reply builders over a real (temporary) SQLite store; no Telegram."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from monitor.messages.markup import MAX_UNITS, utf16_len
from monitor.models import Article, Entry, FeedSource, Match
from monitor.reports.recent import reply_ara, reply_bugun, reply_durum, reply_son
from monitor.store.database import Store
from monitor.store.feeds import PollRecord
from monitor.store.schema import articles
from monitor.telegram.workers import STALE
from tests.servers.fakebot import check_html

NOW = datetime(2026, 11, 28, 11, 5, tzinfo=UTC)  # 14:05 in Istanbul
TUSAS = ("tusas", "TUSAŞ")
KM = ("km-havacilik", "KM Havacılık")


@pytest.fixture
def feed(store) -> int:
    store.sync_feeds([FeedSource("https://a.example/rss", "A", 300)], NOW)
    return store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)[0].id


_keys = iter(range(1_000_000))


def add(store: Store, feed_id: int, title: str, *entries: tuple[str, str],
        when: datetime = NOW, outlet: str = "Hürriyet", url: str | None = None,
        snippet: str = "Dün TUSAŞ ile görüşüldü", matched: str = "TUSAŞ",
        story_of: int | None = None, chat: str = "-100") -> int:
    """Record one matched article (at `when`); returns its article id."""
    key = f"e{next(_keys)}"
    url = url or f"https://news.example/{key}"
    entry = Entry(key, url, url, title, "summary", when)
    found = [Match(eid, name, name, matched, 100.0, "body", 0, len(matched), snippet, 4,
                   4 + len(matched)) for eid, name in (entries or (TUSAS,))]
    store.record_entry(feed_id, entry, when, article=Article(url, title, "body", when),
                       outlet=outlet, found=found, story_of=story_of,
                       routes={chat: [m.entry_id for m in found]})
    with store.engine.connect() as conn:
        return conn.execute(select(func.max(articles.c.id))).scalar_one()


def valid(message: str) -> str:
    check_html(message)
    assert utf16_len(message) <= MAX_UNITS
    return message


# --- /son ---------------------------------------------------------------------------------


def test_son_without_matches(store):
    assert reply_son(store.engine) == "Henüz eşleşme yok."


def test_son_lists_newest_first_with_names_link_outlet_and_turkish_time(store, feed):
    add(store, feed, "Eski haber", TUSAS, when=NOW - timedelta(hours=1))
    add(store, feed, "Yeni haber", TUSAS, KM, url="https://news.example/yeni?a=1&b=2",
        outlet="Dünya")
    message = valid(reply_son(store.engine))
    assert message.index("Yeni haber") < message.index("Eski haber")
    assert "1. <b>TUSAŞ</b> · <b>KM Havacılık</b>" in message
    assert '<a href="https://news.example/yeni?a=1&amp;b=2">Yeni haber</a>' in message
    assert "📰 Dünya · 28 Kasım 2026 14:05" in message
    assert "28 Kasım 2026 13:05" in message


def test_son_in_english(store, feed):
    add(store, feed, "Haber", TUSAS)
    message = valid(reply_son(store.engine, lang="en"))
    assert message.startswith("🕘 <b>Latest matches</b>")
    assert "28 November 2026 14:05" in message


def test_son_escapes_web_text(store, feed):
    add(store, feed, "TUSAŞ & <KM> \"yeni\" <b>anlaşma</b>", TUSAS, outlet="A&B <Haber>",
        url='https://x.example/?q="><script>')
    message = valid(reply_son(store.engine))
    assert "TUSAŞ &amp; &lt;KM&gt;" in message and "&lt;b&gt;anlaşma&lt;/b&gt;" in message
    assert "A&amp;B &lt;Haber&gt;" in message
    assert "<script>" not in message


def test_son_shows_ten_and_counts_copies_instead_of_listing_them(store, feed):
    first = add(store, feed, "Haber 0", TUSAS)
    for n in range(1, 15):
        add(store, feed, f"Haber {n}", TUSAS)
    add(store, feed, "Kopya", TUSAS, outlet="Sabah", story_of=first)
    message = valid(reply_son(store.engine))
    assert message.startswith("🕘 <b>Son eşleşmeler</b>\n\n1. ")
    assert "Haber 14" in message and "Haber 5" in message
    assert "Haber 4<" not in message and "Kopya" not in message
    assert re.findall(r"^(\d+)\. ", message, re.M) == [str(n) for n in range(1, 11)]
    message = valid(reply_son(store.engine, limit=20))
    assert "Haber 0</a>\n📰 Hürriyet · 28 Kasım 2026 14:05 · 🔁 +1 kaynak" in message


def test_son_stays_within_the_limit_with_long_titles_and_many_names(store, feed):
    names = [(f"e{i}", f"Kayıt {i} 🏭" * 3) for i in range(12)]
    for n in range(10):
        add(store, feed, f"{n} " + "Çok uzun başlık 🚀 & <> " * 40, *names,
            url=f"https://x.example/{n}" + "a" * 900, outlet="Ajans & 🚀" * 20)
    message = valid(reply_son(store.engine))
    assert "tane daha sığmadı" in message
    # headlines lose their (huge) links when that lets more of the list fit
    assert "<a href=" not in message and len(re.findall(r"^\d+\. ", message, re.M)) >= 5


def test_son_keeps_links_when_the_list_fits(store, feed):
    for n in range(10):
        add(store, feed, f"Haber {n} " + "başlık " * 15, TUSAS, KM,
            url=f"https://www.hurriyet.com.tr/ekonomi/{n}-" + "kelime-" * 12)
    message = valid(reply_son(store.engine))
    assert message.count("<a href=") == 10 and "sığmadı" not in message


# --- /bugun -------------------------------------------------------------------------------


def test_bugun_groups_todays_matches_by_entry_on_the_local_day(store, feed):
    midnight = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 00:00 on the 28th in Istanbul
    add(store, feed, "Dün akşam", TUSAS, when=midnight - timedelta(minutes=30))
    add(store, feed, "Gece yarısından sonra", TUSAS, when=midnight + timedelta(minutes=30))
    add(store, feed, "Öğlen", TUSAS, KM, when=NOW)
    message = valid(reply_bugun(store.engine, now=NOW))
    assert message.startswith("📅 <b>Bugün</b> (28 Kasım 2026): 2 haber · 2 takip edilen\n")
    assert "Dün akşam" not in message
    tusas, km = message.index("<b>TUSAŞ</b> (2)"), message.index("<b>KM Havacılık</b> (1)")
    assert tusas < km
    assert message.index("Öğlen") < message.index("Gece yarısından sonra")
    assert "(Hürriyet · 00:30)" in message


def test_bugun_counts_a_story_once_and_says_how_many_copies(store, feed):
    yesterday = add(store, feed, "Dünkü haber", TUSAS, when=NOW - timedelta(days=1))
    add(store, feed, "Dünkü haberin kopyası", TUSAS, outlet="Sözcü", story_of=yesterday)
    lead = add(store, feed, "Bugünkü haber", TUSAS, KM, when=NOW - timedelta(hours=1))
    for outlet in ("Sabah", "Milliyet"):
        add(store, feed, "Bugünkü haberin kopyası", TUSAS, KM, outlet=outlet, story_of=lead)
    message = valid(reply_bugun(store.engine, now=NOW))
    assert message.startswith("📅 <b>Bugün</b> (28 Kasım 2026): 2 haber · 2 takip edilen · "
                              "aynı haberin başka kaynaklardaki 2 kopyası ayrıca sayılmadı\n")
    assert "<b>TUSAŞ</b> (2)" in message and "<b>KM Havacılık</b> (1)" in message
    assert "kopyası<" not in message  # each story is listed by its lead
    assert "Dünkü haber<" in message and "🔁 +2 kaynak" in message


def test_bugun_without_matches_today(store, feed):
    add(store, feed, "Dün", TUSAS, when=NOW - timedelta(days=1))
    assert reply_bugun(store.engine, now=NOW) == "📅 Bugün (28 Kasım 2026) henüz eşleşme yok."
    assert "No matches today" in reply_bugun(store.engine, now=NOW, lang="en")


def test_bugun_caps_headlines_per_entry_and_the_message(store, feed):
    for e in range(25):
        for n in range(7):
            add(store, feed, f"Başlık {e}-{n} " + "uzun & <metin> " * 10, (f"e{e}", f"Kayıt {e}"),
                when=NOW - timedelta(minutes=e * 7 + n))
    message = valid(reply_bugun(store.engine, now=NOW))
    assert "(7)" in message and "… ve 2 tane daha" in message
    assert "tane daha sığmadı" in message


# --- /durum -------------------------------------------------------------------------------


def test_durum_counts_feeds_lists_failures_and_the_outbox(store, feed):
    urls = [f"https://f{n}.example/rss" for n in range(3)]
    store.sync_feeds([FeedSource(u, f"Kaynak <{n}>", 300) for n, u in enumerate(urls)], NOW)
    feeds = {f.url: f.id for f in store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)}
    later = NOW + timedelta(minutes=5)
    store.record_poll(feeds[urls[0]], PollRecord(200, None, True, later), NOW)
    store.record_poll(feeds[urls[1]], PollRecord(503, "HTTP 503 <Service & co>", False, later),
                      NOW - timedelta(hours=2))
    store.record_poll(feeds[urls[2]], PollRecord(410, "HTTP 410", False, later, disable=True),
                      NOW)
    add(store, feed, "Bekleyen", TUSAS, when=NOW - timedelta(hours=2, minutes=5))
    alert = store.next_alerts(NOW)[0]
    store.mark_failed(alert.id, "Forbidden: bot was kicked <x> & y", later, permanent=True)
    message = valid(reply_durum(store.feed_health(), store.outbox_stats(), now=NOW))
    assert "Kaynaklar: 1 çalışıyor · 1 hatalı · 1 devre dışı" in message
    assert "• <b>Kaynak &lt;1&gt;</b>: HTTP 503 &lt;Service &amp; co&gt; · " \
           "28 Kasım 2026 12:05 tarihinden beri" in message
    assert "Son tarama: 28 Kasım 2026 14:05 (0 sn önce)" in message
    assert "Gönderim kuyruğu: 1 bekliyor · en eskisi 2 sa 5 dk önce" in message
    assert "Son gönderim hatası: Forbidden: bot was kicked &lt;x&gt; &amp; y" in message
    english = reply_durum(store.feed_health(), store.outbox_stats(), now=NOW, lang="en")
    assert "Feeds: 1 OK · 1 failing · 1 disabled" in english


def test_durum_lists_at_most_five_failing_feeds(store):
    urls = [f"https://f{n}.example/rss" for n in range(8)]
    store.sync_feeds([FeedSource(u, None, 300) for u in urls], NOW)
    for n, state in enumerate(store.claim_due_feeds(NOW, timedelta(minutes=5), every=True)):
        store.record_poll(state.id, PollRecord(None, f"timeout {n} " + "x" * 500, False, NOW),
                          NOW - timedelta(hours=n))
    message = valid(reply_durum(store.feed_health(), store.outbox_stats(), now=NOW))
    assert "0 çalışıyor · 8 hatalı" in message
    assert message.count("\n• ") == 5 and "… ve 3 tane daha" in message
    assert "https://f7.example/rss" in message  # the longest failing comes first
    assert "Gönderim kuyruğu: 0 bekliyor" in message


def test_durum_before_any_poll(store):
    message = reply_durum(store.feed_health(), store.outbox_stats(), now=NOW)
    assert "Son tarama: henüz yok" in message


def test_durum_lists_the_workers_alive_on_the_database(store, database_url):
    other = Store(database_url)  # a second worker on the same database
    try:
        store.worker_id, other.worker_id = "host-a:11:20261128T100000", "host<b>:22:x"
        store.heartbeat(NOW - timedelta(seconds=12), "3 feeds, 1 alerts, commands")
        other.heartbeat(NOW - timedelta(seconds=40), "0 feeds, 0 alerts")
        alive = store.workers_alive(NOW, STALE)
        message = valid(reply_durum(store.feed_health(), store.outbox_stats(), now=NOW,
                                    workers=alive))
        assert "\nÇalışan süreçler: 2\n" \
               "• <code>host-a:11:20261128T100000</code>: son sinyal 12 sn önce · " \
               "3 kaynak, 1 uyarı, komutlar\n" \
               "• <code>host&lt;b&gt;:22:x</code>: son sinyal 40 sn önce · " \
               "0 kaynak, 0 uyarı" in message
        english = valid(reply_durum(store.feed_health(), store.outbox_stats(), now=NOW,
                                    lang="en", workers=alive))
        assert "Workers alive: 2\n• <code>host-a:11:20261128T100000</code>: last heartbeat " \
               "12 s ago · 3 feeds, 1 alerts, commands" in english
        other.heartbeat(NOW - timedelta(seconds=91), "0 feeds, 0 alerts")  # now dead
        [(worker_id, _, _)] = store.workers_alive(NOW, STALE)
        assert worker_id == "host-a:11:20261128T100000"
    finally:
        other.close()


def test_durum_says_when_no_worker_reported(store):
    message = valid(reply_durum(store.feed_health(), store.outbox_stats(), now=NOW,
                                workers=store.workers_alive(NOW, STALE)))
    assert "Çalışan süreçler: son 90 sn içinde sinyal veren yok" in message
    assert "Çalışan" not in reply_durum(store.feed_health(), store.outbox_stats(), now=NOW)


# --- /ara ---------------------------------------------------------------------------------


def test_ara_without_a_word_explains_itself(store):
    assert reply_ara(store.engine, "") == "Kullanım: /ara &lt;kelime&gt; (örnek: /ara tusaş)"
    assert reply_ara(store.engine, " ... ").startswith("Kullanım")


@pytest.mark.parametrize("query", ["tusaş", "TUSAŞ", "tusas", "Tusaş'ın"])
def test_ara_folds_turkish_case_and_letters(store, feed, query):
    add(store, feed, "TUSAŞ'ın yeni tesisi açıldı", TUSAS)
    add(store, feed, "Başka bir haber", KM, snippet="KM Havacılık", matched="KM")
    message = valid(reply_ara(store.engine, query))
    assert "yeni tesisi" in message and "Başka bir haber" not in message


def test_ara_dotted_and_dotless_i(store, feed):
    add(store, feed, "İSTANBUL'da ILIK bir gün", TUSAS)
    for query in ("istanbul", "İstanbul", "ılık", "ilik", "ISTANBUL"):
        assert "ILIK bir gün" in reply_ara(store.engine, query), query


def test_ara_searches_matched_text_and_snippet_and_shows_the_snippet(store, feed):
    add(store, feed, "Başlıkta yok", KM, snippet="Kahramanmaraş OSB'de KM Havacılık & ortak",
        matched="KM Havacılık")
    message = valid(reply_ara(store.engine, "kahramanmaras"))
    assert "💬 Kahramanmaraş OSB'de KM Havacılık &amp; ortak" in message
    assert "Başlıkta yok" in valid(reply_ara(store.engine, "havacılık"))
    # words are matched from their start: a word's middle is not a hit
    assert "bulunamadı" in reply_ara(store.engine, "avacılık")


def test_ara_no_result_escapes_the_query(store, feed):
    add(store, feed, "Haber", TUSAS)
    message = valid(reply_ara(store.engine, "<yok> & x"))
    assert message == "🔎 <b>&lt;yok&gt; &amp; x</b> için eşleşme bulunamadı."


def test_ara_returns_the_newest_ten_once_each(store, feed):
    for n in range(15):
        add(store, feed, f"TUSAŞ haberi {n}", TUSAS, KM)
    add(store, feed, "En yeni ama ilgisiz", KM, snippet="başka", matched="KM")
    message = valid(reply_ara(store.engine, "tusaş"))
    assert message.startswith("🔎 <b>tusaş</b>: son 10 sonuç")
    assert "haberi 14" in message and "haberi 5<" in message and "haberi 4<" not in message
    assert message.count("<a href=") == 10
    assert "ilgisiz" not in message


def test_ara_groups_copies_like_son(store, feed):
    lead = add(store, feed, "TUSAŞ ile anlaşma", TUSAS)
    for outlet in ("Sabah", "Milliyet"):
        add(store, feed, "TUSAŞ ile anlaşma imzalandı", TUSAS, outlet=outlet, story_of=lead)
    add(store, feed, "TUSAŞ başka haber", TUSAS)
    found, latest = valid(reply_ara(store.engine, "tusaş")), valid(reply_son(store.engine))
    assert found.startswith("🔎 <b>tusaş</b>: son 2 sonuç")
    assert "imzalandı" not in found and found.count("🔁 +2 kaynak") == 1
    headlines = re.findall(r'">([^<]+)</a>', found)
    assert headlines == re.findall(r'">([^<]+)</a>', latest) == [
        "TUSAŞ başka haber", "TUSAŞ ile anlaşma"]


def test_ara_scans_back_in_chunks(store, feed, monkeypatch):
    import monitor.reports.recent as replies

    monkeypatch.setattr(replies, "SEARCH_CHUNK", 3)
    add(store, feed, "Eski TUSAŞ haberi", TUSAS)
    for n in range(10):
        add(store, feed, f"Diğer {n}", KM, snippet="başka", matched="KM")
    assert "Eski TUSAŞ haberi" in reply_ara(store.engine, "tusas")
    assert "bulunamadı" in reply_ara(store.engine, "tusas", scan_limit=5)


# --- /yardim and ids ----------------------------------------------------------------------
