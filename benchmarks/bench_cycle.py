"""One full poll cycle over 200 local feeds of 30 items each: first run, then steady state.

    .venv/bin/python -m benchmarks.bench_cycle [--feeds 200] [--items 30]

The feeds are spread over 10 outlets, each a feed server in its own process on
its own loopback address (127.0.0.1-10), so the server work does not count
against the worker and per-host connection limits apply as they would in
production; the worker's own code (fetch, parse, page fetch,
extraction, matching, storage) runs in this process. The second cycle is the
steady state: every feed answers 304 Not Modified. Prints wall time and peak
memory (max RSS) of each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from monitor.config.settings import load_settings
from monitor.service import Service

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "belediye meclis yatırım sanayi ihracat fabrika üretim teşvik kooperatif tarım pamuk "
    "öğrenci üniversite hastane yol kavşak su elektrik enerji santral toplantı başkan "
    "vali proje ihale kredi banka faiz enflasyon işçi istihdam kadın genç spor kültür "
    "festival müze tarih kazı cami çarşı pazar fiyat maliyet ortak tedarik kalite"
).split()
MENTIONS = [
    "KM Havacılık'ın yeni tesisi",
    "TUSAŞ'ın tedarikçi programı",
    "Erkenez OSB'de yeni fabrika",
    "KMTSO Başkanı Mustafa Buluntu",
]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(9, 16))
    return " ".join(words).capitalize() + "."


def page(rng: random.Random, title: str, mention: str | None, paragraphs_n: int = 6) -> str:
    paragraphs = [" ".join(sentence(rng) for _ in range(4)) for _ in range(paragraphs_n)]
    if mention:
        paragraphs[2] = f"{mention} {paragraphs[2]}"
    sidebar = "".join(f"<li><a href='/x{i}'>{sentence(rng)}</a></li>" for i in range(8))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='tr'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><nav><a href='/'>Anasayfa</a> <a href='/ekonomi'>Ekonomi</a></nav>"
        f"<main><article><h1>{title}</h1><div class='icerik'>{body}</div></article>"
        f"<aside><h3>Çok Okunanlar</h3><ul>{sidebar}</ul></aside></main>"
        f"<footer>© 2026 Yerel Haber</footer></body></html>"
    )


def build_site(root: Path, feeds: int, items: int, rng: random.Random, *,
               paragraphs: int = 6, mention_rate: float = 0.05) -> int:
    """Write feeds and pages under root; returns how many pages mention a watched name."""
    now = datetime.now(UTC)
    mentions = 0
    for f in range(feeds):
        entries = []
        for i in range(items):
            mention = rng.choice(MENTIONS) if rng.random() < mention_rate else None
            mentions += mention is not None
            title = sentence(rng)[:80]
            path = f"/p/{f}/{i}.html"
            (root / f"p/{f}").mkdir(parents=True, exist_ok=True)
            (root / f"p/{f}/{i}.html").write_text(page(rng, title, mention, paragraphs),
                                                    encoding="utf-8")
            when = format_datetime(now - timedelta(minutes=f + i))
            entries.append(
                f"<item><title>{escape(title)}</title><link>{{BASE}}{path}</link>"
                f"<guid>{{BASE}}{path}</guid><pubDate>{when}</pubDate>"
                f"<description>{escape(title)}</description></item>"
            )
        feed = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Yerel {f}</title><link>http://example.org/</link>{''.join(entries)}"
            "</channel></rss>"
        )
        (root / f"feed{f}.xml").write_text(feed, encoding="utf-8")
    return mentions


SERVER = """
import sys, threading
from pathlib import Path
from tests.servers.feedserver import FeedServer
root = Path(sys.argv[1])
srv = FeedServer(host=sys.argv[2])
for f in root.rglob('*'):
    if f.is_file():
        srv.add_template('/' + f.relative_to(root).as_posix(), f, etag=True)
print(srv.url, flush=True)
with srv:
    sys.stdin.read()
"""


def write_config(tmp: Path, bases: list[str], feeds: int) -> Path:
    lines = [
        f"database: {tmp / 'bench.db'}",
        f"watchlists: {ROOT / 'watchlists'}",
        "max_age: 30d",
        "feeds:",
        *(f"  - url: {bases[f % len(bases)]}/feed{f}.xml" for f in range(feeds)),
    ]
    path = tmp / "bench.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def cycles(config: Path) -> None:
    settings = load_settings(config, env={})
    async with Service(settings) as service:
        for label in ("first run", "steady state (304)"):
            started = time.perf_counter()
            reports = await service.poll(every=True)
            wall = time.perf_counter() - started
            statuses: dict[object, int] = {}
            for report in reports:
                statuses[report.status] = statuses.get(report.status, 0) + 1
            print(
                f"{label:<20} wall {wall:7.2f} s  feeds {len(reports)}  "
                f"new entries {sum(r.new_entries for r in reports):5d}  "
                f"matched {sum(r.matched for r in reports):4d}  statuses {statuses}  "
                f"peak RSS {max_rss_mb():6.1f} MB"
            )


@contextmanager
def feed_servers(site: Path, hosts: int) -> Iterator[tuple[list[str], set[int]]]:
    """One feed server process per loopback address serving `site`: (base URLs, pids)."""
    servers = [subprocess.Popen([sys.executable, "-c", SERVER, str(site), f"127.0.0.{host + 1}"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                cwd=ROOT)
               for host in range(hosts)]
    try:
        yield ([server.stdout.readline().strip() for server in servers],  # type: ignore[union-attr]
               {server.pid for server in servers})
    finally:
        for server in servers:
            server.stdin.close()  # type: ignore[union-attr]
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--hosts", type=int, default=10, help="outlets (loopback addresses)")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        site = tmp / "site"
        site.mkdir()
        mentions = build_site(site, args.feeds, args.items, rng)
        print(
            f"{args.feeds} feeds x {args.items} items on {args.hosts} hosts, "
            f"{mentions} pages mention a watched name"
        )
        with feed_servers(site, args.hosts) as (bases, _):
            asyncio.run(cycles(write_config(tmp, bases, args.feeds)))


if __name__ == "__main__":
    main()
