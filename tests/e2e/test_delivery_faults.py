"""Delivery faults over real sockets: Telegram down, throttling, refusals, crashes.

The outbox is the only path to Telegram; these tests check that no alert is
lost and none is sent twice, except the single message in flight at a crash.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import time
from collections import Counter

from monitor.config.settings import load_settings
from monitor.service import Service
from tests.e2e.conftest import CHAT, ROOT, run_cli, three_item_feed, write_config
from tests.e2e.test_worker import start_worker, wait_for

PAGES = {"d1": "KM Havacılık", "d2": "TUSAŞ"}


def sends(bot) -> list:
    return [r for r in bot.requests if r.method == "sendMessage"]


def per_page(bot) -> Counter[str]:
    return Counter(page for m in bot.messages for page in PAGES if f"/pages/{page}.html" in m.text)


def outbox_rows(tmp_path) -> int:
    try:
        with sqlite3.connect(tmp_path / "monitor.db") as db:
            return db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_telegram_errors_are_retried_with_growing_waits(tmp_path, feed_server, bot):
    bot.fail_next(2, status=502, body="<html><body>502 Bad Gateway</body></html>")
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert per_page(bot) == {"d1": 1, "d2": 1}
    tries = [r.time for r in sends(bot)]
    assert [r.status for r in sends(bot)][:2] == [502, 502]
    assert tries[1] - tries[0] >= 4.5  # first retry after 5 s
    assert tries[2] - tries[1] >= 9.5  # then 10 s
    assert "delivery_failed" in result.stderr and "Traceback" not in result.stderr


def test_retry_after_is_honoured(tmp_path, feed_server, bot):
    bot.throttle_next(1, retry_after=3)
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert per_page(bot) == {"d1": 1, "d2": 1}
    throttled, retried = sends(bot)[0], sends(bot)[1]
    assert throttled.status == 429
    assert retried.time - throttled.time >= 2.9
    assert bot.violations == []


async def test_alerts_wait_while_telegram_is_unreachable(tmp_path, feed_server, bot):
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    env = {"TELEGRAM_BOT_TOKEN": bot.token, "TELEGRAM_CHAT_ID": CHAT}
    down = load_settings(config, env={**env, "TELEGRAM_API_URL": "http://127.0.0.1:9"})
    async with Service(down) as service:
        await service.poll(every=True)
        assert not await service.outbox.drain(idle_limit_s=3)
        assert service.store.pending_count() == 2
    back = load_settings(config, env={**env, "TELEGRAM_API_URL": bot.url})
    async with Service(back) as service:
        assert await service.run_once()
    assert per_page(bot) == {"d1": 1, "d2": 1}


def test_a_blocked_chat_holds_only_its_own_alerts(tmp_path, feed_server, bot):
    watchlists = tmp_path / "watchlists"
    shutil.copytree(ROOT / "watchlists", watchlists)
    path = watchlists / "kmtso.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "  - id: tusas\n    name: TUSAŞ\n",
            '  - id: tusas\n    name: TUSAŞ\n    chat: "-1002"\n',
        ),
        encoding="utf-8",
    )
    config = write_config(tmp_path, [three_item_feed(feed_server)], admin_chat='"-1009"')
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(ROOT / "watchlists"), str(watchlists)),
        encoding="utf-8",
    )
    bot.set_chat_error(CHAT, 403, "Forbidden: bot was kicked from the channel chat")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 1  # the alert for the blocked chat stays pending
    chats = Counter(m.chat_id for m in bot.messages)
    assert chats["-1002"] == 1  # TUSAŞ went to its own chat
    assert chats["-1009"] == 1  # the admins were told once
    assert result.stderr.count("delivery_blocked") == 1
    bot.clear_chat_error(CHAT)
    again = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert again.returncode == 0, again.stderr
    assert Counter(m.chat_id for m in bot.messages)[CHAT] == 2  # d1, and d2's other entry


def test_sigkill_between_match_and_send_loses_nothing(tmp_path, feed_server, bot):
    bot.fail_next(1000, status=502)
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    worker = start_worker(config, bot, chat=CHAT)
    try:
        wait_for(lambda: outbox_rows(tmp_path) == 2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    bot.reset()
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert per_page(bot) == {"d1": 1, "d2": 1}


def test_sigkill_between_send_and_commit_resends_only_that_message(tmp_path, feed_server, bot):
    bot.hang_after_accept_next(1, seconds=30)
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    worker = start_worker(config, bot, chat=CHAT)
    try:
        wait_for(lambda: len(bot.messages) == 1)
        time.sleep(0.5)  # the worker is now waiting for Telegram's answer
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    counts = per_page(bot)
    assert sorted(counts.values()) == [1, 2]  # the in-flight one twice, the other once
    again = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert again.returncode == 0
    assert per_page(bot) == counts  # nothing more, ever
