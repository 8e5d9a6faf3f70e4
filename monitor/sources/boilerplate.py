"""Lines of an article body that are not the article (pure).

Agency notices (AA's "Haber Akış Sistemi (HAS)" subscription line, the
rights lines of İHA, DHA and ANKA), bylines ("Haber: Ali Veli", "Kaynak:
İHA"), date lines ("Giriş: 12.03.2024 - 14:05 | Güncelleme: ...") and tag
lists ("Etiketler: ...", "Anahtar kelimeler") sit inside the bodies Turkish
outlets serve. Each kind is recognised by its whole line, so a sentence that
merely mentions an agency or a date stays.
"""

from __future__ import annotations

import re

from monitor.sources.headline import fold

_BULLET = re.compile(r"^[-•*·–]\s*")
_AGENCY = r"(?:anadolu ajansı|\baa\b|ihlas haber ajansı|\biha\b|demirören haber ajansı|\bdha\b|anka haber ajansı|\banka\b)"  # noqa: E501
# Phrases of a rights or subscription notice; "kullanılamaz" alone is also a word of news.
_RIGHTS = (
    r"(?:yayın hakları|tüm hakları|hakları saklı|haklar[ıi] .{0,40}aittir|iktibas|"
    r"izinsiz (?:kullanılamaz|yayınlanamaz|alıntı)|kaynak gösteril|abonelik|abonelere sunulan|"
    r"abonelerine (?:servis edil|sunul|geçil))"
)
_NOTICES = (
    re.compile(r"haber akış sistemi|anadolu ajansı web sitesinde|abonelik için lütfen iletişime"),
    re.compile(f"{_AGENCY}.{{0,160}}{_RIGHTS}|{_RIGHTS}.{{0,160}}{_AGENCY}"),
    re.compile(r"tüm hakları saklıdır|all rights reserved|^©|^copyright\b"),
)
MAX_NOTICE_CHARS = 400
_BYLINE_LABELS = (
    r"haber|muhabir|muhabirimiz|editör|editor|yazan|yazar|hazırlayan|derleyen|kaynak|"
    r"foto|fotoğraf|fotoğraflar|görüntü|kamera|video|haber merkezi"
)
_BYLINE_PART = re.compile(rf"^(?:{_BYLINE_LABELS})\s*[:：]\s*(\S.{{0,60}})$")
_BYLINE_SPLIT = re.compile(r"\s+[-|/–]\s+|\s*\|\s*")
_NAME_LABELS = frozenset({"haber", "muhabir", "muhabirimiz", "editör", "editor", "yazan", "yazar",
                          "hazırlayan", "derleyen"})
_DATE_LABELS = frozenset(
    "giriş güncelleme güncellenme güncellendi yayınlanma yayınlandı yayın oluşturulma "
    "eklenme değiştirilme".split()
)
_DATE_WORDS = _DATE_LABELS | frozenset(
    "son tarihi tarih saat saati ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim "
    "kasım aralık pazartesi salı çarşamba perşembe cuma cumartesi pazar".split()
)
MAX_DATE_LINE_CHARS = 120
_TAG_MARKER = re.compile(
    r"^(?:etiketler|anahtar kelimeler|ilgili konular|konular|tags)\b\s*[:：]?\s*"
)
MAX_TAG_WORDS = 6


def _plain(line: str) -> str:
    return fold(_BULLET.sub("", line.strip()))


def is_notice(line: str) -> bool:
    """An agency's subscription or rights notice, or a copyright line."""
    text = _plain(line)
    return len(text) <= MAX_NOTICE_CHARS and any(p.search(text) for p in _NOTICES)


def byline_name(line: str) -> str | None:
    """For "Haber: Ali Veli" (parts may be joined by " - " or " | ") the named author, or ""
    when the line is a byline naming only a source or photographer; None for other lines."""
    parts = [p for p in _BYLINE_SPLIT.split(_BULLET.sub("", line.strip())) if p]
    if not parts:
        return None
    names = []
    for part in parts:
        match = _BYLINE_PART.match(fold(part))
        if match is None or len(match.group(1).split()) > MAX_TAG_WORDS:
            return None
        label = fold(part).split(":")[0].split("：")[0].strip()
        if label in _NAME_LABELS:
            names.append(part.split(":", 1)[-1].split("：", 1)[-1].strip().rstrip("."))
    return names[0] if names else ""


def is_date_line(line: str) -> bool:
    """ "Giriş: 12.03.2024 14:05", "03.04.2025 - Güncelleme : 03.04.2025", a bare timestamp."""
    text = _plain(line)
    if len(text) > MAX_DATE_LINE_CHARS:
        return False
    tokens = re.findall(r"\w+", text)
    digits = sum(1 for t in tokens if t.isdigit())
    if not tokens or any(not t.isdigit() and t not in _DATE_WORDS for t in tokens):
        return False
    labelled = any(t in _DATE_LABELS for t in tokens)
    return (labelled and digits >= 1) or digits >= 3


def _tag_list_end(lines: list[str], start: int) -> int | None:
    """Past the tag list that starts at lines[start], or None when no list starts there."""
    marker = _TAG_MARKER.match(_plain(lines[start]))
    if marker is None:
        return None
    rest = _plain(lines[start])[marker.end():]
    if rest and not marker.group(0).rstrip().endswith((":", "：")) and len(rest.split()) > 1:
        return None  # "Konular arasında ..." is a sentence, not a list
    end = start + 1
    while end < len(lines) and _is_tag(lines[end]):
        end += 1
    return end


def _is_tag(line: str) -> bool:
    text = _plain(line).strip(" -/,")
    return len(text.split()) <= MAX_TAG_WORDS and not text.endswith((".", "!", "?", '"', "”"))


def clean_body(lines: list[str]) -> tuple[list[str], str | None]:
    """The body without notices, bylines, date lines and tag lists; the byline's author."""
    kept: list[str] = []
    author: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        end = _tag_list_end(lines, index)
        if end is not None:
            index = end
            continue
        index += 1
        name = byline_name(line)
        if name is not None:
            author = author or name or None
        elif not (is_notice(line) or is_date_line(line)):
            kept.append(line)
    return kept, author
