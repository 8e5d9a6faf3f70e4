"""Turkish inflectional suffix chains, in scan form (ASCII-folded, lower case).

A watchlist name may carry a case or possessive ending glued on without an
apostrophe ("TUSAŞın", "Havacılıkta", "OSBnin").  Only a continuation that is
a known chain of nominal suffixes counts, so "Bulutoğlu" is not "Bulut" and a
name never matches inside an unrelated longer word.
"""

from __future__ import annotations

from itertools import product

_PLURAL = ("", "lar", "ler")
_POSSESSIVE = (
    "", "i", "u", "si", "su", "im", "um", "in", "un", "imiz", "umuz", "iniz", "unuz",
    "lari", "leri",
)
_CASE = (
    "", "i", "u", "yi", "yu", "ni", "nu", "a", "e", "ya", "ye", "na", "ne",
    "da", "de", "ta", "te", "nda", "nde", "dan", "den", "tan", "ten", "ndan", "nden",
    "in", "un", "nin", "nun", "yin", "yun", "la", "le", "yla", "yle", "ca", "ce", "nca", "nce",
)
_KI = ("", "ki", "kiler", "kini", "kinin", "kine", "kinde", "kinden", "kileri", "kilerin",
       "kilere", "kilerde", "kilerden")
_DERIVED = ("li", "lu", "lilar", "liler", "lilara", "lilere", "lilari", "lileri",
            "lilarin", "lilerin", "lilarla", "lilerle")
_COPULA = ("", "dir", "dur", "tir", "tur")
_LOCATIVE_OR_GENITIVE = ("da", "de", "ta", "te", "nda", "nde", "in", "un", "nin", "nun")


def _chains() -> frozenset[str]:
    out: set[str] = set()
    for plural, poss, case in product(_PLURAL, _POSSESSIVE, _CASE):
        base = plural + poss + case
        for copula in _COPULA:
            out.add(base + copula)
        if case in _LOCATIVE_OR_GENITIVE:
            out.update(base + ki for ki in _KI)
    out.update(_DERIVED)
    out.discard("")
    return frozenset(out)


SUFFIXES: frozenset[str] = _chains()
VOWELS = frozenset("aeiou")
# final consonant -> its softened form before a vowel ending (Havacılık -> Havacılığı)
SOFTENING = {"k": "g", "p": "b", "t": "d"}


def is_suffix(continuation: str) -> bool:
    """True when `continuation` (scan form) is a known chain of inflectional suffixes."""
    return continuation in SUFFIXES


def softened(key: str) -> str | None:
    """The scan-form stem with its final consonant softened, if Turkish would soften it."""
    last_word = key.rsplit(" ", 1)[-1]
    if len(last_word) < 4 or key[-1] not in SOFTENING:
        return None
    return key[:-1] + SOFTENING[key[-1]]
