"""The database: feeds' schedule and health, entries seen, articles, matches, the alert outbox.

Queries are named by intent. Writes that belong together (an entry marked seen,
its article, its matches and their outbox rows) happen in one transaction, so a
crash leaves either all of them or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from monitor import migrations
from monitor.models import Alert, Article, Entry, FeedSource, FeedState, Match
from monitor.schema import articles, feeds, matches, outbox, seen_entries


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


@dataclass(frozen=True)
class FeedHealth:
    url: str
    name: str | None
    title: str | None
    disabled: bool
    last_polled_at: datetime | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    failing_since: datetime | None
    next_poll_at: datetime
    entries_seen: int


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    sent: int
    oldest_pending_at: datetime | None
    last_error: str | None


def create_store_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite gets its folder, WAL mode and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Store:
    def __init__(self, url: str):
        self.engine = create_store_engine(url)
        with self.engine.begin() as conn:
            self.migrations_applied = migrations.migrate(conn)

    def close(self) -> None:
        self.engine.dispose()

    # --- feeds -------------------------------------------------------------------------

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
        due = [feeds.c.active.is_(True), feeds.c.disabled.is_(False)]
        if not every:
            due.append(feeds.c.next_poll_at <= now)
        claimed = []
        with self.engine.begin() as conn:
            query = select(feeds).where(*due).order_by(feeds.c.next_poll_at).limit(limit)
            rows = conn.execute(query).all()
            for row in rows:
                taken = conn.execute(
                    update(feeds)
                    .where(feeds.c.id == row.id, feeds.c.next_poll_at == row.next_poll_at)
                    .values(next_poll_at=now + lease)
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

    # --- entries and articles ----------------------------------------------------------

    def unseen_entries(self, feed_id: int, entries: Iterable[Entry]) -> list[Entry]:
        """The entries of this feed never recorded before, in feed order."""
        entries = list(entries)
        keys = [entry.key for entry in entries]
        seen: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(keys, 500):
                seen.update(
                    conn.execute(
                        select(seen_entries.c.key).where(
                            seen_entries.c.feed_id == feed_id, seen_entries.c.key.in_(chunk)
                        )
                    ).scalars()
                )
        return [entry for entry in entries if entry.key not in seen]

    def article_known(self, canonical_url: str) -> bool:
        """Whether another feed (or an earlier poll) already brought this article."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(articles.c.id).where(articles.c.canonical_url == canonical_url)
            ).first()
        return found is not None

    def record_entry(
        self,
        feed_id: int,
        entry: Entry,
        now: datetime,
        *,
        article: Article | None = None,
        outlet: str = "",
        found: Sequence[Match] = (),
        routes: Mapping[str, Sequence[str]] | None = None,
    ) -> list[int]:
        """Mark an entry seen and, with an article, keep it with its matches and outbox rows.

        `routes` maps each chat to the entry ids it is told about: one outbox row per chat.
        All in one transaction. Returns the ids of the outbox rows written; none when
        the same article was already recorded through another feed.
        """
        with self.engine.begin() as conn:
            conn.execute(insert(seen_entries).values(feed_id=feed_id, key=entry.key, seen_at=now))
            conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(entries_seen=feeds.c.entries_seen + 1)
            )
            if article is None:
                return []
            try:
                with conn.begin_nested():
                    article_id = conn.execute(
                        insert(articles).values(
                            canonical_url=entry.canonical_url,
                            url=entry.url or article.url,
                            title=article.title,
                            outlet=outlet,
                            feed_id=feed_id,
                            published=article.published or entry.published,
                            body_unavailable=article.from_feed_only,
                            created_at=now,
                        )
                    ).inserted_primary_key[0]
            except IntegrityError:  # the same article, recorded through another feed
                return []
            for match in found:
                row = _match_row(match, now)
                conn.execute(insert(matches).values(article_id=article_id, **row))
            return [
                conn.execute(
                    insert(outbox).values(
                        article_id=article_id,
                        chat_id=chat,
                        entry_ids=",".join(entry_ids),
                        created_at=now,
                        next_attempt_at=now,
                    )
                ).inserted_primary_key[0]
                for chat, entry_ids in (routes or {}).items()
            ]

    # --- outbox --------------------------------------------------------------------------

    def next_alerts(self, now: datetime, exclude_chats: Iterable[str] = ()) -> list[Alert]:
        """For each chat, its oldest undelivered alert, if that one is due now.

        Alerts to one chat go out in order, so a chat whose head is backing off waits;
        other chats are not held up by it.
        """
        exclude = set(exclude_chats)
        with self.engine.connect() as conn:
            heads = conn.execute(
                select(outbox.c.chat_id, func.min(outbox.c.id))
                .where(outbox.c.sent_at.is_(None))
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
            return [self._alert(conn, row) for row in rows]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()

    def earliest_attempt(self) -> datetime | None:
        """When the next alert may be tried: the earliest retry time among the chats' heads."""
        heads = (
            select(func.min(outbox.c.id))
            .where(outbox.c.sent_at.is_(None))
            .group_by(outbox.c.chat_id)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.id.in_(heads))
            ).scalar_one()

    def retry_pending_now(self, now: datetime) -> int:
        """Make every waiting alert due now (on start: an operator may have fixed the cause)."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(outbox)
                .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at > now)
                .values(next_attempt_at=now)
            ).rowcount

    def mark_sent(self, outbox_id: int, message_id: int | None, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(sent_at=now, message_id=message_id, attempts=outbox.c.attempts + 1)
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
        pending = outbox.c.sent_at.is_(None)
        with self.engine.connect() as conn:
            counts = conn.execute(
                select(
                    func.count().filter(pending),
                    func.count().filter(outbox.c.sent_at.is_not(None)),
                    func.min(outbox.c.created_at).filter(pending),
                )
            ).one()
            last_error = conn.execute(
                select(outbox.c.last_error)
                .where(pending, outbox.c.last_error.is_not(None))
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalar()
        return OutboxStats(counts[0], counts[1], counts[2], last_error)

    def _alert(self, conn, row) -> Alert:  # type: ignore[no-untyped-def]
        wanted = set(row.entry_ids.split(","))
        found = conn.execute(
            select(matches).where(matches.c.article_id == row.article_id).order_by(matches.c.id)
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
        )


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


def _match_row(match: Match, now: datetime) -> dict[str, object]:
    row = asdict(match)
    row["span_start"] = row.pop("start")
    row["span_end"] = row.pop("end")
    row["created_at"] = now
    return row


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


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
