"""The headline of a page, by agreement of og:title, <h1> and <title> (pure).

Outlets append their name or a section to og:title and <title>
(" - Turizm Haberleri", " | NTV Haber") while the <h1> usually has the bare
headline, and some <h1>s are the outlet's logo. A trailing " - X" / " | X" /
" – X" is cut when another source has the headline without it, or when X names
the site (og:site_name, the host) or a section ("... Haberleri").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_SEPARATOR = re.compile(r"\s+[-|–—]\s+|\s*\|\s*")
# Last words of a suffix that is a section or the outlet, never the story ("Son Dakika Haberleri").
_SECTION_WORDS = frozenset(
    "haber haberi haberleri haberler habercisi gazete gazetesi manşet news tv "
    "televizyonu ajans ajansı dakika online portal portalı".split()
)
_DOMAIN = re.compile(r"\.(?:com|net|org|tv|tr|info)\b", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower-case with Turkish dotted/dotless i, spaces collapsed."""
    return " ".join(text.replace("İ", "i").replace("I", "ı").lower().split())


def key(text: str) -> str:
    """A comparison key: folded, accents and everything but letters and digits dropped."""
    plain = unicodedata.normalize("NFKD", fold(text).replace("ı", "i"))
    return "".join(ch for ch in plain if ch.isalnum())


def suffix_chain(title: str) -> list[str]:
    """The title, then the title with one, two, ... trailing " - X" parts cut."""
    title = title.strip()
    chain = [title]
    for match in reversed(list(_SEPARATOR.finditer(title))):
        head = title[: match.start()].strip()
        if head and key(head):
            chain.append(head)
    return chain


def _names_site(suffix: str, site_names: Sequence[str]) -> bool:
    """The suffix is the outlet's name, its host, or a section of it."""
    suffix_key = key(suffix)
    if not suffix_key:
        return False
    words = fold(suffix).split()
    for name in site_names:
        name_key = key(name)
        if len(name_key) < 4:  # "aa": only as a word of its own
            if name_key and name_key in {key(word) for word in words}:
                return True
        elif name_key in suffix_key or suffix_key in name_key:
            return True
    return bool(_DOMAIN.search(suffix)) or (bool(words) and words[-1] in _SECTION_WORDS)


def strip_site_suffix(title: str, site_names: Sequence[str]) -> str:
    """Cut trailing parts while they name the site or a section."""
    chain = suffix_chain(title)
    result = chain[0]
    for shorter in chain[1:]:
        if not _names_site(result[len(shorter):].lstrip(" -|–—"), site_names):
            break
        result = shorter
    return result


def choose_headline(
    og_title: str | None, h1s: Sequence[str], title: str | None, site_names: Sequence[str]
) -> str:
    """The headline: og:title (else <title>) cut to what an <h1> or <title> agrees on."""
    primary = og_title or title
    if not primary:
        return h1s[0] if h1s else ""
    h1_keys = {key(text) for text in h1s}
    others = h1_keys | {key(title)} if title and title is not primary else h1_keys
    agreed = [form for form in suffix_chain(primary) if key(form) in others]
    if agreed and key(agreed[-1]) in h1_keys:
        return agreed[-1]  # the shortest form an <h1> shows as it stands
    if agreed:  # <title> agrees, maybe suffix and all
        return strip_site_suffix(agreed[-1], site_names)
    if og_title is None and h1s:  # a <title> no <h1> agrees with: the page's own <h1>
        return h1s[0]
    return strip_site_suffix(primary, site_names)


def host_name(url: str) -> str:
    """The outlet part of a URL's host: www.ntv.com.tr -> ntv."""
    host = re.sub(r"^[a-z]+://", "", url.lower()).split("/", 1)[0].split(":", 1)[0]
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    return labels[0] if labels else ""
