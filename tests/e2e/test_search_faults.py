"""Search engines that fail, and search items that point where they must not.

A search engine answering 503 or a CAPTCHA page is one log line and a failing
state in `monitor feeds`; a `<source url>` on a private address of another
origin is never fetched unless allow_private_networks is set (the alert then
falls back to the search headline, naming the outlet).
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import run_cli
from tests.e2e.test_outlet_web import alerts, story
from tests.paths import ROOT
from tests.servers.fakebot import FakeBotAPI
from tests.servers.feedserver import FeedServer
from tests.servers.outletweb import OutletWeb

CAPTCHA = ("<!doctype html><html><head><title>Bir robot olmadığınızı doğrulayın</title></head>"
           "<body><form action='/captcha'><div class='g-recaptcha'></div></form></body></html>")


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "monitor.yaml"
    path.write_text(f"database: {tmp_path / 'monitor.db'}\nwatchlists: {ROOT / 'watchlists'}\n"
                    + body, encoding="utf-8")
    return path


def test_an_engine_answering_503_or_a_captcha_is_a_failing_source(tmp_path: Path) -> None:
    with FeedServer() as busy, FeedServer() as robot:
        busy.add("/search", "Service Unavailable", status=503, content_type="text/plain",
                 headers={"Retry-After": "120"})
        robot.add("/search", CAPTCHA)
        path = write(tmp_path, "search:\n  engines:\n"
                               f'    busy: "{busy.url}/search?q={{query}}"\n'
                               f'    robot: "{robot.url}/search?q={{query}}"\n')
        done = run_cli(["--config", str(path), "run", "--once"])
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        polled = [line for line in done.stderr.splitlines() if "feed_polled" in line]
        assert len(polled) == 8  # 2 engines x 4 entries, one line each
        assert all("WARNING" in line for line in polled)
        assert sum("HTTP 503" in line for line in polled) == 4
        assert sum("not a feed" in line for line in polled) == 4
        table = run_cli(["--config", str(path), "feeds"]).stdout
        assert table.count("FAILING since") == 8
        assert "search" in table


def test_a_source_url_on_a_private_address_is_not_fetched(tmp_path: Path,
                                                          bot: FakeBotAPI) -> None:
    with OutletWeb() as web:
        inside = web.outlet("İç Ağ Haber", "wordpress")  # 127.0.0.1: private, another origin
        item = story(inside, "tusas-ic", "TUSAŞ iç ağda haber oldu",
                     "TUSAŞ hakkında iç ağdaki bir sitede çıkan haber.")
        web.google.index(inside.name, inside.home, item)
        path = write(tmp_path, "search:\n  engines:\n"
                               f'    google: "{web.google.template}"\n')
        done = run_cli(["--config", str(path), "run", "--once"], bot=bot)
        assert done.returncode == 0, done.stderr[-2000:]
        assert inside.server.requests == []
        [alert] = alerts(bot)
        assert "İç Ağ Haber" in alert and "okunamadı" in alert
        assert "blocked non-public address" in done.stderr
