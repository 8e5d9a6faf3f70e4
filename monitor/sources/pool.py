"""Page extraction in worker processes, one per core, awaited from the event loop.

trafilatura and lxml are Python and C work that holds the GIL: in a thread they
share one core with the event loop. Here each page's bytes go to a process of a
`ProcessPoolExecutor` (forkserver, else spawn: no copy of the worker's state),
started once, its imports warmed in the initializer, and only the small
`Article` comes back. If processes cannot start, a thread pool does the work
(one log line). A process that dies (killed, out of memory) breaks the pool: the
pool is started again and the page is extracted in a thread meanwhile.

No orphans: each process ignores SIGINT (the worker stops them), and leaves on
its own when the worker goes (killed outright): a thread of each watches the
worker's process id; then the forkserver exits too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

from monitor.errors import ExtractError
from monitor.models import Article
from monitor.sources.extract import extract_article

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0  # warm imports of trafilatura and lxml on a slow, busy machine
STOP_TIMEOUT_S = 3.0  # a process still busy after the stop is terminated
PARENT_CHECK_S = 0.5  # how often a process looks whether the worker is still there


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie, not yet reaped, has ended too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _watch_worker(worker: int) -> None:
    while not _gone(worker):
        time.sleep(PARENT_CHECK_S)
    os._exit(0)  # the worker is gone: nobody will read a result


def _warm(worker: int) -> None:
    """Initializer of each process: warm imports, then watch the worker (the main
    process: the forkserver in between outlives it while its children hold its pipe)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ExtractError):  # a stub page: only the imports matter
        extract_article(b"<html><body><p>hazir</p></body></html>", url="http://localhost/")
    threading.Thread(target=_watch_worker, args=(worker,), daemon=True).start()


def _ready() -> int:
    return os.getpid()


def _context() -> multiprocessing.context.BaseContext:
    """forkserver, preloading the extractor (not `__main__`, which would run the command
    again): each process forks from a warm server. spawn where there is no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["monitor.sources.extract"])
    return context


class ExtractPool:
    """`await pool.extract(body, url, content_type)`; `start()` once, `close()` at the end."""

    def __init__(self, workers: int | None = None, *, processes: bool = True):
        self.workers = workers or cores()
        self.processes = processes
        self._threads = ThreadPoolExecutor(max_workers=self.workers,
                                           thread_name_prefix="extract")
        self._procs: ProcessPoolExecutor | None = None
        self.in_flight = 0  # pages being extracted now

    @property
    def executor(self) -> Executor:
        return self._procs or self._threads

    async def start(self) -> None:
        """Start the processes and wait until each has warmed up; threads if they cannot."""
        if not self.processes:
            return
        loop = asyncio.get_running_loop()
        try:
            self._procs = ProcessPoolExecutor(self.workers, mp_context=_context(),
                                              initializer=_warm, initargs=(os.getpid(),))
            async with asyncio.timeout(START_TIMEOUT_S):
                await asyncio.gather(*(loop.run_in_executor(self._procs, _ready)
                                       for _ in range(self.workers)))
        except (OSError, BrokenProcessPool, TimeoutError) as exc:
            log.warning("extract_processes_unavailable error=%r: extracting in threads", exc)
            self._stop_processes()

    async def extract(self, body: bytes, url: str, content_type: str | None) -> Article:
        self.in_flight += 1
        try:
            return await self._extract(body, url, content_type)
        finally:
            self.in_flight -= 1

    async def _extract(self, body: bytes, url: str, content_type: str | None) -> Article:
        job = partial(extract_article, body, url=url, content_type=content_type)
        loop = asyncio.get_running_loop()
        procs = self._procs
        if procs is not None:
            try:
                return await loop.run_in_executor(procs, job)
            except BrokenProcessPool:
                self._restart(procs)
        return await loop.run_in_executor(self._threads, job)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        if self._procs is not broken:  # another page already saw it broken
            return
        log.warning("extract_processes_broken: starting them again")
        self._stop_processes()
        self._procs = ProcessPoolExecutor(self.workers, mp_context=_context(),
                                          initializer=_warm, initargs=(os.getpid(),))

    def close(self) -> None:
        """Stop the processes (terminated if still busy after STOP_TIMEOUT_S) and threads."""
        self._stop_processes()
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _stop_processes(self) -> None:
        procs, self._procs = self._procs, None
        if procs is None:
            return
        children = list((getattr(procs, "_processes", None) or {}).values())
        procs.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.terminate()
                child.join(1.0)
