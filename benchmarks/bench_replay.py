"""How fast is `monitor replay`?  One command, prints the times and the ratio to a naive peer.

    .venv/bin/python -m benchmarks.bench_replay                 # 10,000 stored articles
    .venv/bin/python -m benchmarks.bench_replay --articles 2000 --no-cli

Workload: a SQLite database holding 10,000 stored articles (~600-word Turkish
prose from benchmarks.bench_match, a third naming 1-3 watchlist entries), and
an edit of the 1,000-entry synthetic watchlist: 10 entries get an alias, 10 an
exclude, 5 are dropped, 5 people named in the prose are added. Measured:
  - in process: `run_replay` (rows streamed from the store in chunks, both
    Matchers built once, every change explained), best of --repeats;
  - the real command `monitor replay --json` end to end (start-up included);
  - the naive peer: rapidfuzz partial_ratio of every name and alias of both
    watchlists over each article, timed on --naive-articles articles and
    scaled to the same count.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import insert

from benchmarks.bench_match import article, synthetic_watchlist
from monitor.config.settings import load_settings
from monitor.config.watchlists import load_watchlists
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from monitor.models import FeedSource
from monitor.reports.replay import run_replay
from monitor.store.database import Store
from monitor.store.schema import articles

ROOT = Path(__file__).resolve().parent.parent
PERSON = re.compile(r"\b[A-ZÇĞİÖŞÜ][a-zçğıöşü]{3,} [A-ZÇĞİÖŞÜ][a-zçğıöşü]{3,}\b")


def edit(watchlists: Watchlists, rng: random.Random, texts: list[str]) -> Watchlists:
    """10 entries with a new alias, 10 with a new exclude, 5 dropped, 5 people added."""
    entries = list(watchlists.entries)
    picked = rng.sample(range(4, len(entries)), 25)
    for i in picked[:10]:
        entries[i] = replace(entries[i], aliases=(*entries[i].aliases, f"{entries[i].name} Grubu"))
    for i in picked[10:20]:
        first = entries[i].name.split()[0]
        entries[i] = replace(entries[i], exclude=(*entries[i].exclude, f"{first} açıklama"))
    gone = set(picked[20:])
    kept = [e for i, e in enumerate(entries) if i not in gone]
    names = {e.name for e in kept}
    people = sorted({p for t in texts[:50] for p in PERSON.findall(t)} - names)
    kept.extend(WatchlistEntry(f"new{i}", name, (), None)
                for i, name in enumerate(rng.sample(people, 5)))
    return Watchlists(tuple(kept), ())


def write_watchlist(watchlists: Watchlists, path: Path) -> None:
    """Every rule of every entry as YAML (JSON scalars are YAML scalars)."""
    lines = ["entries:"]
    for e in watchlists.entries:
        lines.append(f"  - id: {e.id}")
        for f in fields(e):
            value = getattr(e, f.name)
            if f.name in ("id", "path", "line") or value in (None, (), True, ""):
                continue
            lines.append(f"    {f.name}: {json.dumps(value, ensure_ascii=False)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fill(url: str, texts: list[str], now: datetime) -> None:
    """The stored articles, written in bulk (filling is not what is measured)."""
    store = Store(url)
    store.sync_feeds([FeedSource("https://feed.example/rss", "Feed", 300)], now)
    feed_id = store.claim_due_feeds(now, timedelta(minutes=5), every=True)[0].id
    rows = [{"canonical_url": f"https://news.example/{n}", "url": f"https://news.example/{n}",
             "title": f"Haber {n}", "outlet": "Gazete", "feed_id": feed_id,
             "published": now - timedelta(minutes=n), "body_unavailable": False,
             "created_at": now - timedelta(minutes=n), "text": text}
            for n, text in enumerate(texts)]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(insert(articles), rows[start : start + 1000])
    store.close()


def naive_seconds(live: Watchlists, edited: Watchlists, texts: list[str]) -> float:
    """partial_ratio of every name and alias of both watchlists over each text."""
    terms = [t.lower() for w in (live, edited) for e in w.entries for t in (e.name, *e.aliases)]
    start = time.perf_counter()
    for text in texts:
        lowered = text.lower()
        for term in terms:
            fuzz.partial_ratio(term, lowered, score_cutoff=90)
    return time.perf_counter() - start


def cli_seconds(config: Path, edited: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "replay",
                           "--json", "--watchlists", str(edited)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, len(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--naive-articles", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip `monitor replay --json`")
    args = parser.parse_args()

    rng, now = random.Random(7), datetime.now(UTC)
    shipped = load_watchlists(ROOT / "watchlists")
    live = synthetic_watchlist(1000, rng, shipped)
    generated = list(live.entries[len(shipped.entries):])
    texts = [article(rng, generated, list(shipped.entries)) for _ in range(args.articles)]
    edited = edit(live, rng, texts)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_watchlist(live, work / "live.yaml")
        write_watchlist(edited, work / "edited.yaml")
        config = work / "monitor.yaml"
        config.write_text(f"database: {work / 'm.db'}\nwatchlists: {work / 'live.yaml'}\n"
                          "feeds:\n  - url: https://feed.example/rss\n", encoding="utf-8")
        fill(f"sqlite:///{work / 'm.db'}", texts, now)
        settings = load_settings(config, env={})
        best, tally = float("inf"), None
        for _ in range(args.repeats):
            start = time.perf_counter()
            tally = run_replay(settings, work / "edited.yaml", 30 * 86400.0, as_json=True,
                               write=io.StringIO().write)
            best = min(best, time.perf_counter() - start)
        cli = None if args.no_cli else cli_seconds(config, work / "edited.yaml")
    assert tally is not None
    sample = texts[: args.naive_articles]
    naive = naive_seconds(live, edited, sample) * len(texts) / len(sample)
    print(f"stored articles: {tally.articles:,} (~{sum(map(len, texts)) // len(texts):,} chars "
          f"each); watchlist: {len(live.entries):,} entries, edit: 10 aliases, 10 excludes, "
          f"5 entries dropped, 5 added")
    print(f"changes: {tally.new} new, {tally.stop} stop, {tally.changed} changed")
    print(f"run_replay in process, best of {args.repeats}: {best:.2f} s "
          f"({tally.articles / best:,.0f} articles/s)")
    if cli is not None:
        print(f"`monitor replay --json` end to end: {cli[0]:.2f} s, {cli[1]} lines")
    print(f"naive partial_ratio peer (both watchlists, scaled from {len(sample)} articles): "
          f"{naive:,.0f} s")
    print(f"ratio: replay is {naive / best:,.0f}x faster than the naive peer")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
