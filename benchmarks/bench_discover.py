"""How fast is outlet discovery?  discover() over 100 local sites vs a naive sequential peer.

    .venv/bin/python -m benchmarks.bench_discover [--sites 100] [--latency-ms 20]

The sites are FeedServer instances in a child process (so the server work does
not count against the code measured), each on its own loopback address
(127.0.0.1, .2, ...), so the Fetcher's per-host limit applies per site as it would.
Five kinds, in turn:
a homepage advertising its feed (<link rel=alternate>), a robots.txt naming a
news sitemap, only an unadvertised /feed/, only /sitemap-news.xml, and nothing
at all. Every answer (404s too) waits --latency-ms first, as a distant outlet would.

Measured: discover() on every site (8 sites at a time, as `monitor discover`
does, through one Fetcher), then the naive peer in the same run: what
trafilatura.feeds.find_feed_urls does, sequentially with urllib (homepage,
determine_feed's links, then robots.txt sitemaps, then the same common paths one
by one until the first feed or sitemap). Prints total time, per-site mean,
requests per site, how many sites got the expected source, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from trafilatura.feeds import FeedParameters, determine_feed
from trafilatura.sitemaps import extract_robots_sitemaps

from monitor.reports.discover_output import SITES_AT_ONCE
from monitor.sources.discover import Discovery, discover
from monitor.sources.discovery import PROBE_PATHS, sniff
from monitor.sources.http import Fetcher, FetchLimits

KINDS = ("advertised", "robots", "feed-only", "sitemap-only", "nothing")
EXPECTED = {"advertised": "/feed/", "robots": "/haber-sitemap.xml", "feed-only": "/feed/",
            "sitemap-only": "/sitemap-news.xml", "nothing": None}
MAX_AGE_S = 3 * 86400.0

SERVER = r'''
import json, sys, time
from datetime import UTC, datetime, timedelta
from tests.servers.feedserver import FeedServer, Route

count, latency = int(sys.argv[1]), float(sys.argv[2]) / 1000
kinds = sys.argv[3].split(",")
now = datetime.now(UTC)


def slow(route):
    def answer(_request):
        time.sleep(latency)
        return route
    return answer


def rss(base):
    items = "".join(f"<item><title>Haber {n}</title><link>{base}/haber/{n}</link><pubDate>"
                    f"{(now - timedelta(hours=n + 1)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
                    "</pubDate></item>" for n in range(20))
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>'
            f"{items}</channel></rss>")


def news(base):
    items = "".join(f"<url><loc>{base}/haber/{n}</loc><news:news><news:publication><news:name>"
                    "Site</news:name><news:language>tr</news:language></news:publication>"
                    f"<news:publication_date>{(now - timedelta(hours=n + 1)).isoformat()}"
                    f"</news:publication_date><news:title>Haber {n}</news:title></news:news></url>"
                    for n in range(20))
    return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>')


def site(i, kind):
    srv = FeedServer(host=f"127.0.{1 + i // 250}.{1 + i % 250}").start()  # one host per site
    base = srv.url
    link = '<link rel="alternate" type="application/rss+xml" href="/feed/">'
    head = link if kind == "advertised" else ""
    page = f"<!doctype html><html><head><title>Site</title>{head}</head><body>" + \
        "".join(f'<a href="/haber/{n}">Haber {n}</a>' for n in range(50)) + "</body></html>"
    routes = {"/": Route(body=page.encode())}
    for path in ["/robots.txt", "/haber-sitemap.xml", *sys.argv[4].split(",")]:
        if "?" not in path:  # /?feed=rss2 is the homepage
            routes[path] = Route(body=b"not found", status=404, content_type="text/plain")
    feed = Route(body=rss(base).encode(), content_type="application/rss+xml")
    sitemap = Route(body=news(base).encode(), content_type="application/xml")
    if kind in ("advertised", "feed-only"):
        routes["/feed/"] = feed
    if kind == "robots":
        routes["/robots.txt"] = Route(body=b"User-agent: *\nSitemap: /haber-sitemap.xml\n",
                                      content_type="text/plain")
        routes["/haber-sitemap.xml"] = sitemap
    if kind == "sitemap-only":
        routes["/sitemap-news.xml"] = sitemap
    for path, route in routes.items():
        srv.add_handler(path, slow(route))
    return srv


servers = [site(i, kinds[i % len(kinds)]) for i in range(count)]
print(json.dumps([s.url for s in servers]), flush=True)
for line in sys.stdin:
    print(json.dumps(sum(len(s.requests) for s in servers)), flush=True)
    for s in servers:
        with s._lock:
            s.requests.clear()
'''


class Sites:
    """The child process serving the sites; `requests()` returns and resets their count."""

    def __init__(self, count: int, latency_ms: float):
        paths = ",".join(PROBE_PATHS)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(count), str(latency_ms), ",".join(KINDS), paths],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            stderr=subprocess.DEVNULL,  # resets logged when clients drop idle keep-alives
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.urls: list[str] = json.loads(self.proc.stdout.readline())
        self.kinds = [KINDS[i % len(KINDS)] for i in range(count)]

    def requests(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def run_discover(urls: list[str]) -> tuple[list[str | None], list[float]]:
    """The best source's path per site, and each site's discovery time."""
    now = datetime.now(UTC)
    slots = asyncio.Semaphore(SITES_AT_ONCE)
    async with Fetcher(FetchLimits(total_timeout=10.0)) as fetcher:

        async def one(url: str) -> tuple[Discovery, float]:
            async with slots:
                started = time.perf_counter()
                found = await discover(fetcher, url, now=now, max_age_s=MAX_AGE_S)
                return found, time.perf_counter() - started

        results = await asyncio.gather(*(one(url) for url in urls))
    paths = [r.best.url.removeprefix(url) if r.best else None
             for (r, _), url in zip(results, urls, strict=True)]
    return paths, [seconds for _, seconds in results]


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # local servers only
            return bytes(resp.read())
    except (urllib.error.URLError, OSError):
        return None


def naive_one(base: str) -> str | None:
    """Sequential probing with urllib, first feed or sitemap wins."""
    home = _get(base + "/") or b""
    links = determine_feed(home.decode("utf-8", "replace"), FeedParameters(base, "", base))
    robots = (_get(base + "/robots.txt") or b"").decode("utf-8", "replace")
    tries = [*links, *extract_robots_sitemaps(robots, base), *(base + p for p in PROBE_PATHS)]
    for url in tries:
        body = _get(url)
        if body is not None and sniff(body) in ("feed", "sitemap"):
            return url.removeprefix(base)
    return None


def report(name: str, seconds: float, per_site: list[float], requests: int, paths: list[str | None],
           sites: Sites) -> None:
    right = sum(1 for kind, path in zip(sites.kinds, paths, strict=True) if EXPECTED[kind] == path)
    n = len(sites.urls)
    print(f"{name:<26} total {seconds:6.2f} s   per site {sum(per_site) / n * 1000:7.1f} ms   "
          f"{requests / n:5.1f} requests/site   expected source {right}/{n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    sites = Sites(args.sites, args.latency_ms)
    try:
        print(f"{args.sites} sites ({', '.join(KINDS)}), {args.latency_ms:g} ms per answer")
        started = time.perf_counter()
        paths, per_site = asyncio.run(run_discover(sites.urls))
        ours = time.perf_counter() - started
        report("discover()", ours, per_site, sites.requests(), paths, sites)
        naive_paths, naive_times = [], []
        started = time.perf_counter()
        for url in sites.urls:
            one = time.perf_counter()
            naive_paths.append(naive_one(url))
            naive_times.append(time.perf_counter() - one)
        naive = time.perf_counter() - started
        report("naive sequential (urllib)", naive, naive_times, sites.requests(), naive_paths,
               sites)
        print(f"discover() is {naive / ours:.1f}x faster in total")
    finally:
        sites.close()


if __name__ == "__main__":
    main()
