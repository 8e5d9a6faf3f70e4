"""Feed faults never spread: each stays with its own feed, is recorded, shows in `monitor feeds`.

One whole-worker run (`monitor run --once`) polls a config holding one healthy feed, one feed
per fault kind and 25 feeds that stall, all over real sockets on 127.0.0.x. The table below is
checked row by row against `monitor feeds`, the fake Bot API and the worker's log; the healthy
feed's alert must arrive exactly once whatever else is failing, and the cycle must end within
about one fetch timeout. Backoff and recovery are driven in-process with an injected clock.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from monitor.config.settings import load_settings
from monitor.service import Service
from tests.e2e.conftest import CHAT, DEVDATA, ROOT, TOKEN, recent, run_cli
from tests.servers.fakebot import FakeBotAPI
from tests.servers.feedserver import FeedServer, Request, Route

# Seconds a fetch may take in these tests (the `fetch_timeout` config key; 45 s by default).
FETCH_TIMEOUT_S = 4.0
STALLED_FEEDS = 25
# One outlet per stalled feed, each on its own loopback address: 25 hosts that all stall.
STALL_HOSTS = tuple(f"127.0.0.{n}" for n in range(10, 10 + STALLED_FEEDS))

HEALTHY_TITLE = "KM Havacılık'ın kalite laboratuvarı kuruluyor"
OKUNAMADI = "okunamadı"


# --- documents -------------------------------------------------------------------------------


def item(
    title: str,
    *,
    link: str | None = None,
    guid: str | None = None,
    when: datetime | None = None,
    summary: str | None = None,
) -> str:
    """One RSS <item>; every part is optional, as in the wild."""
    parts = [f"<title>{escape(title)}</title>"]
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>')
    if when is not None:
        parts.append(f"<pubDate>{format_datetime(when)}</pubDate>")
    parts.append(f"<description>{escape(summary if summary is not None else title)}</description>")
    return "<item>" + "".join(parts) + "</item>"


def rss_doc(items: list[str], *, title: str = "Yerel Haber", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    )


def write_fault_config(
    tmp_path: Path,
    feed_urls: list[str],
    *,
    interval: str = "5m",
    fetch_timeout: float = FETCH_TIMEOUT_S,
    **extra: str,
) -> Path:
    """A config like conftest.write_config, with a short fetch timeout."""
    lines = [
        f"database: {tmp_path / 'monitor.db'}",
        f"watchlists: {ROOT / 'watchlists'}",
        f"interval: {interval}",
        f"fetch_timeout: {fetch_timeout:g}s",
        "bursts: {more_than: 1000}",  # every story its own alert, to be found (see test_bursts)
        *(f"{key}: {value}" for key, value in extra.items()),
        "feeds:",
    ]
    lines += [f"  - url: {url}\n    name: Outlet {i}" for i, url in enumerate(feed_urls, 1)]
    path = tmp_path / "monitor.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- `monitor feeds` --------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    state: str
    http: str
    seen: int
    error: str | None


_ROW = re.compile(
    r"^(?P<state>\S.*?)\s+(?P<kind>auto|feed|sitemap|site|search)\s+(?P<every>\d+[mh]\*?)\s+"
    r"(?P<http>\d{3}|-)\s+(?P<seen>\d+)\s+(?:\d{4}-\d\d-\d\d \d\d:\d\d|-)\s"
)


def parse_feeds_table(stdout: str) -> dict[str, FeedRow]:
    """`monitor feeds` output -> {feed url: row}: a row line, then indented url and error lines."""
    rows: dict[str, FeedRow] = {}
    head: re.Match[str] | None = None
    url: str | None = None
    error: str | None = None

    def flush() -> None:
        if head is not None and url is not None:
            rows[url] = FeedRow(head["state"], head["http"], int(head["seen"]), error)

    for line in stdout.splitlines():
        found = _ROW.match(line)
        if found and not line.startswith("STATE"):
            flush()
            head, url, error = found, None, None
        elif line.startswith(" ") and line.strip().startswith("error: "):
            error = line.strip().removeprefix("error: ")
        elif line.startswith(" ") and line.strip().startswith("http"):
            url = line.strip()
    flush()
    return rows


# --- the fault table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    kind: str
    serve: Callable[[FeedServer], str]  # installs the fault on the server, returns the feed URL
    state: str  # how `monitor feeds` starts the state column
    http: str  # the HTTP column
    error: str | None  # a piece of the error line; None: no error line
    seen: int = 0  # entries recorded
    alert: str | None = None  # a piece of text of the single alert this feed must give


def _feed(path: str, body: str | bytes, content_type: str = "application/rss+xml") -> Callable:
    return lambda srv: srv.add(path, body, content_type=content_type)


def _missing(kind: str, n: int = 1) -> str:
    """A link on the feed server that answers 404, so alerts come from the feed's own text."""
    return f"/missing/{kind}/{n}.html"


def _over_cap(srv: FeedServer) -> str:
    big = rss_doc([item("TUSAŞ boyut", link="/x", summary="x" * 6_000_000)])
    return srv.add_handler("/big.xml", lambda _: Route(body=big.encode(), content_type="text/xml"))


def _links_on(path: str, items: Callable[[str], list[str]], **kwargs) -> Callable:
    """A feed whose items link back to the same server (built once the base URL is known)."""
    return lambda srv: srv.add(
        path, rss_doc(items(srv.url), **kwargs), content_type="application/rss+xml"
    )


# Three different stories (copies would merge into one alert), each with ş ğ ı İ: cp1254-only
TURKISH = (
    "TUSAŞ Şişli'de Ağrı ve Iğdır için çalıştay düzenledi",
    "TUSAŞ Iğdır'daki öğrencilere ağır bakım kursu açtı",
    "TUSAŞ Ağrı'da İşçi sağlığı günü yaptı",
)
MALFORMED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bozuk</title>'
    "<item><title>TUSAŞ bozukxml haberi</title><link>{base}/missing/bozuk/1.html</link>"
    "<guid>bozuk-1</guid><description>Erkenez & OSB <b>kalın</description></item>"
    "<item><title>İkinci haber</title><link>{base}/missing/bozuk/2.html</link>"
    "<guid>bozuk-2</guid><description>Sorunsuz özet</description></item></channel>"
)

FAULTS = [
    Fault("http-404", lambda s: s.url + "/fault/status/404", "FAILING", "404", "HTTP 404"),
    Fault("http-410", lambda s: s.url + "/fault/status/410", "DISABLED", "410", "HTTP 410"),
    Fault("http-500", lambda s: s.url + "/fault/status/500", "FAILING", "500", "HTTP 500"),
    Fault("http-503", lambda s: s.url + "/fault/status/503", "FAILING", "503", "HTTP 503"),
    Fault("refused", lambda s: "http://127.0.0.1:9/rss.xml", "FAILING", "-", "connection refused"),
    Fault("no-answer", lambda s: s.url + "/fault/hang", "FAILING", "-", "timed out"),
    Fault("headers-then-stall", lambda s: s.url + "/fault/stall", "FAILING", "-", "timed out"),
    # 1 byte every 0.2 s: no read times out, only the total timeout cuts it
    Fault("trickle", lambda s: s.url + "/fault/trickle", "FAILING", "-", "timed out"),
    Fault("over-size-cap", _over_cap, "FAILING", "-", "body over 5000000 bytes"),
    Fault("gzip-bomb", lambda s: s.url + "/fault/bomb", "FAILING", "-", "body over 5000000 bytes"),
    Fault("redirect-loop", lambda s: s.url + "/fault/loop", "FAILING", "-", "too many redirects"),
    Fault(
        "html-not-feed",  # a page of no stated kind is a homepage: no feed found behind it
        lambda s: s.add_file("/not-a-feed.html", DEVDATA / "pages" / "d4.html"),
        "FAILING",
        "-",
        "no usable feed or sitemap",
    ),
    Fault("empty-document", _feed("/empty-doc.xml", b""), "FAILING", "-", "not a feed"),
    Fault("empty-feed", _feed("/empty.xml", rss_doc([])), "OK", "200", None),
    Fault(
        "malformed-xml",
        lambda s: s.add("/bozuk.xml", MALFORMED.format(base=s.url), content_type="text/xml"),
        "OK",
        "200",
        "malformed feed",
        seen=2,
        alert="TUSAŞ bozukxml haberi",
    ),
    Fault(
        "cp1254-served-as-utf8",
        lambda s: s.add(
            "/cp1254-as-utf8.xml",
            rss_doc([item(TURKISH[0], link=s.url + _missing("a"), when=recent())]).encode(
                "cp1254"
            ),
            content_type="application/rss+xml; charset=utf-8",
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert=TURKISH[0],
    ),
    Fault(
        "utf8-served-as-cp1254",
        lambda s: s.add(
            "/utf8-as-cp1254.xml",
            rss_doc(
                [item(TURKISH[1], link=s.url + _missing("b"), when=recent())],
                encoding="windows-1254",
            ).encode("utf-8"),
            content_type="application/rss+xml; charset=windows-1254",
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert=TURKISH[1],
    ),
    Fault(
        "cp1254-no-charset",
        lambda s: s.add(
            "/cp1254-bare.xml",
            rss_doc([item(TURKISH[2], link=s.url + _missing("c"), when=recent())])
            .replace(' encoding="utf-8"', "")
            .encode("cp1254"),
            content_type="text/xml",
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert=TURKISH[2],
    ),
    Fault(
        "no-link-no-guid",
        _feed("/nolink.xml", rss_doc([item("TUSAŞ linksiz haber", when=recent())])),
        "OK",
        "200",
        None,
        seen=1,
        alert="TUSAŞ linksiz haber",
    ),
    Fault(
        "duplicate-guids",
        _links_on(
            "/dup.xml",
            lambda base: [
                item(
                    "TUSAŞ mükerrer kimlik",
                    link=base + _missing("dup", 1),
                    guid="dup-1",
                    when=recent(),
                ),
                item(
                    "TUSAŞ mükerrer kimlik",
                    link=base + _missing("dup", 2),
                    guid="dup-1",
                    when=recent(),
                ),
            ],
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert="TUSAŞ mükerrer kimlik",
    ),
    Fault(
        "date-in-future",
        _links_on(
            "/future.xml",
            lambda base: [
                item(
                    "TUSAŞ gelecek tarihli",
                    link=base + _missing("future"),
                    when=datetime(2099, 1, 1, 12, tzinfo=UTC),
                ),
            ],
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert="TUSAŞ gelecek tarihli",
    ),
    Fault(
        "date-missing",
        _links_on(
            "/nodate.xml",
            lambda base: [item("TUSAŞ tarihsiz haber", link=base + _missing("nodate"))],
        ),
        "OK",
        "200",
        None,
        seen=1,
        alert="TUSAŞ tarihsiz haber",
    ),
]


@dataclass
class World:
    server: FeedServer
    stall_servers: list[FeedServer]
    bot: FakeBotAPI
    urls: dict[str, str]  # fault kind (and "healthy", "stalled-N") -> feed URL
    run: subprocess.CompletedProcess[str]  # `monitor run --once`
    wall_s: float
    feeds: dict[str, FeedRow]
    feeds_stdout: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path = tmp_path_factory.mktemp("feed-faults")
    with FeedServer() as server, FakeBotAPI(token=TOKEN, enforce_limits=True) as bot:
        stall_servers = [FeedServer(host=host).start() for host in STALL_HOSTS]
        try:
            server.add_dir("/pages", DEVDATA / "pages")
            urls = {
                "healthy": server.add(
                    "/healthy.xml",
                    rss_doc(
                        [item(HEALTHY_TITLE, link=server.url + "/pages/d1.html", when=recent())]
                    ),
                    content_type="application/rss+xml",
                )
            }
            urls.update({fault.kind: fault.serve(server) for fault in FAULTS})
            for n in range(STALLED_FEEDS):
                srv = stall_servers[n % len(stall_servers)]
                urls[f"stalled-{n}"] = f"{srv.url}/fault/stall?feed={n}"
            config = write_fault_config(tmp_path, list(urls.values()))
            started = time.monotonic()
            run = run_cli(["--config", str(config), "run", "--once"], bot=bot, timeout=180)
            wall_s = time.monotonic() - started
            table = run_cli(["--config", str(config), "feeds"])
            assert table.returncode == 0, table.stderr
            yield World(
                server,
                stall_servers,
                bot,
                urls,
                run,
                wall_s,
                parse_feeds_table(table.stdout),
                table.stdout,
            )
        finally:
            for srv in stall_servers:
                srv.stop()


def messages_with(bot: FakeBotAPI, text: str) -> list[str]:
    return [m for m in bot.texts if text in m]


# --- the whole-worker run -----------------------------------------------------------------------


def test_the_run_survives_every_fault_at_once(world: World) -> None:
    assert world.run.returncode == 0, world.run.stderr[-3000:]
    assert "Traceback" not in world.run.stderr
    assert world.bot.violations == []
    assert set(world.feeds) == set(world.urls.values()), world.feeds_stdout


def test_healthy_feed_alert_arrives_exactly_once_with_the_page_body(world: World) -> None:
    sent = messages_with(world.bot, "/pages/d1.html")
    assert len(sent) == 1, world.bot.texts
    assert "KM Havacılık" in sent[0] and OKUNAMADI not in sent[0]
    assert sent[0].count("<a href=") == 1
    row = world.feeds[world.urls["healthy"]]
    assert (row.state, row.http, row.seen, row.error) == ("OK", "200", 1, None)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.kind)
def test_fault_is_recorded_on_its_own_feed(world: World, fault: Fault) -> None:
    row = world.feeds[world.urls[fault.kind]]
    assert row.state.startswith(fault.state), world.feeds_stdout
    assert row.http == fault.http, world.feeds_stdout
    assert row.seen == fault.seen, world.feeds_stdout
    if fault.error is None:
        assert row.error is None, world.feeds_stdout
    else:
        assert row.error is not None and fault.error in row.error, world.feeds_stdout
    url = re.escape(world.urls[fault.kind])
    assert re.search(rf"feed_polled url={url} ", world.run.stderr), "no feed_polled line"


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.alert], ids=lambda f: f.kind)
def test_recoverable_entries_alert_exactly_once_from_the_feed_text(
    world: World, fault: Fault
) -> None:
    sent = messages_with(world.bot, escape(fault.alert))
    assert len(sent) == 1, (fault.alert, world.bot.texts)
    text = sent[0]
    assert "<b>TUSAŞ</b>" in text
    assert OKUNAMADI in text  # the links answer 404: the alert is built from the feed entry
    assert not re.search("[ÃÅÄ]|Ý|Þ|Ð", text), "mojibake in the alert"


def test_no_other_alerts_were_sent(world: World) -> None:
    expected = 1 + sum(1 for fault in FAULTS if fault.alert)
    assert len(world.bot.messages) == expected, world.bot.texts


def test_entry_without_link_is_alerted_without_a_link(world: World) -> None:
    (text,) = messages_with(world.bot, "TUSAŞ linksiz haber")
    assert "<a " not in text


def test_future_date_is_not_shown_as_the_publication_time(world: World) -> None:
    (text,) = messages_with(world.bot, "TUSAŞ gelecek tarihli")
    assert "2099" not in text


def test_gone_feed_is_disabled_with_an_error_line(world: World) -> None:
    url = world.urls["http-410"]
    assert "DISABLED (gone)" in world.feeds_stdout
    lines = [line for line in world.run.stderr.splitlines() if url in line]
    assert any(" ERROR " in line for line in lines), lines
    other = [line for line in world.run.stderr.splitlines() if world.urls["http-404"] in line]
    assert not any(" ERROR " in line for line in other), "only a 410 is an error-level event"


def test_stalled_feeds_fail_alone_and_the_cycle_stays_bounded(world: World) -> None:
    for n in range(STALLED_FEEDS):
        row = world.feeds[world.urls[f"stalled-{n}"]]
        assert row.state.startswith("FAILING") and "timed out" in (row.error or ""), row
    stamps = _log_times(world.run.stderr)
    cycle_s = max(stamps["feed_polled"]) - min(stamps["worker_started"])
    # Every fetch is cut at FETCH_TIMEOUT_S, queued ones included: one timeout, not several.
    assert cycle_s < FETCH_TIMEOUT_S * 1.5 + 1.0, f"poll cycle took {cycle_s:.1f}s"
    assert world.wall_s < FETCH_TIMEOUT_S + 45, f"run --once took {world.wall_s:.1f}s"


def _log_times(stderr: str) -> dict[str, list[float]]:
    """Seconds of each event's log lines ("2026-01-01T12:00:00.123Z INFO name k=v")."""
    found: dict[str, list[float]] = {}
    for line in stderr.splitlines():
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z \w+ (\w+)", line)
        if m:
            when = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").timestamp()
            found.setdefault(m.group(3), []).append(when + int(m.group(2)) / 1000)
    return found


# --- backoff and recovery, in-process with an injected clock ------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def env_for(bot: FakeBotAPI) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": bot.token, "TELEGRAM_CHAT_ID": CHAT, "TELEGRAM_API_URL": bot.url}


def flaky(failures: int, good: str) -> Callable[[Request], Route]:
    """A feed that answers 503 `failures` times, then serves `good`."""
    calls = []

    def handler(_: Request) -> Route:
        calls.append(1)
        if len(calls) <= failures:
            return Route(body=b"busy", status=503, content_type="text/plain")
        return Route(body=good.encode(), content_type="application/rss+xml")

    return handler


async def test_failing_feed_backs_off_then_recovers_by_itself(tmp_path, feed_server, bot) -> None:
    base = feed_server.url
    good = rss_doc([item("TUSAŞ geri döndü", link=base + "/pages/d2.html", when=recent())])
    flaky_url = feed_server.add_handler("/flaky.xml", flaky(2, good))
    healthy_url = feed_server.add(
        "/healthy.xml",
        rss_doc([item(HEALTHY_TITLE, link=base + "/pages/d1.html", when=recent())]),
        content_type="application/rss+xml",
    )
    config = write_fault_config(tmp_path, [flaky_url, healthy_url], interval="60s")
    clock = Clock()
    polled = lambda: len(feed_server.requests_for("/flaky.xml"))  # noqa: E731

    async with Service(load_settings(config, env_for(bot)), clock=clock) as service:
        first = {r.feed_url: r for r in await service.poll()}
        assert first[flaky_url].status == 503 and first[flaky_url].failures == 1
        assert first[flaky_url].retry_in_s == pytest.approx(120)  # interval doubled
        assert await service.outbox.drain()
        assert len(messages_with(bot, "/pages/d1.html")) == 1  # the healthy feed is not held up

        clock.advance(61)  # the healthy feed is due again, the failing one is not
        await service.poll()
        assert polled() == 1

        clock.advance(60)
        second = {r.feed_url: r for r in await service.poll()}
        assert polled() == 2 and second[flaky_url].failures == 2
        assert second[flaky_url].retry_in_s == pytest.approx(240)

        clock.advance(239)
        await service.poll()
        assert polled() == 2  # still backing off

        clock.advance(2)
        third = {r.feed_url: r for r in await service.poll()}
        assert polled() == 3 and third[flaky_url].error is None and third[flaky_url].alerts == 1
        assert await service.outbox.drain()

    recovered = messages_with(bot, "/pages/d2.html")
    assert len(recovered) == 1 and "TUSAŞ" in recovered[0]
    assert len(messages_with(bot, "/pages/d1.html")) == 1
    rows = parse_feeds_table(run_cli(["--config", str(config), "feeds"]).stdout)
    assert rows[flaky_url].state == "OK" and rows[flaky_url].error is None


async def test_backoff_is_capped_and_a_gone_feed_is_never_polled_again(
    tmp_path, feed_server, bot
) -> None:
    down = feed_server.url + "/fault/status/500"
    gone = feed_server.url + "/fault/status/410"
    config = write_fault_config(tmp_path, [down, gone], interval="1h")
    clock = Clock()
    delays = []
    async with Service(load_settings(config, env_for(bot)), clock=clock) as service:
        for _ in range(5):
            reports = {r.feed_url: r for r in await service.poll()}
            delays.append(reports[down].retry_in_s)
            clock.advance(reports[down].retry_in_s + 1)
    assert delays == [7200, 14400, 21600, 21600, 21600]  # doubling, capped at 6 hours
    assert len(feed_server.requests_for("/fault/status/410")) == 1
    rows = parse_feeds_table(run_cli(["--config", str(config), "feeds"]).stdout)
    assert rows[gone].state == "DISABLED (gone)" and rows[down].state.startswith("FAILING")
    assert bot.messages == []
