"""`monitor run --once` end to end: a local feed server, the real worker, a fake Bot API."""

from __future__ import annotations

from tests.e2e.conftest import CHAT, DEVDATA, TOKEN, run_cli, three_item_feed, write_config

DEV_FEED = DEVDATA / "feeds" / "dev.xml"


def test_two_matches_two_alerts_then_nothing_twice(tmp_path, feed_server, bot):
    config = write_config(tmp_path, [three_item_feed(feed_server)])

    first = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert first.returncode == 0, first.stderr
    assert len(bot.messages) == 2
    texts = "\n".join(bot.texts)
    assert "KM Havacılık" in texts and "TUSAŞ" in texts and "Buluntu" in texts
    assert all(m.chat_id == CHAT and m.parse_mode == "HTML" for m in bot.messages)
    assert "KOBİ" not in texts
    assert bot.violations == []

    second = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert second.returncode == 0, second.stderr
    assert len(bot.messages) == 2
    conditional = feed_server.requests_for("/rss.xml")[-1].headers
    assert conditional.get("if-none-match") and conditional.get("if-modified-since")
    for output in (first.stdout + first.stderr, second.stdout + second.stderr):
        assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_devdata_feed_alerts_the_labelled_pages(tmp_path, feed_server, bot):
    url = feed_server.add_template("/dev.xml", DEV_FEED)
    config = write_config(tmp_path, [url], max_age="60d")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    by_page = {}
    for message in bot.messages:
        for page in ("d1", "d2", "d3", "d4", "d5", "d6"):
            if f"/pages/{page}.html" in message.text:
                by_page[page] = message.text
    assert sorted(by_page) == ["d1", "d2", "d3", "d6"]
    assert "Erkenez OSB" in by_page["d3"]
    assert "Mustafa Buluntu" in by_page["d6"] and "Erkenez OSB" in by_page["d6"]


def test_old_entries_are_recorded_but_not_alerted(tmp_path, feed_server, bot):
    url = feed_server.add_template("/dev.xml", DEV_FEED)  # dated 17-20 November 2026
    config = write_config(tmp_path, [url], max_age="1h")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert bot.messages == []
    feeds = run_cli(["--config", str(config), "feeds"])
    assert feeds.returncode == 0
    assert "OK" in feeds.stdout and "6" in feeds.stdout


def test_undeliverable_alerts_stay_pending_with_exit_1(tmp_path, feed_server, bot):
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    bot.set_chat_error(CHAT, 400, "Bad Request: chat not found")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 1, result.stderr
    assert "chat not found" in result.stderr.lower()
    bot.clear_chat_error(CHAT)
    again = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert again.returncode == 0, again.stderr
    assert len(bot.messages) == 2


def test_bad_config_exits_2_naming_file_and_line(tmp_path):
    config = tmp_path / "monitor.yaml"
    config.write_text("interval: 5m\nfeeds:\n  - url: https://a.example/rss\n    nmae: x\n")
    result = run_cli(["--config", str(config), "run", "--once"])
    assert result.returncode == 2
    assert f"{config}:4" in result.stderr and "nmae" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_alerts_without_a_token(tmp_path, feed_server):
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    result = run_cli(["--config", str(config), "run", "--once"])
    assert result.returncode == 0, result.stderr
    assert "KM Havacılık" in result.stdout and "TUSAŞ" in result.stdout
    assert "<b>" not in result.stdout
