"""TelegramSender and ConsoleSender against the fake Bot API over real sockets."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from monitor.errors import DeliveryError
from monitor.messages.alerts import format_alert
from monitor.models import Alert, Match
from monitor.telegram.console import ConsoleSender
from monitor.telegram.sender import TelegramSender
from tests.servers.fakebot import FakeBotAPI, TelegramHTMLError, check_html

TOKEN = "5512345678:AAF-fake_secret_token_value_0123456789"
CHAT = "-1001234567890"


@pytest.fixture
def fakebot() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN) as bot:
        yield bot


@pytest.fixture
async def sender(fakebot: FakeBotAPI) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, base_url=fakebot.url, timeout=5.0) as s:
        yield s


def a_alert(title: str = "TUSAŞ & KM <yeni> anlaşma") -> Alert:
    snippet = "Dün TUSAŞ ile KM Havacılık & ortakları"
    m = Match("tusas", "TUSAŞ", "TUSAŞ", "TUSAŞ", 100, "body", 4, 9, snippet, 4, 9)
    return Alert(7, CHAT, "Hürriyet & Co", "https://example.org/h?id=1&x=2", title,
                 datetime(2026, 11, 28, 11, 5, tzinfo=UTC), (m,), True)


async def test_send_alert(sender: TelegramSender, fakebot: FakeBotAPI) -> None:
    html = format_alert(a_alert())
    message_id = await sender.send(CHAT, html)
    [msg] = fakebot.messages
    assert (msg.message_id, msg.chat_id, msg.text, msg.parse_mode) == (message_id, CHAT, html,
                                                                       "HTML")
    assert msg.link_preview_options == {"url": "https://example.org/h?id=1&x=2"}
    assert [r.method for r in fakebot.requests] == ["getMe", "sendMessage"]


async def test_preview_url_argument(sender: TelegramSender, fakebot: FakeBotAPI) -> None:
    await sender.send(CHAT, "<b>no link</b>", preview_url="https://example.org/p")
    await sender.send("42", "<b>no link</b>")
    assert fakebot.messages[0].link_preview_options == {"url": "https://example.org/p"}
    assert fakebot.messages[1].link_preview_options is None


async def test_retry_after_is_mapped(sender: TelegramSender, fakebot: FakeBotAPI) -> None:
    fakebot.throttle_next(1, retry_after=2)
    with pytest.raises(DeliveryError) as info:
        await sender.send(CHAT, "<b>x</b>")
    assert info.value.retry_after == 2.0 and not info.value.permanent
    assert await sender.send(CHAT, "<b>again</b>") > 0  # the limiter did not block or retry
    assert len(fakebot.messages) == 1


@pytest.mark.parametrize(("status", "body", "ctype"), [
    (500, "<html>Internal Server Error</html>", "text/html"),
    (502, "<html><body><h1>502 Bad Gateway</h1></body></html>" * 50, "text/html"),
    (503, "", "text/plain"),
    (200, "<html>captive portal</html>", "text/html"),
    (504, '{"ok":false,"error_code":504,"description":"Gateway Timeout"}', "application/json"),
])
async def test_server_errors_are_transient(sender: TelegramSender, fakebot: FakeBotAPI,
                                           caplog: pytest.LogCaptureFixture, status: int,
                                           body: str, ctype: str) -> None:
    fakebot.fail_next(1, status=status, body=body, content_type=ctype)
    with pytest.raises(DeliveryError) as info:
        await sender.send(CHAT, "<b>x</b>")
    assert not info.value.permanent and info.value.retry_after is None
    assert len(str(info.value)) <= 300
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await sender.send(CHAT, "<b>after</b>") > 0


@pytest.mark.parametrize(("status", "description"), [
    (400, "Bad Request: chat not found"),
    (403, "Forbidden: bot was kicked from the channel chat"),
    (403, "Forbidden: bot is not a member of the channel chat"),
    (400, "Bad Request: not enough rights to send text messages to the chat"),
])
async def test_chat_errors_are_permanent(sender: TelegramSender, fakebot: FakeBotAPI,
                                         status: int, description: str) -> None:
    fakebot.set_chat_error(CHAT, status, description)
    with pytest.raises(DeliveryError) as info:
        await sender.send(CHAT, "<b>x</b>")
    assert info.value.permanent
    assert description.split(": ", 1)[1].lower() in str(info.value).lower()


@pytest.mark.parametrize("bad_html", [
    "<b>TUSAŞ & KM</b>", "<b>open", "<script>x</script>", "<b><i>x</b></i>", "a < b",
])
async def test_cant_parse_entities_resends_plain(sender: TelegramSender, fakebot: FakeBotAPI,
                                                 bad_html: str) -> None:
    message_id = await sender.send(CHAT, bad_html)
    [msg] = fakebot.messages
    assert msg.message_id == message_id and msg.parse_mode is None
    assert "<b>" not in msg.text and "&amp;" not in msg.text
    assert [r.status for r in fakebot.requests if r.method == "sendMessage"] == [400, 200]


async def test_too_long_is_permanent(sender: TelegramSender, fakebot: FakeBotAPI) -> None:
    with pytest.raises(DeliveryError) as info:
        await sender.send(CHAT, "😀" * 2049)
    assert info.value.permanent and "too long" in str(info.value)
    assert await sender.send(CHAT, "😀" * 2048) > 0


async def test_stall_times_out_transient(fakebot: FakeBotAPI) -> None:
    fakebot.stall_next(1, seconds=2.0)
    async with TelegramSender(TOKEN, base_url=fakebot.url, timeout=0.5) as s:
        with pytest.raises(DeliveryError) as info:
            await s.send(CHAT, "<b>x</b>")
    assert not info.value.permanent and "TimedOut" in str(info.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_connection_refused_is_transient() -> None:
    s = TelegramSender(TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2.0)
    with pytest.raises(DeliveryError) as info:
        await s.start()
    assert not info.value.permanent and "NetworkError" in str(info.value)
    with pytest.raises(DeliveryError):
        await s.send(CHAT, "<b>x</b>")  # send starts the bot itself
    await s.stop()


async def test_getme_failure_is_transient_then_recovers(fakebot: FakeBotAPI) -> None:
    fakebot.fail_next(1, status=502, methods=("getMe",))
    s = TelegramSender(TOKEN, base_url=fakebot.url)
    with pytest.raises(DeliveryError) as info:
        await s.start()
    assert not info.value.permanent
    assert await s.send(CHAT, "<b>x</b>") > 0
    await s.stop()
    await s.stop()


async def test_token_never_leaks(fakebot: FakeBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    wrong = "5599999999:AAwrong_secret_token_value_9876543210"
    errors: list[DeliveryError] = []
    for token in (wrong, TOKEN):
        s = TelegramSender(token, base_url=fakebot.url)
        fakebot.fail_next(1, status=500, body=f"<html>echo /bot{token}/</html>")
        fakebot.throttle_next(1)
        for _ in range(2):
            try:
                await s.send(CHAT, "<b>x</b>")
            except DeliveryError as exc:
                errors.append(exc)
        await s.stop()
    assert any("refused the bot token" in str(e) for e in errors)
    assert "HTTP Request: POST" in caplog.text  # httpx did log the URLs...
    text = caplog.text + "".join(f"{e!s}{e!r}{e.__cause__!s}" for e in errors)
    for token in (wrong, TOKEN):  # ...but never the token
        assert token not in text and token.split(":")[1] not in text


async def test_console_sender() -> None:
    out = io.StringIO()
    async with ConsoleSender(out) as s:
        assert await s.send(CHAT, format_alert(a_alert())) == 1
        assert await s.send(CHAT, "<b>b</b>") == 2
    text = out.getvalue()
    assert "TUSAŞ & KM <yeni> anlaşma (https://example.org/h?id=1&x=2)" in text
    assert "<b>" not in text and "&amp;" not in text


# -- the fake server itself ----------------------------------------------------------

@pytest.mark.parametrize(("text", "ok"), [
    ("<b>a</b> <strong>b</strong> <i>c</i> <em>d</em> <u>e</u> <ins>f</ins> <s>g</s>", True),
    ('<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">x</a> <code>c</code> <pre>p</pre>', True),
    ('<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler> <blockquote>q</blockquote>',
     True),
    ("&lt; &gt; &amp; &quot; &#39; &#x27; > raw", True),
    ("<b><i>nested</i></b>", True),
    ("a & b", False), ("&nbsp;", False), ("<b>x", False), ("x</b>", False),
    ("<b><i>x</b></i>", False), ("<div>x</div>", False), ("<span>x</span>", False),
    ("a < b", False), ('<a href="x&y">z</a>', False),
])
def test_check_html(text: str, ok: bool) -> None:
    if ok:
        check_html(text)
    else:
        with pytest.raises(TelegramHTMLError):
            check_html(text)


async def test_fake_updates_photo_and_json(sender: TelegramSender,
                                           fakebot: FakeBotAPI) -> None:
    fakebot.push_message(CHAT, "/durum")
    [update] = await sender.bot.get_updates(timeout=0)
    assert update.effective_message.text == "/durum"
    assert await sender.bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    photo = await sender.bot.send_photo(CHAT, b"\x89PNG fake", caption="<b>digest</b>",
                                        parse_mode="HTML")
    assert fakebot.messages[-1].photo == b"\x89PNG fake" and photo.caption == "<b>digest</b>"
    assert await sender.bot.set_my_commands([("son", "Son uyarılar")])
    assert await sender.bot.delete_webhook()
    assert (await sender.bot.get_chat(CHAT)).id == int(CHAT)
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{fakebot.url}/bot{TOKEN}/sendMessage",
                              json={"chat_id": 5, "text": "json body"})
        bad = await client.post(f"{fakebot.url}/botnope/getMe")
    assert r.json()["result"]["text"] == "json body"
    assert bad.status_code == 401 and bad.json()["ok"] is False


async def test_fake_rate_check(sender: TelegramSender, fakebot: FakeBotAPI) -> None:
    await sender.send(CHAT, "one")
    await sender.send(CHAT, "two")  # no pacing here: the outbox paces
    await sender.send("42", "other chat")
    assert [v["kind"] for v in fakebot.violations] == ["per_chat"]
    fakebot.enforce_limits = True
    with pytest.raises(DeliveryError) as info:
        await sender.send(CHAT, "three")
    assert info.value.retry_after == 1.0
