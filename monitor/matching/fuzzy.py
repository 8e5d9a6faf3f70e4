"""Typo matching: a typo word next to an anchor proposes a window of words, scored (pure).

The automaton (see `monitor.matching.index`) reports each typo word it sees;
`TypoSearch.propose` keeps it when it stands next to one of its target's
anchors, written right, and `TypoSearch.score` scores the window of words
around that anchor with rapidfuzz against the fuzzy terms of its groups.
"""

from __future__ import annotations

import ahocorasick_rs
from rapidfuzz import process
from rapidfuzz.distance import OSA

from monitor.matching.candidate import Candidate, Notes, Proposal, word_end
from monitor.matching.index import (
    FUZZY_MIN_WORD,
    AnchorGroup,
    Index,
    Targets,
    Term,
    max_edits,
)
from monitor.matching.suffixes import SUFFIXES
from monitor.matching.text import Normalized
from monitor.matching.typos import Typo

Spans = list[tuple[int, int]]
EXPLAIN_SLACK = 20  # explain scores windows this much below the cutoff, to say why they fail


class TypoSearch:
    """The fuzzy half of the matcher, over one index."""

    def __init__(self, index: Index):
        self.index = index
        self._bare: ahocorasick_rs.AhoCorasick | None = None  # anchor words, for explain
        self._bare_words: list[str] = []

    def propose(self, scan: str, typo: Typo, start: int, end: int,
                proposals: list[Proposal]) -> None:
        """Propose the anchors next to a typo word (scan[start:end], from its leading space)."""
        whole = end > len(scan) or scan[end - 1] == " "  # the pattern ends with a space
        stop = end - 1 if whole else word_end(scan, end)[0]
        word = scan[start + 1 : stop]
        targets = self.index.targets
        if typo.before and start > 1 and scan[start - 1] != " ":
            a_start = scan.rfind(" ", 0, start) + 1
            anchor = scan[a_start:start]
            if anchor in typo.before:
                _propose(a_start, start, start, targets[(anchor, 1)], word, typo.words,
                         proposals)
        a_start = stop + 1
        if typo.after and a_start < len(scan) and scan[stop] == " " and scan[a_start] != " ":
            a_stop, _ = word_end(scan, a_start)
            for size in typo.after_sizes:  # the anchor, maybe with a suffix
                a_end = a_start + size
                anchor = scan[a_start:a_end]
                if anchor in typo.after and (a_end == a_stop or (
                        a_end < a_stop and scan[a_end:a_stop] in SUFFIXES)):
                    _propose(a_start, a_end, a_stop, targets[(anchor, -1)], word, typo.words,
                             proposals)

    def bare_anchors(self, scan: str) -> list[Proposal]:
        """Every anchor word in the text with all its groups (explain: why near misses failed)."""
        targets = self.index.targets
        if self._bare is None and targets:
            self._bare_words = sorted({anchor for anchor, _ in targets})
            self._bare = ahocorasick_rs.AhoCorasick([" " + w for w in self._bare_words])
        out: list[Proposal] = []
        if self._bare is None:
            return out
        for i, start, end in self._bare.find_matches_as_indexes(scan, overlapping=True):
            stop, cont = word_end(scan, end)
            if not cont or cont in SUFFIXES:
                anchor = self._bare_words[i]
                groups = [g for rel in (1, -1) if (anchor, rel) in targets
                          for found in targets[(anchor, rel)].groups.values() for g in found]
                out.append(Proposal(start + 1, end, stop, list(dict.fromkeys(groups))))
        return out

    def score(self, norm: Normalized, proposals: list[Proposal], found: set[int],
              notes: Notes) -> list[Candidate]:
        """Fuzzy candidates from the proposed windows; entries in `found` matched already."""
        scan, out, seen = norm.scan, [], set()
        for p in sorted(proposals, key=lambda p: (p.end, p.start)):  # in text order
            for group in p.groups:
                spans = _window(scan, p.start, p.end, p.stop, group)
                if spans is None or (spans[0][0], spans[-1][1], group.size) in seen:
                    continue
                seen.add((spans[0][0], spans[-1][1], group.size))
                cutoff = group.cutoff - (EXPLAIN_SLACK if notes is not None else 0)
                for window, base_end in _variants(scan, spans, (p.start, p.end)):
                    for _, score, i in process.extract(
                        window, group.keys, scorer=OSA.normalized_similarity,
                        score_cutoff=cutoff / 100, limit=None,
                    ):
                        term = group.terms[i]
                        if score >= 1.0 or (term.entry in found and notes is None):
                            continue
                        if self._window_ok(norm, term, window, spans, score * 100, notes):
                            out.append(Candidate(term, spans[0][0], spans[-1][1], base_end,
                                                 round(score * 100, 1), True))
        return out

    def _window_ok(self, norm: Normalized, term: Term, window: str, spans: Spans,
                   score: float, notes: Notes) -> bool:
        why = None if score >= (term.threshold or 100) else \
            f"score {score:.0f} < {term.threshold} threshold"
        words = window.split(" ")
        for j, (word, want) in enumerate(zip(words, term.key.split(" "), strict=True)):
            if why:
                break
            if word == want:
                if not all(norm.char(spans[j][0] + o).isupper() for o in term.caps_in(j)):
                    why = f"{word!r} is not capitalised as the watchlist writes it"
                continue
            if not term.fuzzy_words[j]:
                why = f"short word {word!r} must be exactly {want!r}"
            elif word in self.index.known:
                why = f"{word!r} is a word in its own right, not a typo of {want!r}"
            elif j < len(words) - 1 and word.startswith(want) and word[len(want):] in SUFFIXES:
                why = f"{word!r} is an inflected {want!r}, a different phrase"
            elif OSA.distance(word, want) > max_edits(want):
                why = f"{word!r} is {OSA.distance(word, want)} edits from {want!r}"
            elif not norm.char(spans[j][0]).isupper():
                why = f"misspelt word {word!r} is not capitalised like a name"
        if why and notes is not None:
            found = norm.text_of(spans[0][0], spans[-1][1])
            notes.append((term.entry, f"{found!r} ~ {term.text!r}: {why}"))
        return why is None


def _propose(start: int, end: int, stop: int, targets: Targets, word: str,
             candidates: frozenset[str], proposals: list[Proposal]) -> None:
    """Propose the anchor at scan[start:end] if `word`, next to it, is one of the
    `candidates` with a typo and a target of the anchor; `stop` ends the anchor's word.

    A glued suffix may follow a target that ends its term ("Yılmazın").
    """
    stems = [word]
    if targets.suffixed:
        sizes = [len(target) for target in targets.groups]
        lo, hi = min(sizes) - 2, max(sizes) + 2  # at most 2 edits
        stems += [word[:cut] for cut in range(max(lo, 3), min(hi, len(word) - 1) + 1)
                  if word[cut:] in SUFFIXES]
    if candidates.intersection(stems):  # a target spelt right, with a suffix
        return
    near = []
    for stem in stems:
        for want in candidates & targets.groups.keys():
            if abs(len(stem) - len(want)) <= 2 and len(want) >= FUZZY_MIN_WORD and \
                    OSA.distance(stem, want, score_cutoff=2) <= max_edits(want):
                near.append(want)
    if near:
        groups = [g for want in near for g in targets.groups[want]]
        proposals.append(Proposal(start, end, stop, list(dict.fromkeys(groups))))


def _window(scan: str, start: int, end: int, stop: int, group: AnchorGroup) -> Spans | None:
    """Word spans around an anchor word for a term of `group.size` words, or None."""
    if stop != end and group.index != group.size - 1:
        return None
    spans = [(start, stop)]
    pos = start
    for _ in range(group.index):
        if pos < 2 or scan[pos - 1] != " ":
            return None
        begin = scan.rfind(" ", 0, pos - 1) + 1
        if begin == pos - 1:
            return None
        spans.insert(0, (begin, pos - 1))
        pos = begin
    pos = stop
    for _ in range(group.size - 1 - group.index):
        if pos >= len(scan) - 1 or scan[pos] != " " or scan[pos + 1] == " ":
            return None
        nxt = scan.find(" ", pos + 1)
        nxt = len(scan) if nxt == -1 else nxt
        spans.append((pos + 1, nxt))
        pos = nxt
    return spans


def _variants(scan: str, spans: Spans, anchor: tuple[int, int]) -> list[tuple[str, int]]:
    """Window texts (with the base end): the last word whole, and minus each suffix chain."""
    head = " ".join(scan[s:e] for s, e in spans[:-1])
    s, e = spans[-1]
    if s == anchor[0]:  # the anchor ends the window; its own suffix was checked
        return [(f"{head} {scan[s:anchor[1]]}".strip(), anchor[1])]
    last = scan[s:e]
    out = [(f"{head} {last}".strip(), e)]
    for cut in range(len(last) - 1, 2, -1):
        if last[cut:] in SUFFIXES:
            out.append((f"{head} {last[:cut]}".strip(), s + cut))
    return out
