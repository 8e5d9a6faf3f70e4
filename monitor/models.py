"""The small frozen values that flow between the stages and packages.

Feeds and fetches (`FeedSource`, `FeedState`, `FetchResult`), what a feed holds
(`Entry`, `ParsedFeed`), what is read and found (`Article`, `Match`), what is
sent (`Alert`; a burst's running summary, `Burst` of `BurstStory`), and what
operators see of it (`PollReport`, `FeedHealth`, `OutboxStats`). No logic, no I/O:
every package may import this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FeedSource:
    """A source as configured (or generated from the watchlists, for kind "search").

    kind: "feed" | "sitemap" | "site" | "search", or None to tell it from the first
    response. An interval set on the source is fixed; otherwise it adapts to how often
    the source publishes, between the configured bounds.
    """

    url: str
    name: str | None
    interval_s: float
    kind: str | None = None
    fixed_interval: bool = False


@dataclass(frozen=True)
class FeedState:
    """A feed as stored: what the next conditional request needs."""

    id: int
    url: str
    name: str | None
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    interval_s: float = 300.0
    kind: str | None = None  # as configured; None: told from the response
    fixed_interval: bool = False
    found_url: str | None = None  # the feed or sitemap a site resolved to
    found_kind: str | None = None  # "feed" | "sitemap"
    silent_since: datetime | None = None


@dataclass(frozen=True)
class FetchResult:
    """One HTTP response, already read within the size cap."""

    url: str  # final URL after redirects
    status: int
    body: bytes
    headers: dict[str, str]  # lower-cased names
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class Entry:
    """One item of a parsed feed."""

    key: str  # stable identity within its feed: guid, else link, else hash
    url: str | None  # the entry's link, as the feed gives it
    canonical_url: str | None  # normalised link, used to spot the same article in other feeds
    title: str
    summary: str  # plain text, tags stripped
    published: datetime | None  # timezone-aware UTC
    author: str | None = None
    # the publisher an aggregator item names (<source url="...">Name</source>), if any
    source_url: str | None = None
    source_name: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """What could be read from a feed document; `error` says what was wrong, if anything."""

    title: str | None
    entries: tuple[Entry, ...]
    error: str | None = None


@dataclass(frozen=True)
class Article:
    """The text an alert is about: the extracted page, or the feed entry when that failed."""

    url: str | None
    title: str
    text: str
    published: datetime | None = None
    author: str | None = None
    from_feed_only: bool = False  # True when the page could not be read
    lead: str = ""  # the page's lead ("spot") as extracted; `text` starts with it


@dataclass(frozen=True)
class Match:
    """One watchlist entry found in an article, with what explains it."""

    entry_id: str
    name: str  # the entry's display name
    term: str  # the watchlist term (name or alias) that matched
    matched: str  # the text as it stands in the article
    score: float  # 0..100; 100 for exact or folded matches
    field: str  # "title" or "body"
    start: int  # span of `matched` in that field
    end: int
    snippet: str  # a short excerpt around the span
    snippet_start: int  # span of `matched` inside `snippet`
    snippet_end: int
    kind: str = "exact"  # exact | folded | fuzzy


@dataclass(frozen=True)
class Alert:
    """One message to send: an article and the entries it matched."""

    id: int
    chat_id: str
    outlet: str
    url: str | None
    title: str
    published: datetime | None
    matches: tuple[Match, ...] = field(default_factory=tuple)
    body_unavailable: bool = False
    attempts: int = 0  # delivery tries so far
    revision: int = 0  # grows when copies of the story arrive after the first send
    message_id: int | None = None  # the Telegram message, once sent (edits go to it)
    copies: tuple[tuple[str, str | None], ...] = ()  # (outlet, url) of the same story elsewhere

    @property
    def is_edit(self) -> bool:
        return self.message_id is not None


@dataclass(frozen=True)
class BurstStory:
    """One story listed in a burst's running summary."""

    title: str
    outlet: str
    url: str | None
    published: datetime | None = None
    also: tuple[str, ...] = ()  # names of the story's other entries in this chat


@dataclass(frozen=True)
class Burst:
    """A running summary whose message needs an edit: one chat, one entry, its stories."""

    id: int
    chat_id: str
    entry_name: str
    message_id: int  # the summary took over the burst's last single alert
    revision: int  # what this text shows; the message is marked at it once edited
    attempts: int
    stories: tuple[BurstStory, ...]  # newest first
    outbox_ids: tuple[int, ...]  # the rows whose stories this revision shows


@dataclass(frozen=True)
class PollReport:
    """What one poll of one feed did, for logs and metrics."""

    feed_url: str
    status: int | None
    new_entries: int = 0
    matched: int = 0
    alerts: int = 0
    error: str | None = None
    failures: int = 0  # failed polls in a row, this one included
    retry_in_s: float | None = None  # backoff before the next try, after a failure
    disabled: bool = False  # the feed is gone (HTTP 410) and will not be polled again


@dataclass(frozen=True)
class FeedHealth:
    """A feed as operators see it (`monitor feeds`, /durum, /healthz)."""

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
    kind: str | None = None
    found_url: str | None = None
    found_kind: str | None = None
    interval_s: float | None = None
    fixed_interval: bool = False
    silent_since: datetime | None = None
    last_new_at: datetime | None = None


@dataclass(frozen=True)
class OutboxStats:
    """The alert queue at a glance."""

    pending: int
    sent: int
    oldest_pending_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class Verdict:
    """A staff member's press of an alert's feedback button (the latest per alert counts)."""

    outbox_id: int
    chat_id: str
    user_id: str
    user_name: str | None
    verdict: str  # relevant | irrelevant
    entry_ids: tuple[str, ...]
    terms: tuple[str, ...]
    snippet: str
    created_at: datetime
