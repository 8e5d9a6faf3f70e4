"""What operators rely on while the worker runs: watchlist reloads, admin notices, health."""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request

from monitor.config.settings import load_settings
from monitor.service import Service
from tests.e2e.conftest import ROOT, recent, rss, write_config


def own_watchlists(tmp_path, config):
    folder = tmp_path / "watchlists"
    shutil.copytree(ROOT / "watchlists", folder)
    text = config.read_text(encoding="utf-8").replace(str(ROOT / "watchlists"), str(folder))
    config.write_text(text, encoding="utf-8")
    return folder / "kmtso.yaml"


def bot_env(bot) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": bot.token,
        "TELEGRAM_CHAT_ID": "-1001",
        "TELEGRAM_API_URL": bot.url,
    }


async def test_watchlist_edits_apply_without_restart_and_bad_edits_keep_the_last_good(
    tmp_path, feed_server, bot, caplog
):
    story = ("Kahramanmaraş'ta Dulkadir Tekstil yeni fabrika açtı", "/pages/x.html")
    feed_server.add(story[1], "<html><body><h1>x</h1><p>" + story[0] * 3 + "</p></body></html>")
    url = feed_server.add(
        "/rss.xml",
        rss([(story[0], feed_server.url + story[1], recent())]),
        content_type="application/rss+xml",
    )
    config = write_config(tmp_path, [url], admin_chat='"-1009"')
    watchlist = own_watchlists(tmp_path, config)
    good = watchlist.read_text(encoding="utf-8")
    async with Service(load_settings(config, env=bot_env(bot))) as service:
        broken = good.replace("  - id: tusas\n", "  - id: tusas\n    nmae: x\n")
        watchlist.write_text(broken, encoding="utf-8")
        await service.reload_watchlists()
        await service.reload_watchlists()  # the same bad content is reported once
        admin = [m for m in bot.messages if m.chat_id == "-1009"]
        assert len(admin) == 1 and "kmtso.yaml" in admin[0].text
        assert "watchlist_invalid" in caplog.text and "kmtso.yaml:" in caplog.text
        assert [e.id for e in service._watchlists.entries][-1] == "tusas"  # last good kept

        added = good + "\n  - id: dulkadir-tekstil\n    name: Dulkadir Tekstil\n"
        watchlist.write_text(added, encoding="utf-8")
        await service.reload_watchlists()
        assert await service.run_once()
    alerts = [m for m in bot.messages if m.chat_id == "-1001"]
    assert len(alerts) == 1 and "Dulkadir Tekstil" in alerts[0].text


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_health_and_metrics_endpoints(tmp_path, feed_server):
    port = free_port()
    url = feed_server.add("/rss.xml", rss([]), content_type="application/rss+xml")
    config = write_config(tmp_path, [url, "http://127.0.0.1:9/down.xml"], health_port=str(port))
    stop = asyncio.Event()
    async with Service(load_settings(config, env={})) as service:
        worker = asyncio.create_task(service.run(stop))

        def get(path: str) -> tuple[int, str]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
                return answer.status, answer.read().decode()

        for _ in range(50):
            await asyncio.sleep(0.2)
            if service.store.feed_health()[1].last_error:
                break
        status, body = await asyncio.to_thread(get, "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok"
        assert health["feeds"] == {"total": 2, "failing": 1, "disabled": 0}
        assert health["outbox"]["pending"] == 0
        status, metrics = await asyncio.to_thread(get, "/metrics")
        worker_id = service.store.worker_id
        assert f'monitor_polls_total{{outcome="ok",worker="{worker_id}"}} 1.0' in metrics
        assert f'monitor_polls_total{{outcome="error",worker="{worker_id}"}} 1.0' in metrics
        assert f'monitor_outbox_pending{{worker="{worker_id}"}}' in metrics
        assert f'monitor_cycle_duration_seconds_count{{worker="{worker_id}"}}' in metrics
        samples = [line for line in metrics.splitlines() if line and not line.startswith("#")]
        assert all(f'worker="{worker_id}"' in line for line in samples)
        stop.set()
        await worker


async def test_the_worker_answers_commands_and_sends_the_digest(tmp_path, feed_server, bot):
    url = feed_server.add("/rss.xml", rss([]), content_type="application/rss+xml")
    config = write_config(tmp_path, [url])
    stop = asyncio.Event()
    async with Service(load_settings(config, env=bot_env(bot))) as service:
        worker = asyncio.create_task(service.run(stop))
        await asyncio.wait_for(service.staff.commands.ready.wait(), 10)
        bot.push_message("-1001", "/durum")
        bot.push_message("-1002", "/durum")  # not an alert chat: no answer
        for _ in range(100):
            if any(m.chat_id == "-1001" for m in bot.messages):
                break
            await asyncio.sleep(0.1)
        await service.staff.send_daily_digest()
        stop.set()
        await worker
        worker_id = service.store.worker_id
    replies = [m for m in bot.messages if m.method == "sendMessage"]
    assert [m.chat_id for m in replies] == ["-1001"]
    assert "Çalışan süreçler: 1\n" in replies[0].text  # itself, heartbeating
    assert f"• <code>{worker_id}</code>: son sinyal " in replies[0].text
    assert "kaynak, 0 uyarı, komutlar" in replies[0].text  # it reads the commands
    photos = [m for m in bot.messages if m.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].chat_id == "-1001"
