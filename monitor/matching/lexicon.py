"""Common Turkish words, from wordfreq's word lists (pure; loaded once per process).

A word that is common in Turkish ("bakan", "alan", "belgesi", "bulundu") is a
word in its own right when it appears one letter away from a watched name
("Başkan", "Aslan", "Bölgesi", "Buluntu"), not a typo of it.
"""

from __future__ import annotations

from functools import cache

from monitor.matching.text import normalize

COMMON_WORDS = 30_000  # every word used about three times per million words or more


@cache
def common_words() -> frozenset[str]:
    """The most frequent Turkish words, in scan form (see `monitor.matching.text`)."""
    from wordfreq import top_n_list  # here: 0.13 s to import, and only matching needs it

    words = top_n_list("tr", COMMON_WORDS)
    # one normalisation of all the words at once (a word list has no multi-word entries)
    return frozenset(normalize(" ".join(words)).scan.split())
