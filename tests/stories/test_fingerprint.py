"""Copies of one story across outlets: fingerprints, similarity, and a labelled corpus.

tests/data/stories/*.jsonl holds one article a line: {"story", "outlet", "title",
"body", "variant"}.  Articles with the same "story" are copies (a syndicated
release retitled, trimmed, reordered, with a dateline, an intro, a rewritten
sentence or outlet boilerplate; "variant" says which); every other pair is a
different story, and each file groups stories about one entity, so it holds
the hard pairs: the same entity in the same week, the same event type, a
follow-up with new facts, the same speaker at another event.
"""

from __future__ import annotations

import itertools
import json
import time

import pytest

from monitor.stories.fingerprint import (
    BODY_CHARS,
    THRESHOLD,
    StoryText,
    _parse,
    fingerprint,
    same_story,
    similarity,
)
from tests.paths import DATA

CORPUS = DATA / "stories"


def _load() -> list[dict]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                row["where"] = f"{path.name}:{n}"
                row["fp"] = fingerprint(row["title"], row["body"])
                rows.append(row)
    return rows


ROWS = _load()


def _pairs() -> list[tuple[bool, float, dict, dict]]:
    return [
        (a["story"] == b["story"], similarity(a["fp"], b["fp"]), a, b)
        for a, b in itertools.combinations(ROWS, 2)
    ]


def _describe(score: float, a: dict, b: dict) -> str:
    return (
        f"{score:5.1f}  {a['story']} [{a['outlet']}, {a['variant']}, {a['where']}]"
        f"  vs  {b['story']} [{b['outlet']}, {b['variant']}, {b['where']}]"
    )


def test_corpus_is_big_enough() -> None:
    stories = {r["story"] for r in ROWS}
    syndicated = {r["story"] for r in ROWS if r["variant"] != "original"}
    same = sum(1 for a, b in itertools.combinations(ROWS, 2) if a["story"] == b["story"])
    assert len(stories) >= 40
    assert len(syndicated) >= 20
    assert same >= 40
    for row in ROWS:
        assert row["title"].strip() and row["body"].strip(), row["where"]


def test_corpus_no_wrong_merges_and_no_missed_copies() -> None:
    pairs = _pairs()
    verdicts = [(is_same, same_story(a["fp"], b["fp"]), s, a, b) for is_same, s, a, b in pairs]
    wrong = [(s, a, b) for is_same, merged, s, a, b in verdicts if merged and not is_same]
    missed = [(s, a, b) for is_same, merged, s, a, b in verdicts if is_same and not merged]
    same_scores = sorted(s for is_same, s, _, _ in pairs if is_same)
    diff_scores = sorted(s for is_same, s, _, _ in pairs if not is_same)
    lines = [f"threshold {THRESHOLD}; min over same pairs {same_scores[0]:.1f}, "
             f"max over different pairs {diff_scores[-1]:.1f}"]
    lines += ["wrong merge: " + _describe(*w) for w in sorted(wrong, key=lambda w: -w[0])]
    lines += ["missed copy: " + _describe(*m) for m in sorted(missed, key=lambda m: m[0])]
    if wrong or missed:  # show the neighbourhood of the threshold too
        near = sorted(pairs, key=lambda p: abs(p[1] - THRESHOLD))[:10]
        lines += ["near: " + ("same " if p[0] else "diff ") + _describe(*p[1:]) for p in near]
    assert not wrong and not missed, "\n".join(lines)


def test_corpus_margin_around_the_threshold() -> None:
    """Both sides keep a clear distance from the threshold, not just a pass."""
    pairs = _pairs()
    min_same = min(s for is_same, s, _, _ in pairs if is_same)
    max_diff = max(s for is_same, s, _, _ in pairs if not is_same)
    assert min_same - THRESHOLD >= 8, min_same
    assert THRESHOLD - max_diff >= 8, max_diff


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # case folding, Turkish dotted and dotless i, ASCII folding
        ("KM HAVACILIK", "TUSAŞ İLE İŞ BİRLİĞİ", "km havacilik\ntusas ile is birligi"),
        ("Km Havacılık", "tusaş ile iş birliği", "km havacilik\ntusas ile is birligi"),
        ("IĞDIR", "ıslak İnce", "igdir\nislak ince"),
        # apostrophes of every kind, and punctuation, become word breaks
        ("TUSAŞ'tan", "Buluntu’nun sözleri: “Evet!”", "tusas tan\nbuluntu nun sozleri evet"),
        ("TUSAŞʼtan", "Buluntu`nun", "tusas tan\nbuluntu nun"),
        # whitespace: NBSP, tabs, line breaks, zero-width and soft hyphen
        ("Erkenez  OSB", "Erkenez\u00a0OSB\t\tyeni\u200b \r\n parsel",
         "erkenez osb\nerkenez osb yeni parsel"),
        ("TU\u00adSAŞ", "yatı\u00adrım", "tusas\nyatirim"),
        # datelines in their usual forms
        ("T", "Kahramanmaraş (İHA) - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "KAHRAMANMARAŞ (DHA) – KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "Onikişubat/Kahramanmaraş (İHA) — KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "Kahramanmaraş / İHA - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "KAHRAMANMARAŞ - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "Ankara, (AA) - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "(İHA) - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "Haber Merkezi - KMTSO açıkladı.", "t\nkmtso acikladi"),
        ("T", "Kahramanmaraş (İHA) -\nKMTSO açıkladı.", "t\nkmtso acikladi"),
        # ... but a sentence that merely starts with a capitalised name is kept
        ("T", "Kahramanmaraş Ticaret ve Sanayi Odası - KMTSO",
         "t\nkahramanmaras ticaret ve sanayi odasi kmtso"),
        ("T", "Buluntu (KMTSO) açıkladı.", "t\nbuluntu kmtso acikladi"),
        # outlet boilerplate paragraphs
        ("T", "Metin.\nHaber: Ali Veli / Kaynak: İHA", "t\nmetin"),
        ("T", "Metin.\nKAYNAK: DHA\nEDİTÖR: Ayşe Kaya", "t\nmetin"),
        ("T", "Metin.\n© 2024 Kent Haber. Tüm hakları saklıdır.", "t\nmetin"),
        ("T", "Metin.\nBizi Google News'ten takip edin", "t\nmetin"),
        ("T", "Haber merkezimize ulaşan bilgiye göre fabrika açıldı.",
         "t\nhaber merkezimize ulasan bilgiye gore fabrika acildi"),
        # headline site tails and "son dakika" prefixes
        ("KM Havacılık 85 kişi alacak | Kent Haber 46", "x", "km havacilik 85 kisi alacak\nx"),
        ("SON DAKİKA: KMTSO'dan açıklama", "x", "kmtso dan aciklama\nx"),
        ("Son dakika haberi - KMTSO'dan açıklama", "x", "kmtso dan aciklama\nx"),
        # figures keep their digits, split at separators
        ("T", "1.200 kişi, yüzde 38,1", "t\n1 200 kisi yuzde 38 1"),
        ("", "", "\n"),
    ],
)
def test_fingerprint_normalisation(title: str, body: str, expected: str) -> None:
    assert fingerprint(title, body) == expected


def test_fingerprint_keeps_the_start_of_a_long_body() -> None:
    body = " ".join(f"kelime{i}" for i in range(2000))
    fp = fingerprint("Başlık", body)
    title, _, kept = fp.partition("\n")
    assert title == "baslik"
    assert len(kept) <= BODY_CHARS
    assert body.startswith(kept) and kept.split()[-1] in body.split()  # cut between words


def test_fingerprint_of_story_text() -> None:
    text = StoryText(title="KM Havacılık", body="Kahramanmaraş (İHA) - Yeni hangar açıldı.")
    assert fingerprint(text.title, text.body) == "km havacilik\nyeni hangar acildi"


def test_similarity_basics() -> None:
    a = ROWS[0]["fp"]
    b = next(r["fp"] for r in ROWS if r["story"] != ROWS[0]["story"])
    assert similarity(a, a) == pytest.approx(100.0)
    assert same_story(a, a)
    assert similarity(a, b) == pytest.approx(similarity(b, a))
    assert 0.0 <= similarity(a, b) <= 100.0


@pytest.mark.parametrize(
    ("title_a", "body_a", "title_b", "body_b", "same"),
    [
        # body-less (feed entry without text): only near-identical headlines merge
        ("KM Havacılık 85 teknisyen alacak", "", "KM HAVACILIK 85 TEKNİSYEN ALACAK", "", True),
        ("KM Havacılık 85 teknisyen alacak", "", "KM Havacılık 40 mühendis alacak", "", False),
        ("KM Havacılık 85 teknisyen alacak", "", "Başka başlık", "Kısa.", False),
        ("", "", "", "", False),
    ],
)
def test_bodyless_fingerprints(title_a: str, body_a: str, title_b: str, body_b: str,
                               same: bool) -> None:
    assert same_story(fingerprint(title_a, body_a), fingerprint(title_b, body_b)) is same


def test_short_bodies_are_damped() -> None:
    """Two short texts sharing one stock sentence are not one story."""
    stock = "Törene KMTSO Yönetim Kurulu Başkanı Mustafa Buluntu ve il protokolü katıldı."
    a = fingerprint("A", "Erkenez OSB'de iplik fabrikasının temeli atıldı. " + stock)
    b = fingerprint("B", "Türkoğlu OSB'de un fabrikasının temeli atıldı. " + stock)
    assert not same_story(a, b), similarity(a, b)


def test_same_story_is_fast() -> None:
    fps = [r["fp"] for r in ROWS]
    _parse.cache_clear()
    start = time.perf_counter()
    n = 0
    for a, b in itertools.combinations(fps[:40], 2):
        same_story(a, b)
        n += 1
    assert (time.perf_counter() - start) / n < 1e-3
