"""Stored article texts: read back in chunks for `monitor replay` and near misses, and pruned.

Every article the pipeline keeps carries the text it was matched on
(`articles.text`) until `article_retention`; then `prune_article_texts` sets it
to NULL, so replays only ever see texts still inside the retention window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, or_, select, update

from monitor.store.schema import articles

CHUNK = 500  # rows read per query: memory stays flat however many articles there are


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored, with the text it was matched on."""

    id: int
    title: str
    text: str
    outlet: str
    url: str | None
    published: datetime | None
    created_at: datetime


class ArticleQueries:
    engine: Engine

    def stored_articles(self, since: datetime, *, chunk: int = CHUNK) -> Iterator[StoredArticle]:
        """Articles with a kept text, stored or published at or after `since`, oldest id first.

        Read by keyset pages of `chunk` rows, each on its own short connection, so
        no transaction stays open while the caller matches.
        """
        last = 0
        query = (
            select(articles.c.id, articles.c.title, articles.c.text, articles.c.outlet,
                   articles.c.url, articles.c.published, articles.c.created_at)
            .where(articles.c.text.is_not(None),
                   or_(articles.c.created_at >= since, articles.c.published >= since))
            .order_by(articles.c.id)
            .limit(chunk)
        )
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(query.where(articles.c.id > last)).all()
            for row in rows:
                yield StoredArticle(row.id, row.title, row.text, row.outlet, row.url,
                                    row.published, row.created_at)
            if len(rows) < chunk:
                return
            last = rows[-1].id

    def keep_text(self, canonical_url: str, text: str) -> None:
        """The text of an article recorded without one (extracted later, for replays)."""
        with self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.canonical_url == canonical_url,
                                                articles.c.text.is_(None)).values(text=text))

    def prune_article_texts(self, before: datetime) -> int:
        """Forget the texts of articles stored before `before`; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(articles)
                .where(articles.c.text.is_not(None), articles.c.created_at < before)
                .values(text=None)
            )
        return int(result.rowcount)
