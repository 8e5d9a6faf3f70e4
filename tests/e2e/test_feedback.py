"""Feedback buttons end to end: the outbox sends alerts with buttons to the fake Bot API,
BotCommands reads the presses over real sockets, `monitor feedback` counts them."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from monitor.messages.alerts import format_alert
from monitor.models import Alert, Article, Entry, FeedSource, Match
from monitor.store.database import Store
from monitor.store.outbox import announce_copy
from monitor.telegram.commands import BotCommands
from monitor.telegram.delivery import Outbox
from monitor.telegram.feedback import FeedbackKeys, alert_text
from monitor.telegram.sender import TelegramSender
from tests.e2e.conftest import run_cli, write_config
from tests.paths import ROOT
from tests.servers.fakebot import FakeBotAPI, SentMessage

TOKEN = "123456:TEST-secret-token"
CHAT = "-1001234567890"
STAFF = 5550001  # in command_users
STRANGER = 777
TUSAS = "TUSAŞ yöneticileri oda meclisine konuk oldu."
KM = "Şehre 30 km mesafedeki havacılık parkı KM Havacılık ile baharda açılacak."


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN, long_poll_cap=0.2) as bot:
        yield bot


def _match(entry_id: str, name: str, term: str, text: str) -> Match:
    start = text.index(term)
    return Match(entry_id, name, term, term, 100.0, "text", start, start + len(term), text,
                 0, len(text))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path}/monitor.db")
    now = datetime.now(UTC)
    store.sync_feeds([FeedSource("https://a.example/rss", "Ajans", 300)], now)
    (feed,) = (f.id for f in store.claim_due_feeds(now, timedelta(minutes=5), every=True))
    found = [_match("tusas", "TUSAŞ", "TUSAŞ", TUSAS),
             _match("km-havacilik", "KM Havacılık", "KM Havacılık", KM)]
    for n, match in enumerate(found):
        url = f"https://news.example/{n}"
        store.record_entry(feed, Entry(str(n), url, url, match.snippet, "", now), now,
                           article=Article(url, match.snippet, match.snippet, now),
                           outlet="Hürriyet", found=[match], routes={CHAT: [match.entry_id]})
    yield store
    store.close()


@pytest.fixture
async def alerts(api: FakeBotAPI, store: Store) -> AsyncIterator[list[SentMessage]]:
    """The two alerts, delivered through the real outbox and sender."""
    sender = TelegramSender(TOKEN, base_url=api.url)
    outbox = Outbox(store, sender, render=format_alert, clock=lambda: datetime.now(UTC),
                    pace=False)
    await outbox.drain(idle_limit_s=5)
    yield list(api.messages)
    await sender.stop()


@pytest.fixture
async def start_bot(api: FakeBotAPI, store: Store) -> AsyncIterator[Callable[..., object]]:
    started: list[BotCommands] = []

    async def start(**kwargs: object) -> BotCommands:
        bot = BotCommands(token=TOKEN, api_url=api.url, store=store, allowed_chats={CHAT},
                          allowed_users={str(STAFF)}, **kwargs)  # type: ignore[arg-type]
        await bot.start()
        await asyncio.wait_for(bot.ready.wait(), 10)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        await bot.stop()
    await asyncio.sleep(0.3)


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    assert message.reply_markup is not None
    (row,) = message.reply_markup["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for b in row]


async def answered(api: FakeBotAPI, n: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(api.answers) < n:
        assert time.monotonic() < deadline, f"{len(api.answers)} answers, wanted {n}"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # whatever the press does after answering (the edit) is done
    return api.answers


async def test_every_alert_has_the_two_buttons(alerts):
    assert len(alerts) == 2
    for message in alerts:
        labels = [label for label, _ in buttons(message)]
        assert labels == ["✅ İlgili", "❌ İlgisiz"]


async def test_english_labels(api, store):
    sender = TelegramSender(TOKEN, base_url=api.url, lang="en")
    await Outbox(store, sender, render=format_alert, clock=lambda: datetime.now(UTC),
                 pace=False).drain(idle_limit_s=5)
    await sender.stop()
    assert [label for label, _ in buttons(api.messages[0])] == ["✅ Relevant", "❌ Not relevant"]


async def test_a_press_is_stored_shown_and_counted(api, store, alerts, start_bot, tmp_path):
    await start_bot()
    tusas, km = alerts
    api.push_callback(CHAT, tusas.message_id, buttons(tusas)[0][1], user_id=STRANGER)
    api.push_callback(CHAT, km.message_id, buttons(km)[0][1], user_id=STAFF,
                      first_name="Mehmet", last_name="Kaya")
    api.push_callback(CHAT, km.message_id, buttons(km)[1][1], user_id=STAFF,
                      first_name="Mehmet", last_name="Kaya")  # changed their mind
    answers = await answered(api, 3)
    assert "callback_query" in (api.allowed_updates or [])
    assert [a["text"] for a in answers] == ["Kaydedildi, teşekkürler."] * 3
    latest = {v.outbox_id: v for v in store.latest_verdicts()}
    assert [(v.verdict, v.user_id, v.user_name) for v in latest.values()] == [
        ("relevant", str(STRANGER), "Ayşe Yılmaz"), ("irrelevant", str(STAFF), "Mehmet Kaya")]
    assert latest[1].entry_ids == ("tusas",) and latest[1].terms == ("TUSAŞ",)
    assert latest[1].snippet == TUSAS
    shown = api.shown(CHAT, tusas.message_id)
    assert shown is not None and shown.method == "editMessageText"
    assert shown.text.startswith(tusas.text) and "\n✅ İlgili — Ayşe Y. (" in shown.text
    assert buttons(shown) == buttons(tusas)  # the verdict can still be changed
    km_now = api.shown(CHAT, km.message_id)
    assert km_now is not None and "❌ İlgisiz — Mehmet K. (" in km_now.text
    assert "✅ İlgili" not in km_now.text.split("\n\n")[-1]

    api.push_message(CHAT, "/durum")
    await _until(lambda: any(m.method == "sendMessage" and m.chat_id == CHAT
                             and "Durum" in m.text for m in api.messages))
    durum = next(m for m in api.messages if "Durum" in m.text)
    assert "Geri bildirim (7 gün): 1 ilgili · 1 ilgisiz" in durum.text

    _cli_counts_and_writes_examples(tmp_path)


def _cli_counts_and_writes_examples(tmp_path: Path) -> None:
    config = write_config(tmp_path, ["http://127.0.0.1:9/rss"])
    examples = tmp_path / "out" / "feedback.examples.yaml"
    result = run_cli(["--config", str(config), "feedback", "--examples", str(examples)])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["tusas", "(TUSAŞ)"] and line.endswith("100%")
               for line in lines), result.stdout
    assert any(line.startswith("km-havacilik (KM Havacılık)") and line.endswith("0%")
               for line in lines), result.stdout
    assert "2 alerts judged: 1 relevant, 1 irrelevant" in result.stdout
    text = examples.read_text(encoding="utf-8")
    assert "REVIEW" in text and "expect: [tusas]" in text and "expect: []" in text

    # the examples file next to the watchlists: `monitor check` runs it, and the alert
    # judged irrelevant fails it (the watchlist still matches it)
    folder = tmp_path / "watchlists"
    folder.mkdir()
    shutil.copy(ROOT / "watchlists" / "kmtso.yaml", folder / "kmtso.yaml")
    shutil.copy(examples, folder / "kmtso.examples.yaml")
    config.write_text(config.read_text(encoding="utf-8").replace(
        f"watchlists: {ROOT / 'watchlists'}", f"watchlists: {folder}"), encoding="utf-8")
    check = run_cli(["--config", str(config), "check"])
    assert check.returncode == 2, check.stdout + check.stderr
    assert "wrongly matched km-havacilik" in check.stdout
    assert "1/2 examples pass" in check.stdout


async def test_since_limits_the_verdicts(api, store, alerts, start_bot, tmp_path):
    await start_bot()
    api.push_callback(CHAT, alerts[0].message_id, buttons(alerts[0])[0][1])
    await answered(api, 1)
    config = write_config(tmp_path, ["http://127.0.0.1:9/rss"])
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    result = run_cli(["--config", str(config), "feedback", "--since", tomorrow])
    assert result.returncode == 0 and "no verdicts yet" in result.stdout
    bad = run_cli(["--config", str(config), "feedback", "--since", "yesterday"])
    assert bad.returncode == 2 and "is not a date" in bad.stderr


async def test_strangers_presses_change_nothing(api, store, alerts, start_bot, caplog):
    caplog.set_level(logging.INFO, logger="monitor.telegram.feedback")
    await start_bot()
    data = buttons(alerts[0])[0][1]
    api.push_callback("-555", alerts[0].message_id, data, user_id=STRANGER)  # another group
    api.push_callback(STRANGER, alerts[0].message_id, data, user_id=STRANGER)  # private chat
    await answered(api, 2)
    assert store.latest_verdicts() == []
    assert [m.method for m in api.messages] == ["sendMessage", "sendMessage"]  # no edit
    refused = [r.getMessage() for r in caplog.records if "feedback_refused" in r.getMessage()]
    assert refused == ["feedback_refused chat=-555 user=777", "feedback_refused chat=777 user=777"]


async def test_an_allowed_user_counts_from_any_chat(api, store, alerts, start_bot):
    await start_bot()
    api.push_callback(STAFF, alerts[0].message_id, buttons(alerts[0])[1][1], user_id=STAFF)
    await answered(api, 1)
    assert [v.verdict for v in store.latest_verdicts()] == ["irrelevant"]


@pytest.mark.parametrize("data", [
    "fb:1:r:AAAAAAAAAAAA",  # a made-up signature
    FeedbackKeys("999:OTHER-token").data(1, "r"),  # another bot's button
    "fb:1:r", "hello", "",  # malformed
])
async def test_forged_callbacks_change_nothing(api, store, alerts, start_bot, caplog, data):
    caplog.set_level(logging.INFO, logger="monitor.telegram.feedback")
    await start_bot()
    api.push_callback(CHAT, alerts[0].message_id, data)
    (answer,) = await answered(api, 1)
    assert answer["text"] == "Bu düğme kullanılamıyor."
    assert store.latest_verdicts() == []
    assert len(api.messages) == 2
    assert sum("feedback_forged" in r.getMessage() for r in caplog.records) == 1


async def test_a_replayed_callback_is_stored_once(api, store, alerts, start_bot):
    await start_bot()
    update = api.push_callback(CHAT, alerts[0].message_id, buttons(alerts[0])[0][1])
    api.push_update({"callback_query": update["callback_query"]})  # same query id again
    api.push_message(CHAT, "/yardim")  # handled after both presses
    await _until(lambda: any("Komutlar" in m.text for m in api.messages))
    await answered(api, 1)
    assert len(api.answers) == 1
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM feedback").scalar_one() == 1


async def test_a_press_on_an_old_or_unknown_alert_is_too_old(api, store, alerts, start_bot):
    later = datetime.now(UTC) + timedelta(days=2)
    await start_bot(clock=lambda: later, feedback_retention_s=86400.0)
    api.push_callback(CHAT, alerts[0].message_id, buttons(alerts[0])[0][1])
    keys = FeedbackKeys(TOKEN)
    api.push_callback(CHAT, 99, keys.data(999, "r"))  # signed, but no such outbox row
    answers = await answered(api, 2)
    assert [a["text"] for a in answers] == ["Bu uyarı çok eski; geri bildirim kaydedilmedi."] * 2
    assert store.latest_verdicts() == []
    assert len(api.messages) == 2


async def test_the_keyboard_survives_a_story_copy_edit(api, store, alerts, start_bot):
    await start_bot()
    with store.engine.begin() as conn:
        article_id = conn.exec_driver_sql("SELECT article_id FROM outbox WHERE id = 1").scalar()
        announce_copy(conn, article_id, datetime.now(UTC))
    sender = TelegramSender(TOKEN, base_url=api.url)
    await Outbox(store, sender, render=format_alert, clock=lambda: datetime.now(UTC),
                 pace=False).drain(idle_limit_s=5)
    await sender.stop()
    edited = api.messages[-1]
    assert edited.method == "editMessageText" and edited.message_id == alerts[0].message_id
    assert buttons(edited) == buttons(alerts[0])
    api.push_callback(CHAT, edited.message_id, buttons(edited)[1][1])
    await answered(api, 1)
    assert [v.verdict for v in store.latest_verdicts()] == ["irrelevant"]


async def test_the_verdict_line_survives_a_story_copy_edit(api, store, alerts, start_bot):
    await start_bot()
    api.push_callback(CHAT, alerts[0].message_id, buttons(alerts[0])[0][1])
    await answered(api, 1)
    with store.engine.begin() as conn:
        article_id = conn.exec_driver_sql("SELECT article_id FROM outbox WHERE id = 1").scalar()
        announce_copy(conn, article_id, datetime.now(UTC))

    def render(alert: Alert) -> str:  # as the worker renders: the stored verdict included
        return alert_text(alert, store.verdict_for(alert.id), lang="tr", tz="Europe/Istanbul")

    sender = TelegramSender(TOKEN, base_url=api.url)
    await Outbox(store, sender, render=render, clock=lambda: datetime.now(UTC),
                 pace=False).drain(idle_limit_s=5)
    await sender.stop()
    edited = api.messages[-1]
    assert edited.method == "editMessageText" and edited.message_id == alerts[0].message_id
    assert "\n✅ İlgili — Ayşe Y. (" in edited.text and buttons(edited) == buttons(alerts[0])


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_the_fake_api_delivers_presses_only_when_asked(api):
    api.push_callback(CHAT, 1, "fb:1:r:AAAAAAAAAAAA")
    async with httpx.AsyncClient(base_url=f"{api.url}/bot{TOKEN}") as client:
        asked = await client.post("/getUpdates", json={"allowed_updates": ["message"]})
        default = await client.post("/getUpdates", json={"allowed_updates": []})
    assert asked.json()["result"] == [] and default.json()["result"] == []  # dropped for good
    assert api.allowed_updates is None  # [] restores Telegram's default
