"""`monitor digest` and `monitor history` run as an operator runs them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from monitor.messages.markup import utf16_len
from monitor.store.database import Store
from tests.e2e.conftest import CHAT, run_cli, write_config
from tests.records import Recorder

DAY = date(2026, 11, 28)


@pytest.fixture
def config(tmp_path):
    """A config whose database holds 15 days of matches; the last day has long titles."""
    path = write_config(tmp_path, ["http://127.0.0.1:9/rss"])
    store = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    rec = Recorder(store)
    for back in range(15):
        start = datetime(2026, 11, 28, 6, tzinfo=UTC) - timedelta(days=back)
        for i in range(back % 3 + 1):
            rec.add(start + timedelta(hours=i), ["tusas"], title=f"TUSAŞ haberi {back}-{i}")
    for i in range(6):
        rec.add(datetime(2026, 11, 28, 12, i, tzinfo=UTC), ["km-havacilik", "erkenez-osb"],
                title=f"KM Havacılık & Erkenez OSB <{i}> " + "yatırım haberi " * 12,
                outlet="Kahramanmaraş Manşet")
    store.close()
    return path


def test_digest_out_writes_the_chart_and_prints_the_text(config, tmp_path):
    out = tmp_path / "charts" / "digest.png"
    result = run_cli(["--config", str(config), "digest", "--date", DAY.isoformat(),
                      "--out", str(out)])
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size == (1200, 700)
    assert "Günlük özet: 28 Kasım 2026" in result.stdout
    assert "KM Havacılık: 6" in result.stdout and "TUSAŞ: 1" in result.stdout
    assert "KM Havacılık & Erkenez OSB <5>" in result.stdout  # plain text, unescaped
    assert str(out) in result.stdout


def test_digest_is_sent_as_a_photo_then_the_text(config, bot):
    result = run_cli(["--config", str(config), "digest", "--date", DAY.isoformat()], bot=bot)
    assert result.returncode == 0, result.stderr
    photo, text = bot.messages
    assert photo.method == "sendPhoto" and photo.chat_id == CHAT
    assert isinstance(photo.photo, bytes)
    assert Image.open(io.BytesIO(photo.photo)).size == (1200, 700)
    assert photo.parse_mode == "HTML" and utf16_len(photo.text) <= 1024
    assert "28 Kasım 2026" in photo.text
    assert text.method == "sendMessage" and "&lt;5&gt;" in text.text
    assert bot.violations == [] and bot.token not in result.stdout + result.stderr


def test_bad_date_is_a_usage_error(config):
    result = run_cli(["--config", str(config), "digest", "--date", "28.11.2026"])
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_history_csv_and_json(config):
    since = ["--config", str(config), "history", "--since", "2026-11-28"]
    result = run_cli([*since, "--csv"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeffmatched_at,entry_id,entry_name,")
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert len(rows) == 1 + 12
    assert {r["entry_id"] for r in rows} == {"tusas", "km-havacilik", "erkenez-osb"}
    assert rows[0]["matched_at"] == "2026-11-28T09:00:00+03:00"

    result = run_cli([*since, "--json", "--entry", "tusas"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["title"] for r in data] == ["TUSAŞ haberi 0-0"]
    assert "TUSAŞ" in result.stdout  # ensure_ascii=False

    result = run_cli(["--config", str(config), "history"])
    assert result.returncode == 0
    assert re.fullmatch(r"\d+ matches in \d+ stories", result.stdout.rstrip().splitlines()[-1])


def test_history_of_an_unknown_entry_warns(config):
    result = run_cli(["--config", str(config), "history", "--entry", "no-such", "--json"])
    assert result.returncode == 0
    assert json.loads(result.stdout) == []
    assert "unknown entry id 'no-such'" in result.stderr
