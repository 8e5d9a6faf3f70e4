"""The database as one object: `Store(url)` opens it, migrates it, and has every query.

Queries are named by intent and grouped by the tables they serve:
`monitor.store.feeds` (schedule and health), `monitor.store.entries` (what one
new entry leaves) and `monitor.store.outbox` (alerts waiting for Telegram).
"""

from __future__ import annotations

from monitor.store.engine import create_store_engine
from monitor.store.entries import EntryQueries
from monitor.store.feeds import FeedQueries
from monitor.store.migrations import migrate
from monitor.store.outbox import OutboxQueries


class Store(FeedQueries, EntryQueries, OutboxQueries):
    """The service's database; `close()` when done."""

    def __init__(self, url: str):
        self.engine = create_store_engine(url)
        with self.engine.begin() as conn:
            self.migrations_applied = migrate(conn)

    def close(self) -> None:
        self.engine.dispose()
