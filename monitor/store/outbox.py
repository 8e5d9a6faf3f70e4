"""The outbox's queries: which alerts are due, and what became of each try.

An outbox row needs work while it was never sent, or while its story gained
copies since the message went out (`sent_revision < revision`): then the sent
message is edited instead of a new one being sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, func, or_, select, update

from monitor.models import Alert, Match, OutboxStats
from monitor.store.schema import articles, matches, outbox

NEEDS_WORK = or_(outbox.c.sent_at.is_(None), outbox.c.sent_revision < outbox.c.revision)


class OutboxQueries:
    engine: Engine

    def next_alerts(self, now: datetime, exclude_chats: Iterable[str] = ()) -> list[Alert]:
        """For each chat, its oldest alert that needs work, if that one is due now.

        Alerts to one chat go out in order, so a chat whose head is backing off waits;
        other chats are not held up by it.
        """
        exclude = set(exclude_chats)
        with self.engine.connect() as conn:
            heads = conn.execute(
                select(outbox.c.chat_id, func.min(outbox.c.id))
                .where(NEEDS_WORK)
                .group_by(outbox.c.chat_id)
            ).all()
            ids = [head_id for chat, head_id in heads if chat not in exclude]
            if not ids:
                return []
            rows = conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.chat_id,
                    outbox.c.entry_ids,
                    outbox.c.attempts,
                    outbox.c.article_id,
                    outbox.c.revision,
                    outbox.c.message_id,
                    articles.c.outlet,
                    articles.c.url,
                    articles.c.title,
                    articles.c.published,
                    articles.c.body_unavailable,
                )
                .join(articles, articles.c.id == outbox.c.article_id)
                .where(outbox.c.id.in_(ids), outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.id)
            ).all()
            return [_alert(conn, row) for row in rows]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(outbox).where(NEEDS_WORK)
            ).scalar_one()

    def earliest_attempt(self) -> datetime | None:
        """When the next alert may be tried: the earliest retry time among the chats' heads."""
        heads = (
            select(func.min(outbox.c.id))
            .where(NEEDS_WORK)
            .group_by(outbox.c.chat_id)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            earliest: datetime | None = conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.id.in_(heads))
            ).scalar_one()
        return earliest

    def retry_pending_now(self, now: datetime) -> int:
        """Make every waiting alert due now (on start: an operator may have fixed the cause)."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(outbox)
                .where(NEEDS_WORK, outbox.c.next_attempt_at > now)
                .values(next_attempt_at=now)
            ).rowcount

    def mark_sent(self, alert: Alert, message_id: int | None, now: datetime) -> None:
        """Telegram accepted this revision of the alert (a new message, or an edit)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == alert.id)
                .values(
                    sent_at=func.coalesce(outbox.c.sent_at, now),
                    message_id=func.coalesce(outbox.c.message_id, message_id),
                    sent_revision=alert.revision,
                    attempts=outbox.c.attempts + 1,
                    last_error=None,
                    permanent_error=False,
                )
            )

    def mark_failed(
        self, outbox_id: int, error: str, retry_at: datetime, *, permanent: bool
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(
                    attempts=outbox.c.attempts + 1,
                    last_error=error,
                    next_attempt_at=retry_at,
                    permanent_error=permanent,
                )
            )

    def outbox_stats(self) -> OutboxStats:
        with self.engine.connect() as conn:
            counts = conn.execute(
                select(
                    func.count().filter(NEEDS_WORK),
                    func.count().filter(outbox.c.sent_at.is_not(None)),
                    func.min(outbox.c.created_at).filter(NEEDS_WORK),
                )
            ).one()
            last_error = conn.execute(
                select(outbox.c.last_error)
                .where(NEEDS_WORK, outbox.c.last_error.is_not(None))
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalar()
        return OutboxStats(counts[0], counts[1], counts[2], last_error)


def announce_copy(conn: Connection, story_article_id: int, now: datetime) -> None:
    """A copy joined the story: its sent messages need an edit (unsent ones just wait)."""
    conn.execute(
        update(outbox)
        .where(outbox.c.article_id == story_article_id)
        .values(
            revision=outbox.c.revision + 1,
            next_attempt_at=func.min(outbox.c.next_attempt_at, now)
            if conn.dialect.name == "sqlite"
            else func.least(outbox.c.next_attempt_at, now),
        )
    )


def _alert(conn: Connection, row) -> Alert:  # type: ignore[no-untyped-def]
    wanted = set(row.entry_ids.split(","))
    found = conn.execute(
        select(matches).where(matches.c.article_id == row.article_id).order_by(matches.c.id)
    ).all()
    copies = conn.execute(
        select(articles.c.outlet, articles.c.url)
        .where(articles.c.story_id == row.article_id)
        .order_by(articles.c.id)
    ).all()
    return Alert(
        id=row.id,
        chat_id=row.chat_id,
        outlet=row.outlet,
        url=row.url,
        title=row.title,
        published=row.published,
        matches=tuple(_match_from_row(m) for m in found if m.entry_id in wanted),
        body_unavailable=row.body_unavailable,
        attempts=row.attempts,
        revision=row.revision,
        message_id=row.message_id,
        copies=tuple((copy.outlet, copy.url) for copy in copies),
    )


def _match_from_row(row) -> Match:  # type: ignore[no-untyped-def]
    return Match(
        entry_id=row.entry_id,
        name=row.name,
        term=row.term,
        matched=row.matched,
        score=row.score,
        field=row.field,
        start=row.span_start,
        end=row.span_end,
        snippet=row.snippet,
        snippet_start=row.snippet_start,
        snippet_end=row.snippet_end,
        kind=row.kind,
    )
