"""The feedback buttons' callback data, labels, verdict line, and who may press them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from telegram import Update

from monitor.models import Verdict
from monitor.telegram.access import Access
from monitor.telegram.console import ConsoleSender
from monitor.telegram.feedback import FeedbackKeys, verdict_line

TOKEN = "123456:TEST-secret-token"
KEYS = FeedbackKeys(TOKEN)


@pytest.mark.parametrize(("short", "verdict"), [("r", "relevant"), ("i", "irrelevant")])
def test_signed_data_reads_back(short, verdict):
    data = KEYS.data(42, short)
    assert data.startswith(f"fb:42:{short}:")
    assert KEYS.read(data) == (42, verdict)


def test_data_fits_telegrams_64_bytes_for_the_largest_id():
    data = KEYS.data(10**12 - 1, "i")
    assert len(data.encode()) <= 64
    assert KEYS.read(data) == (10**12 - 1, "irrelevant")


def _sig(data: str) -> str:
    return data.rsplit(":", 1)[1]


@pytest.mark.parametrize("data", [
    None, "", "hello", "fb:", "fb:1:r", "fb:1:r:", "fb:x:r:AAAAAAAAAAAA",
    "fb:1:x:AAAAAAAAAAAA", "fb:1:r:AAAAAAAAAAAA",  # well formed, signature made up
    "fb:-1:r:AAAAAAAAAAAA", "fb:1:r:AAAA$AAAAAAA", "fb:1234567890123:r:AAAAAAAAAAAA",
    " " + KEYS.data(1, "r"), KEYS.data(1, "r") + "x", KEYS.data(1, "r")[:-1],
    KEYS.data(1, "r").upper(),
])
def test_malformed_or_made_up_data_is_refused(data):
    assert KEYS.read(data) is None


def test_data_altered_or_from_another_bot_is_refused():
    good = KEYS.data(7, "r")
    assert KEYS.read(f"fb:8:r:{_sig(good)}") is None  # another alert
    assert KEYS.read(f"fb:7:i:{_sig(good)}") is None  # the other verdict
    assert KEYS.read(FeedbackKeys("999:OTHER-token").data(7, "r")) is None
    assert KEYS.read(good) == (7, "relevant")


@pytest.mark.parametrize(("lang", "labels"), [
    ("tr", ["✅ İlgili", "❌ İlgisiz"]),
    ("en", ["✅ Relevant", "❌ Not relevant"]),
    ("xx", ["✅ İlgili", "❌ İlgisiz"]),  # unknown language: Turkish
])
def test_keyboard_labels_and_data(lang, labels):
    (row,) = KEYS.keyboard(5, lang).inline_keyboard
    assert [b.text for b in row] == labels
    assert [KEYS.read(b.callback_data) for b in row] == [(5, "relevant"), (5, "irrelevant")]


def _verdict(verdict: str = "relevant", name: str | None = "Ayşe Yılmaz") -> Verdict:
    return Verdict(1, "-100", "77", name, verdict, ("tusas",), ("TUSAŞ",), "snippet",
                   datetime(2026, 3, 2, 11, 5, tzinfo=UTC))


@pytest.mark.parametrize(("verdict", "lang", "line"), [
    (_verdict(), "tr", "✅ İlgili — Ayşe Y. (14:05)"),
    (_verdict("irrelevant"), "en", "❌ Not relevant — Ayşe Y. (14:05)"),
    (_verdict(name="Mehmet Ali Kaya"), "tr", "✅ İlgili — Mehmet A. (14:05)"),
    (_verdict(name="Zeynep"), "tr", "✅ İlgili — Zeynep (14:05)"),
    (_verdict(name="<b>Eve</b> & co"), "tr", "✅ İlgili — &lt;b&gt;Eve&lt;/b&gt; &amp;. (14:05)"),
    (_verdict(name=None), "tr", "✅ İlgili — 77 (14:05)"),
    (_verdict(name="  "), "tr", "✅ İlgili — ? (14:05)"),
])
def test_verdict_line(verdict, lang, line):
    assert verdict_line(verdict, lang=lang, tz="Europe/Istanbul") == line


def _press(chat_id: int, user_id: int, *, chat_username: str | None = None,
           username: str | None = None) -> Update:
    chat = {"id": chat_id, "type": "supergroup", "title": "Chat"}
    if chat_username:
        chat["username"] = chat_username
    user = {"id": user_id, "is_bot": False, "first_name": "Ayşe"}
    if username:
        user["username"] = username
    bot = {"id": 123456, "is_bot": True, "first_name": "Bot", "username": "fake_bot"}
    message = {"message_id": 3, "date": 0, "chat": chat, "from": bot, "text": "alert"}
    query = {"id": "q1", "from": user, "message": message, "chat_instance": "c", "data": "x"}
    return Update.de_json({"update_id": 1, "callback_query": query}, None)


ACCESS = Access(chats=["-1001", "@KmtsoHaber"], users=["42", "@Editor"])


@pytest.mark.parametrize(("update", "allowed"), [
    (_press(-1001, 5), True),  # any member of an alert chat
    (_press(-2002, 42), True),  # a listed user anywhere
    (_press(-2002, 5, chat_username="kmtsohaber"), True),  # chat by @name, any case
    (_press(-2002, 5, username="editor"), True),  # user by @name
    (_press(-2002, 5), False),  # a stranger in another chat
    (_press(-2002, 123456), False),  # the bot's own id (the alert's sender) is no pass
    (_press(-2002, 5, chat_username="other", username="someone"), False),
])
def test_who_may_press(update, allowed):
    assert ACCESS.allows(update) is allowed


def test_no_allow_lists_allow_nobody():
    assert Access(chats=[], users=[]).allows(_press(-1001, 42)) is False


async def test_console_sender_has_no_buttons_and_ignores_them():
    out = io.StringIO()
    console = ConsoleSender(out)
    assert console.alert_keyboard(1) is None
    message_id = await console.send("console", "<b>alert</b>", reply_markup=KEYS.keyboard(1, "tr"))
    await console.edit("console", message_id, "<b>alert 2</b>", reply_markup=None)
    assert "alert\n" in out.getvalue() and "alert 2" in out.getvalue()
