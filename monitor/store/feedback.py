"""The feedback queries: the alert a button belongs to, the presses, the latest verdicts.

Every press is a row (who changed their mind, and when, stays visible); what
counts is the latest press per alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, func, insert, select

from monitor.models import Alert, Verdict
from monitor.store.outbox import alert_of
from monitor.store.schema import articles, feedback, outbox


class FeedbackQueries:
    engine: Engine

    def feedback_alert(self, outbox_id: int) -> tuple[Alert, datetime] | None:
        """A sent alert as it reads now, and when it was queued; None when it is gone."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    outbox.c.id, outbox.c.chat_id, outbox.c.entry_ids, outbox.c.attempts,
                    outbox.c.article_id, outbox.c.revision, outbox.c.message_id,
                    outbox.c.created_at, articles.c.outlet, articles.c.url, articles.c.title,
                    articles.c.published, articles.c.body_unavailable,
                )
                .join(articles, articles.c.id == outbox.c.article_id)
                .where(outbox.c.id == outbox_id, outbox.c.message_id.is_not(None))
            ).first()
            if row is None:
                return None
            return alert_of(conn, row), row.created_at

    def record_verdict(self, verdict: Verdict) -> None:
        """Store one press; the alert's article is taken from its outbox row."""
        article = (select(outbox.c.article_id)
                   .where(outbox.c.id == verdict.outbox_id).scalar_subquery())
        with self.engine.begin() as conn:
            conn.execute(insert(feedback).values(
                outbox_id=verdict.outbox_id,
                article_id=article,
                chat_id=verdict.chat_id,
                user_id=verdict.user_id,
                user_name=verdict.user_name,
                verdict=verdict.verdict,
                entry_ids=",".join(verdict.entry_ids),
                terms=",".join(verdict.terms),
                snippet=verdict.snippet,
                created_at=verdict.created_at,
            ))

    def latest_verdicts(self, since: datetime | None = None) -> list[Verdict]:
        """The latest press of each alert (given on or after `since`), oldest first."""
        latest = select(func.max(feedback.c.id)).group_by(feedback.c.outbox_id)
        query = select(feedback).where(feedback.c.id.in_(latest)).order_by(feedback.c.id)
        if since is not None:
            query = query.where(feedback.c.created_at >= since)
        with self.engine.connect() as conn:
            return [_verdict(row) for row in conn.execute(query)]

    def verdict_for(self, outbox_id: int) -> Verdict | None:
        """The latest press on one alert, so an edit of the alert keeps showing it."""
        query = (select(feedback).where(feedback.c.outbox_id == outbox_id)
                 .order_by(feedback.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _verdict(row)

    def verdict_counts(self, since: datetime) -> tuple[int, int]:
        """(relevant, irrelevant) among the latest verdicts given since `since`."""
        verdicts = [v.verdict for v in self.latest_verdicts(since)]
        return verdicts.count("relevant"), verdicts.count("irrelevant")


def _verdict(row: Row[Any]) -> Verdict:
    return Verdict(
        outbox_id=row.outbox_id,
        chat_id=row.chat_id,
        user_id=row.user_id,
        user_name=row.user_name,
        verdict=row.verdict,
        entry_ids=tuple(x for x in row.entry_ids.split(",") if x),
        terms=tuple(x for x in row.terms.split(",") if x),
        snippet=row.snippet,
        created_at=row.created_at,
    )
