"""Typo words: every word one edit from a fuzzy term's long words, as patterns (pure).

See `monitor.matching.index`: a typo word is a pattern of the automaton, so a
correctly spelt text never reaches Python; `Typo` says which targets a typo
word stands for and which anchors must stand next to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from monitor.matching.suffixes import SUFFIXES

ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # the letters a typo puts into a scan form
# a typo word this long also hits with a suffix glued on ("Havaclıkta"); shorter ones
# would hit the start of too many common words ("alan" for "Aslan": "alanında")
SUFFIXED_TYPO_MIN = 7


def edits1(word: str) -> set[str]:
    """Words one edit (OSA: substitution, deletion, insertion, transposition) away from
    `word`; `word` itself excluded."""
    out: set[str] = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        out.update(head + c + tail for c in ALPHABET)
        if tail:
            out.add(head + tail[1:])
            out.update(head + c + tail[1:] for c in ALPHABET)
        if len(tail) > 1:
            out.add(head + tail[1] + tail[0] + tail[2:])
    out.discard(word)
    return out


def typo_words(word: str) -> set[str]:
    """Every word one edit from `word` but its inflected forms ("başkan" -> "başkanı")."""
    return {v for v in edits1(word)
            if not (v.startswith(word) and v[len(word):] in SUFFIXES)}


@dataclass(frozen=True)
class Typo:
    """What a typo word pattern stands for: the targets it is one edit from, and the
    anchors that come before or after one of them in a term."""

    words: frozenset[str]
    before: frozenset[str]
    after: frozenset[str]
    after_sizes: tuple[int, ...]  # the lengths of the `after` anchors


def typo_patterns(before: dict[str, set[str]], after: dict[str, set[str]],
                   suffixable: set[str], known: frozenset[str]) -> dict[str, tuple[Typo]]:
    """The pattern of every typo word of every target, each with its (shared) Typo."""
    typos: dict[str, set[str]] = defaultdict(set)
    for target in before.keys() | after.keys():
        for typo in typo_words(target) - known:
            typos[typo].add(target)
    shared: dict[frozenset[str], tuple[Typo]] = {}
    out = {}
    for typo, targets in typos.items():
        key = frozenset(targets)
        if key not in shared:
            next_anchors = frozenset().union(*(after[w] for w in key))
            shared[key] = (Typo(key, frozenset().union(*(before[w] for w in key)), next_anchors,
                                tuple(sorted({len(a) for a in next_anchors}))),)
        # a typo at the very end and then a suffix is too rare to pay for the hits on every
        # "bölgesi-ndeki" (a prefix of the target) or "sanayi-ci" (the target and more)
        glued = len(typo) >= SUFFIXED_TYPO_MIN and not key.isdisjoint(suffixable) and not any(
            w.startswith(typo) or typo.startswith(w) for w in key)
        out[f" {typo}" if glued else f" {typo} "] = shared[key]
    return out
