"""Sending the digest through the fake Bot API (and the console): photo, then text, retries."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from monitor.errors import DeliveryError
from monitor.messages.chart import render_chart
from monitor.messages.digest import Digest, render_digest_html
from monitor.reports.digest import build_digest
from monitor.telegram import digest as sending
from monitor.telegram.console import ConsoleSender
from monitor.telegram.digest import send_digest
from monitor.telegram.sender import TelegramSender
from tests.records import DAY, TZ, utc
from tests.servers.fakebot import FakeBotAPI

TOKEN = "123456:TEST-digest-token"


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
