"""News-search sources generated from the watchlists, and what their items carry (pure).

    search_sources(search, watchlists)   one FeedSource per engine and watchlist entry
    unwrap_click(link)                   the publisher URL inside a Bing click link
    strip_publisher(title, publisher)    a headline without its " - Publisher" suffix

Nothing here keys on an engine's hostname: `engines:` may point at a mirror or a
test server, so a click link is told by its shape (`.../apiclick.aspx?url=...`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlsplit

from monitor.matching.text import scan_key, turkish_key
from monitor.matching.watchlist import WatchlistEntry, Watchlists
from monitor.models import FeedSource
from monitor.sources.urls import is_http_url

MIN_TERM_LETTERS = 4  # shorter terms ("AK", "OSB") flood a search engine with namesakes
CLICK_PATH = "apiclick.aspx"
# " - Hürriyet", " – Hürriyet", " | Hürriyet" at the end of a headline
_SUFFIX = re.compile(r"\s+[-–—|]\s+([^-–—|]+?)\s*$")


class SearchPlan(Protocol):
    """What search_sources reads of `monitor.config.settings.SearchSettings` (a Protocol,
    so this pure module does not import the config package)."""

    @property
    def engines(self) -> tuple[tuple[str, str], ...]: ...  # (name, URL template with {query})

    @property
    def interval_s(self) -> float: ...

    @property
    def terms(self) -> int: ...


def search_terms(entry: WatchlistEntry, limit: int) -> tuple[str, ...]:
    """The entry's name and first aliases worth searching for, at most `limit`.

    A term with fewer than MIN_TERM_LETTERS letters is skipped, and so is one that
    folds to the text of an earlier term ("TUSAŞ", "Tusas"). When every term is
    skipped, the name alone is searched.
    """
    chosen: list[str] = []
    seen: set[str] = set()
    for term in (entry.name, *entry.aliases):
        clean = " ".join(term.replace('"', " ").split())
        key = scan_key(clean)
        if sum(ch.isalpha() for ch in clean) < MIN_TERM_LETTERS or key in seen:
            continue
        seen.add(key)
        chosen.append(clean)
        if len(chosen) == limit:
            break
    return tuple(chosen) or (" ".join(entry.name.replace('"', " ").split()),)


def search_query(entry: WatchlistEntry, limit: int) -> str:
    """`"TUSAŞ" OR "Türk Havacılık ve Uzay Sanayii"`: each term quoted, joined by OR."""
    return " OR ".join(f'"{term}"' for term in search_terms(entry, limit))


def _engine_label(name: str) -> str:
    return name[:1].upper() + name[1:]


def search_sources(search: SearchPlan, watchlists: Watchlists) -> tuple[FeedSource, ...]:
    """One source per engine and watchlist entry, named like "Bing: TUSAŞ".

    The URL is the engine's template with {query} replaced by the URL-encoded query,
    so the same watchlists always give the same URLs and a reload changes only the
    sources of the entries that changed. Two entries with the same query share one
    source (the first one's name).
    """
    sources: dict[str, FeedSource] = {}
    for engine, template in search.engines:
        for entry in watchlists.entries:
            query = quote(search_query(entry, search.terms), safe="")
            url = template.replace("{query}", query)
            if url not in sources:
                sources[url] = FeedSource(
                    url=url,
                    name=f"{_engine_label(engine)}: {entry.name}",
                    interval_s=search.interval_s,
                    kind="search",
                    fixed_interval=True,
                )
    return tuple(sources.values())


def all_sources(feeds: Sequence[FeedSource], search: SearchPlan | None,
                watchlists: Watchlists) -> tuple[FeedSource, ...]:
    """The configured sources, then the searches the watchlists generate (if configured)."""
    return (*feeds, *(search_sources(search, watchlists) if search is not None else ()))


def is_click_link(link: str) -> bool:
    """True for a link shaped like a Bing click link (path ending in apiclick.aspx)."""
    try:
        path = urlsplit(link.strip()).path
    except ValueError:
        return False
    return path.lower().endswith(CLICK_PATH)


def unwrap_click(link: str) -> str | None:
    """The publisher URL in a click link's `url=` parameter; None when there is no
    http(s) URL there or the link is no click link."""
    if not is_click_link(link):
        return None
    query = urlsplit(link.strip()).query
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.lower() == "url":
            target = value.strip()
            return target if is_http_url(target) else None
    return None


def strip_publisher(title: str, publisher: str | None) -> str:
    """`title` without a trailing " - Publisher" (or " – ", " | "); compared
    Turkish-aware and case-blind. Unchanged when the suffix names someone else."""
    title = title.strip()
    if not publisher or not publisher.strip():
        return title
    found = _SUFFIX.search(title)
    if found is None or found.start() == 0:
        return title
    if turkish_key(found.group(1)) != turkish_key(publisher):
        return title
    return title[: found.start()].rstrip()
