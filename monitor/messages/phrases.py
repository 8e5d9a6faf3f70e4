"""What the bot's replies say, in Turkish (the default) and English."""

from __future__ import annotations

REPLIES: dict[str, dict[str, str]] = {
    "tr": {
        "son_title": "🕘 <b>Son eşleşmeler</b>",
        "son_empty": "Henüz eşleşme yok.",
        "day_empty": "📅 Bugün ({day}) henüz eşleşme yok.",
        "status_title": "📊 <b>Durum</b>",
        "feeds": "Kaynaklar: {ok} çalışıyor · {failing} hatalı · {disabled} devre dışı",
        "failing": "Hatalı kaynaklar:",
        "silent": "Sessiz kaynaklar (olağan aralığından çok uzun süredir yeni haber yok):",
        "last_new": "son yeni haber {when}",
        "since": "{when} tarihinden beri",
        "last_poll": "Son tarama: {when} ({ago} önce)",
        "never_polled": "Son tarama: henüz yok",
        "outbox": "Gönderim kuyruğu: {pending} bekliyor",
        "oldest": "en eskisi {ago} önce",
        "outbox_error": "Son gönderim hatası: {error}",
        "workers": "Çalışan süreçler: {n}",
        "no_workers": "Çalışan süreçler: son {within} sn içinde sinyal veren yok",
        "worker": "son sinyal {age} sn önce",
        "search_title": "🔎 <b>{query}</b>: son {n} sonuç",
        "search_empty": "🔎 <b>{query}</b> için eşleşme bulunamadı.",
        "search_usage": "Kullanım: /ara &lt;kelime&gt; (örnek: /ara tusaş)",
        "more": "… ve {n} tane daha",
        "more_cut": "… {n} tane daha sığmadı",
        "copies": "🔁 +{n} kaynak",
        "untitled": "(başlıksız)",
        "feedback": "Geri bildirim (7 gün): {relevant} ilgili · {irrelevant} ilgisiz",
        "fb_relevant": "✅ İlgili",
        "fb_irrelevant": "❌ İlgisiz",
        "fb_saved": "Kaydedildi, teşekkürler.",
        "fb_too_old": "Bu uyarı çok eski; geri bildirim kaydedilmedi.",
        "fb_invalid": "Bu düğme kullanılamıyor.",
        "help": (
            "<b>Komutlar</b>\n"
            "/son: son 10 eşleşme\n"
            "/bugun: bugünün haberleri, takip edilenlere göre\n"
            "/durum: kaynakların ve gönderimin durumu\n"
            "/ara &lt;kelime&gt;: geçmiş eşleşmelerde ara\n"
            "/yardim: bu liste"
        ),
    },
    "en": {
        "son_title": "🕘 <b>Latest matches</b>",
        "son_empty": "No matches yet.",
        "day_empty": "📅 No matches today ({day}) yet.",
        "status_title": "📊 <b>Status</b>",
        "feeds": "Feeds: {ok} OK · {failing} failing · {disabled} disabled",
        "failing": "Failing feeds:",
        "silent": "Silent sources (nothing new for far longer than usual):",
        "last_new": "last new item {when}",
        "since": "since {when}",
        "last_poll": "Last poll: {when} ({ago} ago)",
        "never_polled": "Last poll: none yet",
        "outbox": "Outbox: {pending} pending",
        "oldest": "oldest {ago} ago",
        "outbox_error": "Last delivery error: {error}",
        "workers": "Workers alive: {n}",
        "no_workers": "Workers alive: none reported in the last {within} s",
        "worker": "last heartbeat {age} s ago",
        "search_title": "🔎 <b>{query}</b>: latest {n} results",
        "search_empty": "🔎 No matches found for <b>{query}</b>.",
        "search_usage": "Usage: /ara &lt;word&gt; (e.g. /ara tusaş)",
        "more": "… and {n} more",
        "more_cut": "… {n} more did not fit",
        "copies": "🔁 +{n} outlets",
        "untitled": "(untitled)",
        "feedback": "Feedback (7 days): {relevant} relevant · {irrelevant} not relevant",
        "fb_relevant": "✅ Relevant",
        "fb_irrelevant": "❌ Not relevant",
        "fb_saved": "Saved, thank you.",
        "fb_too_old": "This alert is too old; no feedback was stored.",
        "fb_invalid": "This button cannot be used.",
        "help": (
            "<b>Commands</b>\n"
            "/son: the latest 10 matches\n"
            "/bugun: today's stories, by watched entry\n"
            "/durum: feeds and delivery status\n"
            "/ara &lt;word&gt;: search past matches\n"
            "/yardim: this list"
        ),
    },
}


def reply_words(lang: str) -> dict[str, str]:
    """The reply texts of a language (Turkish when it is not known)."""
    return REPLIES.get(lang, REPLIES["tr"])


# the words of a worker's holds line ("12 feeds, 0 alerts, commands"), as /durum says them
HOLDS_WORDS = {"tr": {"feeds": "kaynak", "alerts": "uyarı", "commands": "komutlar"}}

# day, hour, minute, second: how long ago ("3 sa 5 dk")
AGO_UNITS = {"tr": ("gün", "sa", "dk", "sn"), "en": ("d", "h", "min", "s")}
