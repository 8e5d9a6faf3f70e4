"""The matcher's index: every watchlist term in scan form, built once (pure).

One Aho-Corasick automaton holds, each prefixed by a space so it only hits at
a word start: the terms (name, aliases, misspellings), their softened stems,
the exclusion and context phrases, and the *anchor* words of fuzzy terms.  An
anchor hit proposes a window of neighbouring words that is then scored with
rapidfuzz against the few terms sharing that anchor at that position.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from monitor.suffixes import softened
from monitor.text import scan_key
from monitor.watchlists import WatchlistEntry, Watchlists

TERM, WEAK, SOFT, EXCLUDE, CONTEXT, ANCHOR = "term", "weak", "soft", "exclude", "context", "anchor"
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


@dataclass
class Index:
    automaton: ahocorasick.Automaton
    # (anchor word, +1 next / -1 previous, a neighbour key) -> anchor groups whose
    # term may have the text's neighbouring word there (verified later)
    neighbours: dict[tuple[str, int, str], list[AnchorGroup]]
    terms: list[Term]


def build_index(watchlists: Watchlists) -> Index:
    """Index every entry's phrases; anchors for the fuzzy ones."""
    patterns: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    anchors: dict[str, dict[tuple[int, int], AnchorGroup]] = defaultdict(dict)
    neighbours: dict[tuple[str, int, str], list[AnchorGroup]] = defaultdict(list)
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
                patterns[" " + word].append((ANCHOR, term))
                rel = 1 if j < len(words) - 1 else -1
                other = words[j + rel]
                for form in neighbour_keys(other, term.fuzzy_words[j + rel]):
                    found = neighbours[(word, rel, form)]
                    if group not in found:
                        found.append(group)
    automaton = ahocorasick.Automaton()
    for pattern, roles in patterns.items():
        automaton.add_word(pattern, (len(pattern), _dedupe_anchor(roles)))
    if patterns:
        automaton.make_automaton()
    return Index(automaton, dict(neighbours), terms)


def _dedupe_anchor(roles: list[tuple[str, Term]]) -> tuple[tuple[str, Term | None], ...]:
    """Keep every non-anchor role; one anchor marker is enough per pattern."""
    out: list[tuple[str, Term | None]] = [r for r in roles if r[0] != ANCHOR]
    if any(r[0] == ANCHOR for r in roles):
        out.append((ANCHOR, None))
    return tuple(out)
