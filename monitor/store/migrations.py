"""Numbered schema migrations, applied in order on start; the database records its version.

Each migration is a plain function taking Alembic's `Operations`, so the same
DDL runs on SQLite and PostgreSQL. Never edit a released migration: add the
next number. Migrations describe the schema as it was at their time, so they
spell out their columns instead of importing schema.py.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    inspect,
    text,
)

from monitor.store.schema import UTCDateTime


def m001_initial(op: Operations) -> None:
    op.create_table(
        "feeds",
        Column("id", Integer, primary_key=True),
        Column("url", Text, nullable=False, unique=True),
        Column("name", Text),
        Column("title", Text),
        Column("active", Boolean, nullable=False, server_default="1"),
        Column("disabled", Boolean, nullable=False, server_default="0"),
        Column("interval_s", Float, nullable=False),
        Column("next_poll_at", UTCDateTime, nullable=False),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("last_polled_at", UTCDateTime),
        Column("last_ok_at", UTCDateTime),
        Column("last_status", Integer),
        Column("last_error", Text),
        Column("consecutive_failures", Integer, nullable=False, server_default="0"),
        Column("failing_since", UTCDateTime),
        Column("entries_seen", Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "seen_entries",
        Column("id", Integer, primary_key=True),
        Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
        Column("key", Text, nullable=False),
        Column("seen_at", UTCDateTime, nullable=False),
        UniqueConstraint("feed_id", "key", name="uq_seen_entries_feed_key"),
    )
    op.create_table(
        "articles",
        Column("id", Integer, primary_key=True),
        Column("canonical_url", Text, unique=True),
        Column("url", Text),
        Column("title", Text, nullable=False),
        Column("outlet", Text, nullable=False),
        Column("feed_id", Integer, ForeignKey("feeds.id"), nullable=False),
        Column("published", UTCDateTime),
        Column("body_unavailable", Boolean, nullable=False, server_default="0"),
        Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "matches",
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
    op.create_index("ix_matches_entry_created", "matches", ["entry_id", "created_at"])
    op.create_table(
        "outbox",
        Column("id", Integer, primary_key=True),
        Column("article_id", Integer, ForeignKey("articles.id"), nullable=False),
        Column("chat_id", Text, nullable=False),
        Column("entry_ids", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime),
        Column("message_id", Integer),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", UTCDateTime, nullable=False),
        Column("last_error", Text),
        Column("permanent_error", Boolean, nullable=False, server_default="0"),
        UniqueConstraint("article_id", "chat_id", name="uq_outbox_article_chat"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "chat_id", "id"])


def m002_stories(op: Operations) -> None:
    """One alert per story: articles remember their story, alerts their edits.

    Plain ADD COLUMNs (no table rebuild), so SQLite upgrades in place.
    """
    op.add_column("articles", Column("fingerprint", Text))
    op.add_column("articles", Column("story_id", Integer))
    op.create_index("ix_articles_story", "articles", ["story_id"])
    op.create_index("ix_articles_created", "articles", ["created_at"])
    op.add_column("outbox", Column("revision", Integer, nullable=False, server_default="0"))
    op.add_column("outbox", Column("sent_revision", Integer, nullable=False, server_default="0"))


def m003_source_kinds(op: Operations) -> None:
    """Sources of several kinds: what a site's discovery found, adaptive intervals, silence.

    seen_entries keep the entry's publication time, from which a source's usual gap
    (adaptive interval, silence) is measured.
    """
    op.add_column("feeds", Column("kind", Text))  # as configured; NULL: told from the response
    op.add_column("feeds", Column("fixed_interval", Boolean, nullable=False,
                                  server_default="0"))
    op.add_column("feeds", Column("found_url", Text))  # what a site (or auto kind) resolved to
    op.add_column("feeds", Column("found_kind", Text))  # feed | sitemap
    op.add_column("feeds", Column("found_at", UTCDateTime))
    op.add_column("feeds", Column("last_new_at", UTCDateTime))
    op.add_column("feeds", Column("silent_since", UTCDateTime))
    op.add_column("seen_entries", Column("published", UTCDateTime))


def m004_staff_loop(op: Operations) -> None:
    """What staff teach the matcher and how bursts are sent.

    articles.text: the matched text, kept for `monitor replay` and near misses for
    `article_retention`, then set to NULL. feedback: one row per button press.
    bursts: one running summary message per chat and entry; outbox rows of a burst
    point at it instead of being sent one by one.
    """
    op.add_column("articles", Column("text", Text))
    op.create_table(
        "feedback",
        Column("id", Integer, primary_key=True),
        Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False),
        Column("article_id", Integer, ForeignKey("articles.id"), nullable=False),
        Column("chat_id", Text, nullable=False),
        Column("user_id", Text, nullable=False),
        Column("user_name", Text),
        Column("verdict", Text, nullable=False),  # relevant | irrelevant
        Column("entry_ids", Text, nullable=False),  # comma-separated
        Column("terms", Text, nullable=False),  # the matched terms, comma-separated
        Column("snippet", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_created", "feedback", ["created_at"])
    op.create_table(
        "bursts",
        Column("id", Integer, primary_key=True),
        Column("chat_id", Text, nullable=False),
        Column("entry_id", Text, nullable=False),
        Column("started_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("message_id", Integer),
        Column("revision", Integer, nullable=False, server_default="0"),
        Column("sent_revision", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", UTCDateTime, nullable=False),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
    )
    op.create_index("ix_bursts_chat_entry", "bursts", ["chat_id", "entry_id", "updated_at"])
    op.add_column("outbox", Column("burst_id", Integer))


def m005_workers(op: Operations) -> None:
    """Several workers on one database: leases on feeds, claims on alerts, the workers
    alive, duties done once (claims: a day's digest, a notice), pacing per chat."""
    op.add_column("feeds", Column("lease_until", UTCDateTime))
    op.add_column("feeds", Column("leased_by", Text))
    op.add_column("outbox", Column("claimed_until", UTCDateTime))
    op.add_column("outbox", Column("claimed_by", Text))
    op.create_table(
        "workers",
        Column("id", Text, primary_key=True),
        Column("started_at", UTCDateTime, nullable=False),
        Column("heartbeat_at", UTCDateTime, nullable=False),
        Column("holds", Text, nullable=False, server_default=""),
    )
    op.create_table(
        "claims",
        Column("key", Text, primary_key=True),
        Column("claimed_by", Text, nullable=False),
        Column("claimed_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "chat_pacing",
        Column("chat_id", Text, primary_key=True),
        Column("next_send_at", UTCDateTime, nullable=False),
        Column("sent_times", Text, nullable=False, server_default=""),
    )


MIGRATIONS: tuple[Callable[[Operations], None], ...] = (
    m001_initial, m002_stories, m003_source_kinds, m004_staff_loop, m005_workers,
)
LATEST = len(MIGRATIONS)


class SchemaTooNew(Exception):
    """The database was written by a newer version of this program."""

    def __init__(self, version: int):
        super().__init__(f"its schema version {version} is newer than this program's "
                         f"({LATEST}); run the newer version")


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(text("SELECT version FROM schema_version")).scalar_one())


def migrate(conn: Connection, target: int = LATEST) -> list[int]:
    """Bring the schema to `target` inside the caller's transaction; returns versions applied."""
    version = current_version(conn)
    if version > LATEST:
        raise SchemaTooNew(version)
    op = Operations(MigrationContext.configure(conn))
    if version == 0:
        op.create_table("schema_version", Column("version", Integer, nullable=False))
        conn.execute(text("INSERT INTO schema_version (version) VALUES (0)"))
    applied = []
    for number in range(version + 1, target + 1):
        MIGRATIONS[number - 1](op)
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": number})
        applied.append(number)
    return applied
