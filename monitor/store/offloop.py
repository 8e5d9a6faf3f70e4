"""Store calls off the event loop, and one log line per database outage.

`await store.off_loop(store.record_poll, ...)` runs a query in the store's few threads,
so a slow database round-trip (or a database restarting) never stalls fetching on the
loop. SQLite gets one thread (its writes are serial anyway); PostgreSQL a few, fewer
than the engine's connection pool, so calls wait in this queue and never time out in
the pool. A call that fails because the database cannot be reached raises
`DatabaseUnavailable`; the first one of an outage is logged (one line, no traceback),
and so is the first call that succeeds after it. Callers that loop (the tick, the
outbox, the heartbeat) catch it and try again later: what was not written is read,
polled or sent again then, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from monitor.ops.logs import event

log = logging.getLogger("monitor.store")

P = ParamSpec("P")
T = TypeVar("T")

POSTGRES_THREADS = 4
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)


class DatabaseUnavailable(Exception):
    """The database could not be reached for one call (already logged once per outage)."""


class StoreThreads:
    def __init__(self, dialect: str):
        self.threads = 1 if dialect == "sqlite" else POSTGRES_THREADS
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="store")
        self._down = False
        self._lock = threading.Lock()

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        job = partial(self.guarded, call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def guarded(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The call, on whatever thread: an outage becomes DatabaseUnavailable."""
        try:
            result = call(*args, **kwargs)
        except UNREACHABLE as exc:
            reason = _one_line(exc)
            with self._lock:
                first, self._down = not self._down, True
            if first:
                event(log, "database_unreachable", logging.ERROR, error=reason)
            raise DatabaseUnavailable(reason) from None
        if self._down:
            with self._lock:
                back, self._down = self._down, False
            if back:
                event(log, "database_back")
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    return text[:300]
