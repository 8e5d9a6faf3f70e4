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

from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from monitor import migrations
from monitor.models import Article, Entry, FeedSource, FeedState, Match
from monitor.outbox_store import OutboxQueries, announce_copy
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


class Store(OutboxQueries):
    """Feeds, entries and articles here; the outbox's queries come from OutboxQueries."""

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
        fingerprint: str | None = None,
        story_of: int | None = None,
    ) -> list[int]:
        """Mark an entry seen and, with an article, keep it with its matches and outbox rows.

        `routes` maps each chat to the entry ids it is told about: one outbox row per chat.
        With `story_of` (the first article of the same story) no new alert is written: the
        story's alerts are marked for an edit that names this copy. All in one transaction.
        Returns the ids of the outbox rows written; none for a copy, or when the same
        article was already recorded through another feed.
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
                            fingerprint=fingerprint,
                            story_id=story_of,
                        )
                    ).inserted_primary_key[0]
            except IntegrityError:  # the same article, recorded through another feed
                return []
            for match in found:
                row = _match_row(match, now)
                conn.execute(insert(matches).values(article_id=article_id, **row))
            if story_of is not None:
                announce_copy(conn, story_of, now)
                return []
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

    def story_candidates(self, entry_ids: Iterable[str], since: datetime) -> list[tuple[int, str]]:
        """(id, fingerprint) of recent first-of-their-story articles that name these entries."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(articles.c.id, articles.c.fingerprint)
                .where(
                    articles.c.story_id.is_(None),
                    articles.c.fingerprint.is_not(None),
                    articles.c.created_at >= since,
                    articles.c.id.in_(
                        select(matches.c.article_id).where(matches.c.entry_id.in_(list(entry_ids)))
                    ),
                )
                .order_by(articles.c.id)
            ).all()
        return [(row.id, row.fingerprint) for row in rows]


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


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
