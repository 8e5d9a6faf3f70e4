"""The feeds table: which feeds are due, what each poll left behind, each feed's health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, insert, select, update

from monitor.models import FeedHealth, FeedSource, FeedState
from monitor.store.schema import feeds


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


class FeedQueries:
    engine: Engine

    def sync_feeds(self, sources: Sequence[FeedSource], now: datetime) -> None:
        """Make the feeds table follow the config: add new feeds, update, deactivate removed."""
        wanted = {source.url: source for source in sources}
        with self.engine.begin() as conn:
            existing = {row.url: row for row in conn.execute(select(feeds))}
            for url, source in wanted.items():
                values = {"name": source.name, "interval_s": source.interval_s, "active": True}
                if url in existing:
                    conn.execute(update(feeds).where(feeds.c.url == url).values(**values))
                else:
                    conn.execute(insert(feeds).values(url=url, next_poll_at=now, **values))
            gone = [url for url in existing if url not in wanted]
            if gone:
                conn.execute(update(feeds).where(feeds.c.url.in_(gone)).values(active=False))

    def claim_due_feeds(
        self, now: datetime, lease: timedelta, *, every: bool = False, limit: int | None = None
    ) -> list[FeedState]:
        """Feeds whose next poll is due (or all of them), pushed `lease` ahead.

        Pushing the next poll ahead claims the feed, so no other tick or worker takes it too.
        """
        due: list[ColumnElement[bool]] = [feeds.c.active.is_(True), feeds.c.disabled.is_(False)]
        if not every:
            due.append(feeds.c.next_poll_at <= now)
        claimed = []
        with self.engine.begin() as conn:
            query = select(feeds).where(*due).order_by(feeds.c.next_poll_at).limit(limit)
            rows = conn.execute(query).all()
            for row in rows:  # still due when updated: no other worker claimed it meanwhile
                taken = conn.execute(
                    update(feeds).where(feeds.c.id == row.id, *due).values(next_poll_at=now + lease)
                )
                if taken.rowcount == 1:
                    claimed.append(_feed_state(row))
        return claimed

    def record_poll(self, feed_id: int, poll: PollRecord, now: datetime) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).one()
            values: dict[str, object] = {
                "last_polled_at": now,
                "last_status": poll.status,
                "last_error": poll.error,
                "next_poll_at": poll.next_poll_at,
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
            )
            for row in rows
        ]


def _feed_state(row) -> FeedState:  # type: ignore[no-untyped-def]
    return FeedState(
        id=row.id,
        url=row.url,
        name=row.name or row.title,
        etag=row.etag,
        last_modified=row.last_modified,
        consecutive_failures=row.consecutive_failures,
        interval_s=row.interval_s,
    )
