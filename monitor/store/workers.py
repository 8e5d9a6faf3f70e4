"""Several workers on one database: who is alive, duties done once, shared chat pacing.

Each worker registers under `worker_identity()` (host:pid:start) and heartbeats with
a short line of what it holds; a worker whose heartbeat is older than `stale` is
dead to the others and its row is dropped. A claim (`claim_once`) is a row keyed by
what it stands for (a day's digest, a notice's fingerprint): the first insert wins,
every other worker's does nothing. Send slots per chat (`take_send_slot`) are taken
under a row lock, so every worker's messages to one chat stay within the limits.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Insert, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.store.locks import is_postgres
from monitor.store.outbox import NEEDS_WORK
from monitor.store.schema import chat_pacing, claims, feeds, outbox, workers

WaitOf = Callable[[str, list[datetime], datetime], float]


def worker_identity() -> str:
    """host:pid:start, unique per process and readable in `monitor feeds`."""
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


def insert_ignoring(conn: Connection | Engine, table: Any) -> Insert:
    """An INSERT that does nothing on a unique-key conflict (the loser of a race)."""
    if is_postgres(conn):
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


class WorkerQueries:
    engine: Engine
    worker_id: str

    def heartbeat(self, now: datetime, holds: str = "") -> None:
        """Register or refresh this worker's row."""
        with self.engine.begin() as conn:
            done = conn.execute(update(workers).where(workers.c.id == self.worker_id)
                                .values(heartbeat_at=now, holds=holds))
            if not done.rowcount:
                conn.execute(insert_ignoring(conn, workers).values(
                    id=self.worker_id, started_at=now, heartbeat_at=now, holds=holds))

    def workers_alive(self, now: datetime, stale: timedelta) -> list[tuple[str, datetime, str]]:
        """(id, last heartbeat, holds) of the workers heard from within `stale`, by id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(workers.c.id, workers.c.heartbeat_at, workers.c.holds)
                                .where(workers.c.heartbeat_at > now - stale)
                                .order_by(workers.c.id)).all()
        return [(row.id, row.heartbeat_at, row.holds) for row in rows]

    def forget_dead_workers(self, now: datetime, stale: timedelta) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(workers)
                                .where(workers.c.heartbeat_at <= now - stale)).rowcount

    def leave(self) -> None:
        """A clean stop: the row goes, and so do this worker's leases and claims."""
        with self.engine.begin() as conn:
            conn.execute(delete(workers).where(workers.c.id == self.worker_id))
            conn.execute(update(feeds).where(feeds.c.leased_by == self.worker_id)
                         .values(lease_until=None, leased_by=None))
            conn.execute(update(outbox).where(outbox.c.claimed_by == self.worker_id)
                         .values(claimed_until=None, claimed_by=None))

    def renew_leases(self, until: datetime) -> tuple[int, int]:
        """Push this worker's feed leases and alert claims to `until`: (feeds, alerts)."""
        with self.engine.begin() as conn:
            leased = conn.execute(
                update(feeds).where(feeds.c.leased_by == self.worker_id,
                                    feeds.c.lease_until.is_not(None))
                .values(lease_until=until)).rowcount
            claimed = conn.execute(
                update(outbox).where(outbox.c.claimed_by == self.worker_id,
                                     outbox.c.claimed_until.is_not(None), NEEDS_WORK)
                .values(claimed_until=until)).rowcount
        return leased, claimed

    def leases_of(self) -> dict[str, int]:
        """Feed leases held per worker id (for `monitor feeds` and /durum)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(feeds.c.leased_by, func.count())
                                .where(feeds.c.leased_by.is_not(None))
                                .group_by(feeds.c.leased_by)).all()
        return {row[0]: int(row[1]) for row in rows}

    def claim_once(self, key: str, now: datetime) -> bool:
        """True for the one worker (ever) that claims `key`; False for every other."""
        with self.engine.begin() as conn:
            return conn.execute(insert_ignoring(conn, claims).values(
                key=key, claimed_by=self.worker_id, claimed_at=now)
                .returning(claims.c.key)).first() is not None

    def take_send_slot(self, chat_id: str, now: datetime, wait_of: WaitOf) -> float:
        """0 and the slot recorded when a message to this chat may go now; else the wait.

        `wait_of(chat, recent sends, now)` applies the limits (monitor.telegram.pacing).
        """
        with self.engine.begin() as conn:
            conn.execute(insert_ignoring(conn, chat_pacing).values(
                chat_id=chat_id, next_send_at=now, sent_times=""))
            query = select(chat_pacing.c.sent_times, chat_pacing.c.next_send_at).where(
                chat_pacing.c.chat_id == chat_id)
            if is_postgres(conn):
                query = query.with_for_update()
            row = conn.execute(query).one()
            sent = [datetime.fromisoformat(t) for t in row.sent_times.split(",") if t]
            held: datetime = row.next_send_at  # Telegram's retry_after, if it gave one
            wait = max(wait_of(chat_id, sent, now), (held - now).total_seconds())
            if wait > 0:
                return wait
            kept = [t for t in sent if t > now - timedelta(minutes=1)] + [now]
            conn.execute(update(chat_pacing).where(chat_pacing.c.chat_id == chat_id).values(
                next_send_at=now, sent_times=",".join(t.isoformat() for t in kept)))
        return 0.0

    def hold_chat(self, chat_id: str, until: datetime) -> None:
        """Telegram said retry_after for this chat: no worker sends to it before `until`."""
        with self.engine.begin() as conn:
            conn.execute(insert_ignoring(conn, chat_pacing).values(
                chat_id=chat_id, next_send_at=until, sent_times=""))
            conn.execute(update(chat_pacing).where(chat_pacing.c.chat_id == chat_id,
                                                   chat_pacing.c.next_send_at < until)
                         .values(next_send_at=until))
