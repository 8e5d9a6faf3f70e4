"""Name classes of real Turkish press: legal names, acronyms, shared head nouns, other
organisations' longer names, and long names that count only capitalised."""

from __future__ import annotations

import pytest

from monitor.config.watchlists import load_watchlists
from monitor.matching.explain import explain
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from tests.paths import ROOT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


@pytest.fixture(scope="module")
def places() -> Matcher:
    """Entries ending with head nouns, beside the shipped ones' shapes."""
    entries = (
        WatchlistEntry("kmosb", "Kahramanmaraş OSB", ("Kahramanmaraş Organize Sanayi Bölgesi",),
                       None),
        WatchlistEntry("ksu", "Sütçü İmam Üniversitesi", (), None),
        WatchlistEntry("oniki", "Onikişubat Belediyesi", (), None),
        WatchlistEntry("kmtso", "Kahramanmaraş Ticaret ve Sanayi Odası", (), None),
    )
    return Matcher(Watchlists(entries, ()))


def _found(matcher: Matcher, text: str, title: str = "") -> list[tuple[str, str]]:
    return [(m.entry_id, m.matched) for m in matcher.find_matches(title, text)]


@pytest.mark.parametrize(
    ("text", "entry", "matched"),
    [
        ("KM Uzay ve Havacılık AŞ'nin yeni hangarı açıldı.", "km-havacilik",
         "KM Uzay ve Havacılık"),
        ("KM UZAY VE HAVACILIK A.Ş. 200 TEKNİSYEN ALACAK", "km-havacilik",
         "KM UZAY VE HAVACILIK"),
        ("Kompozit parçalar KM Uzay ve Havacılık'tan", "km-havacilik",
         "KM Uzay ve Havacılık'tan"),
        ("TAI'nin yeni helikopteri ilk uçuşunu yaptı.", "tusas", "TAI'nin"),
        ("TAI delivered the first aircraft of the batch.", "tusas", "TAI"),
        ("Türk Havacılık ve Uzay Sanayii A.Ş. tedarikçi günü düzenledi.", "tusas",
         "Türk Havacılık ve Uzay Sanayii"),
        ("KMTSO Başkanı Buluntu ve Kahramanmaraş Ticaret ve Sanayi Odası Başkanı Buluntu",
         "mustafa-buluntu", "KMTSO Başkanı Buluntu"),
    ],
)
def test_legal_names_and_acronyms(matcher: Matcher, text: str, entry: str,
                                  matched: str) -> None:
    assert _found(matcher, text) == [(entry, matched)]


@pytest.mark.parametrize(
    "text",
    [
        "TAI'nin yeni albümü müzikseverlerle buluştu.",  # no aerospace context
        "Tai chi dersleri havacılık çalışanlarına iyi geliyor.",  # not in capitals
        "TAI TZU-YING FİNALDE RAKİBİNİ YENDİ",  # a player's name, no context
        "Badminton star Tai Tzu-ying beat the aircraft maker's sponsored rival.",
        "Taipei havacılık fuarına ev sahipliği yapacak.",  # inside a longer word
        "TAIN savunma projesi",  # not a Turkish suffix
    ],
)
def test_tai_needs_capitals_and_context(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Erkenez ve Aksu OSB'leri doldu.", "Erkenez ve Aksu OSB'leri"),
        ("Erkenez ve Aksu OSB ile yeni protokol imzalandı.", "Erkenez ve Aksu OSB"),
        ("Erkenez, Aksu ve Türkoğlu OSB'lerinde elektrik kesintisi",
         "Erkenez, Aksu ve Türkoğlu OSB'lerinde"),
        ("Erkenez ile Aksu OSB'leri birleşiyor", "Erkenez ile Aksu OSB'leri"),
        ("ERKENEZ VE AKSU OSB'LERİNE YATIRIM", "ERKENEZ VE AKSU OSB'LERİNE"),
        ("Erkenez ve Aksu Organize Sanayi Bölgelerinde yangın tatbikatı",
         "Erkenez ve Aksu Organize Sanayi Bölgelerinde"),
    ],
)
def test_a_shared_head_noun(matcher: Matcher, text: str, matched: str) -> None:
    (m,) = matcher.find_matches("", text)
    assert (m.entry_id, m.matched) == ("erkenez-osb", matched)
    assert m.term in ("Erkenez OSB", "Erkenez Organize Sanayi Bölgesi") and m.kind == "exact"
    assert m.snippet[m.snippet_start : m.snippet_end] == matched


@pytest.mark.parametrize(
    "text",
    [
        "Erkenez ile Aksu OSB arasında yol yapılacak.",  # 'ile' and one zone: the place
        "Erkenez ve diğer OSB'ler için su projesi",  # no second name
        "Erkenez, Aksu OSB'de çalışanlar için servis",  # a comma alone is no list
        "Erkenez ve Aksu'nun OSB'leri",  # a suffix ends the list
        "Erkenez ve Aksu yolları, OSB'ler için önemli",
        "Erkenez ve Aksu Barajları doldu.",  # another head noun
    ],
)
def test_no_shared_head_noun(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    ("text", "entry", "matched"),
    [
        ("Kahramanmaraş ve Gaziantep OSB'leri ihracatta rekor kırdı.", "kmosb",
         "Kahramanmaraş ve Gaziantep OSB'leri"),
        ("Gaziantep ve Kahramanmaraş OSB'leri", "kmosb", "Kahramanmaraş OSB'leri"),
        ("Kahramanmaraş, Adana ve Gaziantep organize sanayi bölgelerinde", "kmosb",
         "Kahramanmaraş, Adana ve Gaziantep organize sanayi bölgelerinde"),
        ("Sütçü İmam ve Çukurova üniversitelerinin rektörleri", "ksu",
         "Sütçü İmam ve Çukurova üniversitelerinin"),
        ("Çukurova ve Sütçü İmam üniversiteleri", "ksu", "Sütçü İmam üniversiteleri"),
        ("Onikişubat, Dulkadiroğlu ve Türkoğlu belediyeleri", "oniki",
         "Onikişubat, Dulkadiroğlu ve Türkoğlu belediyeleri"),
        ("Kahramanmaraş ve Gaziantep Ticaret ve Sanayi Odaları ortak bildiri yayımladı.",
         "kmtso", "Kahramanmaraş ve Gaziantep Ticaret ve Sanayi Odaları"),
    ],
)
def test_head_nouns_in_general(places: Matcher, text: str, entry: str, matched: str) -> None:
    assert _found(places, text) == [(entry, matched)]


def test_a_list_of_too_many_names(places: Matcher) -> None:
    text = "Kahramanmaraş, Adana, Hatay, Osmaniye, Kilis ve Gaziantep OSB'leri"
    assert _found(places, text) == []
    assert _found(places, "Kahramanmaraş, Adana, Hatay ve Gaziantep OSB'leri") == [
        ("kmosb", "Kahramanmaraş, Adana, Hatay ve Gaziantep OSB'leri")]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("TUSAŞ Motor Sanayii A.Ş. (TEI) Eskişehir'de motor üretiyor.", []),
        ("TUSAŞ Motor Sanayii'nin yeni motoru test edildi.", []),
        ("TUSAŞ MOTOR SANAYİ ÇALIŞANLARINA İKRAMİYE", []),
        ("TUSAŞ Engine Industries unveiled a turboshaft engine.", []),
        ("TUSAŞ Motor Sanayii ile TUSAŞ arasında yeni sözleşme", [("tusas", "TUSAŞ")]),
        ("TUSAŞ'ın iştiraki TUSAŞ Motor Sanayii yeni motoru tanıttı.",
         [("tusas", "TUSAŞ'ın")]),
        ("TEI'nin motorları test edildi.", []),
    ],
)
def test_not_within_another_organisation(matcher: Matcher, text: str,
                                         found: list[tuple[str, str]]) -> None:
    assert _found(matcher, text) == found


def test_not_within_in_the_title_does_not_hide_the_body(matcher: Matcher) -> None:
    found = _found(matcher, "TUSAŞ'ın ortağı", title="TUSAŞ Motor Sanayii'nde grev")
    assert found == [("tusas", "TUSAŞ'ın")]


@pytest.mark.parametrize(
    "text",
    [
        "Türk havacılık ve uzay sanayii alanında yeni yatırımlar var.",
        "Kentte Türk havacılık ve uzay sanayi için kümelenme kuruldu.",
        "Türk Havacılık ve uzay sanayii stratejisi açıklandı.",
        "Turkish aerospace and defence exporters posted record sales.",
    ],
)
def test_long_names_count_only_capitalised(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Türk Havacılık ve Uzay Sanayii alanında yeni yatırım yaptı.",
        "TÜRK HAVACILIK VE UZAY SANAYİİ'NDEN BURS",
        "Turk Havacilik ve Uzay Sanayii heyeti geldi",
        "Turkish Aerospace opened a training centre.",
        "Türk Havacılık ve Uzay Sanyii yatırımı duyurdu.",  # a typo, capitalised
    ],
)
def test_capitalised_long_names_count(matcher: Matcher, text: str) -> None:
    assert [m.entry_id for m in matcher.find_matches("", text)] == ["tusas"]


def test_a_lower_case_typo_of_a_capitalised_name(matcher: Matcher) -> None:
    assert _found(matcher, "türk havacılık ve uzay sanyii stratejisi") == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("TUSAŞ Motor Sanayii yeni motor üretti.",
         "'TUSAŞ' is inside 'TUSAŞ Motor Sanayi', another organisation's name (not_within)"),
        ("Türk havacılık ve uzay sanayii alanında",
         "'havacılık' must be capitalised to count (capitalised)"),
        ("Tai chi ve savunma sanatları", "'Tai' must be written in capitals to count"),
        ("TAI'nin yeni albümü", "'TAI' needs context"),
        ("Erkenez ile Aksu OSB arasında yol",
         "after 'ile' only a plural head noun is shared"),
        ("Erkenez ve diğer OSB'ler", "'diğer' is not capitalised like a name"),
        ("Erkenez, Aksu OSB'de", "a list needs 've' or 'ile' before the shared head noun"),
        ("Erkenez ve Aksu'nun OSB'leri", "a suffix after 'Aksu' ends the list"),
    ],
)
def test_explain_near_misses(matcher: Matcher, text: str, reason: str) -> None:
    lines = explain(matcher, "", text)
    assert any(reason in line for line in lines), lines


def test_capitalised_acronym_inside_a_longer_term() -> None:
    """Only the letters the phrase writes as capitals are checked, in every term holding it."""
    entry = WatchlistEntry("x", "ACME Makina", ("ACME Grup",), None, capitalised=("ACME",))
    m = Matcher(Watchlists((entry,), ()))
    assert _found(m, "ACME Makina geldi") == [("x", "ACME Makina")]
    assert _found(m, "Acme Grup geldi") == []
    assert _found(m, "acme makina geldi") == []
