"""Every mistake a user can make gets one line naming the file and line (or the variable), exit 2.

Each case is tried through the real CLI, as a new user would: the line must start
with `error: `, name where the mistake is, say what would be right, and no
traceback may appear.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from monitor import cli
from tests.e2e.conftest import ROOT, run_cli

FEED = "feeds:\n  - url: https://a.example/rss\n"
GOOD_TOKEN = "123456:TEST-secret-token-abcdef"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def config(tmp_path: Path, body: str = FEED, *, database: str | None = None) -> Path:
    """A config file whose first line is `database:` (so errors about it name line 1)."""
    db = database if database is not None else str(tmp_path / "m.db")
    return write(tmp_path / "monitor.yaml", f"database: {db}\nwatchlists: {ROOT / 'watchlists'}\n"
                 + body)


def one_error_line(result: subprocess.CompletedProcess[str], *wanted: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: "), line
    for text in wanted:
        assert text in line, (text, line)
    return line


# --- the database ----------------------------------------------------------------------------

STORE_COMMANDS = [["check"], ["feeds"], ["history"], ["digest", "--date", "2026-11-28"],
                  ["run", "--once"]]


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: c[0])
def test_a_database_whose_folder_is_a_file(tmp_path, command):
    blocker = write(tmp_path / "notes.txt", "not a folder")
    path = config(tmp_path, database=str(blocker / "monitor.db"))
    result = run_cli(["--config", str(path), *command])
    one_error_line(result, f"{path}:1", f"{blocker} is a file")


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=lambda c: c[0])
def test_a_file_that_is_not_a_database(tmp_path, command):
    text = write(tmp_path / "README.md", "# not a database\n" * 200)
    path = config(tmp_path, database=str(text))
    result = run_cli(["--config", str(path), *command])
    one_error_line(result, f"{path}:1", "not a SQLite database")


@pytest.mark.parametrize("command", [["check"], ["feeds"]], ids=lambda c: c[0])
def test_a_folder_or_an_unopenable_path_as_the_database(tmp_path, command):
    folder = tmp_path / "data"
    folder.mkdir()
    one_error_line(run_cli(["--config", str(config(tmp_path, database=str(folder))), *command]),
                   "is a folder, not a database file")
    loop = tmp_path / "loop.db"
    loop.symlink_to(loop)  # a path nothing can open
    path = config(tmp_path, database=str(loop))
    one_error_line(run_cli(["--config", str(path), *command]), f"{path}:1", "cannot open it")


def test_the_readme_postgresql_url_without_a_server_or_driver(tmp_path):
    url = "postgresql+psycopg://monitor:hunter2@127.0.0.1:9/monitor"
    result = run_cli(["--config", str(config(tmp_path)), "feeds"], MONITOR_DATABASE=url)
    line = one_error_line(result, "MONITOR_DATABASE: database postgresql+psycopg://monitor:***@")
    assert "hunter2" not in line
    assert "not installed" in line or "refused" in line.lower() or "connect" in line.lower()


def test_a_missing_driver_says_how_to_install_it(tmp_path):
    result = run_cli(["--config", str(config(tmp_path)), "check"],
                     MONITOR_DATABASE="mysql+pymysql://u@127.0.0.1:9/m")
    one_error_line(result, "MONITOR_DATABASE:", "pymysql is not installed", "pip install")


# --- monitor match and monitor digest --out -------------------------------------------------


@pytest.mark.parametrize(("make", "words"), [
    (lambda tmp: tmp / "missing.html", "no such file"),
    (lambda tmp: tmp, "is a folder, not a file"),
    (lambda tmp: "https://www.aa.com.tr/tr/ekonomi/haber", "is a URL"),
], ids=["missing", "folder", "url"])
def test_match_on_what_is_not_a_file(tmp_path, make, words):
    target = str(make(tmp_path))
    result = run_cli(["--config", str(config(tmp_path)), "match", target])
    one_error_line(result, f"error: {target}: {words}")
    assert result.stdout == ""


def test_match_reads_a_windows_1254_text_file(tmp_path):
    text = "KM Havacılık ve TUSAŞ, Erkenez OSB'de Başkan Mustafa Buluntu ile görüştü."
    path = write(tmp_path / "haber.txt", text, encoding="cp1254")
    result = run_cli(["--config", str(config(tmp_path)), "match", "--json", str(path)])
    assert result.returncode == 0, result.stderr
    assert f"note: {path} is not UTF-8; read as cp1254" in result.stderr
    assert "\ufffd" not in result.stdout
    for entry in ("km-havacilik", "tusas", "erkenez-osb", "mustafa-buluntu"):
        assert f'"id": "{entry}"' in result.stdout


def test_digest_out_into_an_unwritable_place(tmp_path):
    blocker = write(tmp_path / "charts", "a file, not a folder")
    out = blocker / "digest.png"
    result = run_cli(["--config", str(config(tmp_path)), "digest", "--date", "2026-11-28",
                      "--out", str(out)])
    one_error_line(result, f"error: {out}: cannot write the chart")


# --- values that used to pass silently -------------------------------------------------------


@pytest.mark.parametrize(("body", "line", "words"), [
    ("interval: 5\n" + FEED, 3, "interval: 5 has no unit: write 5m"),
    ("admin_chat: yonetim\n" + FEED, 3, "admin_chat: 'yonetim' is not a Telegram chat"),
    ("command_chats: [kanal]\n" + FEED, 3, "'kanal' is not a Telegram chat"),
    ("feeds: []\n", 3, "no sources"),
    ("feeds:\n  - url: https://a.example/rss\n    interval: [5m, 10m\n", 5,
     "a list opened with '[' here is not closed"),
    ("timezone: 'Europe/Istanbul\n" + FEED, 3, "a quote opened here is never closed"),
    ("feds:\n  - url: https://a.example/rss\n", 3, "feds: unknown key (did you mean 'feeds'?)"),
], ids=["bare-interval", "admin-chat", "command-chat", "no-feeds", "open-list", "open-quote",
        "typo-key"])
def test_config_values(tmp_path, body, line, words):
    path = config(tmp_path, body)
    one_error_line(run_cli(["--config", str(path), "check"]), f"{path}:{line}: ", words)


@pytest.mark.parametrize(("old", "new", "words"), [
    ("  - id: tusas\n", "  - id: TUSAS\n", "'TUSAS' is not an id: use lower-case letters"),
    ("  - id: tusas\n", "  - id: tusas\n    chat: genel kanal\n",
     "chat: 'genel kanal' is not a Telegram chat"),
    ("entries:\n", "entrys:\n", "entrys: unknown key (did you mean 'entries'?)"),
], ids=["capital-id", "chat", "entrys"])
def test_watchlist_values(tmp_path, old, new, words):
    shipped = (ROOT / "watchlists" / "kmtso.yaml").read_text(encoding="utf-8")
    assert old in shipped
    edited = shipped.replace(old, new, 1)
    watchlist = write(tmp_path / "lists" / "kmtso.yaml", edited)
    line = next(n for n, text in enumerate(edited.splitlines(), 1)
                if text.strip() and text.strip() in new.strip().splitlines()[-1])
    path = write(tmp_path / "monitor.yaml",
                 f"database: {tmp_path / 'm.db'}\nwatchlists: {watchlist}\n{FEED}")
    one_error_line(run_cli(["--config", str(path), "check"]), f"{watchlist}:{line}: ", words)


@pytest.mark.parametrize(("env", "words"), [
    ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "TELEGRAM_CHAT_ID": "kanal"},
     "TELEGRAM_CHAT_ID: 'kanal' is not a Telegram chat"),
    ({"TELEGRAM_BOT_TOKEN": "abc-not-a-token", "TELEGRAM_CHAT_ID": "-100123"},
     "TELEGRAM_BOT_TOKEN: not a bot token"),
    ({"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "TELEGRAM_CHAT_ID": "-100123",
      "TELEGRAM_ADMIN_CHAT_ID": "yonetim"}, "TELEGRAM_ADMIN_CHAT_ID: 'yonetim'"),
], ids=["chat", "token", "admin-chat"])
@pytest.mark.parametrize("command", [["check"], ["run", "--once"]], ids=lambda c: c[0])
def test_telegram_variables(tmp_path, env, words, command):
    result = run_cli(["--config", str(config(tmp_path)), *command], **env)
    line = one_error_line(result, words)
    assert "abc-not-a-token" not in line and GOOD_TOKEN not in line


def test_check_reports_the_database_and_telegram(tmp_path):
    result = run_cli(["--config", str(config(tmp_path)), "check"], TELEGRAM_BOT_TOKEN=GOOD_TOKEN,
                     TELEGRAM_CHAT_ID="-100123")
    assert result.returncode == 0, result.stderr
    assert f"database {tmp_path / 'm.db'}: OK (new; created on the first run)" in result.stdout
    assert "telegram: OK, alerts to -100123 (token set; not contacted)" in result.stdout
    assert GOOD_TOKEN not in result.stdout + result.stderr
    assert not (tmp_path / "m.db").exists(), "check must not create the database"


# --- a bug is not a usage error --------------------------------------------------------------


def test_a_bug_is_logged_with_its_traceback_and_exits_1(monkeypatch, caplog):
    def broken(args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setitem(cli.HANDLERS, "feeds", broken)
    monkeypatch.setattr(cli, "setup_logging", lambda: None)
    with caplog.at_level(logging.ERROR):
        assert cli.main(["feeds"]) == 1
    record = next(r for r in caplog.records if r.getMessage().startswith("bug: monitor feeds"))
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
