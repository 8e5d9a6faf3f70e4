"""Fill a demo database with 14 days of invented matches, for the README's digest picture.

.venv/bin/python docs/example_digest.py /tmp/demo.db
MONITOR_DATABASE=/tmp/demo.db .venv/bin/monitor digest --date 2026-11-28 --out docs/digest.png
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

from monitor.models import Article, Entry, FeedSource, Match
from monitor.store.database import Store

ENTRIES = {
    "km-havacilik": "KM Havacılık",
    "mustafa-buluntu": "Mustafa Buluntu",
    "erkenez-osb": "Erkenez OSB",
    "tusas": "TUSAŞ",
}
HEADLINES = {
    "km-havacilik": [
        "KM Havacılık'ın kalite laboratuvarı kuruluyor",
        "KM Havacılık 40 teknisyen alacak",
    ],
    "mustafa-buluntu": ["Başkan Buluntu ihracatçılarla buluştu", "Buluntu'dan yeni yıl mesajı"],
    "erkenez-osb": ["Erkenez OSB'de kreş inşaatı başladı", "Erkenez OSB'ye yeni giriş kavşağı"],
    "tusas": ["TUSAŞ yöneticileri oda meclisine konuk oldu", "TUSAŞ'tan Maraşlı gençlere burs"],
}


def main(path: str) -> None:
    rng = random.Random(3)
    store = Store(f"sqlite:///{path}")
    end = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    store.sync_feeds([FeedSource("https://example.org/rss", "Maraş Ekspres", 300)], end)
    feed = store.claim_due_feeds(end, timedelta(minutes=5), every=True)[0].id
    for day in range(14):
        when = end - timedelta(days=13 - day)
        for n in range(rng.randint(2, 7)):
            entry_id = rng.choice(list(ENTRIES))
            title = rng.choice(HEADLINES[entry_id])
            url = f"https://example.org/haber/{day}-{n}"
            name = ENTRIES[entry_id]
            match = Match(entry_id, name, name, name, 100.0, "title", 0, len(name), title, 0, 0)
            store.record_entry(
                feed,
                Entry(url, url, url, title, "", when),
                when - timedelta(minutes=n * 40),
                article=Article(url, title, title, published=when),
                outlet=rng.choice(["Maraş Ekspres", "Elbistan Gündem", "Anadolu Ajansı"]),
                found=[match],
            )
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])
