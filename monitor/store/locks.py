"""PostgreSQL advisory locks: what serialises workers sharing one database.

On SQLite (one process, one writer at a time) every lock here is a no-op: its
write lock already serialises transactions, and there is no other worker.
Lock keys are 64-bit integers; a name is hashed to one (stable across processes).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from monitor.ops.logs import event

log = logging.getLogger("monitor.store.locks")

MIGRATION_LOCK = "monitor:migrate"
COMMANDS_LOCK = "monitor:commands"
SYNC_LOCK = "monitor:sync-feeds"


def lock_key(name: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, the same in every process."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_postgres(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "postgresql"


def lock_for_transaction(conn: Connection, names: Iterable[str]) -> None:
    """Hold these locks until the caller's transaction ends (sorted: no deadlock)."""
    if not is_postgres(conn):
        return
    for key in sorted({lock_key(name) for name in names}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class SessionLock:
    """A lock held by one database session for as long as it lives: a leader's seat.

    `try_hold()` takes it (or checks it is still held, when the connection is alive);
    a worker that dies loses its connection, so the lock is free for another at once.
    SQLite: always held (one process).
    """

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: Connection | None = None

    def try_hold(self) -> bool:
        if not is_postgres(self.engine):
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except DBAPIError as exc:  # its session ended (a restart): the lock went with it
                event(log, "session_lock_lost", logging.WARNING, lock=self.name,
                      error=" ".join(str(exc.orig).split())[:200])
                self.release()
                return False
        try:
            conn = self.engine.connect()
        except DBAPIError:  # the database is away: the outage is logged by the caller
            return False
        try:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            self.key = lock_key(f"{self.name}:{schema}")  # deployments may share a database
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                 {"key": self.key}).scalar_one()
            conn.commit()
        except DBAPIError:
            conn.invalidate()
            taken = False
        if taken:
            self._conn = conn
        else:
            conn.close()
        return bool(taken)

    def release(self) -> None:
        """Give the lock up (closing the session frees it, even when it broke)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not conn.invalidated:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                conn.commit()
        except SQLAlchemyError:  # broken, or waiting for a rollback: the session goes
            conn.invalidate()
        conn.close()
