"""Watchlist loading, validation with file and line, reloading, examples files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.config.examples import find_example_files, load_examples
from monitor.config.watchlists import WatchlistReloader, load_watchlists
from monitor.errors import ConfigError
from tests.paths import ROOT

GOOD = "entries:\n  - id: acme\n    name: Acme\n    aliases: [Acme A.Ş.]\n"


def test_shipped_watchlist() -> None:
    lists = load_watchlists(ROOT / "watchlists")
    assert [e.id for e in lists.entries] == ["km-havacilik", "mustafa-buluntu",
                                             "erkenez-osb", "tusas"]
    assert all(not f.endswith(".examples.yaml") for f in lists.files)
    tusas = lists.entries[3]
    assert tusas.name == "TUSAŞ" and "Türk Havacılık ve Uzay Sanayii" in tusas.aliases
    assert tusas.line > 0 and tusas.path.endswith("kmtso.yaml")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("entries:\n  - id: a\n    name: A\n    colour: red\n", 4, "unknown key"),
        ("entries:\n  - id: a\n    name: ''\n", 3, "name"),
        ("entries:\n  - id: a\n    name: '  '\n", 3, "name"),
        ("entries:\n  - id: Bad Id\n    name: A\n", 2, "id"),
        ("entries:\n  - name: A\n", 2, "id"),
        ("entries:\n  - id: a\n    name: A\n    threshold: 20\n", 4, "threshold"),
        ("entries:\n  - id: a\n    name: A\n    needs_context: [A]\n", 2, "context"),
        ("entries:\n  - id: a\n    name: A\n  - id: a\n    name: B\n", 4, "duplicate id"),
        ("entries:\n  - id: a\n    name: '!!'\n", 2, "no letters"),
        ("entries:\n  - id: a\n    name: [\n", 3, "invalid YAML"),
        ("entries:\n  - id: a\n    name: A\n    aliases: B\n", 4, "aliases"),
        ("entries:\n  - id: a\n    name: TUSAŞ\n    not_within: [TEI]\n", 4,
         "not_within 'TEI' contains none of this entry's names"),
        ("entries:\n  - id: a\n    name: TUSAŞ\n    aliases: [TUSAŞ Motor]\n"
         "    not_within:\n      - TUSAŞ Motor Sanayii\n      - tusaş motor\n", 7,
         "not_within 'tusaş motor' is also a name of this entry"),
        ("entries:\n  - id: a\n    name: A\n    not_within: B\n", 4, "not_within"),
        ("entries:\n  - id: a\n    name: Mustafa Buluntu\n    capitalised:\n"
         "      - Buluntu\n      - buluntu\n", 6, "capitalised 'buluntu' has no capital"),
        ("entries:\n  - id: a\n    name: Mustafa Buluntu\n    capitalised: [Bulut]\n", 4,
         "capitalised 'Bulut' is in none of this entry's names"),
        ("entries:\n  - id: a\n    name: A\n    not_witin: [B]\n", 4, "unknown key"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_watchlists(path)
    assert err.value.path == str(path) and err.value.line == line, str(err.value)
    assert message in str(err.value)


def test_new_keys_are_read(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("entries:\n  - id: t\n    name: TUSAŞ\n    aliases: [Turkish Aerospace]\n"
                    "    not_within: [TUSAŞ Motor Sanayii]\n"
                    "    capitalised: [Turkish Aerospace, TUSAŞ]\n", encoding="utf-8")
    (entry,) = load_watchlists(path).entries
    assert entry.not_within == ("TUSAŞ Motor Sanayii",)
    assert entry.capitalised == ("Turkish Aerospace", "TUSAŞ")


def test_shipped_watchlist_names_classes() -> None:
    entries = {e.id: e for e in load_watchlists(ROOT / "watchlists").entries}
    tusas, km = entries["tusas"], entries["km-havacilik"]
    assert "TUSAŞ Motor Sanayii" in tusas.not_within
    assert "TUSAŞ Motor Sanayii" not in tusas.aliases  # another company
    assert "TAI" in tusas.needs_context and "TAI" in tusas.capitalised
    assert {"KM Uzay ve Havacılık A.Ş.", "KM Uzay ve Havacılık"} <= set(km.aliases)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.yaml:2: duplicate id 'acme'.*a\.yaml:2"):
        load_watchlists(tmp_path)


def test_folder_skips_examples_and_needs_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no watchlist files"):
        load_watchlists(tmp_path)
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a.examples.yaml").write_text("examples: []\n", encoding="utf-8")
    assert [e.id for e in load_watchlists(tmp_path).entries] == ["acme"]
    assert find_example_files(tmp_path) == [tmp_path / "a.examples.yaml"]
    assert find_example_files(tmp_path / "a.yaml") == [tmp_path / "a.examples.yaml"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_watchlists(tmp_path / "nope.yaml")


def test_reloader_keeps_last_good(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(GOOD, encoding="utf-8")
    reloader = WatchlistReloader(path)
    assert reloader.reload_if_changed() is None
    path.write_text(GOOD + "    colour: red\n", encoding="utf-8")
    error = reloader.reload_if_changed()
    assert isinstance(error, ConfigError) and error.line == 5
    assert reloader.reload_if_changed() is None  # same bad content: reported once
    assert [e.name for e in reloader.current.entries] == ["Acme"]
    path.write_text(GOOD.replace("name: Acme", "name: Acme Yeni"), encoding="utf-8")
    os.utime(path)
    assert reloader.reload_if_changed() is None
    assert [e.name for e in reloader.current.entries] == ["Acme Yeni"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("examples:\n  - text: a\n    expect: [nope]\n", 3, "unknown entry id 'nope'"),
        ("examples:\n  - text: a\n", 2, "expect"),
        ("examples:\n  - text: ''\n    expect: []\n", 2, "no text"),
        ("examples:\n  - text: a\n    expect: []\n    extra: 1\n", 4, "unknown key"),
    ],
)
def test_example_errors(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "w.examples.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_examples(path, ["acme"])
    assert err.value.line == line and message in str(err.value), str(err.value)


def test_examples_load(tmp_path: Path) -> None:
    path = tmp_path / "w.examples.yaml"
    path.write_text("examples:\n  - title: T\n    text: a\n    expect: [acme]\n",
                    encoding="utf-8")
    (ex,) = load_examples(path, ["acme"])
    assert (ex.title, ex.text, ex.labels, ex.line) == ("T", "a", frozenset({"acme"}), 2)
