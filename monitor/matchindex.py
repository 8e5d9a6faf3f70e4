"""The matcher's index: every watchlist term in scan form, built once (pure).

One Aho-Corasick automaton holds, each prefixed by a space so it only hits at
a word start: the terms (name, aliases, misspellings), their softened stems,
and the exclusion and context phrases.  A fuzzy (typo) match needs one word of
the term, its *anchor*, written exactly; the anchor proposes a window of
neighbouring words that is then scored with rapidfuzz against the few terms
sharing that anchor at that position.

Anchor words (first names, sector words, place names) are common in news, so
a bare anchor is not a pattern: the automaton holds *gates*, the anchor together
with what its neighbouring word must look like, and most anchor occurrences are
discarded in C.  With a fuzzy neighbour of 5+ letters, one typo leaves either
the side of the neighbour that touches the anchor intact (its first two letters
when it follows the anchor, its last two when it precedes it), or everything
else intact:

  - "anchor ne..." and "...xt anchor": pair patterns in the automaton;
  - the neighbour's far side intact, its near side damaged: the neighbour word
    itself is a pattern family (the intact part plus any one other letter, so
    the correctly spelt word never hits); after the anchor these are matched
    over the reversed scan, before it over the scan.

Those hits only propose anchors; `Matcher._groups` then applies the same
neighbour filter (exact word, first two or last two letters) as always.
A short (non-fuzzy) neighbour must be exact: "anchor next" is the pattern.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from monitor.suffixes import softened
from monitor.text import scan_key
from monitor.watchlists import WatchlistEntry, Watchlists

TERM, WEAK, SOFT, EXCLUDE, CONTEXT, ANCHOR = "term", "weak", "soft", "exclude", "context", "anchor"
# gate roles: an anchor hit that may start a fuzzy window (see the module docstring)
GATE_NEXT, GATE_PREV, NEAR_PREV = "gate-next", "gate-prev", "near-prev"
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"  # the letters of a scan form
GATE_LETTERS = 2  # letters of a fuzzy neighbour that a gate pattern holds (as `neighbour_keys`)
FUZZY_MIN_WORD = 5  # shorter words (and acronyms) must match exactly
# words too common to anchor a fuzzy search on
STOPWORDS = frozenset("ve ile de da bir bu su o icin gibi veya the of and a".split())


def default_threshold(key: str) -> int | None:
    """Fuzzy threshold by length of the term's scan form; None: too short for fuzzy."""
    if len(key) < 10:
        return None
    if len(key) < 15:
        return 90
    return 88 if len(key) < 25 else 85


def max_edits(word: str) -> int:
    """Edits allowed inside one fuzzy word."""
    return 1 if len(word) < 10 else 2


@dataclass(frozen=True)
class Term:
    """One searchable phrase of an entry."""

    entry: int  # index into the watchlist's entries
    text: str  # as written in the watchlist
    key: str  # scan form
    role: str
    caps: tuple[int, ...] = ()  # indexes of words that must be capitalised
    fuzzy_words: tuple[bool, ...] = ()  # per word: may differ by a typo
    threshold: int | None = None


@dataclass(eq=False)
class AnchorGroup:
    """Fuzzy terms that contain one anchor word at the same position and word count."""

    index: int
    size: int
    terms: list[Term] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    cutoff: int = 100


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _make_term(i: int, entry: WatchlistEntry, text: str, role: str) -> Term | None:
    key = scan_key(text)
    if not key:
        return None
    capital_keys = {scan_key(c) for c in entry.capitalised}
    words, raw = key.split(" "), text.split()
    caps = [j for j, w in enumerate(words) if w in capital_keys]
    threshold = None
    fuzzy_words: tuple[bool, ...] = ()
    if role == TERM and entry.fuzzy and len(words) >= 2 and text not in entry.misspellings:
        acronyms = {scan_key(w) for w in raw if _is_acronym(w)}
        fuzzy_words = tuple(len(w) >= FUZZY_MIN_WORD and w not in acronyms for w in words)
        threshold = entry.threshold or default_threshold(key)
        if not any(fuzzy_words):
            threshold = None
    return Term(i, text, key, role, tuple(caps), fuzzy_words, threshold)


def neighbour_keys(word: str, fuzzy: bool) -> tuple[str, ...]:
    """Keys a neighbouring word is filed under: itself; for a fuzzy word also its
    first two and last two letters (one typo in a word of 5+ letters leaves one intact)."""
    return (word, "<" + word[:2], ">" + word[-2:]) if fuzzy else (word,)


def edits1(word: str, positions: range) -> set[str]:
    """Words one edit (OSA: substitution, deletion, insertion, transposition) away from
    `word`, the edit at one of `positions`; `word` itself excluded."""
    out = set()
    for i in positions:
        head, tail = word[:i], word[i:]
        out.update(head + c + tail for c in ALPHABET)
        if tail:
            out.add(head + tail[1:])
            out.update(head + c + tail[1:] for c in ALPHABET)
        if len(tail) > 1:
            out.add(head + tail[1] + tail[0] + tail[2:])
    out.discard(word)
    return out


def damaged_start(word: str) -> list[str]:
    """Patterns over the *reversed* scan: `word` with one typo among its first GATE_LETTERS
    letters, as a whole word (the rest is caught by the gate "anchor wor")."""
    n = GATE_LETTERS
    return [f" {v[::-1]} " for v in sorted(edits1(word, range(n + 1))) if v[:n] != word[:n]]


def damaged_end(word: str) -> list[str]:
    """Patterns over the scan: `word` with one typo among its last GATE_LETTERS letters,
    as a whole word; the mirror image of `damaged_start`."""
    n = GATE_LETTERS
    edits = edits1(word, range(max(0, len(word) - n - 1), len(word) + 1))
    return [f" {v} " for v in sorted(edits) if v[-n:] != word[-n:]]


@dataclass
class Index:
    automaton: ahocorasick.Automaton
    # (anchor word, +1 next / -1 previous, a neighbour key) -> anchor groups whose
    # term may have the text's neighbouring word there (verified later)
    neighbours: dict[tuple[str, int, str], list[AnchorGroup]]
    terms: list[Term]
    # over the reversed scan: next-neighbour words with a damaged start (see above)
    reverse: ahocorasick.Automaton | None = None
    next_anchors: frozenset[str] = frozenset()  # anchors gated on the word after them
    prev_anchors: frozenset[str] = frozenset()  # anchors gated on the word before them


def _gates(fuzzy_terms: list[tuple[Term, int]]) -> set[tuple[str, int, str, bool]]:
    """(anchor, +1/-1, neighbour, neighbour is fuzzy) per anchor of a fuzzy term.

    A fuzzy match needs every word of the term near the text's, so an anchor may be
    gated on either neighbour: the one in the fewest terms, so that a common phrase
    ("Organize Sanayi Bölgesi") does not open a window at every occurrence; never a
    stopword ("Ticaret ve").
    """
    df: dict[str, int] = defaultdict(int)
    for term, j in fuzzy_terms:
        df[term.key.split(" ")[j]] += 1
    gates = set()
    for term, j in fuzzy_terms:
        words = term.key.split(" ")
        sides = [rel for rel in (1, -1) if 0 <= j + rel < len(words)]
        rel = min(sides, key=lambda r: (words[j + r] in STOPWORDS, df[words[j + r]], -r))
        gates.add((words[j], rel, words[j + rel], term.fuzzy_words[j + rel]))
    return gates


def build_index(watchlists: Watchlists) -> Index:
    """Index every entry's phrases; anchors for the fuzzy ones."""
    patterns: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    anchors: dict[str, dict[tuple[int, int], AnchorGroup]] = defaultdict(dict)
    neighbours: dict[tuple[str, int, str], list[AnchorGroup]] = defaultdict(list)
    terms: list[Term] = []
    fuzzy_terms: list[tuple[Term, int]] = []  # (term, index of an anchor word in it)
    for i, entry in enumerate(watchlists.entries):
        phrases = [(t, TERM) for t in entry.terms if t not in entry.needs_context]
        phrases += [(t, WEAK) for t in entry.needs_context]
        phrases += [(t, EXCLUDE) for t in entry.exclude]
        phrases += [(t, CONTEXT) for t in entry.context]
        for text, role in phrases:
            term = _make_term(i, entry, text, role)
            if term is None:
                continue
            terms.append(term)
            patterns[" " + term.key].append((role, term))
            if role in (TERM, WEAK) and (soft := softened(term.key)):
                patterns[" " + soft].append((SOFT, term))
            if term.threshold is None:
                continue
            words = term.key.split(" ")
            for j, word in enumerate(words):
                if word in STOPWORDS:
                    continue
                group = anchors[word].setdefault(
                    (j, len(words)), AnchorGroup(j, len(words))
                )
                group.terms.append(term)
                group.keys.append(term.key)
                group.cutoff = min(group.cutoff, term.threshold)
                rel = 1 if j < len(words) - 1 else -1
                for form in neighbour_keys(words[j + rel], term.fuzzy_words[j + rel]):
                    found = neighbours[(word, rel, form)]
                    if group not in found:
                        found.append(group)
                fuzzy_terms.append((term, j))
    gates = _gates(fuzzy_terms)
    next_anchors = {word for word, rel, _, _ in gates if rel == 1}
    prev_anchors = {word for word, rel, _, _ in gates if rel == -1}
    reversed_words: set[str] = set()
    for word, rel, other, fuzzy_other in sorted(gates):
        if rel == 1:
            gate = f" {word} {other[:GATE_LETTERS]}" if fuzzy_other else f" {word} {other} "
            patterns[gate].append((GATE_NEXT, len(word)))
            if fuzzy_other:
                reversed_words.add(other)
        else:
            gate = f"{other[-GATE_LETTERS:]} {word}" if fuzzy_other else f" {other} {word}"
            patterns[gate].append((GATE_PREV, len(word)))
            if fuzzy_other:
                for pattern in damaged_end(other):
                    patterns[pattern].append((NEAR_PREV, None))
    automaton = ahocorasick.Automaton()
    for pattern, roles in patterns.items():
        automaton.add_word(pattern, (len(pattern), tuple(dict.fromkeys(roles))))
    if patterns:
        automaton.make_automaton()
    reverse = None
    if reversed_words:
        reverse = ahocorasick.Automaton()
        for word in sorted(reversed_words):
            for pattern in damaged_start(word):
                reverse.add_word(pattern, len(pattern))
        reverse.make_automaton()
    return Index(automaton, dict(neighbours), terms, reverse, frozenset(next_anchors),
                 frozenset(prev_anchors))

