"""`monitor replay` and `monitor near-misses` over a database filled by a real `run --once`,
and the worker's one-line replay of a hot-reloaded edit."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from monitor.config.settings import load_settings
from monitor.service import Service, utcnow
from monitor.store.schema import articles
from tests.e2e.conftest import ROOT, run_cli, write_config
from tests.paths import DATA, DEVDATA
from tests.servers.feedserver import FeedServer

# the shipped watchlist as these tests were written, so its later edits do not move them
LIVE = DATA / "replay" / "kmtso.yaml"
# one alias that makes d4 alert, one exclude that silences d3, one that drops an entry of d6
EDITS = (
    ("      - KM Aviation\n", "      - KM Aviation\n      - KOBİ\n"),
    ("      - Erkenek OSB\n", "      - Erkenek OSB\n      - Erkenez OSB'de kreş\n"),
    ("      - Mustafa Bulut\n", "      - Mustafa Bulut\n      - KMTSO Başkanı Mustafa Buluntu\n"),
)


def configure(folder, url: str, watchlists=LIVE.parent, **extra: str):
    """A config over `url` whose live watchlists are `watchlists`."""
    config = write_config(folder, [url], max_age="60d", **extra)
    config.write_text(config.read_text(encoding="utf-8").replace(
        str(ROOT / "watchlists"), str(watchlists)), encoding="utf-8")
    return config


def edited(folder, edits=EDITS):
    watchlist = LIVE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in watchlist
        watchlist = watchlist.replace(old, new, 1)
    path = folder / "edited.yaml"
    path.write_text(watchlist, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A config whose database holds the six devdata articles, stored by `run --once`."""
    folder = tmp_path_factory.mktemp("replay")
    with FeedServer() as server:
        server.add_dir("/pages", DEVDATA / "pages")
        url = server.add_template("/dev.xml", DEVDATA / "feeds" / "dev.xml")
        config = configure(folder, url)
        result = run_cli(["--config", str(config), "run", "--once"])
        assert result.returncode == 0, result.stderr
    return config


def page_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def test_every_stored_article_keeps_its_text(filled):
    engine = create_engine(f"sqlite:///{filled.parent / 'monitor.db'}")
    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.url, articles.c.text)).all()
    engine.dispose()
    texts = {page_of(row.url): row.text for row in rows}
    assert sorted(texts) == ["d1", "d2", "d3", "d4", "d5", "d6"]  # matched or not
    assert "kayak sezonunun" in texts["d5"] and "kredi paketi" in texts["d4"]


def test_replay_lists_exactly_the_articles_whose_verdict_changes(filled):
    before = LIVE.read_bytes()
    result = run_cli(["--config", str(filled), "replay", "--watchlists",
                      str(edited(filled.parent))])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    heads = [line.split()[0] for line in out.splitlines() if line[:1].isupper()]
    assert sorted(heads) == ["CHANGED", "NEW", "STOP"]  # in article order: polls run in parallel
    assert "pages/d3.html" in out and "pages/d4.html" in out and "pages/d6.html" in out
    for page in ("d1", "d2", "d5"):
        assert f"pages/{page}.html" not in out
    assert "+ km-havacilik (KM Havacılık) via 'KOBİ': Savunma sanayiinde [KOBİ'lere]" in out
    assert "- erkenez-osb (Erkenez OSB)" in out and "excluded by context" in out
    assert out.rstrip().endswith("1 would newly alert, 1 would stop alerting, "
                                 "1 would change their entries")
    assert "6 stored articles since" in out
    assert LIVE.read_bytes() == before


def test_replay_json_is_one_object_per_changed_article(filled):
    result = run_cli(["--config", str(filled), "replay", "--json", "--since", "30d",
                      "--watchlists", str(edited(filled.parent))])
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_page = {page_of(row["url"]): row for row in rows}
    assert {page: row["change"] for page, row in by_page.items()} == {
        "d3": "stop", "d4": "new", "d6": "changed"}
    d6 = by_page["d6"]
    assert d6["before"] == ["mustafa-buluntu", "erkenez-osb"] and d6["after"] == ["erkenez-osb"]
    assert [m["id"] for m in d6["removed"]] == ["mustafa-buluntu"]
    assert any("'Mustafa Buluntu' excluded by context" in r for r in d6["reasons"])
    assert by_page["d4"]["added"][0]["matched"] == "KOBİ'lere"


def test_an_unchanged_copy_changes_nothing(filled):
    result = run_cli(["--config", str(filled), "replay", "--watchlists", str(LIVE)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [result.stdout.splitlines()[0]]
    assert "0 would newly alert, 0 would stop alerting, 0 would change" in result.stdout


def test_since_leaves_out_older_articles(filled, tmp_path):
    result = run_cli(["--config", str(filled), "replay", "--since", "1s",
                      "--watchlists", str(edited(tmp_path))])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 stored articles since")


def test_a_broken_watchlist_exits_2_naming_file_and_line(filled, tmp_path):
    broken = edited(tmp_path, [("  - id: tusas\n", "  - id: tusas\n    nmae: x\n")])
    line = broken.read_text(encoding="utf-8").splitlines().index("    nmae: x") + 1
    result = run_cli(["--config", str(filled), "replay", "--watchlists", str(broken)])
    assert result.returncode == 2
    assert f"{broken}:{line}" in result.stderr and "nmae" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [["--watchlists", "/nonexistent/w.yaml"],
                                  ["--since", "14", "--watchlists", str(LIVE)],
                                  ["--since", "two weeks", "--watchlists", str(LIVE)]])
def test_bad_arguments_exit_2(filled, args):
    result = run_cli(["--config", str(filled), "replay", *args])
    assert result.returncode == 2
    assert "error" in result.stderr and "Traceback" not in result.stderr


def test_near_misses_list_the_near_case_with_count_and_snippet(filled):
    result = run_cli(["--config", str(filled), "near-misses"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 near miss in 6 stored articles of the last 7 days"
    assert lines[1] == "1× km-havacilik: 've havacılık' ~ 'KM Havacılık': score 83 < 90 threshold"
    assert "Savunma [ve havacılık] sektöründe" in lines[2]


def test_near_misses_of_one_entry_and_an_unknown_one(filled):
    other = run_cli(["--config", str(filled), "near-misses", "--entry", "tusas"])
    assert other.returncode == 0, other.stderr
    assert other.stdout.splitlines() == ["0 near misses in 6 stored articles of the last 7 days"]
    unknown = run_cli(["--config", str(filled), "near-misses", "--entry", "tusass"])
    assert unknown.returncode == 2 and "tusass" in unknown.stderr


async def test_a_hot_reload_logs_the_replay_and_a_failing_replay_keeps_the_reload(
    tmp_path, feed_server, caplog
):
    caplog.set_level(logging.INFO)
    url = feed_server.add_template("/dev.xml", DEVDATA / "feeds" / "dev.xml")
    folder = tmp_path / "watchlists"
    shutil.copytree(LIVE.parent, folder)
    config = configure(tmp_path, url, folder)
    async with Service(load_settings(config, env={})) as service:
        await service.run_once()
        edited(tmp_path, EDITS[:1]).replace(folder / "kmtso.yaml")
        await service.reload_watchlists()
        assert "watchlist_replay new=1 stop=0 changed=0 articles=6" in caplog.text
        with service.store.engine.begin() as conn:  # a real failure: the table is gone
            conn.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
        edited(tmp_path, EDITS[1:2]).replace(folder / "kmtso.yaml")
        await service.reload_watchlists()
        assert "watchlist_replay_failed" in caplog.text
        assert "Erkenez OSB'de kreş" in service._watchlists.entries[2].exclude  # reloaded


async def test_texts_past_retention_are_pruned_at_start(tmp_path, feed_server):
    url = feed_server.add_template("/dev.xml", DEVDATA / "feeds" / "dev.xml")
    config = configure(tmp_path, url, article_retention="10d")
    settings = load_settings(config, env={})
    async with Service(settings) as service:
        await service.run_once()
    later = utcnow() + timedelta(days=11)
    async with Service(settings, clock=lambda: later) as service:
        with service.store.engine.connect() as conn:
            kept = conn.execute(select(articles.c.text)).scalars().all()
    assert len(kept) == 6 and kept == [None] * 6
