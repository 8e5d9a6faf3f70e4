"""What `monitor extract` prints: the monitor's reading of one article page, a file or a URL.

A URL is fetched as the worker fetches article pages (`Fetcher.get_page`, the
config's timeout). The URL given is its own origin, so a page on this machine or
the office network can be read; a redirect to another origin on a non-public
address is refused unless `allow_private_networks` is set. What cannot be read
(a missing file, a folder, a refused fetch) is an InputError; a page read but
holding no article raises ExtractError.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from monitor.config.settings import Settings
from monitor.errors import FetchError, InputError
from monitor.models import Article
from monitor.sources.client import fetcher_for
from monitor.sources.extract import extract_article
from monitor.sources.urls import is_http_url


def _is_url(source: str) -> bool:
    return "://" in source


def check_source(source: str) -> None:
    """Refuse, before any work, a source that is neither an http(s) URL nor a readable file."""
    if _is_url(source):
        if not is_http_url(source):
            raise InputError(source, "not an http(s) URL")
    elif not os.path.exists(source):
        raise InputError(source, "no such file")
    elif os.path.isdir(source):
        raise InputError(source, "is a folder, not a file")


async def _fetch(url: str, settings: Settings) -> tuple[bytes, str, str | None]:
    async with fetcher_for(settings) as fetcher:
        try:
            page = await fetcher.get_page(url, feed_url=url)
        except FetchError as exc:
            raise InputError(url, f"cannot fetch it: {exc}") from None
    return page.body, page.url, page.headers.get("content-type")


def read_article(source: str, settings: Callable[[], Settings]) -> Article:
    """Read and extract one page; `settings` is called only for a URL."""
    check_source(source)
    if _is_url(source):
        body, url, content_type = asyncio.run(_fetch(source, settings()))
        return extract_article(body, url=url, content_type=content_type)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot read it: {exc.strerror or exc}") from None
    return extract_article(data, url=Path(source).resolve().as_uri())


def _body(article: Article) -> str:
    """Article.text without the lead it starts with."""
    if article.lead and article.text.startswith(article.lead):
        return article.text[len(article.lead):].lstrip("\n")
    return article.text


def extract_json(article: Article) -> dict[str, str | None]:
    """The keys of `monitor extract --json`; `text` is the body without the lead."""
    return {
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "author": article.author,
        "lead": article.lead,
        "text": _body(article),
    }


def extract_lines(article: Article) -> list[str]:
    """Headline, publication time, author and lead, a blank line, then the body."""
    published = article.published.isoformat() if article.published else "-"
    return [
        f"headline:  {article.title or '-'}",
        f"published: {published}",
        f"author:    {article.author or '-'}",
        f"lead:      {article.lead or '-'}",
        "",
        _body(article),
    ]
