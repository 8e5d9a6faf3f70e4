"""Spotting copies of one story across outlets (pure).

Regional Turkish press prints the same press release on many sites: a new
headline, an agency dateline ("Kahramanmaraş (İHA) -"), an added intro
sentence, paragraphs trimmed or reordered, a sentence rewritten, the outlet's
boilerplate ("Haber: ... / Kaynak: İHA") at the end.  Two *different* stories
about the same entity share names and sector vocabulary (KMTSO Yönetim Kurulu
Başkanı Mustafa Buluntu, Erkenez OSB, savunma, tedarikçi), but copies share
long runs of the same sentences: quotes, figures, names in the same order.

    fp = fingerprint(article.title, article.text)     # once, stored per article
    same_story(fp, stored_fp)                          # two stored fingerprints
    similarity(fp, stored_fp)                          # 0..100, for logs

`fingerprint` keeps the scan form (monitor.text.normalize: Turkish case and
ASCII folding, punctuation and apostrophes to spaces) of the title and of the
first BODY_CHARS of the body, with datelines and outlet boilerplate removed;
the title and the body are separated by a newline.  `similarity` is mostly the
share of the shorter body's word 5-grams that also occur in the other body
(containment, so a trimmed or reordered copy still scores high; shared entity
names and sector words make few 5-grams), damped for very short bodies, plus a
smaller part for the figures both bodies carry.  A body-less fingerprint (a
feed entry without text) is compared by its title, with a strict threshold.
Headlines are otherwise ignored: copies are retitled more often than not.

The window (how far apart two articles may be published) is the caller's:
compare only with articles of the last DEFAULT_WINDOW.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from rapidfuzz import fuzz

from monitor.matching.text import normalize, turkish_lower

BODY_CHARS = 1200  # of normalised body kept in the fingerprint (reordered paragraphs)
SHINGLE = 5  # words per shingle
MIN_SHINGLES = 40  # containment is divided by at least this many (short bodies)
MIN_BODY_WORDS = 12  # below this a body is ignored and titles decide
NUMBER_WEIGHT = 0.2  # share of the score given to the figures both bodies carry
MIN_NUMBERS = 3  # figure containment is divided by at least this many
THRESHOLD = 40.0  # same story at or above (see tests/test_stories.py for the margin)
TITLE_THRESHOLD = 90.0  # body-less fingerprints: title token-sort ratio
DEFAULT_WINDOW = timedelta(hours=72)  # syndicated copies appear within a few days


@dataclass(frozen=True)
class StoryText:
    """An article's text as extracted."""

    title: str
    body: str


_AGENCY = r"[A-ZÇĞİÖŞÜa-zçğıöşü.\s]{2,20}"
_PLACE = r"[A-ZÇĞİÖŞÜ][\wÂÎÛâîû'’.]*(?:[ \t]*[/,][ \t]*|[ \t]+)?"
# "Kahramanmaraş (İHA) -", "Onikişubat/Kahramanmaraş (DHA) –", "KAHRAMANMARAŞ, (AA) -",
# "Kahramanmaraş / İHA -", "KAHRAMANMARAŞ -", "(İHA) -", "Haber Merkezi -"
_DATELINES = (
    re.compile(rf"\A\s*(?:{_PLACE}){{0,4}}\(\s*{_AGENCY}\)\s*[-–—:]+\s*"),
    re.compile(rf"\A\s*(?:{_PLACE}){{1,4}}/\s*(?:İHA|IHA|DHA|AA|ANKA|İLKHA|HİBYA)\s*[-–—:]+\s*"),
    re.compile(r"\A\s*[A-ZÇĞİÖŞÜ]{3,}(?:[ /,]+[A-ZÇĞİÖŞÜ]{3,}){0,3}\s*[-–—]+\s+"),
    re.compile(r"\A\s*Haber Merkezi\s*[-–—:]+\s*", re.IGNORECASE),
)
# a whole paragraph of outlet boilerplate: "Haber: Ali Veli / Kaynak: İHA", "Editör: ..."
_CREDIT_LINE = re.compile(
    r"^(?:haber|kaynak|editör|editor|muhabir|foto(?:ğraf)?|görüntü|video|yayın tarihi|"
    r"yayınlanma|güncelleme|güncellenme|son güncelleme|okunma|etiketler|haber merkezi)\s*[:|]"
)
_BOILERPLATE = (
    "tüm hakları saklıdır", "google news", "whatsapp kanal", "haberin devamı",
    "izinsiz kullanılamaz", "abone olun", "bizi takip edin", "takip etmek için tıklayın", "©",
)
_BOILERPLATE_MAX = 160  # a longer paragraph is text, whatever it says
_TITLE_PREFIX = re.compile(r"\A\s*(?:son dakika|flaş|güncel)\s*(?:haberi?)?\s*[:!|-]+\s*", re.I)


def _words(text: str) -> str:
    return " ".join(normalize(text).scan.split())


def _strip_dateline(text: str) -> str:
    for pattern in _DATELINES:
        m = pattern.match(text)
        if m:
            return text[m.end() :]
    return text


def _is_boilerplate(paragraph: str) -> bool:
    low = turkish_lower(paragraph.strip())
    if _CREDIT_LINE.match(low):
        return True
    return len(low) <= _BOILERPLATE_MAX and any(p in low for p in _BOILERPLATE)


def clean_title(title: str) -> str:
    """The headline without a site-name tail ("... | Site") or a "Son dakika:" prefix."""
    title = title.split(" | ")[0]
    return _TITLE_PREFIX.sub("", title)


def clean_body(body: str) -> str:
    """The body without an agency dateline and without boilerplate paragraphs."""
    paragraphs = [p.strip() for p in body.splitlines()]
    paragraphs = [p for p in paragraphs if p and not _is_boilerplate(p)]
    if paragraphs:  # the dateline may stand alone on the first line
        paragraphs[0] = _strip_dateline(paragraphs[0])
    return "\n".join(p for p in paragraphs if p)


def fingerprint(title: str, body: str) -> str:
    """A compact normalised text of an article to store and compare (`same_story`)."""
    words = _words(clean_body(body))
    if len(words) > BODY_CHARS:
        cut = words.rfind(" ", 0, BODY_CHARS + 1)
        words = words[: cut if cut > 0 else BODY_CHARS]
    return _words(clean_title(title)) + "\n" + words


@dataclass(frozen=True)
class _Parsed:
    title: str
    grams: frozenset[int]  # hashes of the body's word 5-grams; empty for a body-less one
    numbers: frozenset[str]  # the body's words holding a digit (figures, dates)


@lru_cache(maxsize=8192)
def _parse(fp: str) -> _Parsed:
    title, _, body = fp.partition("\n")
    words = body.split()
    if len(words) < MIN_BODY_WORDS:
        return _Parsed(title, frozenset(), frozenset())
    grams = zip(*(words[i:] for i in range(SHINGLE)), strict=False)
    numbers = frozenset(w for w in words if any(c.isdigit() for c in w))
    return _Parsed(title, frozenset(hash(g) for g in grams), numbers)


def _containment(a: AbstractSet[object], b: AbstractSet[object], floor: int) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / max(len(small), floor)


def similarity(a: str, b: str) -> float:
    """How much of one story's text the other carries, 0..100 (see the module docstring).

    80% is the share of the shorter body's word 5-grams found in the other body
    (damped below MIN_SHINGLES), 20% the same for the figures of the bodies when
    both have some; a body-less fingerprint is compared by its title.
    """
    pa, pb = _parse(a), _parse(b)
    if not pa.grams or not pb.grams:
        return fuzz.token_sort_ratio(pa.title, pb.title) if pa.title and pb.title else 0.0
    text = _containment(pa.grams, pb.grams, MIN_SHINGLES)
    if not pa.numbers or not pb.numbers:
        return 100.0 * text
    figures = _containment(pa.numbers, pb.numbers, MIN_NUMBERS)
    return 100.0 * ((1 - NUMBER_WEIGHT) * text + NUMBER_WEIGHT * figures)


def same_story(a: str, b: str) -> bool:
    """True when two fingerprints are copies of one story."""
    pa, pb = _parse(a), _parse(b)
    limit = THRESHOLD if pa.grams and pb.grams else TITLE_THRESHOLD
    return similarity(a, b) >= limit
