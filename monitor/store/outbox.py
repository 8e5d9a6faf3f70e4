"""The outbox's queries: which alerts are due, and what became of each try.

An outbox row needs work while it was never sent, or while its story gained
copies since the message went out (`sent_revision < revision`): then the sent
message is edited instead of a new one being sent. A row inside a burst
(`burst_id`, monitor.store.bursts) is delivered by its running summary instead:
it waits until a revision of the summary showing it has been edited in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, or_, select, update

from monitor.models import Alert, Match, OutboxStats
from monitor.store.locks import is_postgres
from monitor.store.schema import articles, bursts, matches, outbox

NEEDS_WORK = and_(
    outbox.c.burst_id.is_(None),
    or_(outbox.c.sent_at.is_(None), outbox.c.sent_revision < outbox.c.revision),
)
IN_SUMMARY_UNSENT = and_(outbox.c.burst_id.is_not(None), outbox.c.sent_at.is_(None))
PENDING = or_(NEEDS_WORK, IN_SUMMARY_UNSENT)
BURST_NEEDS_WORK = bursts.c.sent_revision < bursts.c.revision


CLAIM = timedelta(seconds=60)  # an alert claimed by a worker that died is free after this


class OutboxQueries:
    engine: Engine
    worker_id: str
    claim_for: timedelta = CLAIM  # a worker sets its lease length (MONITOR_LEASE_S)

    def next_alerts(self, now: datetime, exclude_chats: Iterable[str] = ()) -> list[Alert]:
        """For each chat, its oldest alert that needs work, if that one is due now.

        Alerts to one chat go out in order, so a chat whose head is backing off waits;
        other chats are not held up by it. On PostgreSQL each head is claimed for this
        worker (FOR UPDATE SKIP LOCKED, claimed_until/claimed_by, CLAIM long, renewed
        while it works); a chat whose head another worker holds is left to that worker.
        """
        exclude = set(exclude_chats)
        with self.engine.begin() as conn:
            heads = conn.execute(
                select(outbox.c.chat_id, func.min(outbox.c.id))
                .where(NEEDS_WORK)
                .group_by(outbox.c.chat_id)
            ).all()
            ids = [head_id for chat, head_id in heads if chat not in exclude]
            if not ids:
                return []
            query = _alert_rows().where(outbox.c.id.in_(ids), outbox.c.next_attempt_at <= now,
                                        NEEDS_WORK).order_by(outbox.c.id)
            shared = is_postgres(conn)
            if shared:
                query = query.with_for_update(skip_locked=True, of=outbox)
            rows = conn.execute(query).all()
            if shared:
                rows = [row for row in rows if self._claim(conn, row.id, now)]
            return [alert_of(conn, row) for row in rows]

    def _claim(self, conn: Connection, outbox_id: int, now: datetime) -> bool:
        free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now,
                   outbox.c.claimed_by == self.worker_id)
        return conn.execute(
            update(outbox).where(outbox.c.id == outbox_id, NEEDS_WORK, free)
            .values(claimed_until=now + self.claim_for, claimed_by=self.worker_id)).rowcount == 1

    def release_claims(self, outbox_ids: Iterable[int]) -> None:
        """Alerts this worker claimed but did not try (its pacing said wait)."""
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(list(outbox_ids)),
                                              outbox.c.claimed_by == self.worker_id)
                         .values(claimed_until=None, claimed_by=None))

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(outbox).where(PENDING)
            ).scalar_one()

    def earliest_attempt(self) -> datetime | None:
        """When the next alert may be tried: the earliest retry time of the chats' heads
        and of the running summaries waiting for an edit."""
        heads = (
            select(func.min(outbox.c.id))
            .where(NEEDS_WORK)
            .group_by(outbox.c.chat_id)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            times = [conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.id.in_(heads))
            ).scalar_one(), conn.execute(
                select(func.min(bursts.c.next_attempt_at)).where(BURST_NEEDS_WORK)
            ).scalar_one()]
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def retry_pending_now(self, now: datetime) -> int:
        """Make every waiting alert due now (on start: an operator may have fixed the cause)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(bursts)
                .where(BURST_NEEDS_WORK, bursts.c.next_attempt_at > now)
                .values(next_attempt_at=now)
            )
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
                    claimed_until=None,
                    claimed_by=None,
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
                    claimed_until=None,
                    claimed_by=None,
                )
            )

    def outbox_stats(self) -> OutboxStats:
        with self.engine.connect() as conn:
            counts = conn.execute(
                select(
                    func.count().filter(PENDING),
                    func.count().filter(outbox.c.sent_at.is_not(None)),
                    func.min(outbox.c.created_at).filter(PENDING),
                )
            ).one()
            last_error = conn.execute(
                select(outbox.c.last_error)
                .where(NEEDS_WORK, outbox.c.last_error.is_not(None))
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalar()
        return OutboxStats(counts[0], counts[1], counts[2], last_error)


def _alert_rows() -> Select[Any]:
    return select(
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
    ).join(articles, articles.c.id == outbox.c.article_id)


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


def join_story(conn: Connection, story_article_id: int, copy_id: int, now: datetime) -> None:
    """A copy joined the story: it leads the story when it was published earlier.

    The story's alerts stay the same rows (same chats, same sent messages), so a
    story is still announced once: an earlier copy only makes them edit to lead with it.
    """
    published = dict(conn.execute(
        select(articles.c.id, articles.c.published)
        .where(articles.c.id.in_([story_article_id, copy_id]))
    ).all())
    lead, copy = published.get(story_article_id), published.get(copy_id)
    if lead is None or copy is None or copy >= lead:
        announce_copy(conn, story_article_id, now)
        return
    conn.execute(update(articles)
                 .where(or_(articles.c.story_id == story_article_id,
                            articles.c.id == story_article_id))
                 .values(story_id=copy_id))
    conn.execute(update(articles).where(articles.c.id == copy_id).values(story_id=None))
    conn.execute(update(outbox).where(outbox.c.article_id == story_article_id)
                 .values(article_id=copy_id))
    announce_copy(conn, copy_id, now)


def _story_matches(conn: Connection, article_id: int, wanted: set[str]) -> list[Match]:
    """The lead's matches of the wanted entries; a copy's where the lead lacks one."""
    rows = conn.execute(
        select(matches).join(articles, articles.c.id == matches.c.article_id)
        .where(or_(articles.c.id == article_id, articles.c.story_id == article_id),
               matches.c.entry_id.in_(wanted))
        .order_by(matches.c.article_id != article_id, matches.c.id)
    ).all()
    kept: dict[str, list[Match]] = {}
    lead_of: dict[str, int] = {}
    for m in rows:  # the lead's rows first: an entry takes the rows of one article only
        if lead_of.setdefault(m.entry_id, m.article_id) == m.article_id:
            kept.setdefault(m.entry_id, []).append(_match_from_row(m))
    return [m for found in kept.values() for m in found]


def alert_of(conn: Connection, row: Any) -> Alert:
    """The Alert of one outbox row: its story's matches and copies, as it is rendered."""
    found = _story_matches(conn, row.article_id, set(row.entry_ids.split(",")))
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
        matches=tuple(found),
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
