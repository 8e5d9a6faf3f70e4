"""The matcher's index: every watchlist term in scan form, built once (pure).

One Aho-Corasick automaton holds, each prefixed by a space so it only hits at
a word start: the terms (name, aliases, misspellings), their softened stems,
the exclusion and context phrases, and the *typo words* of fuzzy matching.

A fuzzy match allows a typo in the long words of a term (its *targets*) and
needs a neighbouring word of the term, its *anchor*, written exactly.  Every
word one edit away from a target is a pattern of its own ("Yılmz", "Ylmaz",
"Yımlaz"), so a correctly spelt text never reaches Python here, however
common its phrases ("Organize Sanayi Bölgesi").  A typo word is skipped when
it is a word in its own right: a word of the watchlist, a common Turkish word
("bakan" is not a typo of "başkan"; see `monitor.matching.lexicon`), or an inflected
form of its target ("başkan" -> "başkanı").  When the typo word stands next to
one of its target's anchors, `Matcher` scores the window of words around the
anchor with rapidfuzz.

One edit per word is what is found this way; the window's score may still
allow a typo in another word of a long term.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

from monitor.matching.lexicon import common_words
from monitor.matching.suffixes import SUFFIXES, softened
from monitor.matching.text import scan_key, turkish_key
from monitor.matching.watchlist import WatchlistEntry, Watchlists

TERM, WEAK, SOFT, EXCLUDE, CONTEXT = "term", "weak", "soft", "exclude", "context"
ALPHABET = "abcdefghijklmnopqrstuvwxyz"  # the letters a typo puts into a scan form
# a typo word this long also hits with a suffix glued on ("Havaclıkta"); shorter ones
# would hit the start of too many common words ("alan" for "Aslan": "alanında")
SUFFIXED_TYPO_MIN = 7
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


@dataclass(eq=False)
class Targets:
    """The words next to an anchor on one side in the fuzzy terms, each with its groups."""

    groups: dict[str, list[AnchorGroup]] = field(default_factory=dict)  # target -> groups
    suffixed: bool = False  # a target ends its term, so a suffix may be glued to it

    def add(self, word: str, group: AnchorGroup) -> None:
        found = self.groups.setdefault(word, [])
        if group not in found:
            found.append(group)


@dataclass(frozen=True)
class Typo:
    """What a typo word pattern stands for: the targets it is one edit from, and the
    anchors that come before or after one of them in a term."""

    words: frozenset[str]
    before: frozenset[str]
    after: frozenset[str]
    after_sizes: tuple[int, ...]  # the lengths of the `after` anchors


@dataclass
class Index:
    automaton: ahocorasick_rs.AhoCorasick | None
    values: list[tuple[Any, ...]]  # per automaton pattern: its (role, Term) pairs, or a Typo
    terms: list[Term]
    # (anchor word, +1: the target follows it / -1: precedes it) -> its targets
    targets: dict[tuple[str, int], Targets] = field(default_factory=dict)
    known: frozenset[str] = frozenset()  # words in their own right: never a typo


def build_index(watchlists: Watchlists) -> Index:
    """Index every entry's phrases, and the typo words, anchors and targets of fuzzy ones."""
    patterns: dict[str, list[Any]] = defaultdict(list)
    anchors: dict[str, dict[tuple[int, int], AnchorGroup]] = defaultdict(dict)
    targets: dict[tuple[str, int], Targets] = defaultdict(Targets)
    before: dict[str, set[str]] = defaultdict(set)  # target -> anchors before it
    after: dict[str, set[str]] = defaultdict(set)
    suffixable: set[str] = set()  # targets that end a term
    terms: list[Term] = []
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
            if term.threshold is not None:
                _add_fuzzy(term, anchors, targets, before, after, suffixable)
    # a word of the watchlist, or a common word, is a word in its own right, not a typo
    known = frozenset({word for term in terms for word in term.key.split(" ")} | common_words())
    values = {pattern: tuple(dict.fromkeys(found)) for pattern, found in patterns.items()}
    for pattern, typo in _typo_patterns(before, after, suffixable, known).items():
        values[pattern] = values.get(pattern, ()) + typo
    # a DFA scans about 10% faster than the default NFA, for more memory (55 MB more at
    # 1,000 entries; nothing to speak of for a handful)
    automaton = ahocorasick_rs.AhoCorasick(
        values, implementation=ahocorasick_rs.Implementation.DFA, store_patterns=False
    ) if values else None
    return Index(automaton, list(values.values()), terms, dict(targets), known)


def _typo_patterns(before: dict[str, set[str]], after: dict[str, set[str]],
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


def _add_fuzzy(
    term: Term,
    anchors: dict[str, dict[tuple[int, int], AnchorGroup]],
    targets: dict[tuple[str, int], Targets],
    before: dict[str, set[str]],
    after: dict[str, set[str]],
    suffixable: set[str],
) -> None:
    """File a fuzzy term's words as anchors (with their groups) and as targets, with the
    anchors before and after each target, and the targets that end a term."""
    words = term.key.split(" ")
    for j, word in enumerate(words):
        if word in STOPWORDS:
            continue
        group = anchors[word].setdefault((j, len(words)), AnchorGroup(j, len(words)))
        group.terms.append(term)
        group.keys.append(term.key)
        group.cutoff = min(group.cutoff, term.threshold or 100)
        for rel in (1, -1):
            if 0 <= j + rel < len(words):
                target = words[j + rel]
                side = targets[(word, rel)]
                side.add(target, group)
                side.suffixed |= rel == 1 and j + 1 == len(words) - 1
                if term.fuzzy_words[j + rel]:
                    (before if rel == 1 else after)[target].add(word)
                    if j + rel == len(words) - 1:
                        suffixable.add(target)
