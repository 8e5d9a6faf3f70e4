"""Article pages that cannot be read, and article links that must not be followed.

A page that fails (HTTP error, paywall stub, JS shell, nothing extractable, not HTML, a stall)
falls back to the feed entry's title and summary: an alert still goes out when they match and
says the body could not be read ("okunamadı"); when they do not match, nothing is sent.

Article links are untrusted: a link to another loopback origin than its feed is not fetched
unless `allow_private_networks: true`; javascript: and file: links are never fetched and never
become a link in the alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape as html_escape

import pytest

from monitor.config.settings import load_settings
from monitor.service import Service
from tests.e2e.conftest import run_cli
from tests.e2e.test_feed_faults import OKUNAMADI, env_for, item, rss_doc, write_fault_config
from tests.paths import DATA
from tests.servers.feedserver import FeedServer

PAGE_TIMEOUT_S = 2.0  # fetch_timeout in these configs: what a stalled page costs
PAGES = DATA / "pages"


def article_html(title: str, body: str) -> str:
    """A plain, readable article page."""
    paragraphs = "".join(f"<p>{html_escape(p)}</p>" for p in body.split("\n"))
    return (
        '<!doctype html><html lang="tr"><head><meta charset="utf-8">'
        f"<title>{html_escape(title)}</title></head><body><article>"
        f"<h1>{html_escape(title)}</h1>{paragraphs}</article></body></html>"
    )


READABLE_BODY = (
    "Kahramanmaraş'ta düzenlenen toplantıda TUSAŞ yetkilileri bölgedeki tedarikçilerle bir araya "
    "geldi.\nToplantıda yerli üretimin artırılması ve yeni iş birlikleri ele alındı; katılımcılar "
    "önümüzdeki dönemde ortak projelerin hızlanacağını belirtti."
)

# A different story from READABLE_BODY, so the two are not merged as copies of one.
OTHER_BODY = (
    "TUSAŞ, Elbistan'daki meslek lisesinde 40 öğrenciye yaz stajı imkânı sunacağını açıkladı.\n"
    "Öğrenciler altı hafta boyunca uçak bakım atölyelerinde çalışacak; başvurular okul "
    "müdürlükleri aracılığıyla nisan ayı sonuna kadar alınacak."
)

THIRD_BODY = (
    "Erkenez OSB'de TUSAŞ tedarikçilerine yönelik kalite eğitimi 12 firmanın katılımıyla "
    "tamamlandı.\nEğitimde ölçüm sistemleri, izlenebilirlik ve uçuş emniyeti kuralları anlatıldı; "
    "firmalara katılım belgesi verildi."
)


@dataclass(frozen=True)
class PageFault:
    kind: str
    serve: Callable[[FeedServer], str]  # installs the page, returns its path


def _page(path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8"):
    return lambda srv: (srv.add(path, body, content_type=content_type), path)[1]


def _file(path: str, name: str):
    return lambda srv: (srv.add_file(path, PAGES / name, content_type="text/html"), path)[1]


PAGE_FAULTS = [
    PageFault("http-404", lambda srv: "/fault/status/404"),
    PageFault("http-500", lambda srv: "/fault/status/500"),
    PageFault("paywall-stub", _file("/paywall.html", "paywall.html")),
    PageFault("js-only", _file("/js-only.html", "js_only.html")),
    PageFault("nothing-to-extract", _page("/blank.html", "<html><body><div></div></body></html>")),
    PageFault("empty-body", _page("/empty.html", b"")),
    PageFault(
        "pdf", _page("/report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf")
    ),
    PageFault("gzip-bomb", lambda srv: "/fault/bomb"),
    PageFault("redirect-loop", lambda srv: "/fault/loop"),
    PageFault("no-answer", lambda srv: "/fault/hang"),
    PageFault("headers-then-stall", lambda srv: "/fault/stall"),
]


async def run_once_in_process(tmp_path, feed_url: str, bot, **extra: str) -> None:
    config = write_fault_config(tmp_path, [feed_url], fetch_timeout=PAGE_TIMEOUT_S, **extra)
    async with Service(load_settings(config, env_for(bot))) as service:
        assert await service.run_once()


STALLS = ("no-answer", "headers-then-stall")  # each costs a fetch timeout: title case only
CASES = [
    pytest.param(fault, match_in, id=f"{fault.kind}-{match_in}")
    for fault in PAGE_FAULTS
    for match_in in ("title", "summary")
    if match_in == "title" or fault.kind not in STALLS
]


@pytest.mark.parametrize(("fault", "match_in"), CASES)
async def test_unreadable_page_falls_back_to_the_feed_entry(
    tmp_path, feed_server, bot, fault: PageFault, match_in: str
) -> None:
    path = fault.serve(feed_server)
    link = feed_server.url + path
    title, summary = f"Sanayi haberi: {fault.kind}", "Oda meclisi toplandı."
    if match_in == "title":
        title = f"TUSAŞ tedarikçi günü ({fault.kind})"
    else:
        summary = f"Toplantıya TUSAŞ yöneticileri de katıldı ({fault.kind})."
    feed = feed_server.add(
        "/feed.xml", rss_doc([item(title, link=link, summary=summary)]), content_type="text/xml"
    )

    await run_once_in_process(tmp_path, feed, bot)

    assert feed_server.requests_for(path.split("?")[0]), "the page was not even tried"
    assert len(bot.messages) == 1, bot.texts
    text = bot.messages[0].text
    assert OKUNAMADI in text
    assert "<b>TUSAŞ</b>" in text
    assert f'<a href="{link}">' in text  # the alert still carries the entry's link
    assert html_escape(title, quote=False) in text


async def test_readable_page_is_not_marked_unreadable(tmp_path, feed_server, bot) -> None:
    """The control for the table above: the marker is only there when the page failed."""
    link = feed_server.add("/good.html", article_html("Tedarikçi günü yapıldı", READABLE_BODY))
    feed = feed_server.add(
        "/feed.xml",
        rss_doc([item("Tedarikçi günü yapıldı", link=link, summary="Kısa özet.")]),
        content_type="text/xml",
    )
    await run_once_in_process(tmp_path, feed, bot)
    assert len(bot.messages) == 1, bot.texts  # TUSAŞ is only in the page body
    assert OKUNAMADI not in bot.messages[0].text
    assert "tedarikçilerle" in bot.messages[0].text  # the snippet comes from the page body


async def test_no_match_in_title_or_summary_means_no_alert(tmp_path, feed_server, bot) -> None:
    """Pages that fail, some with watched names in menus or scripts: nothing is alerted."""
    quick = [f for f in PAGE_FAULTS if f.kind not in STALLS]
    paths = [fault.serve(feed_server) for fault in quick]
    items = [
        item(f"Ahır Dağı'nda kayak sezonu ({n})", link=feed_server.url + path, summary="Kar yağdı.")
        for n, path in enumerate(paths)
    ]
    feed = feed_server.add("/feed.xml", rss_doc(items), content_type="text/xml")
    await run_once_in_process(tmp_path, feed, bot)
    for path in paths:
        assert feed_server.requests_for(path), path
    assert bot.messages == []


# --- untrusted links ------------------------------------------------------------------------


@pytest.fixture
def elsewhere():
    """Two servers of other loopback origins: another address, and another port."""
    with FeedServer(host="127.0.0.2") as other_ip, FeedServer() as other_port:
        # each page a different story, so none is merged into another as a copy
        other_ip.add("/article.html", article_html("TUSAŞ başka köken", READABLE_BODY))
        other_port.add("/article.html", article_html("TUSAŞ başka port", THIRD_BODY))
        other_ip.add("/hopped.html", article_html("TUSAŞ yönlendirme", OTHER_BODY))
        yield other_ip, other_port


def untrusted_feed(feed_server: FeedServer, other_ip: FeedServer, other_port: FeedServer) -> dict:
    """The feed's entries by case: title -> link."""
    links = {
        "TUSAŞ başka adres": f"{other_ip.url}/article.html",
        "TUSAŞ başka port": f"http://localhost:{other_port.port}/article.html",
        "TUSAŞ yönlendirilen": feed_server.add_redirect("/hop", f"{other_ip.url}/hopped.html"),
        "TUSAŞ betik bağlantısı": f"javascript:fetch('{other_ip.url}/js')",
        "TUSAŞ dosya bağlantısı": "file:///etc/passwd",
    }
    items = [item(title, link=link, guid=title, summary=title) for title, link in links.items()]
    url = feed_server.add("/feed.xml", rss_doc(items), content_type="application/rss+xml")
    return {"feed": url, **links}


def alert_for(bot, title: str, link: str) -> str:
    """The one alert about an entry: by its link when it is http(s), else by the feed title."""
    key = f'<a href="{html_escape(link)}">' if link.startswith("http") else f"<b>{title}</b>"
    found = [text for text in bot.texts if key in text]
    assert len(found) == 1, (title, bot.texts)
    return found[0]


@pytest.mark.parametrize("allow", [False, True], ids=["default", "allow_private_networks"])
def test_links_to_other_loopback_origins(tmp_path, feed_server, bot, elsewhere, allow) -> None:
    other_ip, other_port = elsewhere
    links = untrusted_feed(feed_server, other_ip, other_port)
    extra = {"allow_private_networks": "true"} if allow else {}
    config = write_fault_config(
        tmp_path, [links.pop("feed")], fetch_timeout=PAGE_TIMEOUT_S, **extra
    )

    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)

    assert result.returncode == 0, result.stderr[-3000:]
    assert len(bot.messages) == len(links), bot.texts
    alerts = {title: alert_for(bot, title, link) for title, link in links.items()}
    assert feed_server.requests_for("/hop")  # same origin as the feed: always fetched
    fetched = {
        "TUSAŞ başka adres": other_ip.requests_for("/article.html"),
        "TUSAŞ başka port": other_port.requests_for("/article.html"),
        "TUSAŞ yönlendirilen": other_ip.requests_for("/hopped.html"),
    }
    for title, requests in fetched.items():
        assert bool(requests) == allow, (title, other_ip.requests, other_port.requests)
        assert (OKUNAMADI in alerts[title]) != allow, alerts[title]
    assert other_ip.requests_for("/js") == []
    for title in ("TUSAŞ betik bağlantısı", "TUSAŞ dosya bağlantısı"):
        text = alerts[title]
        assert "<a " not in text and "javascript:" not in text and "file:" not in text, text
        assert OKUNAMADI in text
    if not allow:
        assert "blocked non-public address" in result.stderr
