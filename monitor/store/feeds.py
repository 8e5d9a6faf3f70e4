"""The feeds table: which feeds are due, what each poll left behind, each feed's health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Row, insert, or_, select, update

from monitor.models import FeedHealth, FeedSource, FeedState
from monitor.store.locks import SYNC_LOCK, is_postgres, lock_for_transaction
from monitor.store.schema import feeds, seen_entries


@dataclass(frozen=True)
class PollRecord:
    """What one poll of a feed leaves behind (written back by record_poll)."""

    status: int | None
    error: str | None
    ok: bool
    next_poll_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    disable: bool = False
    new_entries: int = 0  # entries never seen before: the source is alive
    interval_s: float | None = None  # a new (adaptive) interval
    found: tuple[str, str] | None = None  # (url, kind) a site's discovery settled on
    forget_found: bool = False  # discover again on the next poll
    silent: bool | None = None  # True: silent now; False: publishing; None: unknown


class FeedQueries:
    engine: Engine
    worker_id: str

    def sync_feeds(self, sources: Sequence[FeedSource], now: datetime) -> None:
        """Make the feeds table follow the config: add new feeds, update, deactivate removed.

        Workers starting together take turns (a lock), so none inserts a feed twice.
        """
        wanted = {source.url: source for source in sources}
        with self.engine.begin() as conn:
            lock_for_transaction(conn, [SYNC_LOCK])
            existing = {row.url: row for row in conn.execute(select(feeds))}
            for url, source in wanted.items():
                values: dict[str, object] = {"name": source.name, "active": True,
                                             "kind": source.kind,
                                             "fixed_interval": source.fixed_interval}
                old = existing.get(url)
                if old is None or source.fixed_interval or old.fixed_interval:
                    values["interval_s"] = source.interval_s  # an adaptive one keeps what it learnt
                if old is not None and old.kind != source.kind:
                    values.update(found_url=None, found_kind=None, found_at=None)
                if old is not None:
                    conn.execute(update(feeds).where(feeds.c.url == url).values(**values))
                else:
                    conn.execute(insert(feeds).values(url=url, next_poll_at=now, **values))
            gone = [url for url in existing if url not in wanted]
            if gone:
                conn.execute(update(feeds).where(feeds.c.url.in_(gone)).values(active=False))

    def claim_due_feeds(
        self, now: datetime, lease: timedelta, *, every: bool = False, limit: int | None = None
    ) -> list[FeedState]:
        """Feeds whose next poll is due (or all of them) and not leased, leased for `lease`.

        The lease (lease_until, leased_by) is this worker's until it records the poll or
        the lease runs out (renewed while it polls: WorkerQueries.renew_leases). On
        PostgreSQL rows another worker is claiming are skipped (FOR UPDATE SKIP LOCKED).
        """
        due: list[ColumnElement[bool]] = [
            feeds.c.active.is_(True), feeds.c.disabled.is_(False),
            or_(feeds.c.lease_until.is_(None), feeds.c.lease_until <= now)]
        if not every:
            due.append(feeds.c.next_poll_at <= now)
        claimed = []
        with self.engine.begin() as conn:
            query = select(feeds).where(*due).order_by(feeds.c.next_poll_at).limit(limit)
            if is_postgres(conn):
                query = query.with_for_update(skip_locked=True)
            for row in conn.execute(query).all():  # still free when updated: nobody took it
                taken = conn.execute(update(feeds).where(feeds.c.id == row.id, *due).values(
                    lease_until=now + lease, leased_by=self.worker_id))
                if taken.rowcount == 1:
                    claimed.append(_feed_state(row))
        return claimed

    def release_lease(self, feed_id: int) -> None:
        """Give up a lease without recording a poll (a poll that broke off)."""
        with self.engine.begin() as conn:
            conn.execute(update(feeds).where(feeds.c.id == feed_id,
                                             feeds.c.leased_by == self.worker_id)
                         .values(lease_until=None, leased_by=None))

    def record_poll(self, feed_id: int, poll: PollRecord, now: datetime) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).one()
            values: dict[str, object] = {
                "last_polled_at": now,
                "last_status": poll.status,
                "last_error": poll.error,
                "next_poll_at": poll.next_poll_at,
                "lease_until": None,  # released with the next poll time
                "leased_by": None,
            }
            if poll.ok:
                values.update(consecutive_failures=0, failing_since=None, last_ok_at=now)
                if poll.status == 200:  # a 304 keeps the validators it answered to
                    values.update(etag=poll.etag, last_modified=poll.last_modified)
                if poll.title:
                    values["title"] = poll.title
            else:
                values.update(
                    consecutive_failures=row.consecutive_failures + 1,
                    failing_since=row.failing_since or now,
                )
            if poll.disable:
                values["disabled"] = True
            values.update(_source_values(row, poll, now))
            conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))

    def feed_health(self) -> list[FeedHealth]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(feeds).where(feeds.c.active.is_(True)).order_by(feeds.c.id)
            ).all()
        return [
            FeedHealth(
                url=row.url,
                name=row.name,
                title=row.title,
                disabled=row.disabled,
                last_polled_at=row.last_polled_at,
                last_status=row.last_status,
                last_error=row.last_error,
                consecutive_failures=row.consecutive_failures,
                failing_since=row.failing_since,
                next_poll_at=row.next_poll_at,
                entries_seen=row.entries_seen,
                kind=row.kind,
                found_url=row.found_url,
                found_kind=row.found_kind,
                interval_s=row.interval_s,
                fixed_interval=row.fixed_interval,
                silent_since=row.silent_since,
                last_new_at=row.last_new_at,
            )
            for row in rows
        ]

    def publish_times(self, feed_id: int, since: datetime) -> list[datetime]:
        """Publication times of the source's entries first seen since `since`, oldest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(seen_entries.c.published)
                .where(seen_entries.c.feed_id == feed_id, seen_entries.c.seen_at >= since,
                       seen_entries.c.published.is_not(None))
                .order_by(seen_entries.c.published)
            ).scalars())


def _source_values(row: Row[Any], poll: PollRecord, now: datetime) -> dict[str, object]:
    """The columns a poll changes about the source itself: discovery, interval, silence."""
    values: dict[str, object] = {}
    if poll.new_entries:
        values["last_new_at"] = now
    if poll.interval_s is not None and not row.fixed_interval:
        values["interval_s"] = poll.interval_s
    if poll.found is not None:
        values.update(found_url=poll.found[0], found_kind=poll.found[1], found_at=now)
    elif poll.forget_found:
        values.update(found_url=None, found_kind=None, found_at=None)
    if poll.silent is True and row.silent_since is None:
        values["silent_since"] = now
    elif poll.silent is False or poll.new_entries:
        values["silent_since"] = None
    return values


def _feed_state(row) -> FeedState:  # type: ignore[no-untyped-def]
    return FeedState(
        id=row.id,
        url=row.url,
        name=row.name or row.title,
        etag=row.etag,
        last_modified=row.last_modified,
        consecutive_failures=row.consecutive_failures,
        interval_s=row.interval_s,
        kind=row.kind,
        fixed_interval=row.fixed_interval,
        found_url=row.found_url,
        found_kind=row.found_kind,
        silent_since=row.silent_since,
    )
