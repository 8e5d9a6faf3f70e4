"""Capitals as the watchlist writes them: where a term must be capitalised in the text (pure).

A `capitalised` phrase of an entry ("Buluntu", "TAI", "Türk Havacılık ve Uzay
Sanayii") marks, in every term that contains it word for word, each letter it
writes as a capital: that letter must be a capital in the text too (ALL CAPS is
fine; a word it writes in lower case, such as "ve", is free).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.matching.text import normalize

_WORD = re.compile(r"\S+")
Caps = tuple[tuple[int, tuple[int, ...]], ...]  # (word index, offsets that must be capitals)


def capital_offsets(phrase: str) -> list[tuple[str, tuple[int, ...]]]:
    """Per scan word of `phrase`: the word and the offsets of its capital letters."""
    norm = normalize(phrase)
    out = []
    for m in _WORD.finditer(norm.scan):
        s, e = m.span()
        out.append((m.group(), tuple(o for o in range(e - s) if norm.char(s + o).isupper())))
    return out


def caps_for(key: str, phrases: Iterable[str]) -> Caps:
    """Where a term's scan form `key` must be written with capitals: wherever one of the
    `phrases` occurs in it word for word, each letter the phrase writes as a capital."""
    words = key.split(" ")
    need: dict[int, set[int]] = {}
    for phrase in phrases:
        marked = capital_offsets(phrase)
        n = len(marked)
        for i in range(len(words) - n + 1):
            if all(words[i + k] == word for k, (word, _) in enumerate(marked)):
                for k, (_, offsets) in enumerate(marked):
                    if offsets:
                        need.setdefault(i + k, set()).update(offsets)
    return tuple((j, tuple(sorted(offs))) for j, offs in sorted(need.items()))
