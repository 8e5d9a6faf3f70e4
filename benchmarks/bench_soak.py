"""Soak: the worker runs for 10 minutes against 200 live local feeds, 10% of them
faulty in rotating ways, and a fake Bot API that throttles or fails 20% of calls.

    .venv/bin/python -m benchmarks.bench_soak [--minutes 10] [--feeds 200]

Feeds publish a new item every 90-150 s; about one item in twenty mentions a
watched name. Each minute a different 10% of the feeds answer 500, 404, stall,
send malformed XML or an HTML page. New items stop three minutes before the end
so the last ones can get through backoffs and throttling. Prints alerts
expected, delivered, duplicated and lost, rate-limit violations, and the
worker's memory over time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
HOSTS = 10
FAULTS = ("status500", "status404", "stall", "malformed", "html")
MENTIONS = ("KM Havacılık'ın", "TUSAŞ'ın", "Erkenez OSB'deki", "KMTSO Başkanı Mustafa Buluntu")
TOKEN = "777:soak-token"
CHAT = "-1001000000001"


def _h(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16)


class Schedule:
    """Which items each feed has published by a time, and which feeds are faulty (pure)."""

    def __init__(self, start: float, publish_until: float, feeds: int):
        self.start, self.publish_until, self.feeds = start, publish_until, feeds

    def period(self, feed: int) -> float:
        return 90 + _h("period", feed) % 60

    def items(self, feed: int, now: float, window: int = 30) -> list[int]:
        """Item numbers in the feed at `now` (history items are hours old), newest last."""
        latest = int((min(now, self.publish_until) - self.start) // self.period(feed))
        return list(range(max(latest - window + 1, -30), latest + 1))

    def published_at(self, feed: int, item: int) -> float:
        if item < 0:
            return self.start - 7200 + item * 60  # history: older than max_age
        return self.start + item * self.period(feed) + _h("offset", feed) % 30

    def mentions(self, feed: int, item: int) -> str | None:
        return MENTIONS[_h("m", feed, item) % 4] if item >= 0 and _h(feed, item) % 20 == 0 else None

    def fault(self, feed: int, now: float) -> str | None:
        window = int((now - self.start) // 60)
        if window < 1 or (feed * 7 + window * 3) % 10:
            return None
        return FAULTS[(feed + window) % len(FAULTS)]

    def expected(self) -> set[tuple[int, int]]:
        return {
            (feed, item)
            for feed in range(self.feeds)
            for item in self.items(feed, self.publish_until)
            if self.mentions(feed, item)
        }


def feed_xml(schedule: Schedule, feed: int, base: str, now: float) -> str:
    items = []
    for item in reversed(schedule.items(feed, now)):
        when = datetime.fromtimestamp(schedule.published_at(feed, item), UTC)
        title = f"Yerel haber {feed}-{item}"
        items.append(
            f"<item><title>{escape(title)}</title><link>{base}/p/{feed}/{item}.html</link>"
            f"<guid>{base}/p/{feed}/{item}.html</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{escape(title)}</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Yerel {feed}</title><link>{base}/</link>{''.join(items)}</channel></rss>"
    )


def page_html(schedule: Schedule, feed: int, item: int) -> str:
    rng = random.Random(_h("page", feed, item))
    words = "belediye meclis yatırım sanayi ihracat fabrika üretim kooperatif tarım öğrenci".split()
    paragraphs = [" ".join(rng.choices(words, k=40)) + "." for _ in range(5)]
    if mention := schedule.mentions(feed, item):
        paragraphs[1] = f"{mention} yeni yatırımı kentte konuşuldu. {paragraphs[1]}"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><meta charset='utf-8'><title>Haber {feed}-{item}</title></head><body>"
        f"<nav><a href='/'>Anasayfa</a></nav><article><h1>Yerel haber {feed}-{item}</h1>{body}"
        f"</article><aside><h3>Çok Okunanlar</h3><a href='/x'>TUSAŞ'ın burs programı</a></aside>"
        "</body></html>"
    )


def serve_feeds(host: str, start: float, publish_until: float, feeds: int) -> None:
    """A feed server process for the feeds of one loopback host."""
    sys.path.insert(0, str(ROOT))
    from tests.servers.feedserver import FeedServer, Route

    schedule = Schedule(start, publish_until, feeds)
    server = FeedServer(host=host)

    def feed_route(feed: int):
        def answer(_request) -> Route:
            now = time.time()
            fault = schedule.fault(feed, now)
            if fault == "status500":
                return Route(body=b"<html>Internal Server Error</html>", status=500)
            if fault == "status404":
                return Route(body=b"not found", status=404)
            if fault == "stall":
                return Route(body=b"<rss>", stall=True)
            if fault == "html":
                return Route(body=b"<html><body><h1>Bakimda</h1></body></html>")
            xml = feed_xml(schedule, feed, server.url, now).encode()
            if fault == "malformed":
                xml = xml[: len(xml) * 2 // 3]
            etag = '"' + hashlib.sha256(xml).hexdigest()[:16] + '"'
            return Route(body=xml, content_type="application/rss+xml", etag=etag)

        return answer

    def page_route(request) -> Route:
        feed, item = request.path.split("/")[2:4]
        html = page_html(schedule, int(feed), int(item.removesuffix(".html")))
        return Route(body=html.encode())

    for feed in range(feeds):
        if feed % HOSTS != int(host.rsplit(".", 1)[1]) - 1:
            continue
        server.add_handler(f"/feed{feed}.xml", feed_route(feed))
        for item in schedule.items(feed, publish_until, window=1000):  # every page ever
            server.add_handler(f"/p/{feed}/{item}.html", page_route)
    with server:
        print(server.url, flush=True)
        sys.stdin.read()


def serve_bot() -> None:
    """A fake Bot API process that fails or throttles 20% of sends at random."""
    sys.path.insert(0, str(ROOT))
    from tests.servers.fakebot import FakeBotAPI

    rng = random.Random(11)

    class FlakyBot(FakeBotAPI):
        def _take_fault(self, kind, method):
            if method != "sendMessage":
                return None
            roll = rng.random()
            if kind == "fail" and roll < 0.10:
                return {
                    "status": 502,
                    "body": "<html>Bad Gateway</html>",
                    "content_type": "text/html",
                }
            if kind == "throttle" and roll < 0.11:
                return {"retry_after": rng.choice((1, 2, 3))}
            return None

    with FlakyBot(token=TOKEN, enforce_limits=True) as bot:
        print(bot.url, flush=True)
        sys.stdin.readline()
        sends = [r for r in bot.requests if r.method == "sendMessage"]
        report = {
            "texts": bot.texts,
            "violations": len(bot.violations),
            "sends": len(sends),
            "refused": sum(1 for r in sends if r.status != 200),
        }
        print(json.dumps(report), flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run_worker(config: Path, bot_url: str, seconds: float, expected: int, db: Path) -> list:
    from monitor.config.settings import load_settings
    from monitor.service import Service

    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_ID": CHAT, "TELEGRAM_API_URL": bot_url}
    samples = []
    stop = asyncio.Event()
    async with Service(load_settings(config, env=env)) as service:
        worker = asyncio.create_task(service.run(stop))
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            await asyncio.sleep(30)
            stats = service.store.outbox_stats()
            samples.append((time.monotonic() - started, rss_mb(), stats.sent, stats.pending))
            print(
                f"  t={samples[-1][0]:5.0f}s rss={samples[-1][1]:6.1f} MB "
                f"sent={stats.sent} pending={stats.pending}",
                flush=True,
            )
        stop.set()
        await worker
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--role", choices=("driver", "feeds", "bot"), default="driver")
    parser.add_argument("--host")
    parser.add_argument("--start", type=float)
    parser.add_argument("--until", type=float)
    args = parser.parse_args()
    if args.role == "feeds":
        return serve_feeds(args.host, args.start, args.until, args.feeds)
    if args.role == "bot":
        return serve_bot()

    start = time.time()
    seconds = args.minutes * 60
    until = start + seconds - 180
    schedule = Schedule(start, until, args.feeds)
    me = [sys.executable, "-m", "benchmarks.bench_soak", "--feeds", str(args.feeds)]
    pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    servers = [
        subprocess.Popen(
            [
                *me,
                "--role",
                "feeds",
                "--host",
                f"127.0.0.{h + 1}",
                "--start",
                str(start),
                "--until",
                str(until),
            ],
            **pipes,
        )
        for h in range(HOSTS)
    ]
    bot = subprocess.Popen([*me, "--role", "bot"], **pipes)
    try:
        bases = [s.stdout.readline().strip() for s in servers]
        bot_url = bot.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "soak.yaml"
            feeds = "\n".join(
                f"  - url: {bases[f % HOSTS]}/feed{f}.xml\n    interval: 1m"
                for f in range(args.feeds)
            )
            config.write_text(
                f"database: {tmp}/soak.db\nwatchlists: {ROOT / 'watchlists'}\nmax_age: 1h\n"
                # every alert as its own message: this soak counts single deliveries
                f"fetch_timeout: 10s\nbursts: {{more_than: 100000}}\nfeeds:\n{feeds}\n",
                encoding="utf-8",
            )
            expected = schedule.expected()
            print(
                f"soak: {args.feeds} feeds, {args.minutes:g} min, {len(expected)} alerts expected"
            )
            samples = asyncio.run(run_worker(config, bot_url, seconds, len(expected), Path(tmp)))
        bot.stdin.write("dump\n")
        bot.stdin.flush()
        report = json.loads(bot.stdout.readline())
    finally:
        for process in (*servers, bot):
            process.stdin.close()
            process.wait(15)
    delivered: dict[tuple[int, int], int] = {}
    for text in report["texts"]:
        for feed, item in expected:
            if f"/p/{feed}/{item}.html" in text:
                delivered[(feed, item)] = delivered.get((feed, item), 0) + 1
    duplicated = sum(count - 1 for count in delivered.values())
    lost = len(expected - delivered.keys())
    third = max(len(samples) // 3, 1)
    middle = sum(s[1] for s in samples[third : 2 * third]) / third
    last = sum(s[1] for s in samples[-third:]) / third
    print(f"alerts expected   {len(expected)}")
    print(f"alerts delivered  {len(delivered)}")
    print(f"duplicated        {duplicated}")
    print(f"lost              {lost}")
    print(
        f"sends {report['sends']}, refused by the fake Bot API {report['refused']}, "
        f"rate-limit violations {report['violations']}"
    )
    print(
        f"peak RSS {max(s[1] for s in samples):.1f} MB; middle third {middle:.1f} MB, "
        f"last third {last:.1f} MB -> {'flat' if last <= middle * 1.10 else 'GROWING'}"
    )


if __name__ == "__main__":
    main()
