"""Head nouns that coordinated Turkish names share (pure).

Turkish names a head noun once for a list of names: "Erkenez ve Aksu OSB'leri"
is "Erkenez OSB" and "Aksu OSB"; "Çukurova ve Sütçü İmam üniversiteleri" names
two universities.  A term that ends with one of `HEADS` (and has words before
it) is also found as one name of such a list (`monitor.matching.coordination`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.matching.text import normalize, scan_key

# head noun -> its plural; None: the plural is a suffix ("OSB'leri", "OSBler")
HEADS: dict[str, str | None] = {
    "OSB": None,
    "O.S.B.": None,
    "Organize Sanayi Bölgesi": "Organize Sanayi Bölgeleri",
    "Sanayi Bölgesi": "Sanayi Bölgeleri",
    "Üniversitesi": "Üniversiteleri",
    "Belediyesi": "Belediyeleri",
    "Valiliği": "Valilikleri",
    "Kaymakamlığı": "Kaymakamlıkları",
    "Ticaret ve Sanayi Odası": "Ticaret ve Sanayi Odaları",
    "Ticaret Odası": "Ticaret Odaları",
    "Sanayi Odası": "Sanayi Odaları",
    "Ticaret Borsası": "Ticaret Borsaları",
    "Havalimanı": "Havalimanları",
    "Limanı": "Limanları",
    "Lisesi": "Liseleri",
    "Hastanesi": "Hastaneleri",
}


@dataclass(frozen=True)
class Head:
    """A head noun in scan form: its words, and its last word's plural (None: a suffix)."""

    words: tuple[str, ...]
    plural: str | None

    @property
    def stem(self) -> str:
        """The start of the head in the singular and the plural ("universite")."""
        first = self.words[0]
        if self.plural is None or len(self.words) > 1:
            return first
        size = 0
        while size < min(len(first), len(self.plural)) and first[size] == self.plural[size]:
            size += 1
        return first[:size]


# longest first, so "Ticaret ve Sanayi Odası" wins over "Sanayi Odası"
_HEADS = sorted(
    (Head(tuple(scan_key(h).split(" ")), scan_key(p).split(" ")[-1] if p else None)
     for h, p in HEADS.items()),
    key=lambda h: -len(h.words),
)
_WORD = re.compile(r"\S+")


def split_head(key: str) -> tuple[str, Head] | None:
    """(the words before the head, the head) of a term's scan form ending with a head noun."""
    words = key.split(" ")
    for head in _HEADS:
        n = len(head.words)
        if len(words) > n and tuple(words[-n:]) == head.words:
            return " ".join(words[:-n]), head
    return None


def tail_text(text: str, words: int) -> str:
    """The original text of the last `words` scan words of `text` ("O.S.B." for 3)."""
    norm = normalize(text)
    spans = [m.span() for m in _WORD.finditer(norm.scan)]
    return norm.text_of(spans[-words][0], spans[-1][1])
