"""A config of outlet homepages and generated searches against a local web of outlets.

Every labelled story is alerted once, linking to the outlet's own article (never to a
search engine); a search copy and the outlet's own copy are one alert; a feed that
breaks is replaced by the outlet's sitemap; a silent source is reported once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import run_cli
from tests.paths import ROOT
from tests.servers.fakebot import FakeBotAPI
from tests.servers.outletweb import Outlet, OutletWeb, Story

ADMIN = "-1009999999999"
# words of the second paragraph, shuffled per story: different stories share no sentence
WORDS = ("kent sanayici oda temsilci kamu kurum yönetici toplantı bölge yatırım ortam istihdam "
         "ihracat hedef ayrıntı görüşme proje destek üretim tesis kapasite ilçe vali belediye "
         "meclis gündem rapor plan bütçe sektör firma ürün pazar teknoloji eğitim genç").split()
QUIET = ("Belediye ekipleri mahalle yollarında asfalt yenileme çalışması başlattı.\n\n"
         "Çalışmaların hafta sonuna kadar sürmesi bekleniyor; sürücüler uyarıldı.")


def story(outlet: Outlet, slug: str, title: str, lead: str, hours_ago: float = 1.0) -> Story:
    words = random.Random(slug).sample(WORDS, 24)
    filler = " ".join(words[:12]).capitalize() + ". " + " ".join(words[12:]).capitalize() + "."
    return outlet.publish(slug, title, f"{lead}\n\n{filler}", hours_ago=hours_ago)


@pytest.fixture
def web() -> Iterator[OutletWeb]:
    with OutletWeb() as outlets:
        yield outlets


def config(tmp_path: Path, web: OutletWeb, homes: list[str], **extra: str) -> Path:
    lines = [f"database: {tmp_path / 'monitor.db'}", f"watchlists: {ROOT / 'watchlists'}",
             "allow_private_networks: true",  # the outlets of this web are all on 127.0.0.1
             *(f"{key}: {value}" for key, value in extra.items()), "feeds:",
             *(f"  - url: {home}\n    kind: site" for home in homes)]
    path = tmp_path / "monitor.yaml"
    path.write_text("\n".join(lines) + "\n" + web.engines_yaml(), encoding="utf-8")
    return path


def links(bot: FakeBotAPI) -> list[str]:
    return [url for text in bot.texts for url in re.findall(r'<a href="([^"]+)"', text)]


def alerts(bot: FakeBotAPI) -> list[str]:
    return [text for text in bot.texts if text.startswith("🔔")]


def test_homepages_and_searches_catch_every_story_once(tmp_path: Path, web: OutletWeb,
                                                       bot: FakeBotAPI) -> None:
    wp, robots = web.outlet("Maraş Ekspres", "wordpress"), web.outlet("Güney Haber", "robots")
    index, fragile = web.outlet("Afşin Postası", "index"), web.outlet("Aksu Gündem", "fragile")
    hidden, plain = web.outlet("Ilıca Haber", "hidden"), web.outlet("Türkoğlu Haber", "sitemap")
    elbistan, pazarcik = web.outlet("Elbistan Haber", "sitemap"), web.outlet("Pazarcık", "bare")
    labelled = [
        story(wp, "km-ankara", "KM Havacılık Ankara'da temaslarda bulundu",
              "KM Havacılık yöneticileri Ankara'da bakanlık yetkilileriyle görüştü."),
        story(robots, "erkenez-fabrika", "Erkenez OSB'de yeni fabrikanın temeli atıldı",
              "Erkenez OSB'de tekstil fabrikasının temeli törenle atıldı."),
        story(index, "buluntu-ihracat", "KMTSO Başkanı Mustafa Buluntu ihracatı değerlendirdi",
              "KMTSO Yönetim Kurulu Başkanı Mustafa Buluntu kasım ayı ihracatını açıkladı."),
        story(fragile, "tusas-heyet", "TUSAŞ heyeti Kahramanmaraş'ta sanayicilerle buluştu",
              "TUSAŞ heyeti kentteki tedarikçi firmaları ziyaret etti."),
        story(hidden, "km-etap", "KM Havacılık yatırımında ikinci etap başladı",
              "KM Havacılık tesisinde ikinci etabın inşaatı başladı."),
        story(plain, "km-tanitim", "Türkoğlu'nda KM Havacılık tanıtım günü",
              "KM Havacılık Türkoğlu'nda gençlere yönelik tanıtım günü düzenledi."),
        story(elbistan, "tusas-muhendis", "TUSAŞ Elbistan'da mühendis adaylarıyla buluştu",
              "TUSAŞ insan kaynakları ekibi Elbistan'da mühendis adaylarıyla görüştü."),
        story(pazarcik, "erkenez-toplanti", "Erkenez OSB yönetimi Pazarcık'ta toplandı",
              "Erkenez OSB yönetim kurulu Pazarcık'ta sanayicilerle bir araya geldi."),
    ]
    for outlet in (wp, robots, index, fragile, hidden, plain):
        outlet.publish("asfalt", "Mahallede asfalt çalışması", QUIET, hours_ago=2)
    web.google.index(wp.name, wp.home, labelled[0])  # also in the outlet's own feed
    web.google.index(robots.name, robots.home, labelled[1])  # also in its news sitemap
    web.google.index(elbistan.name, elbistan.home, labelled[6])  # only through the search
    web.bing.index(index.name, index.home, labelled[2])  # also in the sitemap index
    web.bing.index(pazarcik.name, pazarcik.home, labelled[7])  # only through the search
    path = config(tmp_path, web, [o.home for o in (wp, robots, index, fragile, hidden, plain)])
    assert run_cli(["--config", str(path), "check"]).returncode == 0

    done = run_cli(["--config", str(path), "run", "--once"], bot=bot)
    assert done.returncode == 0, done.stderr[-3000:]
    found = links(bot)
    for item in labelled:
        assert found.count(item.url) == 1, (item.url, found)
    assert len(alerts(bot)) == len(labelled)
    engines = (web.google.server.url, web.bing.server.url)
    assert not [url for url in found if url.startswith(engines)]

    # the fragile outlet's feed breaks; its news sitemap goes on carrying new stories
    fragile.break_feed()
    later = story(fragile, "erkenez-tedarik", "Erkenez OSB'ye havacılık tedarikçisi geliyor",
                  "Erkenez OSB'de havacılık parçaları üretecek bir tesis kurulacak.")
    for _ in range(4):
        assert run_cli(["--config", str(path), "run", "--once"], bot=bot).returncode == 0
    assert links(bot).count(later.url) == 1
    assert len(alerts(bot)) == len(labelled) + 1


def test_a_search_item_without_a_publisher_copy_says_so(tmp_path: Path, web: OutletWeb,
                                                       bot: FakeBotAPI) -> None:
    goksun = web.outlet("Göksun Haber", "bare")  # no feed, no sitemap: nothing to match in
    lone = story(goksun, "buluntu-esnaf", "Mustafa Buluntu Göksun'da esnafla buluştu",
                 "KMTSO Başkanı Mustafa Buluntu esnaf ziyaretinde bulundu.")
    web.google.index(goksun.name, goksun.home, lone)
    wp = web.outlet("Maraş Ekspres", "wordpress")
    path = config(tmp_path, web, [wp.home])
    assert run_cli(["--config", str(path), "run", "--once"], bot=bot).returncode == 0
    [alert] = alerts(bot)
    assert "Göksun Haber" in alert and "okunamadı" in alert
    assert goksun.server.requests_for("/haber/buluntu-esnaf") == []


def test_a_source_gone_silent_is_reported_once(tmp_path: Path, web: OutletWeb,
                                               bot: FakeBotAPI) -> None:
    quiet = web.outlet("Sessiz Haber", "wordpress")
    for hour in range(4):  # an hourly publisher whose last story is 30 hours old
        quiet.publish(f"yol-{hour}", f"Yol çalışması {hour}", QUIET, hours_ago=30 + hour)
    path = tmp_path / "monitor.yaml"
    path.write_text(f"database: {tmp_path / 'monitor.db'}\nwatchlists: {ROOT / 'watchlists'}\n"
                    f"feeds:\n  - url: {quiet.home}\n    kind: site\n", encoding="utf-8")
    for _ in range(3):
        done = run_cli(["--config", str(path), "run", "--once"], bot=bot,
                       TELEGRAM_ADMIN_CHAT_ID=ADMIN)
        assert done.returncode == 0, done.stderr[-2000:]
    notices = [m for m in bot.messages if str(m.chat_id) == ADMIN and "sessiz" in m.text]
    assert len(notices) == 1
    feeds = run_cli(["--config", str(path), "feeds"])
    assert "SILENT since" in feeds.stdout
