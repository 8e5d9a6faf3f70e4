"""Three real `monitor run` workers on one PostgreSQL database over 200 local feeds:
one is SIGKILLed mid-poll, then the database server is restarted mid-run.

A fresh database per test (CREATE DATABASE w_<random>, dropped after); local feeds
and the fake Bot API, which records every breach of Telegram's limits and every
second getUpdates consumer. Skipped, with the reason, when no PostgreSQL answers
or when this machine cannot restart its server (pg_ctlcluster, as root).
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import DEFAULT_POSTGRES
from tests.e2e.conftest import ROOT, recent, rss, write_config
from tests.e2e.test_worker import wait_for
from tests.servers.feedserver import Route

CHAT = "5001"  # a private chat: one message a second
SERVER = os.environ.get("MONITOR_TEST_POSTGRES") or DEFAULT_POSTGRES
WORDS = ("fabrika yatırım ihracat sözleşme üretim kalite laboratuvar personel eğitim tedarik "
         "motor gövde kanat parça test sertifika bölge sanayi odası meclis başkan firma kredi "
         "destek proje teslimat hat makine yazılım mühendis öğrenci burs fuar ziyaret kurul "
         "ortaklık sipariş milyon dolar lira yıl ay hafta ilk yeni büyük küçük yerli milli").split()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test only."""
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                          connect_args={"connect_timeout": 3})
    name = f"w_{secrets.token_hex(5)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except DBAPIError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL at {SERVER}: {str(exc.orig).strip().splitlines()[0]}")
    yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def story_page(title: str, seed: int) -> str:
    """A page whose body shares no run of words with another seed's."""
    rng = random.Random(seed)
    paragraphs = "".join(
        "<p>TUSAŞ " + " ".join(rng.choice(WORDS) + str(rng.randint(1, 999)) for _ in range(30))
        + ".</p>" for _ in range(4))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>")


def start(config: Path, bot, db: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MONITOR_"))}
    env.update(TELEGRAM_BOT_TOKEN=bot.token, TELEGRAM_CHAT_ID=CHAT, TELEGRAM_API_URL=bot.url,
               MONITOR_DATABASE=db, MONITOR_LEASE_S="6")
    with log.open("wb") as out:  # a file: a full pipe would stall the worker
        return subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def holder_of(db: str, url: str) -> int | None:
    """The pid of the worker leasing this feed now (worker ids are host:pid:start)."""
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            held = conn.execute(text("SELECT leased_by FROM feeds WHERE url = :u"),
                                {"u": url}).scalar()
    except DBAPIError:  # not migrated yet
        return None
    finally:
        engine.dispose()
    return int(held.split(":")[1]) if held else None


def sent_titles(bot) -> list[str]:
    return [m.text for m in bot.messages if m.method == "sendMessage"]


def build_feeds(server, release: threading.Event, feeds: int = 200,
                stories: int = 24) -> tuple[list[str], list[str], str]:
    """`feeds` feeds: `stories` with a story of their own, the last two carrying one
    story's copies (one alert), the rest nothing to match; and a slow feed with a
    story that hangs until `release`."""
    urls, expected = [], []
    for n in range(feeds):
        copy = n >= feeds - 2
        if n < stories or copy:
            marker = "KOPYAX" if copy else f"K{n:03d}X"
            title = f"TUSAŞ tedarik haberi {marker}"
            page = server.add(f"/p/{n}.html", story_page(title, 99 if copy else n))
            if n != feeds - 1:  # the second copy joins the first one's story
                expected.append(marker)
        else:
            title = f"Belediye park düzenlemesi {n}"
            page = server.add(f"/p/{n}.html", f"<html><body><p>{title}</p></body></html>")
        urls.append(server.add(f"/f/{n}.xml", rss([(title, page, recent(1))], title=f"O{n}"),
                               content_type="application/rss+xml"))
    slow_title = "TUSAŞ tedarik haberi YAVASX"
    slow_page = server.add("/p/slow.html", story_page(slow_title, 500))
    body = rss([(slow_title, slow_page, recent(1))]).encode("utf-8")

    def slow(request: object) -> Route:
        release.wait(60)
        return Route(body=body, content_type="application/rss+xml")

    urls.append(server.add_handler("/f/slow.xml", slow))
    return urls, [*expected, "YAVASX"], server.url + "/f/slow.xml"


def postgres_restarter() -> list[str]:
    """The command that restarts the local PostgreSQL server, or skip saying why not."""
    host = make_url(SERVER).host or "localhost"
    tool = shutil.which("pg_ctlcluster")
    clusters = Path("/etc/postgresql")
    if host not in ("127.0.0.1", "localhost") or tool is None or not clusters.is_dir():
        pytest.skip(f"cannot restart the PostgreSQL server at {host} from here")
    if os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs root (pg_ctlcluster)")
    version = sorted(p.name for p in clusters.iterdir())[-1]
    return [tool, "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"]


def survivor_logs(logs: list[Path], workers: list[subprocess.Popen[bytes]],
                  victim: int) -> list[str]:
    return [log.read_text("utf-8") for log, w in zip(logs, workers, strict=True)
            if w.pid != victim]


@pytest.mark.postgresql
def test_three_workers_deliver_every_alert_once_through_a_kill_and_a_restart(
        tmp_path, feed_server, bot, pg_url):
    restart = postgres_restarter()
    release = threading.Event()
    urls, expected, slow = build_feeds(feed_server, release)
    config = write_config(tmp_path, urls, bursts="{more_than: 1000}")
    logs = [tmp_path / f"w{n}.log" for n in range(3)]
    workers = [start(config, bot, pg_url, log) for log in logs]
    try:
        wait_for(lambda: holder_of(pg_url, slow) is not None
                 and feed_server.requests_for("/f/slow.xml") != [], timeout=60)
        victim = holder_of(pg_url, slow)  # killed mid-poll
        next(w for w in workers if w.pid == victim).send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: len(sent_titles(bot)) >= 5, timeout=90)
        subprocess.run(restart, check=True, timeout=60, capture_output=True)  # mid-run
        release.set()
        wait_for(lambda: any("YAVASX" in t for t in sent_titles(bot)), timeout=120)
        assert time.monotonic() - killed_at < 120  # its lease ran out; another polled it
        wait_for(lambda: all(any(m in t for t in sent_titles(bot)) for m in expected), 150)
        time.sleep(4)  # a duplicate would come now
    finally:
        release.set()
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(30)
    counts = {marker: sum(marker in t for t in sent_titles(bot)) for marker in expected}
    assert all(count >= 1 for count in counts.values()), counts
    # at most the one alert the killed worker may have had in flight goes twice
    assert sum(count - 1 for count in counts.values()) <= 1, counts
    assert bot.violations == []
    assert bot.poll_conflicts == []  # one getUpdates consumer at a time
    texts = survivor_logs(logs, workers, victim)
    assert sum("commands_leader" in text for text in texts) >= 1
    # the restart was met (the commands seat's session at least) and said in one line;
    # a worker whose calls failed says so once, and once again when it is over
    assert any("session_lock_lost" in log or "database_unreachable" in log
               for log in texts), texts
    for log in texts:
        assert log.count("database_unreachable") == log.count("database_back") <= 3
    assert not any("Traceback" in log for log in texts), texts
    codes = [w.returncode for w in workers if w.pid != victim]
    assert codes == [0, 0], texts
