"""Bot commands end to end: BotCommands polls the fake Bot API over real sockets."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.models import Article, Entry, FeedSource, Match
from monitor.store.database import Store
from monitor.store.feeds import PollRecord
from monitor.telegram.commands import BotCommands
from tests.servers.fakebot import FakeBotAPI, SentMessage

TOKEN = "123456:TEST-secret-token"
CHAT = "-1001234567890"  # the alert channel (TELEGRAM_CHAT_ID)
ROUTED = "-4242"  # a group a watchlist entry routes to
STAFF = 5550001  # a user listed in command_users


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    # Short long polls: a poll cut by stop() is over on the fake's side soon after, so
    # the fake stops without pending handlers.
    with FakeBotAPI(token=TOKEN, long_poll_cap=0.2) as bot:
        yield bot


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    now = datetime.now(UTC)
    store.sync_feeds([FeedSource("https://a.example/rss", "Ajans", 300),
                      FeedSource("https://b.example/rss", "Bozuk Kaynak", 300)], now)
    feed_a, feed_b = (f.id for f in store.claim_due_feeds(now, timedelta(minutes=5), every=True))
    store.record_poll(feed_a, PollRecord(200, None, True, now), now)
    store.record_poll(feed_b, PollRecord(503, "HTTP 503", False, now), now)
    for n, title in enumerate(["TUSAŞ & <KM> ortaklığı", "Erkenez OSB'de yeni fabrika"]):
        url = f"https://news.example/{n}"
        m = Match("tusas", "TUSAŞ", "TUSAŞ", "TUSAŞ", 100.0, "title", 0, 5, title, 0, 5)
        store.record_entry(feed_a, Entry(str(n), url, url, title, "", now), now,
                           article=Article(url, title, "metin", now), outlet="Hürriyet",
                           found=[m], routes={CHAT: ["tusas"]})
    yield store
    store.close()


@pytest.fixture
async def commands(api: FakeBotAPI, store: Store) -> AsyncIterator[BotCommands]:
    bot = BotCommands(token=TOKEN, api_url=api.url, store=store,
                      allowed_chats={CHAT, ROUTED}, allowed_users={str(STAFF)})
    await bot.start()
    await asyncio.wait_for(bot.ready.wait(), 10)
    yield bot
    await bot.stop()
    await asyncio.sleep(0.3)


async def reply_in(api: FakeBotAPI, chat: str | int, after: int = 0,
                   timeout: float = 5.0) -> SentMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in api.messages[after:] if m.chat_id == str(chat)]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no reply in chat {chat}")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/son", ["🕘 <b>Son eşleşmeler</b>", "TUSAŞ &amp; &lt;KM&gt; ortaklığı",
                  "<b>TUSAŞ</b>"]),
        ("/bugun", ["📅 <b>Bugün</b>", "<b>TUSAŞ</b> (2)"]),
        ("/durum", ["Kaynaklar: 1 çalışıyor · 1 hatalı · 0 devre dışı",
                    "• <b>Bozuk Kaynak</b>: HTTP 503", "Gönderim kuyruğu: 2 bekliyor"]),
        ("/ara tusas", ["🔎 <b>tusas</b>: son 2 sonuç"]),
        ("/ara erkenez osb", ["Erkenez OSB'de yeni fabrika"]),
        ("/ara", ["Kullanım: /ara"]),
        ("/yardim", ["<b>Komutlar</b>", "/bugun"]),
        ("/start", ["<b>Komutlar</b>"]),
        ("/help@fake_bot", ["<b>Komutlar</b>"]),
    ],
)
async def test_each_command_is_answered_in_the_alert_channel(api, commands, command, expected):
    api.push_message(CHAT, command)
    message = await reply_in(api, CHAT)
    assert message.parse_mode == "HTML"  # accepted as HTML, not the plain-text fallback
    for text in expected:
        assert text in message.text


async def test_an_unknown_command_is_answered_with_the_list_of_commands(api, commands):
    api.push_message(999, "/merhaba", user_id=999)  # a stranger: still no answer
    api.push_message(CHAT, "/son@other_bot")  # another bot's command: not ours to answer
    api.push_message(CHAT, "/merhaba")
    message = await reply_in(api, CHAT)
    assert message.text.startswith("/merhaba diye bir komut yok.")
    assert "<b>Komutlar</b>" in message.text and "/bugun" in message.text
    api.push_message(ROUTED, "/rapor@fake_bot extra words", user_id=777)
    assert "/rapor diye bir komut yok." in (await reply_in(api, ROUTED)).text
    assert [m.chat_id for m in api.messages] == [CHAT, ROUTED]


async def test_routed_group_chat_is_answered(api, commands):
    api.push_message(ROUTED, "/son", user_id=777)
    assert "TUSAŞ" in (await reply_in(api, ROUTED)).text


async def test_an_allowed_user_gets_answers_in_a_private_chat(api, commands):
    api.push_message(STAFF, "/durum", user_id=STAFF)
    assert "Kaynaklar:" in (await reply_in(api, STAFF)).text


async def test_other_chats_and_users_get_no_answer(api, commands, caplog):
    caplog.set_level(logging.INFO, logger="monitor.telegram.commands")
    api.push_message("-100999", "/son", user_id=777)  # a channel not listed
    api.push_message("-555", "/durum", user_id=888)  # a group not listed, a user not listed
    api.push_message(999, "/yardim", user_id=999)  # a private chat of a stranger
    api.push_message(CHAT, "/yardim")  # answered after the three above were handled
    await reply_in(api, CHAT)
    assert [m.chat_id for m in api.messages] == [CHAT]
    refused = [r.getMessage() for r in caplog.records if "command_refused" in r.getMessage()]
    assert refused == ["command_refused chat=-100999 user=777",
                       "command_refused chat=-555 user=888",
                       "command_refused chat=999 user=999"]


async def test_allow_lists_can_change_while_running(api, commands):
    commands.set_allowed(chats={CHAT, "-777"})
    api.push_message("-777", "/yardim", user_id=1)
    assert "Komutlar" in (await reply_in(api, "-777")).text


async def test_commands_sent_while_the_worker_was_down_are_skipped(api, commands):
    old = int(time.time()) - 3600
    api.push_update({"message": {"message_id": 1, "date": old, "text": "/son",
                                 "chat": {"id": int(ROUTED), "type": "group", "title": "G"},
                                 "from": {"id": 1, "is_bot": False, "first_name": "E"},
                                 "entities": [{"type": "bot_command", "offset": 0,
                                               "length": 4}]}})
    api.push_message(CHAT, "/yardim")
    await reply_in(api, CHAT)
    assert [m.chat_id for m in api.messages] == [CHAT]


async def test_a_slow_query_does_not_block_the_event_loop(api, commands, store):
    real = store.feed_health

    def slow_feed_health():  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        return real()

    store.feed_health = slow_feed_health  # type: ignore[method-assign]
    api.push_message(CHAT, "/durum")
    worst, started = 0.0, time.monotonic()
    while not api.messages:
        tick = time.monotonic()
        await asyncio.sleep(0.02)
        worst = max(worst, time.monotonic() - tick)
        assert time.monotonic() - started < 5
    assert time.monotonic() - started >= 1.0
    assert worst < 0.3


async def test_stop_is_quick_while_a_long_poll_is_open(api, store):
    bot = BotCommands(token=TOKEN, api_url=api.url, store=store, allowed_chats={CHAT})
    api.long_poll_cap = 30.0  # the fake answers getUpdates only after 30 s
    await bot.start()
    await asyncio.wait_for(bot.ready.wait(), 10)
    await asyncio.sleep(0.3)  # the long poll is open now
    started = time.monotonic()
    await bot.stop()
    assert time.monotonic() - started < 2.0
    api.push_message(ROUTED, "hello")  # ends the fake's side of the cut poll
    await asyncio.sleep(0.2)


async def test_an_unreachable_api_neither_fails_the_start_nor_delays_the_stop(store, caplog):
    caplog.set_level(logging.WARNING, logger="monitor.telegram.commands")
    bot = BotCommands(token=TOKEN, api_url="http://127.0.0.1:9", store=store,
                      allowed_chats={CHAT})
    await bot.start()
    await asyncio.sleep(0.5)
    assert not bot.ready.is_set()
    started = time.monotonic()
    await bot.stop()
    assert time.monotonic() - started < 2.0
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "bot_commands_unavailable" in logged and TOKEN not in logged


async def test_a_failing_command_is_logged_and_the_next_one_answered(api, commands, store,
                                                                     caplog):
    caplog.set_level(logging.INFO, logger="monitor.telegram.commands")

    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("database is locked")

    store.feed_health = broken  # type: ignore[method-assign]
    api.push_message(CHAT, "/durum")
    api.push_message(CHAT, "/son")
    assert "Son eşleşmeler" in (await reply_in(api, CHAT)).text
    assert len(api.messages) == 1
    assert any("command_failed" in r.getMessage() and "database is locked" in r.getMessage()
               for r in caplog.records)
