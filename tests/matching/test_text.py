"""Normalisation, offset maps and snippets (table-driven)."""

from __future__ import annotations

import re

import pytest

from monitor.matching.text import normalize, scan_key, snippet, turkish_key, turkish_lower


@pytest.mark.parametrize(
    ("text", "scan"),
    [
        ("KM HAVACILIK", " km havacilik"),
        ("KM Havacılık", " km havacilik"),
        ("km havacilik", " km havacilik"),
        ("TUSAŞ'ın", " tusas in"),
        ("TUSAŞ’ın", " tusas in"),
        ("TUSAŞ‘ın", " tusas in"),
        ("TUSAŞ`ın", " tusas in"),
        ("TUSAŞ´ın", " tusas in"),
        ("TUSAŞʼın", " tusas in"),
        ("İSTANBUL Iğdır", " istanbul igdir"),
        ("Mustafa  Buluntu", " mustafa buluntu"),
        ("Mustafa\u00a0Buluntu", " mustafa buluntu"),
        ("Mustafa\u202fBuluntu", " mustafa buluntu"),
        ("Mustafa\nBuluntu", " mustafa buluntu"),
        ("Mustafa\r\n\tBuluntu", " mustafa buluntu"),
        ("TU\u00adSAŞ", " tusas"),
        ("TU\u200bSAŞ", " tusas"),
        ("Erkenez OS\u0327B", " erkenez osb"),
        ("ÇĞİÖŞÜ çğıöşü", " cgiosu cgiosu"),
        ("Âşık Kâğıt", " asik kagit"),
        ("  baştaki boşluk  ", " bastaki bosluk"),
        ("a,b. c", " a b  c"),
        ("emoji 😀 var", " emoji   var"),
        ("", " "),
    ],
)
def test_scan_form(text: str, scan: str) -> None:
    assert normalize(text).scan == scan


@pytest.mark.parametrize(
    "text",
    [
        "KM Havacılık'ın  yeni\u00a0hangarı",
        "TU\u00adSAŞ\u200b'ın heyeti\n\nErkenez OSB'de",
        "  \n Mustafa \u200b Buluntu \t ",
        "Erkenez OS\u0327B'de I\u0307stanbul",
        "düz metin",
    ],
)
def test_every_word_maps_back_to_the_original(text: str) -> None:
    norm = normalize(text)
    for m in re.finditer(r"\S+", norm.scan):
        s, e = norm.span(*m.span())
        assert scan_key(text[s:e]) == m.group()
        assert not text[s].isspace() and not text[e - 1].isspace()


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("KM Havacılık", "km havacilik"),
        ("Türk Havacılık ve Uzay Sanayii", "turk havacilik ve uzay sanayii"),
        ("  Erkenez   OSB ", "erkenez osb"),
        ("T.C.", "t c"),
    ],
)
def test_scan_key(term: str, key: str) -> None:
    assert scan_key(term) == key


@pytest.mark.parametrize(
    ("text", "lower"),
    [("KM HAVACILIK", "km havacılık"), ("İZMİR", "izmir"), ("IŞIK", "ışık"), ("Ilık", "ılık")],
)
def test_turkish_lower(text: str, lower: str) -> None:
    assert turkish_lower(text) == lower


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("KM HAVACILIK", "KM Havacılık", True),
        ("TUSAŞ", "Tusaş", True),
        ("TUSAS", "TUSAŞ", False),
        ("Mustafa\u00a0 Buluntu", "Mustafa Buluntu", True),
    ],
)
def test_turkish_key(a: str, b: str, same: bool) -> None:
    assert (turkish_key(a) == turkish_key(b)) is same


LONG = ("Kahramanmaraş'ta düzenlenen toplantıda konuşan yetkililer, bölgedeki sanayi "
        "yatırımlarının hız kazandığını belirtti. TUSAŞ'ın tedarikçi programı kapsamında "
        "kentteki firmaların sayısı artıyor ve yeni fabrikalar kuruluyor; yetkililer yıl "
        "sonuna kadar iki yüz yeni istihdam bekliyor.")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        (LONG, LONG.index("TUSAŞ'ın"), LONG.index("TUSAŞ'ın") + 8),
        (LONG, 0, 15),
        (LONG, len(LONG) - 9, len(LONG)),
        ("Kısa metin TUSAŞ burada", 11, 16),
        ("Satır\nkırılan  TUSAŞ\n\nmetin", 15, 20),
    ],
)
def test_snippet_marks_the_span(text: str, start: int, end: int) -> None:
    snip, s, e = snippet(text, start, end)
    assert snip[s:e] == " ".join(text[start:end].split())
    assert len(snip) <= 160 + 2 + (end - start)
    assert "\n" not in snip and "  " not in snip
    if start > 0 and len(text) > 160:
        assert snip.startswith("…")
    inner = snip.strip("…")
    assert inner == inner.strip()
    assert inner.split()[0] in text.split()
    assert inner.split()[-1] in text.split()
