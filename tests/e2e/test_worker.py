"""The long-lived worker: it polls, delivers, and stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from monitor.config.settings import load_settings
from monitor.service import Service
from tests.e2e.conftest import ROOT, recent, rss, write_config


def start_worker(config, bot=None, chat: str = "-1001") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MONITOR_"))}
    if bot is not None:
        env.update(TELEGRAM_BOT_TOKEN=bot.token, TELEGRAM_CHAT_ID=chat, TELEGRAM_API_URL=bot.url)
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def stop(worker: subprocess.Popen[str], signum: int) -> tuple[float, str]:
    started = time.monotonic()
    worker.send_signal(signum)
    _, stderr = worker.communicate(timeout=15)
    return time.monotonic() - started, stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_delivers_then_stops_cleanly(tmp_path, feed_server, bot, signum):
    items = [
        (
            "TUSAŞ yöneticileri oda meclisine konuk oldu",
            f"{feed_server.url}/pages/d2.html",
            recent(),
        )
    ]
    url = feed_server.add("/rss.xml", rss(items), content_type="application/rss+xml", etag=True)
    worker = start_worker(write_config(tmp_path, [url]), bot)
    try:
        wait_for(lambda: len(bot.messages) == 1)
    finally:
        took, stderr = stop(worker, signum)
    assert worker.returncode == 0, stderr
    assert took < 10
    assert "worker_stopped" in stderr and "Traceback" not in stderr


def test_stalled_feeds_do_not_hold_up_the_stop(tmp_path, feed_server):
    urls = [f"{feed_server.url}/fault/stall?{n}" for n in range(3)]
    worker = start_worker(write_config(tmp_path, urls))
    try:
        wait_for(lambda: len(feed_server.requests_for("/fault/stall")) == 3)
    finally:
        took, stderr = stop(worker, signal.SIGTERM)
    assert worker.returncode == 0, stderr
    assert took < 10
    assert "Traceback" not in stderr


def test_unreachable_feeds_are_one_line_each_and_the_worker_keeps_running(tmp_path):
    urls = ["http://127.0.0.1:9/rss.xml", "http://nonexistent.invalid/rss"]
    worker = start_worker(write_config(tmp_path, urls))
    time.sleep(4)
    assert worker.poll() is None  # still running
    _, stderr = stop(worker, signal.SIGTERM)
    failures = [line for line in stderr.splitlines() if "feed_polled" in line]
    assert len(failures) == 2
    assert all("error=" in line for line in failures)
    assert "Traceback" not in stderr
    # one summary once every source was tried, and every line stamped in UTC
    assert [line.split(" ", 2)[2] for line in stderr.splitlines() if "first_poll_round" in line] \
        == ["first_poll_round sources=2 reachable=0 failing=2"]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING|ERROR) ", line)
               for line in stderr.splitlines()), stderr


async def test_a_quiet_worker_logs_a_heartbeat(tmp_path, caplog):
    settings = load_settings(write_config(tmp_path, ["http://127.0.0.1:9/rss.xml"]), env={})
    caplog.set_level(logging.INFO)
    async with Service(settings) as service:
        service.heartbeat_s = 0.3
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        deadline = time.monotonic() + 15
        while sum(r.getMessage().startswith("heartbeat ") for r in caplog.records) < 2:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.1)
        stop.set()
        await running
    beats = [r.getMessage() for r in caplog.records if r.getMessage().startswith("heartbeat")]
    assert beats[0] == "heartbeat polls=1 new=0 matched=0 failing=1 outbox=0"
    assert beats[1] == "heartbeat polls=0 new=0 matched=0 failing=1 outbox=0"
