"""When a page says its article was published (pure).

Outlets rewrite article:published_time when they update a story, while the
JSON-LD of the article keeps the first datePublished: the earliest of the two
wins. A date without a time never beats a timestamp of the same local day
(it is the same moment, said less precisely).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import lxml.html

# Naive timestamps on Turkish news sites are local time (UTC+3 all year since 2016).
LOCAL_TZ = ZoneInfo("Europe/Istanbul")
_META_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
    "//time[@itemprop='datePublished']/@datetime",
    "//article//time/@datetime",
    "//time/@datetime",
)
# JSON-LD containers whose dates belong to other stories (related lists, breadcrumbs).
_LIST_KEYS = frozenset({"itemListElement", "hasPart", "relatedLink", "breadcrumb", "about"})


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 date or timestamp as aware UTC; naive values are Istanbul time."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(datetime.fromisoformat(value[:10]).date(), time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def _is_article(item: dict[str, object]) -> bool:
    kinds = item.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(n, str) and (n.endswith("Article") or n == "BlogPosting") for n in names)


def json_ld_dates(tree: lxml.html.HtmlElement) -> tuple[list[str], list[str]]:
    """datePublished values in JSON-LD: (of article objects, of any other object)."""
    articles: list[str] = []
    others: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            stack = [json.loads(script)]
        except ValueError:
            continue
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                value = item.get("datePublished")
                if isinstance(value, str):
                    (articles if _is_article(item) else others).append(value)
                stack.extend(
                    v for k, v in item.items() if k not in _LIST_KEYS and isinstance(v, dict | list)
                )
    return articles, others


def _first_meta(tree: lxml.html.HtmlElement) -> str | None:
    for xpath in _META_XPATHS:
        for value in tree.xpath(xpath):
            if str(value).strip():
                return str(value)
    return None


def _has_time(value: str) -> bool:
    return ":" in value[10:] or "T" in value[10:]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def published_at(tree: lxml.html.HtmlElement) -> datetime | None:
    """The page's publication time: the earliest of its metadata and its article JSON-LD."""
    articles, others = json_ld_dates(tree)
    meta = _first_meta(tree)
    values = [v for v in (meta, *articles) if v] or others[:1]
    parsed = [(moment, _has_time(v)) for v in values if (moment := parse_datetime(v))]
    if not parsed:
        return None
    parsed.sort(key=lambda pair: pair[0])
    earliest, exact = parsed[0]
    if not exact:  # prefer a timestamp of the same day over a bare date
        same_day = [m for m, e in parsed if e and _local_day(m) == _local_day(earliest)]
        return same_day[0] if same_day else earliest
    return earliest
