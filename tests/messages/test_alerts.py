"""format_alert, plain_text and utf16_len: table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.messages.alerts import format_alert
from monitor.messages.markup import MAX_UNITS, clean_text, plain_text, utf16_len
from monitor.models import Alert, Match
from tests.servers.fakebot import check_html

WHEN = datetime(2026, 11, 28, 11, 5, tzinfo=UTC)  # 14:05 in Istanbul


def match(entry_id: str = "tusas", name: str = "TUSAŞ", snippet: str = "Dün TUSAŞ ile imza",
          matched: str = "TUSAŞ", start: int | None = None, score: float = 100.0,
          field: str = "body") -> Match:
    s = snippet.find(matched) if start is None else start
    return Match(entry_id, name, name, matched, score, field, s, s + len(matched), snippet, s,
                 s + len(matched))


def alert(**kw: object) -> Alert:
    base: dict[str, object] = dict(id=1, chat_id="-1001", outlet="Hürriyet",
                                   url="https://example.org/haber/1", title="TUSAŞ yeni anlaşma",
                                   published=WHEN, matches=(match(),), body_unavailable=False)
    base.update(kw)
    return Alert(**base)  # type: ignore[arg-type]


def test_layout_turkish() -> None:
    a = alert(matches=(match(), match("km", "KM Havacılık", "TUSAŞ ve KM Havacılık ortak",
                                      "KM Havacılık")), body_unavailable=True)
    assert format_alert(a) == (
        "🔔 <b>TUSAŞ</b> · <b>KM Havacılık</b>\n"
        '<a href="https://example.org/haber/1">TUSAŞ yeni anlaşma</a>\n'
        "📰 Hürriyet · 28 Kasım 2026 14:05\n"
        "💬 Dün <b>TUSAŞ</b> ile imza\n"
        "💬 TUSAŞ ve <b>KM Havacılık</b> ortak\n"
        "⚠️ Haberin metni okunamadı; eşleşme başlık ve özetten."
    )


def test_layout_english() -> None:
    text = format_alert(alert(body_unavailable=True), lang="en")
    assert "📰 Hürriyet · 28 November 2026 14:05" in text
    assert text.endswith(
        "⚠️ The article text could not be read; matched in the headline and summary.")


MONTHS_TR = ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
             "Eylül", "Ekim", "Kasım", "Aralık"]


@pytest.mark.parametrize("month", range(1, 13))
def test_turkish_month_names(month: int) -> None:
    when = datetime(2026, month, 15, 9, 0, tzinfo=UTC)
    assert f"15 {MONTHS_TR[month - 1]} 2026 12:00" in format_alert(alert(published=when))


@pytest.mark.parametrize(("published", "tz", "expected"), [
    (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "Europe/Istanbul", "1 Ocak 2027 01:30"),
    (datetime(2026, 7, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))), "Europe/Istanbul",
     "1 Temmuz 2026 08:00"),
    (datetime(2026, 3, 5, 6, 7), "Europe/Istanbul", "5 Mart 2026 09:07"),  # naive: UTC
    (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), "Europe/Berlin", "29 Mart 2026 14:00"),
])
def test_local_time(published: datetime, tz: str, expected: str) -> None:
    assert f"📰 Hürriyet · {expected}" in format_alert(alert(published=published), tz=tz)


def test_no_time_no_outlet() -> None:
    text = format_alert(alert(published=None, outlet=""))
    assert "📰" not in text
    assert "📰 Hürriyet\n" in format_alert(alert(published=None))


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("title", "A & B <script>alert(1)</script>", "A &amp; B &lt;script&gt;alert(1)&lt;/script&gt;"),
    ("title", "Ali's \"quote\"", "Ali's \"quote\""),
    ("title", "a\x00b\x1bc\u202ed\u200be\ufefff\u2066g", "abcdefg"),
    ("title", "  many\n\tspaces   here ", "many spaces here"),
    ("title", "", "(başlıksız)"),
    ("outlet", "Dünya & <Gazete>", "📰 Dünya &amp; &lt;Gazete&gt;"),
    ("url", 'https://x.org/a?b=1&c="2"<', 'href="https://x.org/a?b=1&amp;c=&quot;2&quot;&lt;"'),
    ("url", "https://x.org/a'b", 'href="https://x.org/a&#x27;b"'),
])
def test_escaping(field: str, value: str, expected: str) -> None:
    text = format_alert(alert(**{field: value}))
    assert expected in text
    check_html(text)


@pytest.mark.parametrize("url", [
    None, "", "javascript:alert(1)", "ftp://x.org/a", "/relative/path", "http://",
    "data:text/html,x", "https://x.org/a b",
])
def test_only_http_links(url: str | None) -> None:
    text = format_alert(alert(url=url))
    assert "<a " not in text
    assert "<b>TUSAŞ yeni anlaşma</b>" in text


@pytest.mark.parametrize(("snippet", "matched", "start", "expected"), [
    ("Dün TUSAŞ ile", "TUSAŞ", None, "💬 Dün <b>TUSAŞ</b> ile"),
    ("<p> & TUSAŞ & </p>", "TUSAŞ", None, "💬 &lt;p&gt; &amp; <b>TUSAŞ</b> &amp; &lt;/p&gt;"),
    ("TUSAŞ başta", "TUSAŞ", None, "💬 <b>TUSAŞ</b> başta"),
    ("sonda tusaş", "tusaş", None, "💬 sonda <b>tusaş</b>"),
    ("bozuk aralık tusaş", "tusaş", 99, "💬 bozuk aralık <b>tusaş</b>"),  # bad span: found again
    ("hiç yok", "TUSAŞ", 50, "💬 hiç yok"),  # bad span, not found: unbolded
    ("a<b", "<", None, "💬 a<b>&lt;</b>b"),
])
def test_snippet(snippet: str, matched: str, start: int | None, expected: str) -> None:
    m = match(snippet=snippet, matched=matched, start=start)
    if start is not None and start > len(snippet):
        m = Match("tusas", "TUSAŞ", "TUSAŞ", matched, 100, "body", 0, 0, snippet, start,
                  start + len(matched))
    text = format_alert(alert(matches=(m,)))
    assert text.splitlines()[3] == expected
    check_html(text)


def test_one_snippet_per_entry() -> None:
    ms = tuple(match(f"e{i}", f"Entry {i}", f"metin Entry {i} burada", f"Entry {i}")
               for i in range(5))
    ms += (match("e0", "Entry 0", "başlıkta Entry 0", "Entry 0", score=90, field="title"),)
    text = format_alert(alert(matches=ms))
    assert text.splitlines()[0] == "🔔 " + " · ".join(f"<b>Entry {i}</b>" for i in range(5))
    assert [ln for ln in text.splitlines() if ln.startswith("💬")] == [
        f"💬 metin <b>Entry {i}</b> burada" for i in range(5)]


def test_four_entries_four_snippets_none_the_headline() -> None:
    title = "TUSAŞ ve KMTSO'dan Mustafa Buluntu ile OSB'ye ziyaret"
    body = {"tusas": "TUSAŞ heyeti fabrikaları gezdi", "kmtso": "KMTSO meclisinde konuşuldu",
            "mb": "Başkan Mustafa Buluntu açıklama yaptı", "osb": "OSB yönetimi ev sahipliği"}
    ms = tuple(match(e, n, body[e], n) for e, n in (("tusas", "TUSAŞ"), ("kmtso", "KMTSO"),
                                                      ("mb", "Mustafa Buluntu"), ("osb", "OSB")))
    text = format_alert(alert(title=title, matches=ms))
    snippets = [plain_text(ln)[2:] for ln in text.splitlines() if ln.startswith("💬")]
    assert snippets == list(body.values())
    assert title not in snippets


@pytest.mark.parametrize("snippet", ["TUSAŞ yeni anlaşma", "…TUSAŞ yeni…", "tusaş YENİ anlaşma"])
def test_headline_snippet_is_not_repeated(snippet: str) -> None:
    ms = (match(snippet=snippet, matched=snippet[:5].strip("…") or "TUSAŞ", field="title"),
          match("km", "KM", "KM ile imza", "KM"))
    lines = format_alert(alert(matches=ms)).splitlines()
    assert [ln for ln in lines if ln.startswith("💬")] == ["💬 <b>KM</b> ile imza"]


def test_many_snippets_shrink_context_before_any_is_dropped() -> None:
    ms = tuple(match(f"e{i}", f"E{i}", "bağlam " * 60 + f"E{i}" + " bağlam" * 60, f"E{i}")
               for i in range(10))
    text = format_alert(alert(matches=ms))
    assert utf16_len(text) <= MAX_UNITS
    assert text.count("💬") == 10
    assert all(f"<b>E{i}</b>" in text for i in range(10))


def test_title_trimmed_at_word() -> None:
    title = " ".join(["kelime"] * 100)  # 699 chars
    line = format_alert(alert(title=title)).splitlines()[1]
    shown = line.split(">", 1)[1].rsplit("<", 1)[0]
    assert shown.endswith("kelime…") and 250 <= len(shown) <= 301


LONG_SNIPPET = "bağlam " * 800 + "TUSAŞ" + " bağlam" * 800
AMP = "&<>" * 3000
EMOJI = "😀" * 5000


@pytest.mark.parametrize("case", [
    dict(title="x" * 20000),
    dict(title=EMOJI),
    dict(title=AMP),
    dict(title="𝒜" * 3000 + " " + AMP),
    dict(outlet=AMP, title=AMP),
    dict(url="https://x.org/" + "a" * 5000),
    dict(url="https://x.org/?q=" + "&" * 3000, title=AMP),
    dict(matches=(match(snippet=LONG_SNIPPET),) * 3),
    dict(matches=tuple(match(f"e{i}", AMP[:300], AMP + " X " + AMP, "X") for i in range(40)),
         title=AMP),
    dict(matches=tuple(match(f"e{i}", EMOJI[:200], EMOJI + " 😀X " + EMOJI, "😀X")
                       for i in range(3)), title=EMOJI, outlet=EMOJI, body_unavailable=True),
    dict(matches=tuple(match(f"e{i}", "N", AMP + " N " + AMP, "N", start=None) for i in range(3)),
         title=AMP, url="https://x.org/" + "&" * 1900, outlet=AMP, body_unavailable=True),
])
def test_never_over_limit(case: dict) -> None:
    text = format_alert(alert(**case))
    assert utf16_len(text) <= MAX_UNITS
    check_html(text)  # never cut inside an entity or a tag
    assert text.startswith("🔔 <b>")
    assert utf16_len(plain_text(text)) <= MAX_UNITS


def test_snippets_are_cut_before_title() -> None:
    title = "başlık " * 40
    ms = tuple(match(f"e{i}", f"E{i}", "&" * 4000 + f" E{i} " + "<" * 4000, f"E{i}")
               for i in range(3))
    text = format_alert(alert(title=title, matches=ms))
    assert utf16_len(text) <= MAX_UNITS
    assert clean_text(title) in text  # the headline is whole
    assert text.count("💬") == 3  # the snippets are only shortened
    assert "<b>E2</b>" in text


def test_link_dropped_only_when_url_cannot_fit() -> None:
    assert "<a href" in format_alert(alert(url="https://x.org/" + "a" * 1900))
    text = format_alert(alert(url="https://x.org/" + "a" * 5000))
    assert "<a href" not in text and "TUSAŞ yeni anlaşma" in text


@pytest.mark.parametrize(("html_text", "expected"), [
    ("<b>A</b> &amp; &lt;b&gt;", "A & <b>"),
    ('<a href="https://x.org/?a=1&amp;b=2">Başlık &amp; co</a>',
     "Başlık & co (https://x.org/?a=1&b=2)"),
    ('<a href="https://x.org/">https://x.org/</a>', "https://x.org/"),
    ("🔔 <b>TUSAŞ</b> · <b>KM</b>\n💬 a <b>&lt;</b> b", "🔔 TUSAŞ · KM\n💬 a < b"),
    ("&quot;x&quot; &#39;y&#x27;", "\"x\" 'y'"),
])
def test_plain_text(html_text: str, expected: str) -> None:
    assert plain_text(html_text) == expected


def test_plain_text_of_full_alert() -> None:
    text = plain_text(format_alert(alert(title="A & B <c>")))
    assert text.splitlines()[1] == "A & B <c> (https://example.org/haber/1)"
    assert "<b>" not in text


@pytest.mark.parametrize(("s", "n"), [
    ("", 0), ("abc", 3), ("ş", 1), ("😀", 2), ("𝒜b", 3), ("👨‍👩‍👧", 8), ("&amp;", 5),
])
def test_utf16_len(s: str, n: int) -> None:
    assert utf16_len(s) == n
    assert utf16_len(s) == len(s.encode("utf-16-le")) // 2
