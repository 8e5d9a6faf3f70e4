"""Feed parsing, charsets and URLs: charset traps, identity, dates, summaries, bad documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import FeedError
from monitor.models import FetchResult
from monitor.sources.charset import decode_document
from monitor.sources.feeds import parse_feed, strip_html
from monitor.sources.urls import canonical_url, resolve_link, same_origin
from tests.paths import DATA, DEVDATA

FEEDS = DATA / "feeds"
FEED_URL = "https://maras.example/rss"


def result(body: bytes, content_type: str | None = "application/rss+xml", url: str = FEED_URL):
    headers = {"content-type": content_type} if content_type else {}
    return FetchResult(url=url, status=200, body=body, headers=headers)


def parse_file(name: str, content_type: str | None = "application/rss+xml", url: str = FEED_URL):
    return parse_feed(result((FEEDS / name).read_bytes(), content_type, url), feed_url=url)


# --- charset traps: every variant must yield the same Turkish text --------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("cp1254_declared_utf8.xml", "application/rss+xml"),
        ("cp1254_declared_utf8.xml", None),
        ("cp1254_declared_utf8.xml", "text/xml; charset=utf-8"),
        ("cp1254_declared_utf8.xml", "text/xml; charset=windows-1254"),
        ("utf8_served_as_cp1254.xml", "application/rss+xml; charset=windows-1254"),
        ("utf8_served_as_cp1254.xml", "text/xml; charset=iso-8859-9"),
        ("utf8_declared_cp1254.xml", "application/rss+xml"),
        ("cp1254_declared_latin1.xml", "application/rss+xml"),
        ("cp1254_declared_latin1.xml", "text/xml; charset=ISO-8859-1"),
        ("cp1254_no_declaration.xml", "text/xml"),
        ("cp1254_no_declaration.xml", "text/html"),
        ("iso8859_9.xml", "application/rss+xml"),
        ("utf16_bom.xml", "application/rss+xml"),
    ],
)
def test_charset_traps(name: str, content_type: str | None) -> None:
    parsed = parse_file(name, content_type)
    assert parsed.title == "Maraş Gündem"
    (entry,) = parsed.entries
    assert entry.title == "TUSAŞ'ın yeni tesisi açıldı"
    assert entry.summary == "Şirketin ığdır, çorum ve şanlıurfa ziyaretleri sürüyor."
    assert parsed.error is None


@pytest.mark.parametrize(
    ("data", "http", "expected", "codec"),
    [
        ("ığüşöç".encode(), None, "ığüşöç", "utf-8"),
        ("ığüşöç".encode(), "windows-1254", "ığüşöç", "utf-8"),
        ("ığüşöç".encode("cp1254"), "utf-8", "ığüşöç", "cp1254"),
        ("ığüşöç".encode("cp1254"), "iso-8859-9", "ığüşöç", "iso8859-9"),
        ("ığüşöç".encode("cp1254"), "latin-1", "ığüşöç", "cp1254"),
        ("ığüşöç".encode("cp1254"), "no-such-charset", "ığüşöç", "cp1254"),
        ("café".encode("cp1252"), "windows-1252", "café", "cp1252"),
        (b"\xef\xbb\xbfabc", None, "abc", "utf-8"),
        ("ş".encode("utf-16"), None, "ş", "utf-16-le"),
        (b"plain ascii", "utf-8", "plain ascii", "utf-8"),
    ],
)
def test_decode_document(data: bytes, http: str | None, expected: str, codec: str) -> None:
    assert decode_document(data, http=http) == (expected, codec)


def test_decode_document_uses_meta_charset() -> None:
    page = '<meta charset="iso-8859-9"><p>Şişli</p>'.encode("iso-8859-9")
    assert decode_document(page)[0].endswith("Şişli</p>")


# --- the dev feed ---------------------------------------------------------------------------


def test_dev_feed() -> None:
    body = (DEVDATA / "feeds" / "dev.xml").read_bytes().replace(b"{BASE}", b"http://127.0.0.1:8080")
    parsed = parse_feed(result(body), feed_url="http://127.0.0.1:8080/feeds/dev.xml")
    assert parsed.error is None
    assert parsed.title == "Geliştirme Akışı - Kahramanmaraş Haberleri"
    assert len(parsed.entries) == 6
    by_key = {e.key: e for e in parsed.entries}
    d2 = by_key["savunma-postasi-haber-41037"]
    assert d2.url == "http://127.0.0.1:8080/pages/d2.html"
    assert d2.published == datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    assert d2.author == "Savunma Postası"
    assert d2.summary.startswith("TUSAŞ'ın tedarik zinciri")
    d1 = by_key["http://127.0.0.1:8080/pages/d1.html"]
    assert d1.summary == "Şirket, ölçüm ve malzeme testleri için…"  # CDATA HTML stripped
    assert all(e.published and e.published.tzinfo is UTC for e in parsed.entries)


# --- identity, links, dates -----------------------------------------------------------------


def test_entry_identity_and_links() -> None:
    parsed = parse_file("identity.xml", url="https://k.example/rss")
    titles = [e.title for e in parsed.entries]
    assert "Aynı guid, ikinci kopya" not in titles  # duplicate guid: first wins
    by_title = {e.title: e for e in parsed.entries}
    assert by_title["Guid var"].key == "id-1"
    only_link = by_title["Sadece link"]
    assert only_link.key == "https://k.example/b?utm_campaign=x&id=7#yorumlar"
    assert only_link.canonical_url == "https://k.example/b?id=7"
    bare = by_title["Ne link ne guid"]
    assert bare.key.startswith("sha256:") and bare.url is None and bare.canonical_url is None
    assert bare.published == datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
    assert by_title["Göreli link"].url == "https://k.example/haber/c"
    assert by_title["Javascript link"].url is None
    assert by_title["Permalink guid"].url == "https://k.example/perma"
    assert by_title["Bozuk tarih"].published is None
    assert len({e.key for e in parsed.entries}) == len(parsed.entries)


def test_keys_are_stable_across_parses() -> None:
    first = parse_file("identity.xml", url="https://k.example/rss")
    second = parse_file("identity.xml", url="https://k.example/rss")
    assert [e.key for e in first.entries] == [e.key for e in second.entries]


def test_atom_relative_links_dates_and_html() -> None:
    parsed = parse_file(
        "atom_relative.xml", "application/atom+xml", "https://elbistan.example/feed/"
    )
    assert parsed.title == "Elbistan Gündem"
    first, second = parsed.entries
    assert first.url == "https://elbistan.example/haber/41?utm_source=rss&utm_medium=feed"
    assert first.canonical_url == "https://elbistan.example/haber/41"
    assert first.published == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert first.author == "Ayşe Yılmaz"
    assert first.summary == "Kreş inşaatı başladı & sürüyor."
    assert second.url == "https://elbistan.example/feed/haber/42"
    assert second.published == datetime(2026, 11, 19, 6, 0, tzinfo=UTC)  # updated only
    assert second.summary == "İçerik bağlantı"  # from <content> when no summary


# --- bad documents --------------------------------------------------------------------------


def test_malformed_feed_keeps_what_was_recovered() -> None:
    parsed = parse_file("malformed.xml")
    assert [e.key for e in parsed.entries] == ["b-1", "b-2"]
    assert parsed.error and parsed.error.startswith("malformed feed:")
    assert "\n" not in parsed.error


def test_truncated_feed_recovers_entries() -> None:
    body = b"<rss version='2.0'><channel><title>x</title><item><title>a</title><guid>g1</guid>"
    parsed = parse_feed(result(body), feed_url=FEED_URL)
    assert [e.key for e in parsed.entries] == ["g1"]
    assert parsed.error and parsed.error.startswith("malformed feed:")


def test_empty_valid_feed() -> None:
    parsed = parse_file("empty.xml")
    assert parsed.entries == () and parsed.error is None and parsed.title == "Boş Akış"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ((FEEDS / "not_a_feed.html").read_bytes(), "text/html; charset=utf-8"),
        ((DEVDATA / "pages" / "d1.html").read_bytes(), "text/html"),
        (b"", "application/rss+xml"),
        (b"   \n", None),
        (b'{"items": []}', "application/json"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "image/png"),
        (b"<rss version='2.0'><channel><title>x</title>", "application/rss+xml"),
    ],
)
def test_not_a_feed(body: bytes, content_type: str | None) -> None:
    with pytest.raises(FeedError, match=r"^not a feed: ") as info:
        parse_feed(result(body, content_type), feed_url=FEED_URL)
    assert "\n" not in str(info.value)


# --- summaries and URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("", ""),
        (None, ""),
        ("düz metin", "düz metin"),
        ("<p>Bir <b>iki</b></p><p>üç</p>", "Bir iki üç"),
        ("a &amp; b &lt;c&gt;", "a & b <c>"),
        ("<script>alert(1)</script>metin", "metin"),
        ("satır\n\n  arası\tboşluk", "satır arası boşluk"),
        ("x" * 2000, "x" * 999 + "…"),
    ],
)
def test_strip_html(markup: str | None, expected: str) -> None:
    assert strip_html(markup) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Haber/1", "https://example.com/Haber/1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#yorumlar", "https://example.com/a"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com", "https://example.com"),
        ("https://example.com/a/", "https://example.com/a/"),
        ("https://example.com/a?utm_source=x&utm_medium=y", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?id=5&fbclid=abc&gclid=d&yclid=e", "https://example.com/a?id=5"),
        (
            "https://example.com/a?mc_cid=1&mc_eid=2&ref=tw&_ga=3&igshid=4&x=",
            "https://example.com/a?x=",
        ),
        ("https://example.com/a?UTM_Source=x&q=kmtso", "https://example.com/a?q=kmtso"),
        ("https://example.com./a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("https://example.com/haber/t%C3%BCsa%C5%9F", "https://example.com/haber/t%C3%BCsa%C5%9F"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    for url in ("https://A.com/x?b=1&a=2#f", "http://a.com:80/?utm_x=1"):
        assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/a", "https://h.example/a"),
        ("b", "https://h.example/feed/b"),
        ("//cdn.example/x", "https://cdn.example/x"),
        ("mailto:x@y", None),
        ("javascript:void(0)", None),
        ("", None),
        (None, None),
        ("http://[bad", None),
    ],
)
def test_resolve_link(link: str | None, expected: str | None) -> None:
    assert resolve_link(link, "https://h.example/feed/rss") == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://h:1/a", "http://h:1/b", True),
        ("http://H/a", "http://h:80/b", True),
        ("http://h/a", "https://h/a", False),
        ("http://h:1/a", "http://h:2/a", False),
        ("http://h/a", "http://g/a", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
