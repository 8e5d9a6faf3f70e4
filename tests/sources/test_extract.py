"""monitor.sources.extract on the devdata pages and on one fixture page per layout trap."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from monitor.errors import ExtractError
from monitor.sources.extract import extract_article
from monitor.sources.published import parse_datetime
from tests.paths import DATA, DEVDATA

PAGES = DATA / "pages"
DEV_PAGES = DEVDATA / "pages"
LABELS = json.loads((DEV_PAGES / "labels.json").read_text(encoding="utf-8"))

# How each watchlist entry is written in the devdata pages (headline and body).
FORMS = {
    "km-havacilik": ["KM Havacılık"],
    "tusas": ["TUSAŞ"],
    "mustafa-buluntu": ["Buluntu"],
    "erkenez-osb": ["Erkenez OSB", "Erkenez Organize Sanayi Bölgesi"],
}
# Names that appear only in menus, sidebars, related cards or footers of the devdata pages.
NOT_ARTICLE = [
    "TUSAŞ'ın burs programına",
    "Erkenez OSB'de yeni sağlık merkezi",
    "KM Havacılık'ta deneme üretimi",
    "Çok Okunanlar",
    "İlgili Haberler",
    "Yorumlar",
    "çerez",
    "Künye",
]


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(LABELS))
def test_devdata_pages(name: str) -> None:
    label = LABELS[name]
    article = extract_article((DEV_PAGES / name).read_bytes(), url=f"https://outlet.example/{name}")
    assert article.title == label["title"]
    assert article.published == datetime.fromisoformat(label["published"]).astimezone(UTC)
    assert article.published.tzinfo is UTC
    assert not article.from_feed_only
    whole = f"{article.title}\n{article.text}"
    for entry_id, forms in FORMS.items():
        present = any(form in whole for form in forms)
        assert present == (entry_id in label["labels"]), (entry_id, whole)
    for junk in NOT_ARTICLE:
        assert junk not in article.text
    assert len(article.text) > 200


def test_d5_sidebar_names_are_not_in_the_text() -> None:
    article = extract_article((DEV_PAGES / "d5.html").read_bytes(), url="https://o.example/d5")
    for name in ("TUSAŞ", "Erkenez", "KM Havacılık"):
        assert name not in article.text and name not in article.title
    assert article.author == "Zeynep Acar"


def test_d3_entity_only_in_headline() -> None:
    article = extract_article((DEV_PAGES / "d3.html").read_bytes(), url="https://o.example/d3")
    assert "Erkenez OSB" in article.title
    assert "Erkenez" not in article.text


def test_headline_line_is_not_repeated_in_text() -> None:
    article = extract_article((DEV_PAGES / "d1.html").read_bytes(), url="https://o.example/d1")
    assert not article.text.startswith(article.title)


def test_d2_windows_1254_even_when_http_header_lies() -> None:
    data = (DEV_PAGES / "d2.html").read_bytes()
    headers = (None, "text/html", "text/html; charset=utf-8", "text/html; charset=latin1")
    for content_type in headers:
        article = extract_article(data, url="https://o.example/d2", content_type=content_type)
        assert "TUSAŞ'ın tedarik zinciri" in article.text
        assert "Başkan Buluntu" in article.text


def test_related_news_links_between_paragraphs_are_dropped() -> None:
    article = extract_article(page("related_inline.html"), url="https://o.example/r")
    assert article.title == "Ticaret odasında ihracat semineri yapıldı"
    assert "dış ticaret mevzuatı" in article.text
    assert "Oda yönetimi" in article.text  # paragraphs after the blocks survive
    for junk in ("İLGİLİ HABER", "TUSAŞ", "KM Havacılık", "Erkenez", "TUSAŞ Haberleri"):
        assert junk not in article.text
    assert article.published == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def test_comments_are_dropped() -> None:
    article = extract_article(page("comments.html"), url="https://o.example/c")
    assert "millet bahçesi" in article.text
    for junk in ("Erkenez", "TUSAŞ", "Okur123", "Yorumlar"):
        assert junk not in article.text


def test_old_table_font_br_layout() -> None:
    """Nested layout tables, <font> wrappers, a <br><br> body, windows-1254, no <p>."""
    data = page("old_table_font_br.html")
    for content_type in (None, "text/html; charset=utf-8"):
        article = extract_article(data, url="https://o.example/o", content_type=content_type)
        assert article.title == "Sanayi odasından meslek lisesine laboratuvar desteği"
        paragraphs = article.text.splitlines()
        # the date line above the body and the "Kaynak:" line under it are not the article
        assert paragraphs[0].startswith("Afşin'deki mesleki ve teknik anadolu lisesine")
        assert paragraphs[-1].startswith("Okul müdürü")  # paragraphs after the related link
        assert "24.11.2026" not in article.text and "Kaynak" not in article.text
        assert any(line.startswith("Laboratuvarın kurulumuna") for line in paragraphs)
        assert "KM Havacılık da yer aldı" in article.text
        assert "oda başkanı Mustafa Buluntu" in article.text
        # menu, "Çok Okunanlar" and "Bunlar da ilginizi çekebilir" boxes, the inline
        # related link, comments, a data table and the footer stay out
        for junk in (
            "TUSAŞ",
            "Erkenez",
            "İLGİLİ HABER",
            "Çok Okunanlar",
            "ilginizi",
            "Yorumlar",
            "Okur_46",
            "İmsak",
            "ANA SAYFA",
            "Künye",
            "Copyright",
        ):
            assert junk not in article.text, junk


def test_data_tables_are_still_dropped() -> None:
    """Only layout tables are unwrapped: a table of short cells stays out of the text."""
    body = "Belediye meclisi kasım ayı toplantısında kentteki yol çalışmalarını görüştü. " * 3
    html = (
        "<html><head><meta charset='utf-8'><title>Meclis toplandı</title></head><body>"
        f"<div id='haber'><h1>Meclis toplandı</h1><p>{body}</p><p>{body}</p></div>"
        "<table><tr><td>TUSAŞ</td><td>12,5</td></tr><tr><td>Erkenez OSB</td><td>8</td></tr>"
        "</table></body></html>"
    )
    article = extract_article(html.encode(), url="https://o.example/t")
    assert "yol çalışmalarını" in article.text
    assert "TUSAŞ" not in article.text and "Erkenez" not in article.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("paywall.html", "no article text|too short"),
        ("js_only.html", "no article text|too short"),
        ("short.html", "too short"),
    ],
)
def test_nothing_usable_raises(name: str, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason) as info:
        extract_article(page(name), url="https://o.example/x")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("data", [b"", b"   ", b"\x00\x01\x02", b"<html></html>", b"plain words"])
def test_degenerate_input_raises(data: bytes) -> None:
    with pytest.raises(ExtractError):
        extract_article(data, url="https://o.example/x")


def test_short_but_real_article_is_kept() -> None:
    article = extract_article(page("short_ok.html"), url="https://o.example/s")
    assert article.title == "TUSAŞ heyeti odayı ziyaret etti"
    assert "yerli tedarikçi programı" in article.text
    assert article.published is None  # no date on the page; "© 2026" is not a date


def test_og_title_beats_logo_h1_and_naive_date_is_istanbul() -> None:
    article = extract_article(page("logo_h1.html"), url="https://o.example/l")
    assert article.title == "Erkenez OSB'ye yeni fabrika"
    assert article.published == datetime(2026, 11, 23, 5, 45, tzinfo=UTC)
    assert "Maraş Manşet" not in article.text


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("latin1_label_1254.html", None),
        ("utf8_label_1254.html", None),
        ("no_charset_1254.html", None),
        ("no_charset_1254.html", "text/html; charset=windows-1254"),
        ("no_charset_1254.html", "text/html; charset=utf-8"),
    ],
)
def test_turkish_single_byte_pages(name: str, content_type: str | None) -> None:
    article = extract_article(page(name), url="https://o.example/t", content_type=content_type)
    assert article.title == "Şişli'de ağaçlandırma çalışması"
    assert "ıhlamur, çınar" in article.text and "Görevliler" in article.text


def test_xhtml_with_xml_declaration() -> None:
    body = (DEV_PAGES / "d1.html").read_text(encoding="utf-8")
    data = ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")
    assert "KM Havacılık" in extract_article(data, url="https://o.example/x").text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-19T10:30:00+03:00", datetime(2026, 11, 19, 7, 30, tzinfo=UTC)),
        ("2026-11-19T10:30:00Z", datetime(2026, 11, 19, 10, 30, tzinfo=UTC)),
        ("2026-11-19T10:30:00", datetime(2026, 11, 19, 7, 30, tzinfo=UTC)),
        ("2026-11-19", datetime(2026, 11, 18, 21, 0, tzinfo=UTC)),
        ("2026-11-19 10:30", datetime(2026, 11, 19, 7, 30, tzinfo=UTC)),
        ("dün", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(value: str | None, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected
