"""The matcher's index: every watchlist term in scan form, built once (pure).

One Aho-Corasick automaton holds, each prefixed by a space so it only hits at
a word start: the terms (name, aliases, misspellings), their softened stems,
the exclusion, not-within and context phrases, the start of a list of names
sharing a head noun ("Erkenez ve ", see `monitor.matching.coordination`), and
the *typo words* of fuzzy matching (`monitor.matching.typos`).

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

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

from monitor.matching.capitals import Caps, caps_for
from monitor.matching.heads import Head, split_head, tail_text
from monitor.matching.lexicon import common_words
from monitor.matching.suffixes import softened
from monitor.matching.text import scan_key, turkish_key
from monitor.matching.typos import typo_patterns
from monitor.matching.watchlist import WatchlistEntry, Watchlists

TERM, WEAK, SOFT, EXCLUDE, CONTEXT = "term", "weak", "soft", "exclude", "context"
NOT_WITHIN, COORD, PLURAL = "not_within", "coord", "plural"
# what may follow the words before a head noun to start a list: "ve", "ile", a comma
COORD_JOINS = ("ve ", "ile ", " ")
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
    caps: Caps = ()  # (word index, offsets of the letters that must be capitals)
    fuzzy_words: tuple[bool, ...] = ()  # per word: may differ by a typo
    threshold: int | None = None

    def caps_in(self, word: int) -> tuple[int, ...]:
        """Offsets of the letters of word `word` that must be capitals."""
        return next((offs for j, offs in self.caps if j == word), ())


@dataclass(frozen=True)
class Coordinated:
    """A term ending with a head noun, for lists that share it ("Erkenez ve Aksu OSB'leri")."""

    term: Term
    modifier: str  # scan form of the words before the head ("erkenez")
    head: Head
    head_text: str  # the head as the watchlist writes it ("O.S.B.")
    probe: str  # what a text must hold soon after the modifier: " " + the head's stem


@dataclass(frozen=True)
class CoordList:
    """The terms whose modifier one list pattern starts with, and any of their probes."""

    probe: re.Pattern[str]
    specs: tuple[Coordinated, ...]


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
    words, raw = key.split(" "), text.split()
    caps = caps_for(key, entry.capitalised) if role in (TERM, WEAK) else ()
    threshold = None
    fuzzy_words: tuple[bool, ...] = ()
    if role == TERM and entry.fuzzy and len(words) >= 2 and text not in entry.misspellings:
        acronyms = {scan_key(w) for w in raw if _is_acronym(w)}
        fuzzy_words = tuple(len(w) >= FUZZY_MIN_WORD and w not in acronyms for w in words)
        threshold = entry.threshold or default_threshold(key)
        if not any(fuzzy_words):
            threshold = None
    return Term(i, text, key, role, turkish_key(text), caps, fuzzy_words, threshold)


@dataclass(eq=False)
class Targets:
    """The words next to an anchor on one side in the fuzzy terms, each with its groups."""

    groups: dict[str, list[AnchorGroup]] = field(default_factory=dict)  # target -> groups
    suffixed: bool = False  # a target ends its term, so a suffix may be glued to it

    def add(self, word: str, group: AnchorGroup) -> None:
        found = self.groups.setdefault(word, [])
        if group not in found:
            found.append(group)


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
    lists: dict[str, list[Coordinated]] = defaultdict(list)  # pattern -> its terms' specs
    for i, entry in enumerate(watchlists.entries):
        phrases = [(t, TERM) for t in entry.terms if t not in entry.needs_context]
        phrases += [(t, WEAK) for t in entry.needs_context]
        phrases += [(t, EXCLUDE) for t in entry.exclude]
        phrases += [(t, NOT_WITHIN) for t in entry.not_within]
        phrases += [(t, CONTEXT) for t in entry.context]
        for text, role in phrases:
            term = _make_term(i, entry, text, role)
            if term is None:
                continue
            terms.append(term)
            patterns[" " + term.key].append((role, term))
            if role in (TERM, WEAK, CONTEXT) and (soft := softened(term.key)):
                patterns[" " + soft].append((SOFT, term))
            if role in (TERM, WEAK):
                _add_lists(term, patterns, lists)
            if term.threshold is not None:
                _add_fuzzy(term, anchors, targets, before, after, suffixable)
    for pattern, specs in lists.items():  # one value per pattern: one look per hit
        probes = "|".join(sorted({re.escape(spec.probe) for spec in specs}))
        patterns[pattern].append((COORD, CoordList(re.compile(probes), tuple(specs))))
    # a word of the watchlist, or a common word, is a word in its own right, not a typo
    known = frozenset({word for term in terms for word in term.key.split(" ")} | common_words())
    values = {pattern: tuple(dict.fromkeys(found)) for pattern, found in patterns.items()}
    for pattern, typo in typo_patterns(before, after, suffixable, known).items():
        values[pattern] = values.get(pattern, ()) + typo
    # a DFA scans about 10% faster than the default NFA, for more memory (55 MB more at
    # 1,000 entries; nothing to speak of for a handful)
    automaton = ahocorasick_rs.AhoCorasick(
        values, implementation=ahocorasick_rs.Implementation.DFA, store_patterns=False
    ) if values else None
    return Index(automaton, list(values.values()), terms, dict(targets), known)


def _add_lists(term: Term, patterns: dict[str, list[Any]],
               lists: dict[str, list[Coordinated]]) -> None:
    """File a term ending with a head noun under the start of a list of names ("erkenez
    ve ") and, with its head in the plural, as the list's last name."""
    split = split_head(term.key)
    if split is None:
        return
    modifier, head = split
    spec = Coordinated(term, modifier, head, tail_text(term.text, len(head.words)),
                       " " + head.stem)
    for join in COORD_JOINS:
        lists[f" {modifier} {join}"].append(spec)
    if head.plural:  # the last name of a list: "Aksu ve Erkenez ... Bölgeleri"
        plural = " ".join((*head.words[:-1], head.plural))
        patterns[f" {modifier} {plural}"].append((PLURAL, spec))


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
