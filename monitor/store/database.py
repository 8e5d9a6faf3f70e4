"""The database as one object: `Store(url)` opens it, migrates it, and has every query.

Queries are named by intent and grouped by the tables they serve:
`monitor.store.feeds` (schedule and health), `monitor.store.entries` (what one
new entry leaves), `monitor.store.outbox` (alerts waiting for Telegram) and
`monitor.store.articles` (kept article texts, for replays);
`monitor.store.feedback` holds the staff's button presses; `monitor.store.bursts` the running
summaries of bursts.
A database that cannot be opened is a StoreError naming it and `where` its URL
was set (a config line, or MONITOR_DATABASE).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import create_engine

from monitor.errors import StoreError
from monitor.store.articles import ArticleQueries
from monitor.store.bursts import BurstQueries
from monitor.store.engine import (
    create_store_engine,
    database_errors,
    describe,
    parse_url,
    prepare_sqlite_folder,
)
from monitor.store.entries import EntryQueries
from monitor.store.feedback import FeedbackQueries
from monitor.store.feeds import FeedQueries
from monitor.store.locks import MIGRATION_LOCK, lock_for_transaction
from monitor.store.migrations import LATEST, SchemaTooNew, current_version, migrate
from monitor.store.offloop import StoreThreads
from monitor.store.outbox import OutboxQueries
from monitor.store.workers import WorkerQueries, worker_identity

P = ParamSpec("P")
T = TypeVar("T")


class Store(FeedQueries, EntryQueries, OutboxQueries, ArticleQueries, FeedbackQueries,
            BurstQueries, WorkerQueries):
    """The service's database; `close()` when done.

    Workers starting together against an old schema: one migrates, the others wait on
    its lock, then find the schema current. The running worker calls its queries
    through `off_loop` (monitor.store.offloop); tools call them directly.
    """

    def __init__(self, url: str, *, where: str | None = None):
        self.engine = create_store_engine(url, where=where)
        self.worker_id = worker_identity()
        try:
            with database_errors(url, where), self.engine.begin() as conn:
                lock_for_transaction(conn, [MIGRATION_LOCK])
                self.migrations_applied = migrate(conn)
        except SchemaTooNew as exc:
            self.engine.dispose()
            raise StoreError(f"database {describe(url)}: {exc}", where=where) from None
        except StoreError:
            self.engine.dispose()
            raise
        self.threads = StoreThreads(self.engine.dialect.name)

    async def off_loop(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)` in the store's threads; DatabaseUnavailable in an outage."""
        return await self.threads.run(call, *args, **kwargs)

    def close(self) -> None:
        self.threads.close()
        self.engine.dispose()


def check_database(url: str, *, where: str | None = None) -> str:
    """What `monitor check` says of the database, without creating or migrating it.

    Raises StoreError when it cannot be used.
    """
    parsed = parse_url(url, where)
    shown = describe(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        prepare_sqlite_folder(path, shown, where, create=False)
        if not path.exists():
            return f"{shown}: OK (new; created on the first run)"
        engine = create_engine(url)
    else:
        engine = create_store_engine(url, where=where)
    try:
        with database_errors(url, where), engine.connect() as conn:
            version = current_version(conn)
    finally:
        engine.dispose()
    if version > LATEST:
        raise StoreError(f"database {shown}: {SchemaTooNew(version)}", where=where)
    if version < LATEST:
        return f"{shown}: OK (schema version {version}; migrated to {LATEST} on the next run)"
    return f"{shown}: OK (schema version {version})"
