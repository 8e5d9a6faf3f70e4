"""Extraction in worker processes: pages come back as Articles, and no process outlives
the worker, whether it stops on SIGTERM or is killed outright."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.errors import ExtractError
from monitor.sources.pool import ExtractPool
from tests.paths import DATA, ROOT

PAGE = (DATA / "pages" / "short_ok.html").read_bytes()
HOLDER = """
import asyncio, os, sys
from monitor.sources.pool import ExtractPool
async def main():
    pool = ExtractPool(2)
    await pool.start()
    print(*[p.pid for p in pool._procs._processes.values()], flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(15, stop.set)
    await stop.wait()
    pool.close()
if __name__ == "__main__":
    asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_pages_are_extracted_in_other_processes() -> None:
    async def run() -> tuple[str, set[int]]:
        pool = ExtractPool(2)
        await pool.start()
        try:
            assert pool._procs is not None
            article = await pool.extract(PAGE, "http://example.org/a", "text/html")
            with pytest.raises(ExtractError):
                await pool.extract(b"<html></html>", "http://example.org/b", None)
            return article.text, set(pool._procs._processes)
        finally:
            pool.close()

    text, pids = asyncio.run(run())
    assert "TUSAŞ" in text
    assert len(pids) == 2 and os.getpid() not in pids
    assert not wait_gone(list(pids))


def test_threads_when_processes_are_not_wanted() -> None:
    async def run() -> str:
        pool = ExtractPool(1, processes=False)
        await pool.start()
        try:
            return (await pool.extract(PAGE, "http://example.org/a", None)).text
        finally:
            pool.close()

    assert "TUSAŞ" in asyncio.run(run())


def test_a_killed_process_is_replaced() -> None:
    async def run() -> str:
        pool = ExtractPool(1)
        await pool.start()
        try:
            assert pool._procs is not None
            for pid in list(pool._procs._processes):
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.5)
            first = await pool.extract(PAGE, "http://example.org/a", None)  # in a thread
            second = await pool.extract(PAGE, "http://example.org/a", None)  # new processes
            assert first == second
            return second.text
        finally:
            pool.close()

    assert "TUSAŞ" in asyncio.run(run())


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_no_orphans_when_the_worker_goes(how: int) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None
        pids = [int(p) for p in holder.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(p) for p in pids)
        server = int(Path(f"/proc/{pids[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
        pids.append(server)  # the forkserver between the worker and its processes
        holder.send_signal(how)
        holder.wait(15)
        assert not wait_gone(pids), "extraction processes outlived the worker"
    finally:
        if holder.poll() is None:
            holder.kill()
