"""Texts for `monitor replay` of the pages the prefilter did not extract (`TextBackfill`).

A page that cannot match the live watchlists is not extracted on the way to an
alert (`monitor.matching.prefilter`), but a watchlist edit may make it match, and
`monitor replay` can only say so from its text. So its bytes wait here (the first
RAW_BYTES as they are, the rest compressed) and are extracted one at a time while
the worker is not busy (no page on its way to an alert is being extracted, no
backlog of due sources is being worked through); the text is stored on the article
it left. At most MAX_WAITING pages wait: beyond that, at a stop, and with the
database away, a page keeps no text (counted in the `texts_skipped` line), as if it
had aged past article_retention.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.errors import ExtractError
from monitor.ops.logs import event
from monitor.pipeline.entries import Extractor
from monitor.store.database import Store
from monitor.store.offloop import DatabaseUnavailable

log = logging.getLogger("monitor.pipeline")

MAX_WAITING = 5000  # pages (about 10 KB each, compressed)
RAW_BYTES = 32_000_000  # waiting pages are compressed only beyond this much (CPU for memory)
IDLE_CHECK_S = 0.5  # how often a busy worker is asked again whether it is idle



@dataclass
class Waiting:
    canonical_url: str
    url: str
    body: bytes
    packed: bool  # zlib-compressed
    content_type: str | None


@dataclass
class TextBackfill:
    store: Store
    extract: Extractor
    busy: Callable[[], bool] = lambda: False  # alerts come first
    skipped: int = 0
    _waiting: deque[Waiting] = field(default_factory=deque, init=False)
    _raw: int = field(default=0, init=False)  # bytes of the pages waiting uncompressed
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def add(self, canonical_url: str | None, url: str, body: bytes,
            content_type: str | None) -> None:
        """A page recorded without its text; extracted later."""
        if not canonical_url:
            return
        if len(self._waiting) >= MAX_WAITING:
            self.skipped += 1
            return
        packed = self._raw + len(body) > RAW_BYTES
        if packed:
            body = zlib.compress(body, 1)
        else:
            self._raw += len(body)
        self._waiting.append(Waiting(canonical_url, url, body, packed, content_type))
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Extract waiting pages whenever the worker is idle, until `stop` is set."""
        while not stop.is_set():
            if not self._waiting:
                self._wake.clear()
                waiters = {asyncio.ensure_future(stop.wait()),
                           asyncio.ensure_future(self._wake.wait())}
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
            elif self.busy():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_CHECK_S)
            else:
                await self._one()
        self._forget_rest()

    async def drain(self) -> None:
        """Extract every waiting page now (`monitor run --once`, before it exits)."""
        while self._waiting:
            await self._one()

    async def _one(self) -> None:
        page = self._waiting.popleft()
        try:
            if not page.packed:
                self._raw -= len(page.body)
            body = zlib.decompress(page.body) if page.packed else page.body
            article = await self.extract(body, page.url,
                                         page.content_type)
            if article.text:
                await self.store.off_loop(self.store.keep_text, page.canonical_url,
                                          article.text)
        except ExtractError:
            pass  # no text to keep (on the way to an alert, its feed summary would stand in)
        except DatabaseUnavailable:
            self.skipped += 1

    def _forget_rest(self) -> None:
        self.skipped += len(self._waiting)
        self._waiting.clear()
        self._raw = 0
        if self.skipped:
            event(log, "texts_skipped", pages=self.skipped)
