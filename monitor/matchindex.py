"""The matcher's index: every watchlist term in scan form, built once (pure).

One Aho-Corasick automaton holds, each prefixed by a space so it only hits at
a word start: the terms (name, aliases, misspellings), their softened stems,
the exclusion and context phrases, and the *gates* of fuzzy (typo) matching.

A fuzzy match allows typos in the long words of a term (its *targets*) and
needs a neighbouring word of the term, its *anchor*, written exactly.  Every
target gets one gate: its anchor together with what the target must look like.
With one typo in a target of 5+ letters, either the side touching the anchor
is intact (its first two letters when it follows the anchor, its last two when
it precedes it), or the typo is on that side:

  - "anchor ta..." and "...et anchor": gate patterns;
  - a typo on the anchor's side: the target's one-edit variants of that side,
    as whole words ("tagret" is not a pattern, "atrget" is).

A gate hit is only a proposal: `Matcher` then checks in one rapidfuzz call
whether the text's word is a target with a typo (a correctly spelt target
never opens a fuzzy window; its typo, if any, is in another target with its
own gate), and only then scores the window of words around the anchor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

from monitor.suffixes import SUFFIXES, softened
from monitor.text import scan_key, turkish_key
from monitor.watchlists import WatchlistEntry, Watchlists

TERM, WEAK, SOFT, EXCLUDE, CONTEXT = "term", "weak", "soft", "exclude", "context"
# gate roles (see the module docstring): the target follows / precedes its anchor; its
# typo is on the anchor's side
GATE_NEXT, GATE_PREV, NEAR_NEXT, NEAR_PREV = "gate-next", "gate-prev", "near-next", "near-prev"
ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # the letters a typo puts into a scan form
GATE_LETTERS = 3  # letters of a target that its gate pattern holds
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
    folded: str  # Turkish-folded words (`turkish_key`), to tell exact from folded matches
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
    return Term(i, text, key, role, turkish_key(text), tuple(caps), fuzzy_words, threshold)


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
    """`word` with one typo among its first GATE_LETTERS letters, as a whole word (a typo
    further on leaves the gate "anchor wo" intact)."""
    n = GATE_LETTERS
    return [f" {v} " for v in sorted(edits1(word, range(n + 1))) if v[:n] != word[:n]]


def damaged_end(word: str) -> list[str]:
    """`word` with one typo among its last GATE_LETTERS letters, as a whole word; the
    mirror image of `damaged_start`.  An inflected `word` ("başkan" -> "başkanı") is a
    different word, not a typo."""
    n = GATE_LETTERS
    edits = edits1(word, range(max(0, len(word) - n - 1), len(word) + 1))
    return [f" {v} " for v in sorted(edits)
            if v[-n:] != word[-n:] and not (v.startswith(word) and v[len(word):] in SUFFIXES)]


@dataclass(eq=False)
class Targets:
    """The words next to an anchor on one side in the fuzzy terms, each with its groups."""

    words: list[str] = field(default_factory=list)
    groups: list[list[AnchorGroup]] = field(default_factory=list)
    exact: frozenset[str] = frozenset()  # `words`, for the quick check of a gate hit
    suffixed: bool = False  # a target ends its term, so a suffix may be glued to it
    anchor_last: bool = False  # the anchor ends a term, so a suffix may be glued to it
    lengths: tuple[int, int] = (0, 0)  # shortest and longest target

    def add(self, word: str, group: AnchorGroup) -> None:
        if word not in self.words:
            self.words.append(word)
            self.groups.append([])
            self.exact = frozenset(self.words)
            self.lengths = (min(map(len, self.words)), max(map(len, self.words)))
        found = self.groups[self.words.index(word)]
        if group not in found:
            found.append(group)


@dataclass(eq=False)
class Gate:
    """What a gate pattern stands for (see the module docstring)."""

    role: str  # GATE_NEXT, GATE_PREV: the pattern holds the anchor; NEAR_*: a damaged target
    anchor_len: int = 0  # GATE_*: the anchor's length
    targets: Targets | None = None  # GATE_*: the anchor's targets on the pattern's side
    words: frozenset[str] = frozenset()  # GATE_*: the targets this pattern holds a part of
    anchors: frozenset[str] = frozenset()  # NEAR_*: the words that may anchor the target


@dataclass
class Index:
    automaton: ahocorasick_rs.AhoCorasick | None
    values: list[tuple[Any, ...]]  # per automaton pattern: its (role, Term) pairs and Gates
    terms: list[Term]
    # (anchor word, +1: the target follows it / -1: precedes it) -> its targets
    targets: dict[tuple[str, int], Targets] = field(default_factory=dict)


def _gates(fuzzy_terms: list[Term]) -> set[tuple[str, int, str]]:
    """(anchor, +1/-1, target) for each target of each fuzzy term.

    Of a target's two neighbours the anchor is the one in the fewest fuzzy terms, so
    that a common word ("Sanayi", "Mehmet") gates as few targets as it can; never a
    stopword ("Ticaret ve").
    """
    df: dict[str, int] = defaultdict(int)
    for term in fuzzy_terms:
        for word in set(term.key.split(" ")):
            df[word] += 1
    gates = set()
    for term in fuzzy_terms:
        words = term.key.split(" ")
        for i, target in enumerate(words):
            sides = [a for a in (i - 1, i + 1)
                     if 0 <= a < len(words) and words[a] not in STOPWORDS]
            if term.fuzzy_words[i] and sides:
                a = min(sides, key=lambda a: (df[words[a]], a))
                gates.add((words[a], i - a, target))
    return gates


def build_index(watchlists: Watchlists) -> Index:
    """Index every entry's phrases, and the gates and targets of the fuzzy ones."""
    patterns: dict[str, list[Any]] = defaultdict(list)
    anchors: dict[str, dict[tuple[int, int], AnchorGroup]] = defaultdict(dict)
    targets: dict[tuple[str, int], Targets] = defaultdict(Targets)
    terms: list[Term] = []
    fuzzy_terms: list[Term] = []
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
            fuzzy_terms.append(term)
            words = term.key.split(" ")
            for j, word in enumerate(words):
                if word in STOPWORDS:
                    continue
                group = anchors[word].setdefault((j, len(words)), AnchorGroup(j, len(words)))
                group.terms.append(term)
                group.keys.append(term.key)
                group.cutoff = min(group.cutoff, term.threshold)
                for rel in (1, -1):
                    if 0 <= j + rel < len(words):
                        side = targets[(word, rel)]
                        side.add(words[j + rel], group)
                        side.suffixed |= rel == 1 and j + 1 == len(words) - 1
                        side.anchor_last |= j == len(words) - 1
    # a word of the watchlist is a name in its own right, not a typo of another one
    vocabulary = {f" {word} " for term in terms for word in term.key.split(" ")}
    gates: dict[str, Gate] = {}
    near: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for anchor, rel, target in sorted(_gates(fuzzy_terms)):
        side = targets[(anchor, rel)]
        if rel == 1:
            pattern = f" {anchor} {target[:GATE_LETTERS]}"
            gate = gates.setdefault(pattern, Gate(GATE_NEXT, len(anchor), side))
            for variant in set(damaged_start(target)) - vocabulary:
                near[NEAR_NEXT][variant].add(anchor)
        else:
            space = "" if side.anchor_last else " "  # a suffix may follow only a last word
            pattern = f"{target[-GATE_LETTERS:]} {anchor}{space}"
            gate = gates.setdefault(pattern, Gate(GATE_PREV, len(anchor), side))
            for variant in set(damaged_end(target)) - vocabulary:
                near[NEAR_PREV][variant].add(anchor)
        gate.words |= {target}
    for pattern, gate in gates.items():
        patterns[pattern].append(gate)
    shared: dict[tuple[str, frozenset[str]], Gate] = {}  # one Gate per anchor set
    for role, found in near.items():
        for pattern, words in found.items():
            key = (role, frozenset(words))
            patterns[pattern].append(shared.setdefault(key, Gate(role, anchors=key[1])))
    keys = list(patterns)
    values = [tuple(dict.fromkeys(patterns[k])) for k in keys]
    automaton = ahocorasick_rs.AhoCorasick(keys) if keys else None
    return Index(automaton, values, terms, dict(targets))
