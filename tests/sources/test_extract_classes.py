"""What Turkish outlet pages put around an article, class by class, on pages written for it.

wp_regional_suffix.html: a regional WordPress outlet (" - Kahramanmaraş Haber" suffix,
<h2 class="spot">, "Haber: Ali Veli", a Giriş/Güncelleme line, "Etiketler:", İHA notice).
spot_div_dha.html: a logo <h1>, the headline in a styled <div>, a "haber-spot" <div> after a
figure, "Kaynak: DHA" and DHA's notice, an "Anahtar kelimeler" list, related cards' spots.
header_h2_anka.html: a headline with a real " - ", a date bar in the <header>, an <h2> spot
after it, a two-part byline, ANKA's notice, JSON-LD older than article:published_time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.models import Article
from monitor.sources.extract import extract_article
from tests.paths import DATA

PAGES = DATA / "pages"
BODY = "<p>" + "Belediye meclisi kasım ayı toplantısında kentteki yol çalışmalarını görüştü. " * 3


def page(name: str) -> Article:
    return extract_article((PAGES / name).read_bytes(), url=f"https://outlet.example/{name}")


def html(head: str, body: str) -> Article:
    doc = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return extract_article(doc.encode(), url="https://www.yerelhaber.example/haber/1")


def test_regional_wordpress_page() -> None:
    article = page("wp_regional_suffix.html")
    assert article.title == "Oda meclisinde yatırım teşvikleri konuşuldu"
    assert article.lead.startswith("Kahramanmaraş Ticaret ve Sanayi Odası meclisinde TUSAŞ'ın")
    lines = article.text.splitlines()
    assert lines[0] == article.lead
    assert lines[1].startswith("Oda meclisinin mart ayı olağan toplantısında")
    assert lines[-1].startswith("Meclis başkanı, teşvik başvurularında")
    assert article.author == "Ali Veli"
    for junk in ("Haber:", "Giriş", "Güncelleme", "Etiketler", "Erkenez", "KMTSO", "İhlas",
                 "yayın hakları", "Kahramanmaraş Haber", "KM Havacılık"):
        assert junk not in article.text, junk


def test_spot_div_after_a_figure_and_a_logo_h1() -> None:
    article = page("spot_div_dha.html")
    assert article.title == "Elbistan'da tekstil fabrikası üretime başladı"  # not the logo
    assert "KM Havacılık mühendisleri" in article.lead
    assert article.text.startswith(article.lead + "\nElbistan Organize Sanayi Bölgesi'nde")
    assert article.text.count("KM Havacılık") == 1
    assert article.text.splitlines()[-1].startswith("Açılış töreninde konuşan")
    assert article.author is None  # "Kaynak: DHA" names a source, not an author
    for junk in ("Kaynak", "DHA", "Demirören", "Anahtar", "TUSAŞ", "Erkenez", "bağımsız haber",
                 "Maraş Manşet", "Copyright"):
        assert junk not in article.text, junk


def test_h2_spot_after_a_header_with_a_date_bar() -> None:
    article = page("header_h2_anka.html")
    assert article.title == "KMTSO - TUSAŞ işbirliği protokolü imzalandı"  # its own " - " stays
    assert article.lead.startswith("Oda ile havacılık şirketi arasındaki protokolle KM Havacılık")
    assert article.text.splitlines()[1].startswith("Kahramanmaraş Ticaret ve Sanayi Odası ile")
    assert article.text.splitlines()[-1].startswith("Şirket temsilcileri ise")
    assert article.author == "Ayşe Kaya"
    for junk in ("Giriş", "Güncelleme", "Kamera", "ANKA", "hakları", "Ekonomi Haberleri"):
        assert junk not in article.text, junk


def test_earliest_json_ld_date_beats_a_later_published_time() -> None:
    """Not the ItemList's related story (older still), nor the broken JSON-LD block."""
    article = page("header_h2_anka.html")
    assert article.published == datetime(2026, 3, 13, 15, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        # a section suffix, no <h1> to agree with
        ("<meta property='og:title' content='Fuar rekorla kapandı - Ekonomi Haberleri'>",
         f"<div>{BODY}</div>", "Fuar rekorla kapandı"),
        # the outlet's host as the suffix
        ("<title>Fuar rekorla kapandı | YerelHaber</title>", f"<div>{BODY}</div>",
         "Fuar rekorla kapandı"),
        # an <h1> that lacks the suffix, whatever the suffix says
        ("<meta property='og:title' content='Fuar rekorla kapandı – Son 24 Saat'>",
         f"<h1>Fuar rekorla kapandı</h1><div>{BODY}</div>", "Fuar rekorla kapandı"),
        # two suffixes, one cut per source that lacks it
        ("<title>Fuar rekorla kapandı - Ekonomi | Gazete X</title>",
         f"<h1>Fuar rekorla kapandı - Ekonomi</h1><div>{BODY}</div>",
         "Fuar rekorla kapandı - Ekonomi"),
        # a dash of the headline itself, no other source: not a site, kept
        ("<meta property='og:title' content='Başkan Buluntu - sanayiciler buluşması'>",
         f"<div>{BODY}</div>", "Başkan Buluntu - sanayiciler buluşması"),
        # no og:title, a <title> no <h1> agrees with: the <h1>
        ("<title>Yerel Haber Portalı</title>", f"<h1>Fuar rekorla kapandı</h1><div>{BODY}</div>",
         "Fuar rekorla kapandı"),
    ],
)
def test_headline_suffixes(head: str, body: str, expected: str) -> None:
    article = html(head, body)
    assert article.title == expected
    assert not article.text.startswith(expected)


def test_headline_repeated_with_its_suffix_in_the_body_is_dropped() -> None:
    article = html("<meta property='og:title' content='Fuar rekorla kapandı - Yerel Haber'>",
                   f"<div><p>Fuar rekorla kapandı - Yerel Haber</p>{BODY}</div>")
    assert article.title == "Fuar rekorla kapandı"
    assert article.text.startswith("Belediye meclisi")


def test_no_lead_when_the_body_follows_the_h1() -> None:
    article = html("", f"<article><h1>Fuar rekorla kapandı</h1><h2>Kısa ara başlık</h2>{BODY}"
                       "</article>")
    assert article.lead == ""  # a short sub-heading is the body's, and so is the paragraph
    assert article.text.startswith("Kısa ara başlık\nBelediye meclisi")


def test_description_marks_a_paragraph_lead() -> None:
    lead = "Kentteki fuar bu yıl ziyaretçi rekoru kırdı ve yüz bin kişiyi ağırladı."
    article = html(f"<meta name='description' content='{lead} - Yerel Haber'>",
                   f"<article><h1>Fuar rekorla kapandı</h1><div class='x'>{lead}</div>{BODY}"
                   "</article>")
    assert article.lead == lead
    assert article.text.startswith(lead + "\nBelediye meclisi")


def test_json_ld_date_without_time_does_not_beat_the_timestamp_of_its_day() -> None:
    head = ("<meta property='article:published_time' content='2026-03-12T14:05:00+03:00'>"
            "<script type='application/ld+json'>"
            '{"@type": "NewsArticle", "datePublished": "2026-03-12"}</script>')
    assert html(head, f"<div>{BODY}</div>").published == datetime(2026, 3, 12, 11, 5, tzinfo=UTC)


def test_later_json_ld_date_does_not_win() -> None:
    head = ("<meta property='article:published_time' content='2026-03-12T14:05:00+03:00'>"
            "<script type='application/ld+json'>"
            '[{"@type": ["NewsArticle"], "datePublished": "2026-03-15T10:00:00+03:00"}]</script>')
    assert html(head, f"<div>{BODY}</div>").published == datetime(2026, 3, 12, 11, 5, tzinfo=UTC)


def test_json_ld_of_other_objects_is_a_last_resort() -> None:
    head = ("<script type='application/ld+json'>"
            '{"@type": "WebPage", "datePublished": "2026-03-10T08:00:00+03:00"}</script>')
    assert html(head, f"<div>{BODY}</div>").published == datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
