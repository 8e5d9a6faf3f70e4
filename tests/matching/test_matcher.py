"""The matcher on the shipped watchlist: spans, rules, explanations, labelled F1."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from monitor.config.examples import find_example_files, load_examples
from monitor.config.watchlists import load_watchlists
from monitor.matching.examples import evaluate
from monitor.matching.explain import explain
from monitor.matching.lexicon import common_words
from monitor.matching.matcher import Matcher
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from tests.paths import DEVDATA, ROOT

SNIPPETS = DEVDATA / "snippets.jsonl"
LABELLED = sorted((ROOT / "tests" / "data" / "labelled").glob("*.jsonl"))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


def _ids(matcher: Matcher, text: str, title: str = "") -> list[str]:
    return sorted(m.entry_id for m in matcher.find_matches(title, text))


@pytest.mark.parametrize(
    ("text", "entry", "matched", "kind"),
    [
        ("Dün TUSAŞ'ın heyeti geldi.", "tusas", "TUSAŞ'ın", "exact"),
        ("Dün TUSAS'in heyeti geldi.", "tusas", "TUSAS'in", "folded"),
        ("KM HAVACILIK'TA iş", "km-havacilik", "KM HAVACILIK'TA", "exact"),
        ("Erkenez OSBnin binası", "erkenez-osb", "Erkenez OSBnin", "exact"),
        ("KM Havacılığın hattı", "km-havacilik", "KM Havacılığın", "folded"),
        ("Bugün Mustafa\u00a0 Buluntu konuştu", "mustafa-buluntu", "Mustafa\u00a0 Buluntu",
         "exact"),
        ("TU\u00adSAŞ geldi", "tusas", "TU\u00adSAŞ", "exact"),
        ("KM Havcılık kurdu", "km-havacilik", "KM Havcılık", "fuzzy"),
        ("Erkeenz OSB'de açıldı", "erkenez-osb", "Erkeenz OSB'de", "fuzzy"),
        ("KM Havaçılık yeni", "km-havacilik", "KM Havaçılık", "fuzzy"),
        ("TUAŞ yetkilileri", "tusas", "TUAŞ", "exact"),
    ],
)
def test_span_and_kind(matcher: Matcher, text: str, entry: str, matched: str, kind: str) -> None:
    (m,) = matcher.find_matches("", text)
    assert (m.entry_id, m.matched, m.kind) == (entry, matched, kind)
    assert text[m.start : m.end] == matched
    assert m.field == "body"
    assert m.snippet[m.snippet_start : m.snippet_end] == " ".join(
        matched.replace("\u00ad", "").split()
    )
    assert 0 < m.score <= 100 and (m.score == 100) is (kind != "fuzzy")


@pytest.mark.parametrize(
    "text",
    [
        "MKM Havacılık kurs açtı", "Şehre 30 km uzaklıktaki havacılık parkı",
        "Başkan Bulutoğlu geldi", "Mustafa Bulunmaz ödül aldı", "Mustafa Bulut konuştu",
        "KAYIP ÇOCUK MUSTAFA BULUNDU", "Kazı başkanı buluntuları inceledi",
        "Erkenez Barajı'nda bakım", "Erkenez yolunda kaza", "Elbistan OSB'de kreş",
        "TÜSİAD raporu", "TÜSAŞ adlı şirket", "TESAŞ fabrikası", "TUSAŞDER kuruldu",
        "Meclis toplantısında Buluntu konuştu", "Ayşe Buluntu tepki gösterdi",
    ],
)
def test_hard_negatives(matcher: Matcher, text: str) -> None:
    assert _ids(matcher, text) == []


def test_title_preferred_and_entry_order(matcher: Matcher) -> None:
    matches = matcher.find_matches("TUSAŞ ziyareti", "KM Havacılık ve TUSAŞ'ın ziyareti")
    assert [m.entry_id for m in matches] == ["km-havacilik", "tusas"]
    assert matches[1].field == "title" and matches[0].field == "body"


def test_exact_beats_fuzzy(matcher: Matcher) -> None:
    (m,) = matcher.find_matches("", "KM Havcılık ve sonra KM Havacılık")
    assert m.kind == "exact" and m.matched == "KM Havacılık"


def test_needs_context(matcher: Matcher) -> None:
    assert _ids(matcher, "Buluntu konuştu") == []
    assert _ids(matcher, "Buluntu konuştu", title="KMTSO meclisi") == ["mustafa-buluntu"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Mustafa Bulut konuştu", "'Mustafa Bulut' is excluded"),
        ("Mustafa Bulut konuştu", "score 87 < 88 threshold"),
        ("Arkeolojik buluntu sergisi", "'arkeolojik buluntu' is excluded"),
        ("Meclis toplantısında Buluntu konuştu", "needs context"),
        ("MKM Havacılık kurs açtı", "inside the longer word 'MKM Havacılık'"),
        ("Başkan Bulutoğlu geldi", "score"),
        ("Mustafa Buluntuoğlu", "'oglu' after 'Mustafa Buluntu' is not a Turkish suffix"),
        ("TÜSAŞ adlı şirket", "differs from 'TUSAŞ' in a Turkish letter"),
        ("Kayıp Mustafa bulundu", "'bulundu' is a word in its own right"),
        ("Kayıp Mustafa bulumtu", "not capitalised"),
        ("TUSAŞ geldi", "tusas: matched 'TUSAŞ'"),
    ],
)
def test_explain(matcher: Matcher, text: str, reason: str) -> None:
    assert any(reason in line for line in explain(matcher, "", text)), explain(matcher, "", text)


def test_watchlist_without_entries_matches_nothing() -> None:
    assert Matcher(Watchlists((), ())).find_matches("TUSAŞ", "TUSAŞ") == []


def test_custom_entry_rules() -> None:
    entry = WatchlistEntry("acme", "Acme Makina", ("Acme Makine Sanayi",), None, fuzzy=False,
                           exclude=("Acme Makina Sokağı",))
    m = Matcher(Watchlists((entry,), ()))
    assert _ids(m, "Acme Makina'nın fabrikası") == ["acme"]
    assert _ids(m, "Acme Makna fabrikası") == []  # fuzzy off
    assert _ids(m, "Acme Makina Sokağı'nda kaza") == []


def _labelled() -> list[dict]:
    rows = []
    for path in [SNIPPETS, *LABELLED]:
        rows += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return rows


def test_labelled_micro_f1(matcher: Matcher) -> None:
    rows = _labelled()
    assert len(rows) >= 300
    tp = fp = fn = 0
    failures: Counter[str] = Counter()
    shown = []
    for row in rows:
        got, want = set(_ids(matcher, row["text"])), set(row["labels"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            failures[row["kind"]] += 1
            shown.append(f"{row['id']} [{row['kind']}] {row['text']!r}: got {sorted(got)}")
    f1 = 2 * tp / (2 * tp + fp + fn)
    print(f"micro-F1 {f1:.3f} over {len(rows)} snippets (tp {tp}, fp {fp}, fn {fn})")
    assert f1 >= 0.97, f"F1 {f1:.3f}; failures per kind {dict(failures)}\n" + "\n".join(shown)


def test_shipped_examples_pass(matcher: Matcher) -> None:
    lists = load_watchlists(ROOT / "watchlists")
    files = find_example_files(ROOT / "watchlists")
    assert files
    examples = [e for f in files for e in load_examples(f, [e.id for e in lists.entries])]
    report = evaluate(matcher, examples, [e.id for e in lists.entries])
    assert report.ok, "\n".join(report.lines())
    assert set(report.entries) == {"km-havacilik", "mustafa-buluntu", "erkenez-osb", "tusas"}
    assert all(s.precision == 1 and s.recall == 1 for s in report.entries.values())


def test_evaluate_reports_failures(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "x.examples.yaml"
    path.write_text("examples:\n  - text: \"TUSAŞ geldi\"\n    expect: []\n"
                    "  - text: \"hiçbir şey\"\n    expect: [tusas]\n", encoding="utf-8")
    report = evaluate(matcher, load_examples(path))
    assert not report.ok and len(report.failures) == 2
    assert report.entries["tusas"].precision == 0 and report.entries["tusas"].recall == 0
    assert f"{path}:2" in str(report.failures[0]) and "wrongly matched tusas" in str(
        report.failures[0])


@pytest.mark.parametrize(
    "typo",
    [
        "Ehmet Yılmaz", "Mhmet Yılmaz", "Mehmte Yılmaz", "Mehme Yılmaz", "Mehmett Yılmaz",
        "Mehmet Ylmaz", "Mehmet İylmaz", "Mehmet Yilmz", "Mehmet Yılmazz", "Mehmet Yımlaz",
        "Mehmet Kılmaz", "Nehmet Yılmaz", "Mehmet Ylmaz'ın",
    ],
)
def test_typo_at_either_end_of_either_word(typo: str) -> None:
    """The anchor gates must not lose a typo at the edge next to (or far from) the anchor."""
    entry = WatchlistEntry("my", "Mehmet Yılmaz", (), None)
    others = [WatchlistEntry(f"x{i}", f"Mehmet {s}", (), None)
              for i, s in enumerate(["Kaya", "Yıldız", "Yalçın", "Demir"])]
    m = Matcher(Watchlists((entry, *others), ()))
    found = m.find_matches("", f"Dün {typo} geldi. Mehmet Kaplan da oradaydı.")
    assert [(x.entry_id, x.kind) for x in found] == [("my", "fuzzy")], typo


def test_a_common_word_is_not_a_typo() -> None:
    """'Bakan' (minister) is one letter from 'Başkan' but a word in its own right."""
    m = Matcher(Watchlists((WatchlistEntry("my", "Mehmet Yılmaz", ("Başkan Yılmaz",), None),),
                           ()))
    assert _ids(m, "Bakan Yılmaz açıklama yaptı.") == []
    lines = explain(m, "", "Bakan Yılmaz açıklama yaptı.")
    assert any("'bakan' is a word in its own right" in line for line in lines), lines
    assert _ids(m, "Başkn Yılmaz açıklama yaptı.") == ["my"]  # a real typo still counts


def test_a_watched_word_is_not_a_typo_of_another() -> None:
    m = Matcher(Watchlists((WatchlistEntry("serkan", "Serkan Kara", (), None),
                            WatchlistEntry("erkan", "Erkan Doğan", (), None)), ()))
    assert _ids(m, "Erkan Kara konuştu.") == []
    assert _ids(m, "Serkn Kara konuştu.") == ["serkan"]


@pytest.mark.parametrize("text", ["KM Havaclıkta yeni dönem", "KM Havaclık'ta yeni dönem"])
def test_typo_and_a_suffix(matcher: Matcher, text: str) -> None:
    assert [(m.entry_id, m.kind) for m in matcher.find_matches("", text)] == [
        ("km-havacilik", "fuzzy")]


def test_common_words_are_folded() -> None:
    words = common_words()
    assert {"bakan", "alan", "belgesi", "bulundu", "kadin"} <= words
    assert "buluntu" not in words and "erkenez" not in words
