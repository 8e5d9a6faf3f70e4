"""Store calls off the loop: an unreachable database is one log line per outage, a
busy connection pool makes calls wait (never crash), and the loop keeps running."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from monitor.store.database import Store
from monitor.store.offloop import DatabaseUnavailable, StoreThreads

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"  # refused


def test_an_outage_is_logged_once_and_its_end_once(caplog) -> None:
    down = create_engine(DOWN)
    threads = StoreThreads("postgresql")

    def ask() -> int:
        with down.connect() as conn:
            return int(conn.execute(text("SELECT 1")).scalar_one())

    caplog.set_level(logging.INFO, "monitor.store")
    for _ in range(3):
        with pytest.raises(DatabaseUnavailable, match="refused"):
            threads.guarded(ask)
    assert threads.guarded(lambda: 7) == 7
    assert threads.guarded(lambda: 8) == 8
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split()[0] for line in lines] == ["database_unreachable", "database_back"]
    assert "Traceback" not in caplog.text
    threads.close()
    down.dispose()


def test_a_slow_call_does_not_stall_the_event_loop(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")

    async def main() -> int:
        ticks = 0

        async def count() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        counter = asyncio.create_task(count())
        await store.off_loop(time.sleep, 0.5)  # a database round-trip that takes long
        counter.cancel()
        return ticks

    try:
        assert asyncio.run(main()) >= 20  # the loop ran on meanwhile
    finally:
        store.close()


def test_an_exhausted_connection_pool_makes_calls_wait(postgres_url: str) -> None:
    store = Store(postgres_url)
    store.engine.pool.dispose()
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0, pool_timeout=10)
    store.engine = engine  # one connection for everybody
    held = engine.connect()
    release = threading.Timer(0.5, held.close)
    release.start()

    async def main() -> list[int]:
        return await asyncio.gather(*(store.off_loop(store.pending_count) for _ in range(6)))

    started = time.monotonic()
    try:
        assert asyncio.run(main()) == [0] * 6  # each waited its turn
        assert time.monotonic() - started >= 0.4
    finally:
        release.join()
        store.close()
        engine.dispose()
