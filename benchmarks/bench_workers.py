"""The first cycle of real `monitor run` workers: 1 on SQLite, then 1, 2, 3 on PostgreSQL.

    .venv/bin/python -m benchmarks.bench_workers [--feeds 100] [--items 20] [--workers 1,2,3]

The pages of `benchmarks.bench_throughput` (100 feeds x 20 pages of ~600 words, ~4%
naming a watched entity; 10 feed servers on 127.0.0.1-10). Each configuration runs its
workers as `monitor run` processes on a fresh database (a SQLite file, or a new
`bw_<random>` database on PostgreSQL at 127.0.0.1:5432, dropped after), SIGTERM once
the first cycle is done. Measured from the launch:

- wall: until seen_entries holds every entry and every feed has a last_ok_at (read
  from this process every 0.2 s);
- ready: until each worker logs `worker_started` (imports, migrations, extraction
  processes; it polls next); cycle = wall - the first worker's ready;
- 1st poll: until a worker logs `feed_polled` (each polls up to 32 feeds at once, so
  this lands well into the cycle); w-1st = wall - 1st poll.

Prints them, wall and cycle over 1 worker on SQLite and on PostgreSQL, entries seen,
alerts written (outbox rows), feeds polled per worker, and the ERROR, WARNING and
traceback lines of the workers' logs.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from benchmarks.bench_cycle import ROOT, write_config
from benchmarks.bench_throughput import bench_site, tree_pss_mb

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
PROBLEMS = ("ERROR", "WARNING", "Traceback", "Error:")


@dataclass
class Result:
    label: str
    wall: float | None = None  # None: never completed within the timeout
    ready: list[float] = field(default_factory=list)  # each worker's `worker_started`
    first_poll: float | None = None  # the first `feed_polled` of any worker
    counts: tuple[int, int, int] = (0, 0, 0)  # entries seen, feeds polled ok, outbox rows
    per_worker: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    peak_mb: float = 0.0  # the largest PSS of one worker with its extraction processes

    def minus(self, start: float | None) -> float | None:
        return None if self.wall is None or start is None else self.wall - start

    @property
    def cycle(self) -> float | None:  # the wall minus the first worker's startup
        return self.minus(min(self.ready, default=None))


def worker_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MONITOR_"))}
    return {**env, "MONITOR_DATABASE": url}


def counts(engine: Engine) -> tuple[int, int, int]:
    """(entries seen, feeds polled ok, outbox rows); zeros before the tables exist."""
    try:
        with engine.connect() as conn:
            seen, ok, alerts = (int(conn.execute(text(f"SELECT count(*) FROM {q}")).scalar_one())
                                for q in ("seen_entries", "feeds WHERE last_ok_at IS NOT NULL",
                                          "outbox"))
        return seen, ok, alerts
    except Exception:  # not created yet, or locked for a moment
        return 0, 0, 0


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()  # SIGTERM
    deadline = time.monotonic() + 20
    for worker in workers:
        try:
            worker.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def read_logs(logs: list[Path], result: Result) -> None:
    for log in logs:
        lines = log.read_text(errors="replace").splitlines()
        result.per_worker.append(sum(" feed_polled " in line for line in lines))
        result.problems += [f"{log.name}: {ln}" for ln in lines if any(p in ln for p in PROBLEMS)]


def startups(logs: list[Path], result: Result, elapsed: float) -> None:
    """Note the first sight of `worker_started` (per worker) and of any `feed_polled`."""
    texts = [log.read_bytes() for log in logs]
    ready = sum(b" worker_started " in t for t in texts)
    result.ready += [elapsed] * (ready - len(result.ready))
    if result.first_poll is None and any(b" feed_polled " in t for t in texts):
        result.first_poll = elapsed


def measure(label: str, url: str, n: int, config: Path, logdir: Path,
            expected: tuple[int, int], timeout: float) -> Result:
    """Run `n` workers on `url` until the first cycle is done (or `timeout`)."""
    result, logs = Result(label), [logdir / f"{label.replace(' ', '-')}-{i}.log" for i in range(n)]
    read_only = url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"  # no create
    engine = create_engine(read_only if url.startswith("sqlite") else url, poolclass=NullPool)
    handles = [log.open("wb") for log in logs]
    started = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                                env=worker_env(url), cwd=ROOT, stdout=handle,
                                stderr=subprocess.STDOUT) for handle in handles]
    try:
        while (elapsed := time.perf_counter() - started) < timeout:
            startups(logs, result, elapsed)
            result.counts = counts(engine)
            result.peak_mb = max(result.peak_mb, *(tree_pss_mb(w.pid, set()) for w in workers))
            if result.counts[0] >= expected[0] and result.counts[1] >= expected[1]:
                result.wall = time.perf_counter() - started
                break
            if all(w.poll() is not None for w in workers):
                break  # every worker exited: read its log
            time.sleep(0.2)
    finally:
        stop(workers)
        for handle in handles:
            handle.close()
    result.counts = counts(engine)
    engine.dispose()
    read_logs(logs, result)
    return result


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database's URL, dropped (WITH FORCE) afterwards."""
    name = f"bw_{secrets.token_hex(4)}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield f"{PG}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def pg_missing() -> str | None:
    try:
        with create_engine(f"{PG}/postgres", poolclass=NullPool).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
    return None


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:5.2f}" if value is not None and base else "    -"


def secs(value: float | None) -> str:
    return f"{value:6.2f} s" if value is not None else "   n/a  "


def report(results: list[Result]) -> None:
    bases = [next((r for r in results if r.label.startswith(p)), Result(p))
             for p in ("sqlite", "pg 1 ")]
    print(f"{'config':<16}{'wall':>9}{'ready':>15}{'1st poll':>10}{'cycle':>10}{'w-1st':>10}"
          f"  wall/sqlite /pg1  cycle/sqlite /pg1   seen alerts  PSS/worker  feeds per worker")
    for r in results:
        ready = "-".join(f"{t:.1f}" for t in sorted({min(r.ready), max(r.ready)})) + " s" \
            if r.ready else "n/a"
        walls = "  ".join(ratio(r.wall, b.wall) for b in bases)
        cycles = "  ".join(ratio(r.cycle, b.cycle) for b in bases)
        print(f"{r.label:<16}{secs(r.wall):>9}{ready:>15}{secs(r.first_poll):>10}"
              f"{secs(r.cycle):>10}{secs(r.minus(r.first_poll)):>10}"
              f"  {walls:>16}  {cycles:>17}  {r.counts[0]:5d} {r.counts[2]:6d}  "
              f"{r.peak_mb:7.0f} MB  "
              f"{'+'.join(map(str, r.per_worker))}"
              + ("" if r.wall is not None else f"  NOT DONE ({r.counts[1]} feeds ok)"))
    for r in results:
        more = [f"... {len(r.problems) - 5} more"] if len(r.problems) > 5 else []
        print("".join(f"  {r.label}: {line}\n" for line in r.problems[:5] + more), end="")


def run(tmp: Path, bases: list[str], args: argparse.Namespace) -> list[Result]:
    config, expected = write_config(tmp, bases, args.feeds), (args.feeds * args.items, args.feeds)
    logdir = Path(args.logs) if args.logs else tmp / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    results = [measure("sqlite 1 worker", f"sqlite:///{tmp / 'lite.db'}", 1, config, logdir,
                       expected, args.timeout)]
    if (missing := pg_missing()) is not None:
        print(f"PostgreSQL at 127.0.0.1:5432 not usable ({missing}): skipping its configurations")
        return results
    for n in args.workers:
        with pg_database() as url:
            label = f"pg {n} worker" + ("s" if n > 1 else "")
            results.append(measure(label, url, n, config, logdir, expected, args.timeout))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=10, help="outlets (loopback addresses)")
    parser.add_argument("--workers", type=lambda s: [int(n) for n in s.split(",")],
                        default=[1, 2, 3], help="PostgreSQL worker counts, e.g. 1,2,3")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per configuration")
    parser.add_argument("--logs", help="keep the workers' logs in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, \
            bench_site(Path(tmp_name), args.feeds, args.items, args.hosts) as (bases, _):
        report(run(Path(tmp_name), bases, args))


if __name__ == "__main__":
    main()
