"""TextBackfill: pages the prefilter did not extract get their text later, when the
worker polls nothing, so `monitor replay` can still find what a watchlist edit adds."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from sqlalchemy import select

from monitor.models import Article
from monitor.pipeline import backfill as backfill_module
from monitor.pipeline.backfill import TextBackfill
from monitor.sources.extract import extract_article
from monitor.store.database import Store
from monitor.store.schema import articles
from tests.store.test_store import NOW, entry, one_feed

PAGE = ("<html><head><title>Kayak sezonu</title></head><body><article><h1>Kayak sezonu</h1>"
        + "".join(f"<p>Yedikuyular kayak merkezinde sezonun {n}. gününde pistler hafta sonu "
                  f"dolu; {n * 40} kayakçı teleferikle zirveye çıktı.</p>" for n in range(1, 7))
        + "</article></body></html>").encode()


async def extract(body: bytes, url: str, content_type: str | None) -> Article:
    return await asyncio.to_thread(partial(extract_article, body, url=url,
                                           content_type=content_type))


def recorded_without_text(store: Store, *keys: str) -> list[str]:
    entries = [entry(key) for key in keys]
    store.record_seen_many(one_feed(store), [(e, Article(e.url, "Kayak", ""), "Outlet")
                                             for e in entries], NOW)
    return [e.canonical_url or "" for e in entries]


def texts(store: Store) -> list[str | None]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(articles.c.text).order_by(articles.c.id)).scalars())


def test_a_page_gets_its_text_once_the_worker_is_idle(store: Store) -> None:
    [url] = recorded_without_text(store, "a")
    polling = [True]

    async def main() -> None:
        stop = asyncio.Event()
        backfill = TextBackfill(store, extract, busy=lambda: polling[0])
        task = asyncio.create_task(backfill.run(stop))
        backfill.add(url, url, PAGE, "text/html")
        await asyncio.sleep(1.2)
        assert texts(store) == [None]  # polls run: alerts first
        polling[0] = False
        for _ in range(100):
            await asyncio.sleep(0.1)
            if texts(store) != [None]:
                break
        stop.set()
        await task

    asyncio.run(main())
    [text] = texts(store)
    assert text is not None and "Yedikuyular kayak merkezinde" in text


def test_beyond_the_limit_and_at_a_stop_pages_keep_no_text(store: Store, monkeypatch,
                                                           caplog) -> None:
    monkeypatch.setattr(backfill_module, "MAX_WAITING", 2)
    caplog.set_level(logging.INFO, "monitor.pipeline")
    [url] = recorded_without_text(store, "a")

    async def main() -> int:
        stop = asyncio.Event()
        backfill = TextBackfill(store, extract, busy=lambda: True)
        for _ in range(3):
            backfill.add(url, url, PAGE, "text/html")
        task = asyncio.create_task(backfill.run(stop))
        stop.set()
        await task
        return backfill.skipped

    assert asyncio.run(main()) == 3  # one over the limit, two waiting at the stop
    assert texts(store) == [None]
    assert "texts_skipped pages=3" in caplog.text


def test_drain_extracts_everything_now(store: Store) -> None:
    [url] = recorded_without_text(store, "a")
    backfill = TextBackfill(store, extract, busy=lambda: True)
    backfill.add(url, url, PAGE, "text/html")
    backfill.add(None, "https://x.example/none", PAGE, "text/html")  # no key: not kept
    asyncio.run(backfill.drain())
    [text] = texts(store)
    assert text is not None and "pistler hafta sonu" in text


def test_pages_beyond_the_raw_budget_wait_compressed(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(backfill_module, "RAW_BYTES", len(PAGE) + 10)
    first, second = recorded_without_text(store, "a", "b")
    backfill = TextBackfill(store, extract, busy=lambda: True)
    backfill.add(first, first, PAGE, "text/html")
    backfill.add(second, second, PAGE, "text/html")  # over the budget: compressed
    assert [w.packed for w in backfill._waiting] == [False, True]
    assert len(backfill._waiting[1].body) < len(PAGE) // 2
    asyncio.run(backfill.drain())
    assert all(text and "pistler hafta sonu" in text for text in texts(store))
    assert backfill._raw == 0
