"""Bursts: one running summary message per chat and entry while an entry draws many alerts.

Decided when alerts are delivered, never when they are stored. A burst begins when
an entry has more than N alerts to a chat within the window, counting those sent
and those still waiting (so 60 stories of one cycle send one alert, then make it the
summary of all 60): the summary takes over the entry's latest single alert there
(its message is edited into the summary), so the summary's message exists before the
burst does and every later change is an edit. A crash between an edit and its mark
repeats only that edit (to the same message_id, up to the same sent_revision): there
is never a second summary.
A burst lasts while its entry keeps drawing alerts within the window of the last one.

A story of several entries joins the running summary of the first of its entries
(in the chat's routing order) that has one; else it begins one for the first entry
over the threshold; else it is sent as its own alert. The summary names its other
entries on its line, so no entry loses a mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, case, func, insert, or_, select, update

from monitor.models import Burst, BurstStory
from monitor.store.schema import articles, bursts, matches, outbox

COALESCE_S = 2.0  # stories arriving this close together go out in one edit


class BurstQueries:
    engine: Engine

    def place_in_burst(self, outbox_id: int, now: datetime, *, more_than: int,
                       window_s: float) -> int | None:
        """Move an unsent alert into its entry's running summary when that entry is bursting.

        Returns the burst's id, or None when the alert is to be sent on its own.
        """
        since = now - timedelta(seconds=window_s)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(outbox.c.chat_id, outbox.c.entry_ids)
                .where(outbox.c.id == outbox_id, outbox.c.sent_at.is_(None),
                       outbox.c.burst_id.is_(None))
            ).one_or_none()
            if row is None:
                return None
            entries = row.entry_ids.split(",")
            burst_id = _running(conn, row.chat_id, entries, since)
            if burst_id is None:
                burst_id = _begin(conn, row.chat_id, entries, since, more_than, now)
            if burst_id is not None:
                _join(conn, burst_id, outbox_id, now)
            return burst_id

    def due_bursts(self, now: datetime) -> list[Burst]:
        """Running summaries whose stories changed since their last edit, due now."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bursts)
                .where(bursts.c.sent_revision < bursts.c.revision,
                       bursts.c.next_attempt_at <= now, bursts.c.message_id.is_not(None))
                .order_by(bursts.c.id)
            ).all()
            return [_burst(conn, row) for row in rows]

    def mark_burst_sent(self, burst: Burst, now: datetime) -> None:
        """Telegram shows this revision of the summary: its stories are delivered."""
        with self.engine.begin() as conn:
            conn.execute(
                update(bursts).where(bursts.c.id == burst.id)
                .values(sent_revision=func.max(bursts.c.sent_revision, burst.revision)
                        if conn.dialect.name == "sqlite"
                        else func.greatest(bursts.c.sent_revision, burst.revision),
                        attempts=0, last_error=None)
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(burst.outbox_ids), outbox.c.sent_at.is_(None))
                .values(sent_at=now, last_error=None, attempts=outbox.c.attempts + 1)
            )

    def mark_burst_failed(self, burst_id: int, error: str, retry_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(bursts).where(bursts.c.id == burst_id)
                .values(attempts=bursts.c.attempts + 1, last_error=error,
                        next_attempt_at=retry_at)
            )


def _running(conn: Connection, chat_id: str, entries: Sequence[str],
             since: datetime) -> int | None:
    """The burst of the first of these entries still running in this chat."""
    found: dict[str, int] = {entry: burst_id for entry, burst_id in conn.execute(
        select(bursts.c.entry_id, func.max(bursts.c.id))
        .where(bursts.c.chat_id == chat_id, bursts.c.entry_id.in_(list(entries)),
               bursts.c.updated_at >= since)
        .group_by(bursts.c.entry_id)
    )}
    return next((found[e] for e in entries if e in found), None)


def _begin(conn: Connection, chat_id: str, entries: Sequence[str], since: datetime,
           more_than: int, now: datetime) -> int | None:
    """A new burst for the first entry whose alerts here exceed the limit within the window.

    Counted are its single alerts already sent and those still waiting (this one among
    them), so a cycle that brings dozens at once sends one alert and turns it into the
    summary of them all. The burst takes over the entry's latest single alert: that
    message becomes the summary, so the summary always exists before the burst does.
    """
    recent = conn.execute(
        select(outbox.c.id, outbox.c.entry_ids, outbox.c.message_id, outbox.c.sent_at)
        .where(outbox.c.chat_id == chat_id, outbox.c.burst_id.is_(None),
               or_(outbox.c.sent_at >= since,
                   and_(outbox.c.sent_at.is_(None), outbox.c.created_at >= since)))
        .order_by(outbox.c.id.desc())
    ).all()
    for entry in entries:
        mine = [r for r in recent if entry in r.entry_ids.split(",")]
        shown = [r for r in mine if r.message_id is not None]
        if shown and len(mine) > more_than:
            burst_id: int = conn.execute(insert(bursts).values(
                chat_id=chat_id, entry_id=entry, started_at=now, updated_at=now,
                message_id=shown[0].message_id, next_attempt_at=now,
            ).returning(bursts.c.id)).scalar_one()
            _join(conn, burst_id, shown[0].id, now)
            return burst_id
    return None


def _join(conn: Connection, burst_id: int, outbox_id: int, now: datetime) -> None:
    """The alert goes into the summary; the next edit waits a moment for more stories."""
    conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(burst_id=burst_id))
    idle = bursts.c.sent_revision >= bursts.c.revision
    conn.execute(
        update(bursts).where(bursts.c.id == burst_id)
        .values(revision=bursts.c.revision + 1, updated_at=now,
                next_attempt_at=case((idle, now + timedelta(seconds=COALESCE_S)),
                                     else_=bursts.c.next_attempt_at))
    )


def _burst(conn: Connection, row) -> Burst:  # type: ignore[no-untyped-def]
    stories = conn.execute(
        select(outbox.c.id, outbox.c.entry_ids, outbox.c.article_id, articles.c.title,
               articles.c.outlet, articles.c.url, articles.c.published)
        .join(articles, articles.c.id == outbox.c.article_id)
        .where(outbox.c.burst_id == row.id)
        .order_by(outbox.c.id.desc())
    ).all()
    names: dict[tuple[int, str], str] = {}
    for m in conn.execute(
        select(matches.c.article_id, matches.c.entry_id, matches.c.name)
        .where(matches.c.article_id.in_([s.article_id for s in stories]))
        .order_by(matches.c.id)
    ):
        names.setdefault((m.article_id, m.entry_id), m.name)
    entry_name = next((names[(s.article_id, row.entry_id)] for s in stories
                       if (s.article_id, row.entry_id) in names), row.entry_id)
    return Burst(
        id=row.id, chat_id=row.chat_id, entry_name=entry_name, message_id=row.message_id,
        revision=row.revision, attempts=row.attempts,
        stories=tuple(
            BurstStory(
                title=s.title, outlet=s.outlet, url=s.url, published=s.published,
                also=tuple(names[(s.article_id, e)] for e in s.entry_ids.split(",")
                           if e != row.entry_id and (s.article_id, e) in names),
            )
            for s in stories
        ),
        outbox_ids=tuple(s.id for s in stories),
    )
