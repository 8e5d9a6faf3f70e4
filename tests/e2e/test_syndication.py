"""One alert per story: copies of a press release edit the first alert instead of a new one."""

from __future__ import annotations

from email.utils import format_datetime

from tests.e2e.conftest import recent, rss, run_cli, write_config

RELEASE = [
    "TUSAŞ'ın tedarikçi geliştirme programı kapsamında Kahramanmaraş'tan 14 firma ilk "
    "değerlendirme turunu geçti.",
    "Kahramanmaraş Ticaret ve Sanayi Odası'nda düzenlenen toplantıda firmalara 2027 yılı için "
    "3 milyon 200 bin liralık kalite altyapısı desteği verileceği açıklandı.",
    "Programa katılan firmalar, talaşlı imalat, kompozit parça ve yüzey işlem alanlarında "
    "üretim yapıyor. Değerlendirme kurulu, firmaların makine parkını ve kalite belgelerini "
    "yerinde inceledi.",
    "Yetkililer, ikinci turun mart ayında yapılacağını ve başvuruların 15 şubata kadar "
    "süreceğini bildirdi.",
]
OTHER_STORY = [
    "TUSAŞ, Kahramanmaraş'taki meslek liselerinden 40 öğrenciye yaz stajı imkânı sunacak.",
    "Öğrenciler, Ankara'daki tesislerde altı hafta boyunca uçak bakım atölyelerinde çalışacak.",
    "Başvurular okul müdürlükleri aracılığıyla nisan ayı sonuna kadar alınacak.",
]


def page(title: str, paragraphs: list[str], outlet: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><meta charset='utf-8'><title>{title} - {outlet}</title></head><body>"
        f"<nav><a href='/'>Anasayfa</a> <a href='/ekonomi'>Ekonomi</a></nav>"
        f"<article><h1>{title}</h1>{body}<p>Kaynak: {outlet}</p></article>"
        f"<footer>© 2026 {outlet}</footer></body></html>"
    )


def test_copies_edit_the_first_alert_and_different_stories_stay_apart(tmp_path, feed_server, bot):
    copies = [
        ("/a.xml", "/a/1.html", "Maraş Ekspres", "TUSAŞ programında 14 Maraş firması", RELEASE),
        (
            "/b.xml",
            "/b/7.html",
            "Elbistan Gündem",
            "Kahramanmaraşlı firmalar TUSAŞ yolunda",
            ["Kahramanmaraş (İHA) - " + RELEASE[0], *RELEASE[1:3]],
        ),
        (
            "/c.xml",
            "/c/3.html",
            "Afşin Haber",
            "14 firma ilk turu geçti",
            [RELEASE[2], RELEASE[0], RELEASE[3]],
        ),
    ]
    feeds = []
    for feed, path, outlet, title, paragraphs in copies:
        feed_server.add(path, page(title, paragraphs, outlet))
        feeds.append(feed_server.add(feed, rss([]), content_type="application/rss+xml"))
    config = write_config(tmp_path, feeds)

    def publish(index: int) -> None:
        feed, path, outlet, title, _ = copies[index]
        items = [(title, feed_server.url + path, recent())]
        feed_server.add(feed, rss(items, outlet), content_type="application/rss+xml")

    publish(0)
    first = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert first.returncode == 0, first.stderr
    assert [m.method for m in bot.messages] == ["sendMessage"]
    original = bot.messages[0]

    publish(1)
    publish(2)
    feed_server.add("/d/9.html", page("TUSAŞ'tan liselilere staj", OTHER_STORY, "Afşin Haber"))
    items = [
        ("14 firma ilk turu geçti", feed_server.url + "/c/3.html", recent()),
        ("TUSAŞ'tan liselilere staj", feed_server.url + "/d/9.html", recent()),
    ]
    feed_server.add("/c.xml", rss(items, "Afşin Haber"), content_type="application/rss+xml")
    second = run_cli(["--config", str(config), "run", "--once"], bot=bot)
    assert second.returncode == 0, second.stderr

    sends = [m for m in bot.messages if m.method == "sendMessage"]
    edits = [m for m in bot.messages if m.method == "editMessageText"]
    assert len(sends) == 2  # the original, and the different (internship) story
    assert "staj" in sends[1].text
    assert edits and all(e.message_id == original.message_id for e in edits)
    final = edits[-1].text
    assert "Aynı haber" in final and "Outlet 2" in final and "Outlet 3" in final  # config names
    assert f'href="{feed_server.url}/b/7.html"' in final
    assert bot.violations == []


def test_an_earlier_published_copy_arriving_later_leads_the_alert_by_one_edit(
        tmp_path, feed_server, bot):
    later = ("/a.xml", "/a/1.html", "TUSAŞ programında 14 Maraş firması", recent(1))
    earlier = ("/b.xml", "/b/7.html", "Kahramanmaraşlı firmalar TUSAŞ yolunda", recent(5))
    feeds = []
    for feed, path, title, _ in (later, earlier):
        feed_server.add(path, page(title, RELEASE, "Ajans"))
        feeds.append(feed_server.add(feed, rss([]), content_type="application/rss+xml"))
    config = write_config(tmp_path, feeds)
    run = ["--config", str(config), "run", "--once"]

    def publish(copy: tuple) -> None:
        feed, path, title, when = copy
        feed_server.add(feed, rss([(title, feed_server.url + path, when)]),
                        content_type="application/rss+xml")

    publish(later)
    assert run_cli(run, bot=bot).returncode == 0
    publish(earlier)
    assert run_cli(run, bot=bot).returncode == 0
    assert run_cli(run, bot=bot).returncode == 0  # nothing left to send or edit

    assert [m.method for m in bot.messages] == ["sendMessage", "editMessageText"]
    sent, edit = bot.messages
    assert edit.message_id == sent.message_id
    assert "TUSAŞ programında" in sent.text.splitlines()[1]
    head, copies = edit.text.splitlines()[1], next(
        ln for ln in edit.text.splitlines() if ln.startswith("🔁"))
    assert f'href="{feed_server.url}/b/7.html"' in head and "TUSAŞ yolunda" in head
    assert f'href="{feed_server.url}/a/1.html"' in copies
    assert bot.violations == []


def test_an_unreadable_page_shows_the_feed_summary_sentence_not_the_headline(
        tmp_path, feed_server, bot):
    feed_server.add("/p/1.html", "gone", status=404)
    summary = ("Kahramanmaraş'ta düzenlenen toplantıda TUSAŞ yetkilileri yerli tedarikçilerle "
               "yeni bir iş birliği protokolü imzaladı.")
    title = "TUSAŞ ile yeni protokol"
    item = (f"<item><title>{title}</title><link>{feed_server.url}/p/1.html</link>"
            f"<guid>{feed_server.url}/p/1.html</guid><pubDate>{format_datetime(recent())}"
            f"</pubDate><description>{summary}</description></item>")
    feed = feed_server.add("/p.xml", rss([]).replace("</channel>", item + "</channel>"),
                           content_type="application/rss+xml")
    assert run_cli(["--config", str(write_config(tmp_path, [feed])), "run", "--once"],
                   bot=bot).returncode == 0
    [alert] = bot.messages
    snippets = [ln for ln in alert.text.splitlines() if ln.startswith("💬")]
    assert len(snippets) == 1 and "yetkilileri yerli tedarikçilerle" in snippets[0]
    assert title not in snippets[0] and "okunamadı" in alert.text
