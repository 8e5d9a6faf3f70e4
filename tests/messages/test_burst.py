"""format_burst: the running summary's layout, order, escaping and length limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.messages.burst import format_burst
from monitor.messages.markup import MAX_UNITS, utf16_len
from monitor.models import Burst, BurstStory
from tests.servers.fakebot import check_html

WHEN = datetime(2026, 11, 28, 11, 5, tzinfo=UTC)


def story(i: int, **kw: object) -> BurstStory:
    base: dict[str, object] = dict(title=f"Haber {i}", outlet=f"Gazete {i}",
                                   url=f"https://example.org/haber/{i}",
                                   published=WHEN + timedelta(minutes=i))
    base.update(kw)
    return BurstStory(**base)  # type: ignore[arg-type]


def burst(stories: list[BurstStory], name: str = "KM Havacılık") -> Burst:
    return Burst(id=1, chat_id="-1001", entry_name=name, message_id=7, revision=len(stories),
                 attempts=0, stories=tuple(stories), outbox_ids=tuple(range(len(stories))))


def test_layout_turkish() -> None:
    text = format_burst(burst([story(1), story(2, also=("TUSAŞ",))]))
    assert text == (
        "📣 <b>KM Havacılık</b>: 2 haber\n"
        "Yoğun haber akışı: yeni haberler bu mesaja ekleniyor.\n"
        '• <a href="https://example.org/haber/2">Haber 2</a> · Gazete 2 (ayrıca: TUSAŞ)\n'
        '• <a href="https://example.org/haber/1">Haber 1</a> · Gazete 1'
    )
    check_html(text)


def test_layout_english() -> None:
    text = format_burst(burst([story(1)]), lang="en")
    assert text.startswith("📣 <b>KM Havacılık</b>: 1 stories\nMany stories at once")
    assert "(also:" not in text


def test_newest_first_by_publication_undated_last() -> None:
    stories = [story(1), story(3), story(9, published=None), story(2)]
    text = format_burst(burst(stories))
    order = [int(n) for n in re.findall(r">Haber (\d+)<", text)]
    assert order == [3, 2, 1, 9]


def test_web_text_is_escaped_and_unsafe_links_dropped() -> None:
    evil = story(1, title="<b>A & B</b> \u200b", outlet="<i>Ajans</i>",
                 url="javascript:alert(1)", also=("R&D <x>",))
    text = format_burst(burst([evil], name="Ali & <Veli>"))
    check_html(text)
    assert "<b>Ali &amp; &lt;Veli&gt;</b>" in text
    assert "• <b>&lt;b&gt;A &amp; B&lt;/b&gt;</b> · &lt;i&gt;Ajans&lt;/i&gt;" in text
    assert "(ayrıca: R&amp;D &lt;x&gt;)" in text
    assert "javascript" not in text


def test_quotes_in_links_are_escaped() -> None:
    text = format_burst(burst([story(1, url='https://example.org/a?q="x"&b=1')]))
    assert 'href="https://example.org/a?q=&quot;x&quot;&amp;b=1"' in text
    check_html(text)


def test_untitled_story_nameless_entry_and_no_outlet() -> None:
    text = format_burst(burst([story(1, title="  ", outlet="\x00")], name=""))
    assert text.startswith("📣 <b>?</b>: 1 haber\n")
    assert text.endswith('<a href="https://example.org/haber/1">(başlıksız)</a>')


@pytest.mark.parametrize("title", ["İstanbul'da " * 40, "😀" * 400, "&<>" * 200])
def test_many_long_stories_fit_with_a_more_line(title: str) -> None:
    stories = [story(i, title=title, url=f"https://example.org/{'x' * 400}/{i}")
               for i in range(200)]
    text = format_burst(burst(stories))
    assert utf16_len(text) <= MAX_UNITS
    check_html(text)
    shown = len(re.findall(r"^• ", text, flags=re.MULTILINE))
    assert 0 < shown < 200
    assert text.endswith(f"+ {200 - shown} haber daha")
    assert "200 haber" in text.splitlines()[0]
    assert text.count("<a href=") == shown  # every shown story is linked
    assert "x/199\">" in text and "x/0\">" not in text  # the newest shown, the oldest not


def test_all_shown_when_they_fit() -> None:
    text = format_burst(burst([story(i) for i in range(60)]))
    assert len(re.findall(r"^• ", text, flags=re.MULTILINE)) == 60
    assert "daha" not in text
