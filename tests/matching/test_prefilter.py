"""The prefilter never turns down a page that matches after full extraction.

Every page in tests/data (labelled pages, held-out, devdata, realweb, layout
cases) and every labelled snippet, written plainly and with the markup that
splits or hides a name (tags inside and between words, entities, soft hyphens,
capitals), is checked against the shipped and the replay watchlists.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from monitor.config.watchlists import load_watchlists
from monitor.errors import ExtractError
from monitor.matching.matcher import Matcher
from monitor.matching.prefilter import could_match, decode_page
from monitor.matching.watchlist import Watchlists
from monitor.sources.extract import extract_article
from tests.paths import DATA, ROOT

MATCHERS = {"shipped": Matcher(load_watchlists(ROOT / "watchlists")),
            "replay": Matcher(load_watchlists(DATA / "replay" / "kmtso.yaml"))}
PAGES = sorted(DATA.rglob("*.html"))
SNIPPETS = [json.loads(line)["text"]
            for name in ("labelled/positives.jsonl", "labelled/negatives.jsonl",
                         "heldout/snippets.jsonl", "devdata/snippets.jsonl")
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
PLAIN = ("<html><head><title>Haber</title></head><body><article><p>Belediye meclisi "
         "toplandı ve yeni yatırım projelerini görüştü.</p></article></body></html>")


def variants(text: str) -> dict[str, str]:
    """The snippet as a page, written in the ways markup can split or hide a name."""
    words = html.escape(text).split(" ")
    return {
        "plain": f"<p>{html.escape(text)}</p>",
        "bold words": "<p>" + " ".join(f"<b>{w}</b>" for w in words) + "</p>",
        "split words": "<p>" + " ".join(f"{w[:2]}<span>{w[2:]}</span>" for w in words) + "</p>",
        "soft hyphens": "<p>" + " ".join(f"{w[:3]}&shy;{w[3:]}" for w in words) + "</p>",
        "entities": "<p>" + "".join(f"&#{ord(c)};" if ord(c) > 127 else c
                                    for c in html.escape(text)) + "</p>",
        "br between": "<p>" + "<br>".join(words) + "</p>",
        "og:title": f"<meta property='og:title' content='{html.escape(text, quote=True)}'>",
    }


@pytest.mark.parametrize("which", sorted(MATCHERS))
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(DATA).as_posix())
def test_every_page_that_matches_passes(path: Path, which: str) -> None:
    matcher, raw = MATCHERS[which], path.read_bytes()
    try:
        article = extract_article(raw, url="http://example.org/haber", content_type=None)
    except ExtractError:
        return
    if matcher.find_matches(article.title, article.text):
        assert could_match(raw, matcher), f"{path.name} matches but the filter drops it"


@pytest.mark.parametrize("which", sorted(MATCHERS))
def test_every_snippet_that_matches_passes_in_any_markup(which: str) -> None:
    matcher, dropped, matching = MATCHERS[which], [], 0
    for text in SNIPPETS:
        if not matcher.find_matches("", text):
            continue
        matching += 1
        for how, page in variants(text).items():
            if not could_match(page.encode("utf-8"), matcher):
                dropped.append((how, text))
        legacy = f"<p>{html.escape(text)}</p>".encode("cp1254", "ignore")
        if text.isascii() is False and legacy.decode("cp1254") == f"<p>{html.escape(text)}</p>" \
                and not could_match(legacy, matcher):
            dropped.append(("windows-1254", text))
    assert matching > 40
    assert not dropped


def test_turkish_capitals_and_case() -> None:
    matcher = MATCHERS["shipped"]
    for text in ("KM HAVACILIK'TA İŞ FIRSATI", "Kentte km havacılık fuarı", "TUSAŞ'TAN BURS",
                 "Erkenez O.S.B. yönetimi", "ERKENEZ ORGANİZE SANAYİ BÖLGESİ'nde"):
        escaped = html.escape(text).replace("İ", "&#304;")
        page = f"<html><body><h1>{escaped}</h1></body></html>".encode()
        if matcher.find_matches("", text):
            assert could_match(page, matcher), text


def test_a_page_naming_nobody_is_dropped() -> None:
    for matcher in MATCHERS.values():
        assert not could_match(PLAIN.encode(), matcher)
        assert could_match(PLAIN.replace("toplandı", "KM Havacılık için toplandı").encode(),
                           matcher)


def test_the_feed_title_or_summary_counts() -> None:
    matcher = MATCHERS["shipped"]
    assert could_match(PLAIN.encode(), matcher, "TUSAŞ'tan yeni ihale", "")
    assert could_match(PLAIN.encode(), matcher, "", "Kentte KM Havacılık fuarı")
    assert not could_match(PLAIN.encode(), matcher, "Belediye haberleri", "Yol çalışması")


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe\x00", b"<b", b"<<<>>>&&&;", b"\x00" * 64,
                                 "<p>TUSA\u015e</p>".encode("utf-16"), b"<p>&#xZZ; &#99999999;"])
def test_bad_input_is_read_without_error(raw: bytes) -> None:
    assert isinstance(could_match(raw, MATCHERS["shipped"]), bool)


def test_utf16_with_bom_is_read() -> None:
    assert could_match("<p>TUSAŞ ihalesi</p>".encode("utf-16"), MATCHERS["shipped"])


def test_windows_1254_page_is_decoded() -> None:
    assert decode_page("<p>Kahramanmaraş</p>".encode("cp1254")) == "<p>Kahramanmaraş</p>"


def test_an_empty_watchlist_matches_nothing() -> None:
    assert not could_match(b"<p>TUSAS</p>", Matcher(Watchlists((), ())))
