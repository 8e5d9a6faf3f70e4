"""monitor.sources.extract on real pages of Turkish outlets (tests/data/realweb, labels kept).

pages.json gives what a reader sees: the headline, the first and the last
sentence, and what follows the body. The lead ("spot") opens Article.text; its
expected value is written here, read off each page.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from monitor.sources.extract import extract_article
from monitor.sources.headline import key
from tests.paths import DATA

REALWEB = DATA / "realweb"
LABELS = {page["file"]: page for page in json.loads(
    (REALWEB / "pages.json").read_text(encoding="utf-8"))["pages"]}
# The sentence boundary: . ! ? (and a closing quote) before a space and a capital or a quote.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[A-ZÇĞİÖŞÜ\"“])")

# file -> (the lead as the page shows it, whether the label's first sentence is the lead's).
# Habertürk's spot is a sub-headline without a full stop: the reader's first sentence is
# the body's; on the other pages it is the spot's.
LEADS = {
    "fundus_aa_2025_04_03.html": (
        "Tarım ve Orman Bakanı İbrahim Yumaklı, 8 milyar 354 milyon 236 bin 725 lira destekleme "
        "ödemesinin yarın çiftçilerin hesaplarına aktarılacağını bildirdi.", True),
    "fundus_haberturk_2024_04_28.html": (
        "Antalya'da bir otelde bir Türk vatandaşından 'milliyet farkı' adıyla ek ücret alındığı "
        "iddiaları üzerine Kültür ve Turizm Bakanlığı inceleme başlattığını duyurdu", False),
    "fundus_ntv_2024_04_29.html": (
        "Ardahan Valiliği, kentte eğitim gören 25 lise öğrencisinin gıda zehirlenmesi şüphesiyle "
        "hastaneye başvurduğunu bildirdi.", True),
    # mynet's spot repeats the body's opening: the lead is the paragraph it covers
    "htmldate_mynet_1783862633.html": (
        "Samsun’da kömür sobasından sızan karbonmonoksit gazından zehirlenen 2 çocuk hastanelik "
        "oldu.", True),
}
# What follows the body on each page (pages.json's after_body), and boilerplate of any page.
AFTER_BODY = {
    "fundus_aa_2025_04_03.html": ["Haber Akış Sistemi", "Abonelik için", "Benzer haberler",
                                  "Güncelleme", "İlgili konular"],
    "fundus_haberturk_2024_04_28.html": ["ÖNERİLEN VİDEO", "Turizm Haberleri"],
    "fundus_ntv_2024_04_29.html": ["Etiketler", "Gıda Zehirlenmesi\n", "NTV Haber"],
    "htmldate_mynet_1783862633.html": ["ANASAYFAYA", "PARTNER", "Son Güncelleme"],
}
PUBLISHED = {
    "fundus_aa_2025_04_03.html": "2025-04-03T00:00:00+03:00",  # the page gives the day only
    "fundus_haberturk_2024_04_28.html": "2024-04-28T14:07:07+03:00",
    "fundus_ntv_2024_04_29.html": "2024-04-29T18:02:07+03:00",
    "htmldate_mynet_1783862633.html": "2020-11-30T18:14:33+03:00",
}


def sentences(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in SENTENCE_END.split(line) if s.strip()]


def extract(name: str):
    label = LABELS[name]
    return extract_article((REALWEB / "pages" / name).read_bytes(), url=label["url"])


def test_every_labelled_page_is_tested() -> None:
    assert set(LABELS) == set(LEADS) == set(AFTER_BODY) == set(PUBLISHED)


@pytest.mark.parametrize("name", sorted(LEADS))
def test_headline_lead_first_and_last_sentence(name: str) -> None:
    label, article = LABELS[name], extract(name)
    lead, label_is_lead = LEADS[name]
    assert article.title == label["headline"]
    assert article.lead == lead
    assert article.text.startswith(lead + "\n")
    body = article.text[len(lead):].strip()
    first = sentences(article.text if label_is_lead else body)[0]
    assert " ".join(first.split()) == " ".join(label["first_sentence"].split())
    assert " ".join(sentences(body)[-1].split()) == " ".join(label["last_sentence"].split())


@pytest.mark.parametrize("name", sorted(LEADS))
def test_headline_is_not_repeated_and_no_boilerplate_remains(name: str) -> None:
    article = extract(name)
    assert all(key(line) != key(article.title) for line in article.text.splitlines())
    text = article.text + "\n"
    for junk in AFTER_BODY[name]:
        assert junk not in text, junk
    for junk in ("Etiketler", "Anadolu Ajansı web sitesinde", "Tüm hakları", "Giriş:"):
        assert junk not in text, junk


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_publication_time(name: str) -> None:
    expected = datetime.fromisoformat(PUBLISHED[name]).astimezone(UTC)
    assert extract(name).published == expected


def test_a_name_only_in_ntvs_spot_reaches_the_text() -> None:
    """The spot sits outside NTV's body block: it used to be dropped."""
    article = extract("fundus_ntv_2024_04_29.html")
    assert "kentte eğitim gören 25 lise öğrencisinin" in article.text
    assert article.text.count("kentte eğitim gören") == 1
