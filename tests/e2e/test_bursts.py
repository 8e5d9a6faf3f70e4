"""Bursts end to end: many alerts of one entry become one running summary message.

A local feed of distinct articles that all name KM Havacılık, the real CLI and worker,
the fake Bot API enforcing Telegram's limits. What staff see is each message's last
text (sends and edits replayed in order): every story must be in it exactly once.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import time
from collections import Counter

from tests.e2e.conftest import CHAT, recent, rss, run_cli, write_config
from tests.e2e.test_worker import start_worker, wait_for

BURSTS = "{more_than: 5, within: 10m}"
WORDS = ("fabrika yatırım ihracat üretim sipariş kredi istihdam tesis teslimat proje "
         "sözleşme ortaklık kapasite laboratuvar kalite sertifika motor parça gövde kanat "
         "mühendis eğitim tedarik lojistik depo hat makine yazılım test uçuş rota bakım "
         "onarım hangar pist panel fuar ziyaret toplantı heyet kurul meclis bütçe vergi "
         "teşvik bölge şehir ilçe mahalle liman demiryolu enerji güneş rüzgar su").split()


def article(i: int, title: str, also: str = "") -> str:
    """A page of its own text (no two are copies of one story) that names the entry."""
    rng = random.Random(i)
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(45)) + "." for _ in range(3)]
    paragraphs[1] = f"KM Havacılık yetkilileri {also} {paragraphs[1]}"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{body}</article></body></html>")


def burst_feed(server, numbers: range, also: str = "") -> str:
    """(Re)serve the feed of pages p<i>.html for these numbers; returns its URL."""
    items = []
    for i in numbers:
        title = f"KM Havacılık gelişmesi {i}: {WORDS[i % len(WORDS)]} haberi"
        server.add(f"/burst/p{i}.html", article(i, title, also))
        items.append((title, f"{server.url}/burst/p{i}.html", recent(2 - i / 100)))  # p62 newest
    return server.add("/burst.xml", rss(items), content_type="application/rss+xml")


def shown(bot) -> dict[int, str]:
    """Each message's text as staff see it now."""
    texts: dict[int, str] = {}
    for message in bot.messages:
        texts[message.message_id] = message.text
    return texts


def stories_seen(bot) -> Counter[int]:
    return Counter(int(n) for text in shown(bot).values()
                   for n in re.findall(r'/burst/p(\d+)\.html"', text))


def linked(text: str) -> list[int]:
    return [int(n) for n in re.findall(r'/burst/p(\d+)\.html"', text)]


def more(text: str) -> int:
    found = re.search(r"\+ (\d+) (?:haber daha|more)$", text)
    return int(found.group(1)) if found else 0


def rows_in_summary(tmp_path) -> tuple[int, int]:
    """Outbox rows inside the burst, and how many of them are still unsent."""
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        counts = db.execute("SELECT count(*), count(*) - count(sent_at) FROM outbox"
                            " WHERE burst_id IS NOT NULL").fetchone()
        return counts[0], counts[1]


def by_method(bot, method: str) -> list:
    return [m for m in bot.messages if m.method == method]


def summary(bot) -> str:
    (edited,) = {m.message_id for m in by_method(bot, "editMessageText")}
    return shown(bot)[edited]


def test_sixty_stories_make_one_summary_then_a_second_run_edits_it(tmp_path, feed_server, bot):
    config = write_config(tmp_path, [burst_feed(feed_server, range(60))], bursts=BURSTS)
    first = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert first.returncode == 0, first.stderr
    sends, edits = by_method(bot, "sendMessage"), by_method(bot, "editMessageText")
    print(f"60 stories: {len(sends)} sendMessage, {len(edits)} editMessageText")
    assert len(sends) == 1  # one alert went out, then became the summary of all 60
    assert len(edits) == 1  # the 59 stories that joined at once went out in one edit
    text = summary(bot)
    assert text.startswith("📣 <b>KM Havacılık</b>: 60 haber\n")
    assert rows_in_summary(tmp_path) == (60, 0)  # every story's row, all sent
    seen = stories_seen(bot)  # linked once each; the oldest on the "+ N more" line
    assert set(seen.values()) == {1} and len(seen) + more(text) == 60
    hidden = set(range(60)) - set(seen)
    assert more(text) > 0 and max(hidden) < min(linked(text))
    assert not [t for t in shown(bot).values() if t.startswith("🔔")]  # no single left
    assert bot.violations == []

    burst_feed(feed_server, range(63))  # three more stories within the burst's window
    second = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert second.returncode == 0, second.stderr
    assert len(by_method(bot, "sendMessage")) == 1  # no new message
    assert len(by_method(bot, "editMessageText")) == 2
    text = summary(bot)
    assert text.startswith("📣 <b>KM Havacılık</b>: 63 haber\n")
    assert rows_in_summary(tmp_path) == (63, 0)
    assert linked(text)[:3] == [62, 61, 60]  # newest first
    seen = stories_seen(bot)
    assert set(seen.values()) == {1} and len(seen) + more(text) == 63


def test_below_the_threshold_alerts_stay_single(tmp_path, feed_server, bot):
    config = write_config(tmp_path, [burst_feed(feed_server, range(5))], bursts=BURSTS)
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert len(by_method(bot, "sendMessage")) == 5
    assert by_method(bot, "editMessageText") == []
    assert stories_seen(bot) == Counter(range(5))
    assert all(text.startswith("🔔") for text in shown(bot).values())


def test_english_summary_and_a_failed_edit_is_retried(tmp_path, feed_server, bot):
    bot.fail_next(1, status=502, methods=("editMessageText",))
    config = write_config(tmp_path, [burst_feed(feed_server, range(8))],
                          bursts="{more_than: 2, within: 5m}", language="en")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert len(by_method(bot, "sendMessage")) == 1
    assert "📣 <b>KM Havacılık</b>: 8 stories\nMany stories at once" in summary(bot)
    assert stories_seen(bot) == Counter(range(8))
    edits = [r for r in bot.requests if r.method == "editMessageText"]
    assert [r.status for r in edits] == [502, 200] and edits[1].time - edits[0].time >= 4.5
    assert "burst_failed" in result.stderr and rows_in_summary(tmp_path) == (8, 0)


def test_sigkill_between_summary_edit_and_mark_never_makes_a_second_summary(
        tmp_path, feed_server, bot):
    bot.hang_after_accept_next(1, seconds=30, methods=("editMessageText",))
    config = write_config(tmp_path, [burst_feed(feed_server, range(30))], bursts=BURSTS)
    worker = start_worker(config, bot, chat=CHAT)
    try:
        wait_for(lambda: by_method(bot, "editMessageText"), timeout=60)
        time.sleep(0.5)  # Telegram shows the summary; the worker waits for the answer
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    sends = by_method(bot, "sendMessage")
    assert len(sends) == 1  # nothing sent twice, no second summary
    assert len({m.message_id for m in by_method(bot, "editMessageText")}) == 1
    text = summary(bot)
    assert set(stories_seen(bot).values()) == {1}
    assert len(stories_seen(bot)) + more(text) == 30 and rows_in_summary(tmp_path)[1] == 0
    again = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert again.returncode == 0
    assert len(by_method(bot, "sendMessage")) == 1 and summary(bot) == text


def test_a_story_of_two_entries_joins_the_first_entry_summary_naming_the_other(
        tmp_path, feed_server, bot):
    url = burst_feed(feed_server, range(6), also="ve TUSAŞ yöneticileri")
    config = write_config(tmp_path, [url], bursts="{more_than: 2, within: 10m}")
    result = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert result.returncode == 0, result.stderr
    assert len(by_method(bot, "sendMessage")) == 1
    assert not [t for t in shown(bot).values() if t.startswith("🔔")]
    head, _, *lines = summary(bot).splitlines()
    names = {"KM Havacılık", "TUSAŞ"}
    (entry,) = [name for name in names if head == f"📣 <b>{name}</b>: 6 haber"]
    (other,) = names - {entry}
    assert len(lines) == 6 and all(line.endswith(f"(ayrıca: {other})") for line in lines)
    assert stories_seen(bot) == Counter(range(6))
