"""`monitor near-misses`: what the matcher turned down but came close to, over stored texts.

Every stored article is explained with the live watchlists
(`monitor.matching.explain`, the matcher's own trace): a fuzzy score just under
the threshold, an excluded phrase, a missing context, a lower-case name, a term
glued inside a longer word. The same reason for the same entry is one group,
counted once per article, with the snippet of its first article; the groups
come most frequent first, so an admin sees what the watchlist may be missing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.config.settings import Settings
from monitor.config.watchlists import load_watchlists
from monitor.errors import InputError
from monitor.matching.explain import explain
from monitor.matching.matcher import Matcher
from monitor.store.articles import StoredArticle
from monitor.store.database import Store

# the phrase a note starts with, as Python writes a string: 'x' or "x'x"
_QUOTED = re.compile(r"""^('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
SNIPPET_CHARS = 60  # on each side of the phrase


@dataclass
class NearMiss:
    """One reason an entry was turned down, how many articles had it, and an example."""

    entry_id: str
    reason: str  # explain's words, naming the phrase
    phrase: str  # the text the reason is about ('' when it names none)
    count: int
    snippet: str  # around the phrase in the first article, the phrase in [brackets]
    article_id: int


@dataclass(frozen=True)
class NearMisses:
    articles: int  # how many articles were explained
    groups: list[NearMiss]  # most frequent first


def near_misses(rows: Iterable[StoredArticle], matcher: Matcher,
                entry_id: str | None = None) -> NearMisses:
    """The near misses of `rows`, grouped by entry and reason, most frequent first."""
    groups: dict[tuple[str, str], NearMiss] = {}
    articles = 0
    for article in rows:
        articles += 1
        matched = {m.entry_id for m in matcher.find_matches(article.title, article.text)}
        for line in explain(matcher, article.title, article.text):
            entry, _, reason = line.partition(": ")
            if entry in matched or (entry_id is not None and entry != entry_id):
                continue
            group = groups.get((entry, reason))
            if group is not None:
                group.count += 1
                continue
            phrase = phrase_of(reason)
            groups[entry, reason] = NearMiss(entry, reason, phrase, 1,
                                             snippet_of(article, phrase), article.id)
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.entry_id, g.reason))
    return NearMisses(articles, ordered)


def phrase_of(reason: str) -> str:
    """The quoted phrase a reason starts with ("'Buluntu' needs context" -> Buluntu)."""
    found = _QUOTED.match(reason)
    if not found:
        return ""
    value = ast.literal_eval(found.group(1))
    return value if isinstance(value, str) else ""


def snippet_of(article: StoredArticle, phrase: str) -> str:
    """The phrase in its title or text with some words around it; else the title."""
    for text in (article.title, article.text):
        hit = re.search(re.escape(phrase), text, re.IGNORECASE) if phrase else None
        if hit is None:
            continue
        start, end = hit.span()
        left, right = max(0, start - SNIPPET_CHARS), min(len(text), end + SNIPPET_CHARS)
        if left > 0 and " " in text[left:start]:
            left = text.index(" ", left) + 1
        if right < len(text) and " " in text[end:right]:
            right = text.rindex(" ", end, right)
        inner = f"{text[left:start]}[{text[start:end]}]{text[end:right]}"
        inner = " ".join(inner.split())
        return f"{'…' if left > 0 else ''}{inner}{'…' if right < len(text) else ''}"
    return article.title


def near_miss_lines(found: NearMisses, days: float) -> list[str]:
    """What `monitor near-misses` prints: one group per line, its snippet below."""
    misses, articles = found.groups, found.articles
    lines = [f"{len(misses)} near miss{'es' if len(misses) != 1 else ''} in {articles} "
             f"stored article{'s' if articles != 1 else ''} of the last {days:g} days"]
    width = len(str(misses[0].count)) if misses else 1
    for miss in misses:
        lines.append(f"{miss.count:>{width}}× {miss.entry_id}: {miss.reason}")
        lines.append(f"{'':>{width}}  #{miss.article_id}: {miss.snippet}")
    return lines


def print_near_misses(settings: Settings, *, entry_id: str | None, since_s: float,
                      write: Callable[[str], object], now: datetime | None = None) -> None:
    """`monitor near-misses`: the groups over the texts since `since_s` ago, to `write`."""
    watchlists = load_watchlists(settings.watchlists_path)
    if entry_id is not None and entry_id not in {e.id for e in watchlists.entries}:
        raise InputError(f"--entry {entry_id}", "no such entry in the watchlists")
    matcher = Matcher(watchlists)
    since = (now or datetime.now(UTC)) - timedelta(seconds=since_s)
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        found = near_misses(store.stored_articles(since), matcher, entry_id)
    finally:
        store.close()
    write("\n".join(near_miss_lines(found, since_s / 86400)) + "\n")
