"""Entries seen, articles kept, their matches and outbox rows: what one new entry leaves.

Writes that belong together (an entry marked seen, its article, its matches and
their outbox rows) happen in one transaction, so a crash leaves all or none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Insert, insert, select, update

from monitor.models import Article, Entry, Match
from monitor.store.locks import lock_for_transaction
from monitor.store.outbox import join_story
from monitor.store.schema import (
    articles,
    feeds,
    matches,
    outbox,
    seen_entries,
    without_nul,
)
from monitor.store.workers import insert_ignoring


@dataclass
class StoryLookup:
    """How record_entry finds the story a new article belongs to, inside its transaction:
    `decide(fingerprint, candidates)` picks the first article of the same story (or None)
    among the recent (id, fingerprint) candidates created since `since`; the story it
    joined is left in `found`."""

    decide: Callable[[str, list[tuple[int, str]]], int | None]
    since: datetime
    found: int | None = None


class EntryQueries:
    engine: Engine

    def unseen_entries(self, feed_id: int, entries: Iterable[Entry]) -> list[Entry]:
        """The entries of this feed never recorded before, in feed order (keys are stored
        without NUL characters: schema.Text)."""
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
        return [entry for entry in entries if without_nul(entry.key) not in seen]

    def articles_known(self, canonical_urls: Iterable[str]) -> set[str]:
        """Those of these articles another feed (or an earlier poll) already brought."""
        urls, known = list(canonical_urls), set[str]()
        with self.engine.connect() as conn:
            for chunk in _chunks(urls, 500):
                known.update(conn.execute(select(articles.c.canonical_url)
                                          .where(articles.c.canonical_url.in_(chunk))).scalars())
        return known

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
        stories: StoryLookup | None = None,
    ) -> list[int]:
        """Mark an entry seen and, with an article, keep it with its matches and outbox rows.

        `routes` maps each chat to the entry ids it is told about: one outbox row per chat.
        With `story_of` (the first article of the same story), or when `stories` finds one
        inside the transaction, no new alert is written: the story's alerts are marked for
        an edit that names this copy. The story lookup runs under a lock per matched
        watchlist entry (PostgreSQL; SQLite's write lock, taken by the first insert), so
        two copies recorded at once never both alert. An entry or article another worker
        recorded first is left alone (insert-on-conflict: the loser does nothing).
        Returns the ids of the outbox rows written; none for a copy or a loser.
        """
        with self.engine.begin() as conn:
            if not _newly_seen(conn, insert_ignoring(conn, seen_entries).values(
                    feed_id=feed_id, key=entry.key, seen_at=now, published=entry.published)):
                return []  # another worker (or an earlier poll) has it
            conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(entries_seen=feeds.c.entries_seen + 1)
            )
            if article is None:
                return []
            if stories is not None and fingerprint is not None and story_of is None:
                entry_ids = sorted({m.entry_id for m in found})
                lock_for_transaction(conn, [f"story:{name}" for name in entry_ids])
                story_of = stories.found = stories.decide(
                    fingerprint, _story_candidates(conn, entry_ids, stories.since))
            article_id = _insert_article(conn, feed_id, entry, article, outlet, now,
                                         fingerprint, story_of)
            if article_id is None:  # the same article, recorded through another feed
                return []
            for match in found:
                row = _match_row(_body_snippet(match, article.text), now)
                conn.execute(insert(matches).values(article_id=article_id, **row))
            if story_of is not None:
                join_story(conn, story_of, article_id, now)
                return []
            return [
                _new_id(conn.execute(insert(outbox).values(
                    article_id=article_id, chat_id=chat, entry_ids=",".join(entry_ids),
                    created_at=now, next_attempt_at=now)))
                for chat, entry_ids in (routes or {}).items()
            ]

    def story_candidates(self, entry_ids: Iterable[str], since: datetime) -> list[tuple[int, str]]:
        """(id, fingerprint) of recent first-of-their-story articles that name these entries."""
        with self.engine.connect() as conn:
            return _story_candidates(conn, list(entry_ids), since)

    def record_seen_many(self, feed_id: int, seen: Sequence[tuple[Entry, Article | None, str]],
                         now: datetime) -> int:
        """Mark entries that alert nobody seen, in one transaction: (entry, its article or
        None, outlet) each. An article is kept without matches; an empty text is stored as
        none (a page never read: nothing for replay). An entry already seen (a feed listing
        it twice, another worker) is passed over. Returns how many were marked."""
        firsts: dict[str, tuple[Entry, Article | None, str]] = {}
        for entry, article, outlet in seen:  # in feed order; the first of a key wins
            firsts.setdefault(without_nul(entry.key), (entry, article, outlet))
        if not firsts:
            return 0
        with self.engine.begin() as conn:  # two statements for the lot, not two per entry
            rows = [{"feed_id": feed_id, "key": key, "seen_at": now,
                     "published": entry.published} for key, (entry, _, _) in firsts.items()]
            marked = set(conn.execute(insert_ignoring(conn, seen_entries)
                                      .returning(seen_entries.c.key), rows).scalars())
            kept = [_article_row(feed_id, entry, article, outlet, now)
                    for key, (entry, article, outlet) in firsts.items()
                    if key in marked and article is not None]
            if kept:
                conn.execute(insert_ignoring(conn, articles), kept)
            conn.execute(update(feeds).where(feeds.c.id == feed_id)
                         .values(entries_seen=feeds.c.entries_seen + len(marked)))
        return len(marked)


def _story_candidates(conn: Connection, entry_ids: list[str],
                      since: datetime) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(articles.c.id, articles.c.fingerprint)
        .where(
            articles.c.story_id.is_(None),
            articles.c.fingerprint.is_not(None),
            articles.c.created_at >= since,
            articles.c.id.in_(
                select(matches.c.article_id).where(matches.c.entry_id.in_(entry_ids))
            ),
        )
        .order_by(articles.c.id)
    ).all()
    return [(row.id, row.fingerprint) for row in rows]


def _insert_article(conn: Connection, feed_id: int, entry: Entry, article: Article,
                    outlet: str, now: datetime, fingerprint: str | None,
                    story_of: int | None) -> int | None:
    """The new article's id; None when its canonical URL is already stored."""
    row = _article_row(feed_id, entry, article, outlet, now)
    row.update(fingerprint=fingerprint, story_id=story_of, text=article.text)
    return conn.execute(insert_ignoring(conn, articles).values(**row)
                        .returning(articles.c.id)).scalar_one_or_none()


def _article_row(feed_id: int, entry: Entry, article: Article, outlet: str,
                 now: datetime) -> dict[str, Any]:
    """An article's columns; an empty text is none (a page never read: nothing to replay
    until its text comes, monitor.pipeline.backfill), kept until article_retention."""
    return {"canonical_url": entry.canonical_url, "url": entry.url or article.url,
            "title": article.title, "outlet": outlet, "feed_id": feed_id,
            "published": article.published or entry.published,
            "body_unavailable": article.from_feed_only, "created_at": now,
            "fingerprint": None, "story_id": None, "text": article.text or None}


def _newly_seen(conn: Connection, statement: Insert) -> bool:
    """Whether an insert-on-conflict-do-nothing wrote its row (rowcount is unreliable
    under RETURNING, so the key is asked for)."""
    return conn.execute(statement.returning(seen_entries.c.id)).first() is not None


def _match_row(match: Match, now: datetime) -> dict[str, object]:
    row = asdict(match)
    row["span_start"] = row.pop("start")
    row["span_end"] = row.pop("end")
    row["created_at"] = now
    return row


SNIPPET_CHARS = 160


def _body_snippet(match: Match, body: str) -> Match:
    """A headline match gets its snippet from the body (or feed summary) when the matched
    words stand there too, so the alert shows the sentence instead of the headline again."""
    if match.field != "title" or not body:
        return match
    folded = _fold(body)
    for needle in dict.fromkeys((match.matched, match.term)):
        found = re.search(r"(?<!\w)" + re.escape(_fold(needle)), folded) if needle else None
        if found:
            return replace(match, **_window(body, found.start(), found.end()))
    return match


def _fold(text: str) -> str:
    """Lower case the Turkish way, keeping every character's position."""
    folded = text.replace("I", "ı").replace("İ", "i").lower()
    return folded if len(folded) == len(text) else text


def _window(text: str, start: int, end: int) -> dict[str, Any]:
    """About SNIPPET_CHARS around text[start:end], cut at spaces (as the matcher cuts)."""
    room = max(0, SNIPPET_CHARS - (end - start)) // 2
    left, right = max(0, start - room), min(len(text), end + room)
    if left > 0:
        cut = text.find(" ", left, start)
        left = cut + 1 if cut != -1 else left
    if right < len(text):
        cut = text.rfind(" ", end, right)
        right = cut if cut != -1 else right
    before = ("…" if left > 0 else "") + text[left:start].lstrip()
    after = text[end:right].rstrip() + ("…" if right < len(text) else "")
    return {"snippet": before + text[start:end] + after, "snippet_start": len(before),
            "snippet_end": len(before) + end - start}


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT of one row reports its key"
    return int(key[0])
