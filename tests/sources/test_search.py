"""News-search sources from the watchlists, click links, headline suffixes, and the
publisher fields feed parsing keeps from Google-News-like and Bing-like RSS."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from monitor.config.settings import SearchSettings
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from monitor.models import FetchResult, ParsedFeed
from monitor.sources.feeds import parse_feed
from monitor.sources.search import (
    search_query,
    search_sources,
    search_terms,
    strip_publisher,
    unwrap_click,
)
from tests.paths import DATA

FEEDS = DATA / "feeds"
BING = "https://www.bing.com/news/search?format=rss&q={query}"
GOOGLE = "https://news.google.com/rss/search?q={query}&hl=tr&gl=TR&ceid=TR:tr"
SEARCH = SearchSettings(engines=(("bing", BING), ("google", GOOGLE)), interval_s=900.0, terms=3)


def entry(id: str, name: str, *aliases: str, misspellings: tuple[str, ...] = ()) -> WatchlistEntry:
    return WatchlistEntry(id=id, name=name, aliases=aliases, chat=None,
                          misspellings=misspellings)


TUSAS = entry("tusas", "TUSAŞ", "Türk Havacılık ve Uzay Sanayii", "TAI", "Tusas",
              "Turkish Aerospace", "TUSAŞ A.Ş.", misspellings=("TUAŞ",))
BULUNTU = entry("mustafa-buluntu", "Mustafa Buluntu", "Başkan Buluntu")
WATCHLISTS = Watchlists(entries=(TUSAS, BULUNTU), files=("kmtso.yaml",))


def query_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["q"][0]


# --- queries ------------------------------------------------------------------------------


def test_terms_skip_short_and_folded_duplicates_and_stop_at_limit() -> None:
    # "TAI" has 3 letters, "Tusas" folds to "TUSAŞ"; misspellings are never searched
    assert search_terms(TUSAS, 3) == ("TUSAŞ", "Türk Havacılık ve Uzay Sanayii",
                                      "Turkish Aerospace")
    assert search_terms(TUSAS, 1) == ("TUSAŞ",)
    assert search_terms(TUSAS, 8)[-1] == "TUSAŞ A.Ş."


def test_a_short_name_is_skipped_for_its_aliases_but_searched_when_alone() -> None:
    thy = entry("thy", "THY", "Türk Hava Yolları")
    assert search_terms(thy, 3) == ("Türk Hava Yolları",)
    assert search_terms(entry("ak", "AK", "A.K."), 3) == ("AK",)


def test_query_quotes_each_term_and_drops_inner_quotes() -> None:
    assert search_query(BULUNTU, 3) == '"Mustafa Buluntu" OR "Başkan Buluntu"'
    quoted = entry("x", 'Oda "Meclisi"  Toplantısı')
    assert search_query(quoted, 3) == '"Oda Meclisi Toplantısı"'


# --- sources ------------------------------------------------------------------------------


def test_one_fixed_interval_search_source_per_engine_and_entry() -> None:
    sources = search_sources(SEARCH, WATCHLISTS)
    assert [s.name for s in sources] == ["Bing: TUSAŞ", "Bing: Mustafa Buluntu",
                                         "Google: TUSAŞ", "Google: Mustafa Buluntu"]
    assert {(s.kind, s.fixed_interval, s.interval_s) for s in sources} == {("search", True, 900.0)}
    bing_tusas = sources[0].url
    expected = '"TUSAŞ" OR "Türk Havacılık ve Uzay Sanayii" OR "Turkish Aerospace"'
    assert bing_tusas == BING.replace("{query}", quote(expected, safe=""))
    assert query_of(bing_tusas) == expected
    assert " " not in bing_tusas and "Ş" not in bing_tusas
    google = sources[2].url
    assert google.startswith("https://news.google.com/rss/search?q=%22TUSA%C5%9E%22%20OR%20")
    assert google.endswith("&hl=tr&gl=TR&ceid=TR:tr")


def test_sources_are_deterministic_and_a_change_moves_only_its_entry() -> None:
    first = search_sources(SEARCH, WATCHLISTS)
    assert first == search_sources(SEARCH, WATCHLISTS)
    edited = Watchlists(entries=(TUSAS, entry("mustafa-buluntu", "Mustafa Buluntu")),
                        files=("kmtso.yaml",))
    changed = set(search_sources(SEARCH, edited)) ^ set(first)
    assert {s.name for s in changed} == {"Bing: Mustafa Buluntu", "Google: Mustafa Buluntu"}
    assert len(changed) == 4  # each engine: the old URL goes, the new one comes


def test_entries_with_the_same_query_share_one_source() -> None:
    twin = entry("tusas-2", "Tusaş", "Türk Havacılık ve Uzay Sanayii", "Turkish Aerospace")
    one_engine = SearchSettings(engines=(("mirror", "http://127.0.0.1:9/s?q={query}"),),
                                interval_s=60.0, terms=3)
    sources = search_sources(one_engine, Watchlists(entries=(TUSAS, twin), files=()))
    assert len(sources) == 2  # "Tusaş" is searched as written: another query
    same = search_sources(one_engine, Watchlists(entries=(TUSAS, TUSAS), files=()))
    assert [s.name for s in same] == ["Mirror: TUSAŞ"]
    assert same[0].url.startswith("http://127.0.0.1:9/s?q=%22TUSA%C5%9E%22")


def test_no_entries_no_sources() -> None:
    assert search_sources(SEARCH, Watchlists(entries=(), files=())) == ()


# --- click links --------------------------------------------------------------------------

CLICK = ("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=6A1B&url=https%3a%2f%2f"
         "www.aa.com.tr%2ftr%2fekonomi%2ftusas-1%3fx%3d1%26y%3d%c5%9f&c=118&mkt=tr-tr")


def test_unwrap_click_returns_the_publisher_url_with_its_own_query() -> None:
    assert unwrap_click(CLICK) == "https://www.aa.com.tr/tr/ekonomi/tusas-1?x=1&y=ş"


def test_unwrap_click_works_on_any_host_and_param_case() -> None:
    link = "http://127.0.0.1:8123/News/ApiClick.aspx?URL=http%3A%2F%2Fmaras.example%2Fh%2F1"
    assert unwrap_click(link) == "http://maras.example/h/1"


@pytest.mark.parametrize("link", [
    "http://www.bing.com/news/apiclick.aspx?ref=FexRss&tid=1",  # no url=
    "http://www.bing.com/news/apiclick.aspx?url=javascript%3aalert(1)",
    "http://www.bing.com/news/apiclick.aspx?url=ftp%3a%2f%2fx.example%2ff",
    "http://www.bing.com/news/apiclick.aspx?url=%2fhaber%2f1",  # relative
    "http://www.bing.com/news/apiclick.aspx?url=https%3a%2f%2f",  # no host
    "http://www.bing.com/news/apiclick.aspx?url=",
    "https://maras.example/haber/1?url=https%3a%2f%2fother.example%2f",  # no click link
    "http://[::1/news/apiclick.aspx?url=https%3a%2f%2fx.example%2f",  # unparseable
    "",
])
def test_unwrap_click_refuses_what_is_no_publisher_link(link: str) -> None:
    assert unwrap_click(link) is None


# --- headline suffixes --------------------------------------------------------------------


@pytest.mark.parametrize(("title", "publisher", "expected"), [
    ("TUSAŞ'tan yeni yatırım - Hürriyet", "Hürriyet", "TUSAŞ'tan yeni yatırım"),
    ("TUSAŞ'tan yeni yatırım | Hürriyet", "Hürriyet", "TUSAŞ'tan yeni yatırım"),
    ("TUSAŞ'tan yeni yatırım – HÜRRİYET ", "Hürriyet", "TUSAŞ'tan yeni yatırım"),
    ("Erkenez OSB büyüyor - Kahramanmaraş İstiklal", "KAHRAMANMARAŞ İSTİKLAL",
     "Erkenez OSB büyüyor"),
    ("Kahramanmaraş-Gaziantep yolu açıldı - Sabah", "Sabah", "Kahramanmaraş-Gaziantep yolu açıldı"),
    ("Yatırım sürecek - Kent Gazetesi", "Hürriyet", "Yatırım sürecek - Kent Gazetesi"),
    ("TUSAŞ'tan yeni yatırım - Hürriyet", None, "TUSAŞ'tan yeni yatırım - Hürriyet"),
    ("TUSAŞ'tan yeni yatırım - Hürriyet", "  ", "TUSAŞ'tan yeni yatırım - Hürriyet"),
    ("Hürriyet", "Hürriyet", "Hürriyet"),
    (" - Hürriyet", "Hürriyet", "- Hürriyet"),
    ("TUSAŞ-Hürriyet", "Hürriyet", "TUSAŞ-Hürriyet"),
])
def test_strip_publisher(title: str, publisher: str | None, expected: str) -> None:
    assert strip_publisher(title, publisher) == expected


# --- publisher fields from the feed -------------------------------------------------------


def parse_template(name: str, feed_url: str, **values: str) -> ParsedFeed:
    body = (FEEDS / name).read_text(encoding="utf-8")
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    result = FetchResult(url=feed_url, status=200, body=body.encode("utf-8"),
                         headers={"content-type": "application/rss+xml; charset=utf-8"})
    return parse_feed(result, feed_url=feed_url)


def test_google_like_items_keep_the_publisher_from_source() -> None:
    feed = parse_template("search_google.xml", "https://news.google.com/rss/search?q=x",
                          BASE="https://news.google.com", PUB="https://marasekspres.example",
                          GONE="https://kentgazetesi.example/")
    first = feed.entries[0]
    assert first.url is not None and first.url.startswith("https://news.google.com/rss/articles/")
    assert (first.source_url, first.source_name) == ("https://marasekspres.example",
                                                     "Maraş Ekspres")
    assert first.title.endswith(" - Maraş Ekspres")
    assert feed.entries[-1].source_name == "Kent Gazetesi"


def test_bing_like_items_keep_the_publisher_name_only() -> None:
    feed = parse_template("search_bing.xml", "https://www.bing.com/news/search?q=x",
                          BASE="https://www.bing.com", PUB_ENCODED="https%3a%2f%2fmaras.example")
    first = feed.entries[0]
    assert (first.source_url, first.source_name) == (None, "Maraş Ekspres")
    assert first.url is not None and unwrap_click(first.url) == (
        "https://maras.example/haber/101?kaynak=rss")


def test_atom_source_and_plain_feeds() -> None:
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>x</title><entry><title>t</title><id>urn:1</id><link href='/h/1'/>"
            "<source><title>Maraş &amp; Ekspres</title><link href='/'/><id>s</id></source>"
            "</entry><entry><title>u</title><id>urn:2</id><link href='/h/2'/></entry></feed>"
            ).encode()
    feed = parse_feed(FetchResult(url="https://agg.example/feed", status=200, body=atom,
                                  headers={}), feed_url="https://agg.example/feed")
    assert (feed.entries[0].source_url, feed.entries[0].source_name) == (
        "https://agg.example/", "Maraş & Ekspres")
    assert (feed.entries[1].source_url, feed.entries[1].source_name) == (None, None)


def test_a_source_url_that_is_no_http_url_is_dropped() -> None:
    feed = parse_template("search_google.xml", "https://news.google.com/rss/search?q=x",
                          BASE="https://news.google.com", PUB="javascript:alert(1)", GONE="")
    assert (feed.entries[0].source_url, feed.entries[0].source_name) == (None, "Maraş Ekspres")
    assert feed.entries[-1].source_url is None
