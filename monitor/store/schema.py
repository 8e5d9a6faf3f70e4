"""The database tables as the code uses them today (migrations.py builds them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    UniqueConstraint,
)
from sqlalchemy import Text as PlainText
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Text(TypeDecorator[str]):
    """Text without NUL characters: PostgreSQL refuses them, and a page or feed that
    carries one by mistake must not fail its poll (SQLite alike, so both keep the same)."""

    impl = PlainText
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else without_nul(value)


def without_nul(value: str) -> str:
    """A text as the database keeps it (see Text)."""
    return value.replace("\x00", "")


metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("name", Text),  # configured name
    Column("title", Text),  # the feed's own title
    Column("active", Boolean, nullable=False, default=True),  # still in the config
    Column("disabled", Boolean, nullable=False, default=False),  # gone for good (HTTP 410)
    Column("interval_s", Float, nullable=False),
    Column("next_poll_at", UTCDateTime, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", UTCDateTime),
    Column("last_ok_at", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("failing_since", UTCDateTime),
    Column("entries_seen", Integer, nullable=False, default=0),
    Column("kind", Text),  # feed | sitemap | site | search; NULL: told from the response
    Column("fixed_interval", Boolean, nullable=False, default=False),
    Column("found_url", Text),  # the feed or sitemap a site (or an untyped URL) resolved to
    Column("found_kind", Text),  # feed | sitemap
    Column("found_at", UTCDateTime),
    Column("last_new_at", UTCDateTime),  # when the source last brought an entry never seen
    Column("silent_since", UTCDateTime),  # set while it is silent (reported once)
    Column("lease_until", UTCDateTime),  # a worker is polling it until then (renewed)
    Column("leased_by", Text),  # that worker's id (host:pid:start)
)

seen_entries = Table(
    "seen_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("published", UTCDateTime),
    UniqueConstraint("feed_id", "key", name="uq_seen_entries_feed_key"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canonical_url", Text, unique=True),
    Column("url", Text),
    Column("title", Text, nullable=False),
    Column("outlet", Text, nullable=False),
    Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
    Column("published", UTCDateTime),
    Column("body_unavailable", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("fingerprint", Text),  # normalised text for spotting copies (monitor.stories)
    Column("story_id", Integer),  # the first article of its story; NULL for that one
    Column("text", Text),  # the matched text, kept for replay until article_retention
)

matches = Table(
    "matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id"), nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("term", Text, nullable=False),
    Column("matched", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("kind", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("span_start", Integer, nullable=False),
    Column("span_end", Integer, nullable=False),
    Column("snippet", Text, nullable=False),
    Column("snippet_start", Integer, nullable=False),
    Column("snippet_end", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id"), nullable=False),
    Column("chat_id", Text, nullable=False),
    Column("entry_ids", Text, nullable=False),  # entries this chat is told of, comma-separated
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("message_id", Integer),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("permanent_error", Boolean, nullable=False, default=False),
    Column("revision", Integer, nullable=False, default=0),  # grows as copies arrive
    Column("sent_revision", Integer, nullable=False, default=0),  # what Telegram shows
    Column("burst_id", Integer),  # sent inside that burst's running summary instead
    Column("claimed_until", UTCDateTime),  # a worker is delivering it until then
    Column("claimed_by", Text),
    UniqueConstraint("article_id", "chat_id", name="uq_outbox_article_chat"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id"), nullable=False),
    Column("chat_id", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("user_name", Text),
    Column("verdict", Text, nullable=False),  # relevant | irrelevant
    Column("entry_ids", Text, nullable=False),
    Column("terms", Text, nullable=False),
    Column("snippet", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

bursts = Table(
    "bursts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", Text, nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("message_id", Integer),
    Column("revision", Integer, nullable=False, default=0),
    Column("sent_revision", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
)

workers = Table(
    "workers",
    metadata,
    Column("id", Text, primary_key=True),  # host:pid:start
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("holds", Text, nullable=False, default=""),  # what it holds, as a short line
)

claims = Table(  # one-off duties done once across workers: a day's digest, a notice
    "claims",
    metadata,
    Column("key", Text, primary_key=True),
    Column("claimed_by", Text, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
)

chat_pacing = Table(  # Telegram's limits per chat, shared by every worker
    "chat_pacing",
    metadata,
    Column("chat_id", Text, primary_key=True),
    Column("next_send_at", UTCDateTime, nullable=False),  # the next free one-second slot
    Column("sent_times", Text, nullable=False, default=""),  # a group's sends in the last minute
)
