"""The worker's first cycle against a naive sequential script, in one run on one machine.

    .venv/bin/python -m benchmarks.bench_throughput [--feeds 100] [--items 20] [--no-profile]

100 local feeds x 20 pages (about 600 words of Turkish each, ~4% naming a watched
entity; the page generator and the feed servers of `benchmarks.bench_cycle`, each
server in its own process on its own loopback address). Runs, in this order:

- the naive script: for each feed, urllib + feedparser, then for each entry urllib +
  trafilatura.extract + rapidfuzz partial_ratio over every watchlist name and alias;
- the worker's first cycle; then the extraction of the pages the prefilter passed
  over (their texts, for `monitor replay`: the running worker does it once idle),
  and the steady state (every feed answers 304);
- the first cycle again on a fresh database under cProfile (the loop thread only:
  extraction in worker processes shows as waiting), its top 10 by own time.

Prints wall times, the ratio worker / naive, and the peak PSS of the worker with its
extraction processes (sampled every 0.1 s from /proc; the feed servers excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import trafilatura
from rapidfuzz import fuzz

from benchmarks.bench_cycle import ROOT, build_site, feed_servers, write_config
from monitor.config.settings import load_settings
from monitor.config.watchlists import load_watchlists
from monitor.service import Service


def naive(feed_urls: list[str]) -> tuple[float, int]:
    """The sequential script; returns (wall seconds, pages matched)."""
    names = [n.lower() for e in load_watchlists(ROOT / "watchlists").entries
             for n in (e.name, *e.aliases)]
    started, matched = time.perf_counter(), 0
    for url in feed_urls:
        with urllib.request.urlopen(url) as response:
            parsed = feedparser.parse(response.read())
        for entry in parsed.entries:
            with urllib.request.urlopen(entry.link) as response:
                text = (trafilatura.extract(response.read()) or "").lower()
            matched += any(fuzz.partial_ratio(name, text) >= 90 for name in names)
    return time.perf_counter() - started, matched


def tree_pss_mb(root: int, exclude: set[int]) -> float:
    """PSS of `root` and its descendants (but `exclude` and theirs), from /proc: each
    page shared by n processes counts 1/n (RSS would count the extraction processes'
    pages shared with the forkserver once per process)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in exclude:
            continue
        todo.extend(parents.get(pid, []))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines()
                       if line.startswith("Pss:")), 0)
    return total / 1024


class PeakMemory:
    """Samples the worker's process tree (PSS) in a thread while the block runs."""

    def __init__(self, exclude: set[int]):
        self.exclude, self.peak, self._stop = exclude, 0.0, threading.Event()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, tree_pss_mb(os.getpid(), self.exclude))

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_s() -> float:
    """CPU seconds of this process so far (the worker's loop and store threads)."""
    times = os.times()
    return times.user + times.system


async def worker_cycles(config: Path, *, steady: bool = True
                        ) -> list[tuple[str, float, int, float]]:
    """(label, wall s, entries matched, CPU s of the worker's own process) of the first
    cycle, the texts extracted for replays afterwards, and the steady state."""
    out = []
    async with Service(load_settings(config, env={})) as service:
        steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("first cycle", lambda: service.poll(every=True))]
        if steady:
            steps += [("replay texts", service.backfill.drain),  # the running worker: when idle
                      ("steady state", lambda: service.poll(every=True))]
        for label, step in steps:
            started, cpu = time.perf_counter(), cpu_s()
            reports = await step()
            matched = sum(r.matched for r in reports) if isinstance(reports, list) else 0
            out.append((label, time.perf_counter() - started, matched, cpu_s() - cpu))
    return out


def profiled(config: Path) -> str:
    profile = cProfile.Profile()
    profile.enable()
    asyncio.run(worker_cycles(config, steady=False))
    profile.disable()
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(10)
    return buffer.getvalue()


def run(tmp: Path, bases: list[str], feeds: int, servers: set[int], profile: bool) -> None:
    urls = [f"{bases[f % len(bases)]}/feed{f}.xml" for f in range(feeds)]
    naive_s, naive_matched = naive(urls)
    print(f"naive script        wall {naive_s:7.2f} s  matched {naive_matched}")
    (tmp / "w").mkdir()
    with PeakMemory(servers) as memory:
        results = asyncio.run(worker_cycles(write_config(tmp / "w", bases, feeds)))
    for label, wall, matched, cpu in results:
        print(f"worker {label:<13}wall {wall:7.2f} s  matched {matched:4d}  "
              f"ratio to naive {wall / naive_s:5.2f}  (worker process CPU {cpu:5.2f} s)")
    print(f"worker peak PSS (with its extraction processes) {memory.peak:6.1f} MB: this "
          "process ran the naive script too; a `monitor run` alone: bench_workers")
    if profile:
        (tmp / "p").mkdir()
        print("cProfile of a first cycle (fresh database), top 10 by own time:")
        print(profiled(write_config(tmp / "p", bases, feeds)))


@contextmanager
def bench_site(tmp: Path, feeds: int, items: int, hosts: int
               ) -> Iterator[tuple[list[str], set[int]]]:
    """The feeds x items pages of these benchmarks (12 paragraphs each, 4% naming a
    watched entity) in tmp/site, served from `hosts` loopback addresses: (bases, pids)."""
    (tmp / "site").mkdir()
    mentions = build_site(tmp / "site", feeds, items, random.Random(7),
                          paragraphs=12, mention_rate=0.04)
    print(f"{feeds} feeds x {items} pages on {hosts} hosts, "
          f"{mentions} pages name a watched entity; {os.cpu_count()} cores")
    with feed_servers(tmp / "site", hosts) as served:
        yield served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=10, help="outlets (loopback addresses)")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, \
            bench_site(Path(tmp_name), args.feeds, args.items, args.hosts) as (bases, servers):
        run(Path(tmp_name), bases, args.feeds, servers, not args.no_profile)


if __name__ == "__main__":
    main()
