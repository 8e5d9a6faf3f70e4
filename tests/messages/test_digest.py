"""The digest as staff read it: escaped, within Telegram's limits, Turkish dates, the chart."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from matplotlib.patches import Rectangle
from PIL import Image

from monitor.messages.chart import build_figure, render_chart
from monitor.messages.digest import (
    Digest,
    Series,
    digest_messages,
    long_date,
    render_digest_html,
    render_digest_text,
    short_date,
)
from monitor.messages.markup import utf16_len
from monitor.reports.digest import build_digest
from tests.records import DAY, NAMES, TZ, utc
from tests.servers.fakebot import check_html


def counts(digest) -> dict[str, int]:
    return {c.entry_id: c.count for c in digest.counts}


def test_web_text_is_escaped(store, rec):
    rec.add(utc(DAY, 8), ["tusas"], title='<b>TUSAŞ</b> & "ortakları" <script>x</script>',
            outlet="A&B <Haber>", url='https://news.example/a?x=1&y="2"')
    text = render_digest_html(build_digest(store.engine, DAY, TZ,
                                           entries={"tusas": "TUSAŞ <&>"}))
    check_html(text)  # what Telegram accepts
    assert "&lt;b&gt;TUSAŞ&lt;/b&gt; &amp; \"ortakları\" &lt;script&gt;" in text
    assert "A&amp;B &lt;Haber&gt;" in text and "TUSAŞ &lt;&amp;&gt;" in text
    assert 'href="https://news.example/a?x=1&amp;y=&quot;2&quot;"' in text
    assert set(re.findall(r"</?([a-z]+)", text)) <= {"a", "b", "i"}
    plain = render_digest_text(build_digest(store.engine, DAY, TZ))
    assert '<b>TUSAŞ</b> & "ortakları"' in plain


def test_english_digest(store, rec):
    rec.add(utc(DAY, 8), ["tusas"])
    text = render_digest_html(build_digest(store.engine, DAY, TZ, lang="en"))
    assert "Daily digest: 28 November 2026" in text and "Top stories" in text


def test_a_short_digest_is_the_caption(store, rec):
    rec.add(utc(DAY, 8), ["tusas"], title="TUSAŞ'tan yeni yatırım")
    digest = build_digest(store.engine, DAY, TZ)
    caption, follow_up = digest_messages(digest)
    assert follow_up is None and caption == render_digest_html(digest)
    assert "28 Kasım 2026" in caption and "TUSAŞ" in caption


def test_a_long_digest_gets_a_short_caption_and_a_message_within_limits(store, rec):
    long_title = "Kahramanmaraş'ta 🏭 sanayi " * 30  # astral characters count twice
    for i in range(40):
        entries = [f"giris-{i}-{'x' * 60}", "tusas"]
        rec.add(utc(DAY, 6, i), entries, title=f"{i} {long_title}",
                url=f"https://news.example/{i}/{'p' * 1500}")
    digest = build_digest(store.engine, DAY, TZ, top=10)
    caption, follow_up = digest_messages(digest)
    assert utf16_len(caption) <= 1024 and follow_up is not None
    assert utf16_len(follow_up) <= 4096
    assert "Günlük özet" in caption and "Ayrıntılar aşağıda." in caption
    check_html(caption)
    check_html(follow_up)
    assert "Öne çıkan haberler" in follow_up  # stories are kept, links dropped first


def test_the_chart_is_a_1200x700_png_and_deterministic(store, rec):
    for back in range(16):
        for i, entry in enumerate(NAMES):
            for k in range((back + i) % 3):
                rec.add(utc(DAY - timedelta(days=back), 6 + k), [entry])
    digest = build_digest(store.engine, DAY, TZ)
    png = render_chart(digest)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 700)
    assert render_chart(build_digest(store.engine, DAY, TZ)) == png
    assert b"Software" not in png and b"matplotlib" not in png.lower()


def chart_digest(*series: Series) -> Digest:
    days = tuple(DAY - timedelta(days=13 - i) for i in range(14))
    return Digest(DAY, TZ, "tr", (), 0, (), days, series)


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_equal_series_are_both_drawn_in_panels_of_their_own():
    same = (1, 2, 0, 3, 2, 2, 1, 0, 4, 3, 2, 2, 1, 4)
    fig = build_figure(chart_digest(Series("tusas", "TUSAŞ", same),
                                    Series("mb", "Mustafa Buluntu", same),
                                    Series("none", "Sessiz", (0,) * 14)))
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert [ax.get_title(loc="left") for ax in panels] == ["TUSAŞ", "Mustafa Buluntu"]
    for ax in panels:
        assert [round(b.get_height()) for b in bars(ax)] == list(same)
    colors = {tuple(bars(ax)[0].get_facecolor()[:3]) for ax in panels}
    assert len(colors) == 2  # told apart by colour as well as by place
    last = bars(panels[0])[-1]
    assert last.get_alpha() is None and bars(panels[0])[0].get_alpha() < 1  # the day stands out


def test_the_last_day_is_labelled_with_its_date_and_count():
    fig = build_figure(chart_digest(Series("tusas", "TUSAŞ", (0,) * 13 + (3,)),
                                    Series("km", "KM", (2,) + (0,) * 13)))
    for ax, count in zip(fig.axes, ("3", "0"), strict=True):
        labels = [t for t in ax.texts if t.get_position()[0] == 13]
        assert [t.get_text() for t in labels] == [count]
    fig.draw_without_rendering()
    bottom = [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_visible()]
    assert bottom[-3:] == ["26 Kas", "", "28 Kas"]  # every other day, back from the day
    assert Image.open(io.BytesIO(render_chart(chart_digest()))).size == (1200, 700)


def test_dates_are_turkish():
    assert short_date(DAY) == "28 Kas"
    assert short_date(date(2026, 8, 3)) == "3 Ağu"
    assert long_date(date(2026, 2, 1)) == "1 Şubat 2026"
