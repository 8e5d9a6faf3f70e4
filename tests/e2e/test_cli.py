"""The operator commands as a person runs them: check, match, feeds, help."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.e2e.conftest import DEVDATA, ROOT, run_cli, write_config

PAGES = DEVDATA / "pages"
LABELS = json.loads((PAGES / "labels.json").read_text(encoding="utf-8"))


def test_check_passes_on_the_shipped_config():
    result = run_cli(["check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "config/monitor.yaml: OK" in result.stdout
    for entry in ("km-havacilik", "mustafa-buluntu", "erkenez-osb", "tusas"):
        assert f"{entry}: precision 1.00 recall 1.00" in result.stdout


def broken_watchlists(tmp_path, old: str, new: str, file: str = "kmtso.yaml"):
    folder = tmp_path / "watchlists"
    shutil.copytree(ROOT / "watchlists", folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    config = tmp_path / "monitor.yaml"
    config.write_text(f"watchlists: {folder}\ndatabase: {tmp_path / 'm.db'}\n"
                      "feeds:\n  - url: https://a.example/rss\n", encoding="utf-8")
    return config, path


def line_of(path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_check_names_file_and_line_of_a_watchlist_typo(tmp_path):
    config, path = broken_watchlists(
        tmp_path, "    aliases:\n      - KM Aviation", "    alias:\n      - KM Aviation"
    )
    result = run_cli(["--config", str(config), "check"])
    assert result.returncode == 2
    assert f"{path}:{line_of(path, 'alias:')}" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_fails_when_an_example_breaks(tmp_path):
    config, _ = broken_watchlists(
        tmp_path, "expect: [km-havacilik]", "expect: []", file="kmtso.examples.yaml"
    )
    result = run_cli(["--config", str(config), "check"])
    assert result.returncode == 2
    assert "wrongly matched km-havacilik" in result.stdout


@pytest.mark.parametrize("page", sorted(LABELS))
def test_match_on_devdata_pages(page):
    result = run_cli(["match", "--json", str(PAGES / page)])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["input"] == str(PAGES / page)
    assert sorted(m["id"] for m in out["matches"]) == sorted(LABELS[page]["labels"])
    for match in out["matches"]:
        assert {"id", "name", "score", "snippet"} <= match.keys()


def test_match_reads_text_and_stdin(tmp_path):
    text = tmp_path / "note.txt"
    text.write_text("TUSAŞ'ın heyeti Erkenez OSB'yi gezdi.", encoding="utf-8")
    result = run_cli(["match", str(text)])
    assert result.returncode == 0
    assert "tusas (TUSAŞ)" in result.stdout and "erkenez-osb" in result.stdout
    piped = run_cli(["match", "--json", "--explain", "-"], input="Mustafa Bulut konuştu.")
    out = json.loads(piped.stdout)
    assert out["matches"] == [] and out["near_misses"]


def test_feeds_lists_every_configured_feed(tmp_path):
    config = write_config(tmp_path, ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"])
    result = run_cli(["--config", str(config), "feeds"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("NEW (not polled yet)") == 2
    assert "outbox: 0 pending" in result.stdout


@pytest.mark.parametrize("command", ["run", "check", "match", "feeds"])
def test_every_command_has_help(command):
    result = run_cli([command, "--help"])
    assert result.returncode == 0
    assert "usage: monitor" in result.stdout
