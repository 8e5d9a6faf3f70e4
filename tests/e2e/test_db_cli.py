"""`monitor db upgrade` and `monitor db copy` through the CLI; one worker run on PostgreSQL."""

from __future__ import annotations

from monitor.store.migrations import LATEST
from monitor.store.schema import metadata
from tests.e2e.conftest import run_cli, three_item_feed, write_config

ALL = ", ".join(str(n) for n in range(1, LATEST + 1))


def test_upgrade_applies_the_migrations_once(tmp_path):
    config = write_config(tmp_path, ["https://feed.example/rss"])
    first = run_cli(["--config", str(config), "db", "upgrade"])
    assert first.returncode == 0, first.stderr
    shown = f"database {tmp_path}/monitor.db"
    assert first.stdout == f"{shown}: schema version {LATEST}, applied {ALL}\n"
    again = run_cli(["db", "upgrade", "--config", str(config)])
    assert again.stdout == f"{shown}: already at schema version {LATEST}\n"


def test_run_once_then_copy_to_postgresql_and_run_there(tmp_path, feed_server, bot, postgres_url):
    config = write_config(tmp_path, [three_item_feed(feed_server)])
    assert run_cli(["--config", str(config), "run", "--once"], bot=bot).returncode == 0
    assert len(bot.messages) == 2

    copied = run_cli(["--config", str(config), "db", "copy", "--to", postgres_url])
    assert copied.returncode == 0, copied.stderr
    lines = copied.stdout.splitlines()
    assert lines[0].startswith(f"copying {tmp_path}/monitor.db to postgresql+psycopg://")
    rows = dict(line.split()[:2] for line in lines[1:-1])
    assert rows["feeds"] == "1" and rows["articles"] == "3" and rows["outbox"] == "2"
    assert lines[-1].startswith(f"copied {len(metadata.sorted_tables)} tables, ")
    assert "row counts verified" in lines[-1]

    feeds = run_cli(["--config", str(config), "feeds"], MONITOR_DATABASE=postgres_url)
    assert feeds.returncode == 0, feeds.stderr
    assert "OK" in feeds.stdout and "Outlet 1" in feeds.stdout
    again = run_cli(["--config", str(config), "run", "--once"], bot=bot,
                    MONITOR_DATABASE=postgres_url)
    assert again.returncode == 0, again.stderr
    assert len(bot.messages) == 2  # every alert was already sent: none twice

    refused = run_cli(["--config", str(config), "db", "copy", "--to", postgres_url])
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "is not empty" in refused.stderr and "copy only into an empty" in refused.stderr


def test_upgrade_on_postgresql_and_an_unreachable_target(tmp_path, postgres_url):
    config = write_config(tmp_path, ["https://feed.example/rss"])
    upgraded = run_cli(["--config", str(config), "db", "upgrade"], MONITOR_DATABASE=postgres_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.endswith(f": schema version {LATEST}, applied {ALL}\n")
    gone = run_cli(["--config", str(config), "db", "copy", "--to",
                    "postgresql+psycopg://postgres:secret@127.0.0.1:1/x"])
    assert gone.returncode == 2
    [line] = gone.stderr.strip().splitlines()
    assert line.startswith("error: --to: database postgresql+psycopg://postgres:***@127.0.0.1:1/x")
    assert "refused" in line and "secret" not in line
