"""Background tasks the worker starts and must not lose: a failure is a bug, logged with its
traceback; on stop they get a grace period, then are cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """Tasks in flight; each one's unexpected exception is logged the moment it ends."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("bug: background task %s failed", task.get_name(),
                      exc_info=task.exception())

    async def settle(self, timeout: float) -> None:
        """Wait for the tasks up to `timeout`, then cancel the rest; never raises."""
        if self._tasks:
            await settle(set(self._tasks), timeout)


async def settle(tasks: set[asyncio.Task[Any]], timeout: float) -> None:
    """Wait for tasks up to `timeout`, then cancel the rest; never raises."""
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("bug: background task %s failed", task.get_name(),
                      exc_info=task.exception())
