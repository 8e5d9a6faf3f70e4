from pathlib import Path

import pytest

from monitor.config.settings import database_url, load_settings
from monitor.config.values import parse_duration
from monitor.errors import ConfigError
from tests.paths import ROOT


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1.5h", 5400), ("3d", 259200), (" 2m ", 120)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5x", "m", "", "-5m", "0s", True, "five minutes", 5, 45.5, "90"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_shipped_config_is_valid():
    settings = load_settings(ROOT / "config/monitor.yaml", env={})
    assert len(settings.feeds) >= 15
    assert all(feed.name for feed in settings.feeds)
    assert settings.telegram_token is None
    assert settings.database_url == "sqlite:///data/monitor.db"


TOKEN = "123456:secret-secret-secret-secret"
ONE_FEED = "feeds:\n  - url: https://a.example/rss\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("interval: 5m\nintervall: 10m\n", 2, "intervall: unknown key"),
        ("interval: soon\n", 1, "not a duration"),
        ("feeds:\n  - url: https://a.example/rss\n  - nam: x\n", 3, "feeds[1]"),
        ("feeds:\n  - url: ftp://a.example/rss\n", 2, "http"),
        ("feeds:\n  - url: https://a.example/rss\n  - url: https://a.example/rss\n", 3, "twice"),
        ("feeds:\n  - url: https://a.example/rss\n    interval: [\n", 3, "invalid YAML"),
        ("language: de\n", 1, "language"),
        ("timezone: Mars/Olympus\n", 1, "unknown time zone"),
        ("- just\n- a list\n", 1, "mapping"),
    ],
)
def test_config_errors_name_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert words in str(caught.value)


def test_environment_overrides(tmp_path):
    path = write(tmp_path, f"database: data/x.db\n{ONE_FEED}")
    env = {
        "MONITOR_DATABASE": "postgresql+psycopg://u@h/db",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_CHAT_ID": "-1001",
        "TELEGRAM_API_URL": "http://127.0.0.1:9/",
    }
    settings = load_settings(path, env=env)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.telegram_api_url == "http://127.0.0.1:9"
    assert settings.database_origin == "MONITOR_DATABASE"
    assert "secret" not in repr(settings)


def test_token_without_chat_is_an_error(tmp_path):
    path = write(tmp_path, ONE_FEED)
    with pytest.raises(ConfigError, match="TELEGRAM_CHAT_ID"):
        load_settings(path, env={"TELEGRAM_BOT_TOKEN": TOKEN})


def test_feeds_from_a_separate_file(tmp_path):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("- url: https://a.example/rss\n  interval: 1m\n- url: https://b.example/rss\n")
    path = write(tmp_path, f"interval: 7m\nfeeds: {feeds}\n")
    settings = load_settings(path, env={})
    assert [f.interval_s for f in settings.feeds] == [60, 420]
    feeds.write_text("- url: https://a.example/rss\n- urll: x\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert (caught.value.path, caught.value.line) == (str(feeds), 2)


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("data/monitor.db", "sqlite:///data/monitor.db"),
        ("/var/lib/m.db", "sqlite:////var/lib/m.db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url(value, url):
    assert database_url(value) == url
