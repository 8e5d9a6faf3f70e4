"""Find watchlist entries in an article's title and body (pure, no I/O).

Per field: one normalisation pass and one Aho-Corasick scan.  Hits are kept
when they end at a word boundary or before a known Turkish suffix chain; then
context, capitalisation, exclusion and not-within rules apply
(`monitor.matching.rules`).  A name in a list sharing its head noun ("Erkenez
ve Aksu OSB'leri") is read by `monitor.matching.coordination`.
A typo word (see `monitor.matching.index`) next to one of its anchors proposes
a word window for a fuzzy match, scored with rapidfuzz
(`monitor.matching.fuzzy`).  `trace` runs the same code and also says why near
misses did not count (`monitor.matching.explain` words it for people).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.matching import coordination, rules
from monitor.matching.candidate import Candidate, Notes, Proposal, word_end
from monitor.matching.coordination import REACH
from monitor.matching.fuzzy import TypoSearch
from monitor.matching.index import (
    CONTEXT,
    COORD,
    EXCLUDE,
    NOT_WITHIN,
    PLURAL,
    SOFT,
    WEAK,
    Coordinated,
    CoordList,
    Term,
    build_index,
)
from monitor.matching.suffixes import SUFFIXES, VOWELS
from monitor.matching.text import APOSTROPHES, Normalized, normalize, snippet
from monitor.matching.typos import Typo
from monitor.matching.watchlist import Watchlists
from monitor.models import Match

_KIND_RANK = {"exact": 2, "folded": 1, "fuzzy": 0}


@dataclass
class FieldScan:
    """What one scan of one field found, before the rules that need the whole article."""

    norm: Normalized
    candidates: list[Candidate]
    excluded: list[tuple[int, int, Term]]  # exclude and not_within phrases
    context: set[int]


# a candidate ranked among its entry's others: (score, in title, -start, field, scan, it)
_Ranked = tuple[float, bool, int, str, FieldScan, Candidate]


class Matcher:
    """Matches articles against watchlists; the index is built once here."""

    def __init__(self, watchlists: Watchlists):
        self.watchlists = watchlists
        self.entries = watchlists.entries
        self.index = build_index(watchlists)
        self.typos = TypoSearch(self.index)

    def find_matches(self, title: str, body: str) -> list[Match]:
        """The best match per entry (title preferred on equal score), in entry order."""
        return self._run(title, body, None)

    def trace(self, title: str, body: str) -> tuple[list[Match], list[tuple[int, str]]]:
        """The matches, and (entry index, reason) notes on every near miss seen."""
        notes: list[tuple[int, str]] = []
        return self._run(title, body, notes), notes

    def _run(self, title: str, body: str, notes: Notes) -> list[Match]:
        scans = {f: self._scan(t, notes) for f, t in (("title", title), ("body", body)) if t}
        context: set[int] = set().union(*(s.context for s in scans.values()))
        per_entry: dict[int, list[_Ranked]] = {}
        for field, fs in scans.items():
            for cand in fs.candidates:
                if self._allowed(cand, fs, context, notes):
                    row = (cand.score, field == "title", -cand.start, field, fs, cand)
                    per_entry.setdefault(cand.term.entry, []).append(row)
        out = []
        for entry in sorted(per_entry):  # the best score, the title, then exact, then first
            ranked = per_entry[entry]
            best = max(row[:2] for row in ranked)
            tied = [row for row in ranked if row[:2] == best]
            if len(tied) > 1:  # the kind costs a look at the original text: only for ties
                tied.sort(key=lambda r: (_KIND_RANK[rules.kind(r[4].norm, r[5])], r[2]),
                          reverse=True)
            _, _, _, field, fs, cand = tied[0]
            out.append(self._to_match(field, fs, cand))
        return out

    def _allowed(self, cand: Candidate, fs: FieldScan, context: set[int], notes: Notes) -> bool:
        term = cand.term
        if not cand.fuzzy and not rules.letters_ok(fs.norm, cand, notes):
            return False
        if term.role == WEAK and term.entry not in context:
            if notes is not None:
                wanted = ", ".join(self.entries[term.entry].context)
                notes.append((term.entry, f"{term.text!r} needs context (one of: {wanted})"))
            return False
        for s, e, excl in fs.excluded:
            if excl.entry != term.entry:
                continue
            if excl.role == NOT_WITHIN:  # inside the other name, not merely next to it
                if s <= cand.start and cand.base_end <= e:
                    if notes is not None:
                        found = fs.norm.text_of(cand.start, cand.base_end)
                        notes.append((term.entry, f"{found!r} is inside {excl.text!r}, "
                                      "another organisation's name (not_within)"))
                    return False
            elif s < cand.end and cand.start < e:
                if notes is not None:
                    found = fs.norm.text_of(cand.start, cand.end)
                    notes.append((term.entry, f"{found!r} excluded by context {excl.text!r}"))
                return False
        return True

    def _scan(self, text: str, notes: Notes) -> FieldScan:
        norm = normalize(text)
        scan = norm.scan
        fs = FieldScan(norm, [], [], set())
        proposals: list[Proposal] = []
        found: set[int] = set()
        automaton, values = self.index.automaton, self.index.values
        # the trailing space lets a whole-word typo pattern end the text (" erknez ")
        hits = automaton.find_matches_as_indexes(scan + " ", overlapping=True) if automaton else ()
        typos = notes is None  # a trace looks at every anchor word instead (bare_anchors)
        for pattern, start, end in hits:
            cont: str | None = None
            for value in values[pattern]:
                if type(value) is Typo:
                    if typos:
                        self.typos.propose(scan, value, start, end, proposals)
                    continue
                role, term = value
                start1 = start + 1  # patterns of terms start with a space
                if role == COORD:  # the common case, no head noun soon after: one search
                    if term.probe.search(scan, end - 1, end + REACH):
                        self._lists(fs, term, start1, end, found, notes)
                    continue
                if role == PLURAL:
                    self._plural(fs, term, start1, end, found, notes)
                    continue
                if cont is None:
                    stop, cont = word_end(scan, end)
                if role == SOFT:
                    if not cont or cont[0] not in VOWELS or cont not in SUFFIXES:
                        continue
                elif cont and cont not in SUFFIXES:
                    if notes is not None:
                        notes.append((term.entry, f"{norm.text_of(start1, stop)!r}: {cont!r} "
                                      f"after {term.text!r} is not a Turkish suffix"))
                    continue
                if term.role in (EXCLUDE, NOT_WITHIN):
                    fs.excluded.append((start1, stop, term))
                    if notes is not None and term.role == EXCLUDE:
                        notes.append((term.entry, f"{term.text!r} is excluded"))
                elif term.role == CONTEXT:
                    fs.context.add(term.entry)
                elif rules.capitals_ok(norm, term, start1, notes):
                    fs.candidates.append(Candidate(term, start1, stop, end, soft=role == SOFT))
                    if term.role != WEAK:
                        found.add(term.entry)
        if notes is not None:
            proposals = self.typos.bare_anchors(scan)
        if proposals:
            fs.candidates.extend(self.typos.score(norm, proposals, found, notes))
        return fs

    @staticmethod
    def _lists(fs: FieldScan, lists: CoordList, start: int, end: int,
               found: set[int], notes: Notes) -> None:
        """Candidates from a list of names sharing a head noun, from the modifier at
        scan[start] and the joining word ending at `end`."""
        scan, reach = fs.norm.scan, end + REACH
        for spec in lists.specs:
            if scan.find(spec.probe, end - 1, reach) != -1 and (
                    cand := coordination.resolve(fs.norm, spec, start, notes)):
                fs.candidates.append(cand)
                found.add(cand.term.entry)

    @staticmethod
    def _plural(fs: FieldScan, spec: Coordinated, start: int, end: int, found: set[int],
                notes: Notes) -> None:
        """The watched name with its head noun in the plural, as the last name of a list
        ("Çukurova ve Sütçü İmam üniversiteleri")."""
        stop, cont = word_end(fs.norm.scan, end)
        if (not cont or cont in SUFFIXES) and rules.capitals_ok(
                fs.norm, spec.term, start, notes, spec.modifier.count(" ") + 1):
            written = f"{fs.norm.text_of(start, start + len(spec.modifier))} {spec.head_text}"
            fs.candidates.append(Candidate(spec.term, start, stop, end, found=written))
            found.add(spec.term.entry)

    def _to_match(self, field: str, fs: FieldScan, cand: Candidate) -> Match:
        norm = fs.norm
        scan, end = norm.scan, cand.end
        if end + 1 < len(scan) and scan[end + 1] != " " and norm.char(end) in APOSTROPHES:
            end, _ = word_end(scan, end + 1)
        s, e = norm.span(cand.start, end)
        text = norm.original
        snip, ss, se = snippet(text, s, e)
        entry = self.entries[cand.term.entry]
        return Match(entry.id, entry.name, cand.term.text, text[s:e], cand.score, field,
                     s, e, snip, ss, se, rules.kind(norm, cand))
