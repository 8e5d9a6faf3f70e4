"""The digest as staff read it: escaped, within Telegram's limits, Turkish dates, the chart."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from PIL import Image

from monitor.messages.chart import render_chart
from monitor.messages.digest import (
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


def test_dates_are_turkish():
    assert short_date(DAY) == "28 Kas"
    assert short_date(date(2026, 8, 3)) == "3 Ağu"
    assert long_date(date(2026, 2, 1)) == "1 Şubat 2026"
