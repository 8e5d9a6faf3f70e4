"""`monitor near-misses`: what explain() says the matcher turned down, grouped and counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config.settings import load_settings
from monitor.errors import InputError
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from monitor.reports.near_misses import (
    NearMisses,
    near_miss_lines,
    near_misses,
    phrase_of,
    print_near_misses,
    snippet_of,
)
from monitor.store.articles import StoredArticle
from tests.paths import ROOT

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KM = WatchlistEntry("km-havacilik", "KM Havacılık", ("KM Aviation",), None)
BULUNTU = WatchlistEntry("mustafa-buluntu", "Mustafa Buluntu", ("Başkan Buluntu",), None,
                         needs_context=("Buluntu",), context=("KMTSO",),
                         capitalised=("Buluntu",))
MATCHER = Matcher(Watchlists((KM, BULUNTU), ()))
NEAR = "Savunma ve havacılık sektöründe tedarikçi firmalar için yeni destek"


def article(n: int, title: str, body: str = "") -> StoredArticle:
    return StoredArticle(n, title, body, "Gazete", f"https://news.example/{n}", None, NOW)


def test_groups_are_counted_per_article_and_sorted_by_count():
    rows = [article(1, "Destek paketi", NEAR), article(2, "Buluntu dün konuştu"),
            article(3, "Yeni destek", NEAR + ". " + NEAR), article(4, "Kayak sezonu açıldı")]
    found = near_misses(rows, MATCHER)
    assert found.articles == 4
    assert [(g.entry_id, g.count, g.article_id) for g in found.groups] == [
        ("km-havacilik", 2, 1), ("mustafa-buluntu", 1, 2)]
    near = found.groups[0]
    assert near.reason == "'ve havacılık' ~ 'KM Havacılık': score 83 < 90 threshold"
    assert near.phrase == "ve havacılık"
    assert near.snippet == ("Savunma [ve havacılık] sektöründe tedarikçi firmalar için yeni "
                            "destek")
    assert found.groups[1].reason == "'Buluntu' needs context (one of: KMTSO)"
    assert found.groups[1].snippet == "[Buluntu] dün konuştu"


def test_an_entry_that_matched_is_no_near_miss_and_entry_filters():
    matched = article(1, "KM Havacılık büyüyor", NEAR)  # the near phrase, but the entry matched
    assert near_misses([matched], MATCHER).groups == []
    rows = [article(2, "x", NEAR), article(3, "Buluntu geldi")]
    only = near_misses(rows, MATCHER, entry_id="mustafa-buluntu")
    assert [g.entry_id for g in only.groups] == ["mustafa-buluntu"] and only.articles == 2


def test_lower_case_names_are_reported():
    found = near_misses([article(1, "mustafa buluntu geldi")], MATCHER)
    assert {g.entry_id for g in found.groups} == {"mustafa-buluntu"}
    assert any("must be capitalised" in g.reason for g in found.groups)


@pytest.mark.parametrize(("reason", "phrase"), [
    ("'Buluntu' needs context (one of: KMTSO)", "Buluntu"),
    ("\"Erkenez OSB'de kreş\" is excluded", "Erkenez OSB'de kreş"),
    ("'a\\'b' ~ 'x'", "a'b"),
    ("nothing quoted here", ""),
    ("", ""),
])
def test_phrase_of(reason, phrase):
    assert phrase_of(reason) == phrase


def test_snippets_are_cut_at_words_and_fall_back_to_the_title():
    long = " ".join(f"kelime{i}" for i in range(40)) + " TUSAŞ " + " ".join(
        f"son{i}" for i in range(40))
    snip = snippet_of(article(1, "Başlık", long), "tusaş")  # case does not matter
    assert snip.startswith("…kelime") and snip.endswith("…") and "[TUSAŞ]" in snip
    assert len(snip) < 2 * 60 + 20 and " kelime" in snip
    assert snippet_of(article(2, "Başlık", "metin"), "yok") == "Başlık"
    assert snippet_of(article(3, "Başlık", "metin"), "") == "Başlık"


def test_lines_show_count_reason_and_snippet():
    found = near_misses([article(1, "x", NEAR), article(2, "y", NEAR)], MATCHER)
    lines = near_miss_lines(found, 7)
    assert lines == [
        "1 near miss in 2 stored articles of the last 7 days",
        "2× km-havacilik: 've havacılık' ~ 'KM Havacılık': score 83 < 90 threshold",
        "   #1: Savunma [ve havacılık] sektöründe tedarikçi firmalar için yeni destek",
    ]
    assert near_miss_lines(NearMisses(0, []), 0.5) == [
        "0 near misses in 0 stored articles of the last 0.5 days"]


def test_an_unknown_entry_is_an_input_error(tmp_path):
    config = tmp_path / "monitor.yaml"
    config.write_text(f"database: {tmp_path / 'm.db'}\nwatchlists: {ROOT / 'watchlists'}\n"
                      "feeds:\n  - url: https://news.example/rss\n", encoding="utf-8")
    settings = load_settings(config, env={})
    with pytest.raises(InputError, match="tusass"):
        print_near_misses(settings, entry_id="tusass", since_s=86400, write=print)
    out: list[str] = []
    print_near_misses(settings, entry_id="tusas", since_s=86400, write=out.append)
    assert out == ["0 near misses in 0 stored articles of the last 1 days\n"]
