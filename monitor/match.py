"""Find watchlist entries in an article's title and body (pure, no I/O).

Per field: one normalisation pass and one Aho-Corasick scan.  Hits are kept
when they end at a word boundary or before a known Turkish suffix chain; then
context, capitalisation and exclusion rules apply.  A typo word (see
`monitor.matchindex`) next to one of its anchors proposes a word window for a
fuzzy match, scored with rapidfuzz.  `explain` runs the same code with a
trace and says why near misses did not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick_rs
from rapidfuzz import process
from rapidfuzz.distance import OSA

from monitor.examples import ExampleReport, evaluate
from monitor.matchindex import (
    CONTEXT,
    EXCLUDE,
    FUZZY_MIN_WORD,
    SOFT,
    WEAK,
    AnchorGroup,
    Targets,
    Term,
    Typo,
    build_index,
    max_edits,
)
from monitor.models import Match
from monitor.suffixes import SUFFIXES, VOWELS
from monitor.text import APOSTROPHES, Normalized, normalize, snippet, turkish_key
from monitor.watchlists import Watchlists

__all__ = ["ExampleReport", "Matcher", "evaluate"]
_KIND_RANK = {"exact": 2, "folded": 1, "fuzzy": 0}


@dataclass
class Candidate:
    term: Term
    start: int  # scan span of the whole word(s), glued suffix included
    end: int
    base_end: int  # end of the name itself
    score: float = 100.0
    fuzzy: bool = False
    soft: bool = False  # the name's final consonant is softened (Havacılığı)
    kind: str | None = None  # exact / folded / fuzzy, once known


@dataclass
class Proposal:
    """An anchor in the text (the span of its word, suffix included at `stop`) and the
    anchor groups whose fuzzy window around it is worth scoring."""

    start: int
    end: int
    stop: int
    groups: list[AnchorGroup]


@dataclass
class FieldScan:
    """What one scan of one field found, before the rules that need the whole article."""

    norm: Normalized
    candidates: list[Candidate]
    excluded: list[tuple[int, int, Term]]
    context: set[int]


def _word_end(scan: str, end: int) -> tuple[int, str]:
    """End of the word that continues at `end`, and the continuation ('' at a boundary)."""
    if end >= len(scan) or scan[end] == " ":
        return end, ""
    stop = scan.find(" ", end)
    stop = len(scan) if stop == -1 else stop
    return stop, scan[end:stop]


def _word_starts(key: str) -> list[int]:
    starts, pos = [], 0
    for word in key.split(" "):
        starts.append(pos)
        pos += len(word) + 1
    return starts


class Matcher:
    """Matches articles against watchlists; the index is built once here."""

    def __init__(self, watchlists: Watchlists):
        self.watchlists = watchlists
        self.entries = watchlists.entries
        self.index = build_index(watchlists)
        self._bare: ahocorasick_rs.AhoCorasick | None = None  # anchor words, for explain
        self._bare_words: list[str] = []

    # -- public API ---------------------------------------------------------
    def find_matches(self, title: str, body: str) -> list[Match]:
        """The best match per entry (title preferred on equal score), in entry order."""
        return self._run(title, body, None)

    def explain(self, title: str, body: str) -> list[str]:
        """Human-readable lines: what matched, and why near misses did not."""
        notes: list[tuple[int, str]] = []
        matches = self._run(title, body, notes)
        matched = {m.entry_id for m in matches}
        lines = [
            f"{m.entry_id}: matched {m.matched!r} in {m.field} (term {m.term!r}, {m.kind}, "
            f"score {m.score:g})"
            for m in matches
        ]
        for field, text in (("title", title), ("body", body)):
            notes.extend(self._inside_words(field, text))
        seen: set[str] = set()
        for entry, note in notes:
            line = f"{self.entries[entry].id}: {note}"
            if self.entries[entry].id not in matched and line not in seen:
                seen.add(line)
                lines.append(line)
        return lines

    # -- the pipeline -------------------------------------------------------
    def _run(self, title: str, body: str, notes: list | None) -> list[Match]:
        scans = {f: self._scan(t, notes) for f, t in (("title", title), ("body", body)) if t}
        context = set().union(*(s.context for s in scans.values())) if scans else set()
        per_entry: dict[int, list[tuple[float, bool, int, str, FieldScan, Candidate]]] = {}
        for field, fs in scans.items():
            for cand in fs.candidates:
                if self._allowed(cand, fs, context, notes):
                    row = (cand.score, field == "title", -cand.start, field, fs, cand)
                    per_entry.setdefault(cand.term.entry, []).append(row)
        out = []
        for entry in sorted(per_entry):  # the best score, the title, then exact, then first
            rows = per_entry[entry]
            best = max(row[:2] for row in rows)
            tied = [row for row in rows if row[:2] == best]
            if len(tied) > 1:  # the kind costs a look at the original text: only for ties
                tied.sort(key=lambda r: (_KIND_RANK[self._kind(r[4].norm, r[5])], r[2]),
                          reverse=True)
            _, _, _, field, fs, cand = tied[0]
            out.append(self._to_match(field, fs, cand))
        return out

    def _allowed(self, cand: Candidate, fs: FieldScan, context: set[int], notes) -> bool:
        term = cand.term
        if not cand.fuzzy and not self._letters_ok(fs.norm, cand, notes):
            return False
        if term.role == WEAK and term.entry not in context:
            if notes is not None:
                wanted = ", ".join(self.entries[term.entry].context)
                notes.append((term.entry, f"{term.text!r} needs context (one of: {wanted})"))
            return False
        for s, e, excl in fs.excluded:
            if excl.entry == term.entry and s < cand.end and cand.start < e:
                if notes is not None:
                    found = self._original(fs.norm, cand.start, cand.end)
                    notes.append((term.entry, f"{found!r} excluded by context {excl.text!r}"))
                return False
        return True

    def _scan(self, text: str, notes: list | None) -> FieldScan:
        norm = normalize(text)
        scan = norm.scan
        fs = FieldScan(norm, [], [], set())
        proposals: list[Proposal] = []
        found: set[int] = set()
        automaton, values = self.index.automaton, self.index.values
        # the trailing space lets a whole-word typo pattern end the text (" erknez ")
        hits = automaton.find_matches_as_indexes(scan + " ", overlapping=True) if automaton else ()
        typos = notes is None  # explain looks at every anchor word instead (_bare_anchors)
        for pattern, start, end in hits:
            cont = None
            for value in values[pattern]:
                if type(value) is Typo:
                    if typos:
                        self._typo(scan, value, start, end, proposals)
                    continue
                role, term = value
                start1 = start + 1  # patterns of terms start with a space
                if cont is None:
                    stop, cont = _word_end(scan, end)
                if role == SOFT:
                    if not cont or cont[0] not in VOWELS or cont not in SUFFIXES:
                        continue
                elif cont and cont not in SUFFIXES:
                    if notes is not None:
                        word = self._original(norm, start1, stop)
                        notes.append((term.entry, f"{word!r}: {cont!r} after {term.text!r} "
                                      "is not a Turkish suffix"))
                    continue
                if role == EXCLUDE:
                    fs.excluded.append((start1, stop, term))
                    if notes is not None:
                        notes.append((term.entry, f"{term.text!r} is excluded"))
                elif role == CONTEXT:
                    fs.context.add(term.entry)
                elif self._capitals_ok(norm, term, start1, notes):
                    fs.candidates.append(Candidate(term, start1, stop, end, soft=role == SOFT))
                    if role != WEAK:
                        found.add(term.entry)
        if notes is not None:
            proposals = self._bare_anchors(scan)
        if proposals:
            fs.candidates.extend(self._fuzzy(norm, proposals, found, notes))
        return fs

    def _typo(self, scan: str, typo: Typo, start: int, end: int,
              proposals: list[Proposal]) -> None:
        """Propose the anchors next to a typo word (scan[start:end], from its leading space)."""
        whole = end > len(scan) or scan[end - 1] == " "  # the pattern ends with a space
        stop = end - 1 if whole else _word_end(scan, end)[0]
        word = scan[start + 1 : stop]
        if typo.before and start > 1 and scan[start - 1] != " ":
            a_start = scan.rfind(" ", 0, start) + 1
            anchor = scan[a_start:start]
            if anchor in typo.before:
                self._propose(a_start, start, start, self.index.targets[(anchor, 1)], word,
                              typo.words, proposals)
        a_start = stop + 1
        if typo.after and a_start < len(scan) and scan[stop] == " " and scan[a_start] != " ":
            a_stop, _ = _word_end(scan, a_start)
            for size in typo.after_sizes:  # the anchor, maybe with a suffix
                a_end = a_start + size
                anchor = scan[a_start:a_end]
                if anchor in typo.after and (a_end == a_stop or (
                        a_end < a_stop and scan[a_end:a_stop] in SUFFIXES)):
                    self._propose(a_start, a_end, a_stop, self.index.targets[(anchor, -1)],
                                  word, typo.words, proposals)

    def _propose(self, start: int, end: int, stop: int, targets: Targets, word: str,
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

    def _bare_anchors(self, scan: str) -> list[Proposal]:
        """Every anchor word in the text with all its groups (explain: why near misses failed)."""
        targets = self.index.targets
        if self._bare is None and targets:
            self._bare_words = sorted({anchor for anchor, _ in targets})
            self._bare = ahocorasick_rs.AhoCorasick([" " + w for w in self._bare_words])
        out: list[Proposal] = []
        if self._bare is None:
            return out
        for i, start, end in self._bare.find_matches_as_indexes(scan, overlapping=True):
            stop, cont = _word_end(scan, end)
            if not cont or cont in SUFFIXES:
                anchor = self._bare_words[i]
                groups = [g for rel in (1, -1) if (anchor, rel) in targets
                          for found in targets[(anchor, rel)].groups.values() for g in found]
                out.append(Proposal(start + 1, end, stop, list(dict.fromkeys(groups))))
        return out

    def _letters_ok(self, norm: Normalized, cand: Candidate, notes) -> bool:
        """A Turkish letter in the text that differs from the term's counts as a typo.

        ASCII typing ("TUSAS") folds freely, and ı/i confusion is forgiven, but
        "TÜSAŞ" is not "TUSAŞ": a mismatching Turkish letter is an edit, allowed only
        in a fuzzy word of a fuzzy term, and then the match is scored as fuzzy.
        """
        term = cand.term
        if term.text.isascii():
            return True
        found = self._original(norm, cand.start, cand.base_end)
        if found == term.text:  # as written in the watchlist: the common case
            cand.kind = "exact"
            return True
        got, want = turkish_key(found), term.folded
        if got == want:
            cand.kind = "exact"
            return True
        if cand.soft:
            got, want = got[:-1], want[:-1]
        if got == want or len(got) != len(want):
            return True
        edits = [0] * len(term.fuzzy_words)
        word = 0
        for a, b in zip(got, want, strict=True):
            word += a == " " and b == " "
            if a == b or a.isascii() or (a in "ıi" and b in "ıi"):
                continue
            if word >= len(edits) or not term.fuzzy_words[word]:
                if notes is not None:
                    notes.append((term.entry, f"{found!r} differs from {term.text!r} in a "
                                  f"Turkish letter ({a!r} for {b!r})"))
                return False
            edits[word] += 1
        if not any(edits):
            return True
        score = round(OSA.normalized_similarity(got, want) * 100, 1)
        words = want.split(" ")
        if any(n > max_edits(w) for n, w in zip(edits, words, strict=True)) or \
                score < (term.threshold or 100):
            return False
        cand.fuzzy, cand.score = True, score
        return True

    def _capitals_ok(self, norm: Normalized, term: Term, start: int, notes) -> bool:
        if not term.caps:
            return True
        starts = _word_starts(term.key)
        for j in term.caps:
            if not norm.char(start + starts[j]).isupper():
                if notes is not None:
                    word = self._original(norm, start, start + len(term.key))
                    notes.append((term.entry, f"{word!r}: {term.key.split()[j]!r} must be "
                                  "capitalised to count"))
                return False
        return True

    # -- fuzzy --------------------------------------------------------------
    def _fuzzy(self, norm: Normalized, proposals: list[Proposal], found: set[int],
               notes) -> list[Candidate]:
        scan, out, seen = norm.scan, [], set()
        for p in sorted(proposals, key=lambda p: (p.end, p.start)):  # in text order
            for group in p.groups:
                spans = _window(scan, p.start, p.end, p.stop, group)
                if spans is None or (spans[0][0], spans[-1][1], group.size) in seen:
                    continue
                seen.add((spans[0][0], spans[-1][1], group.size))
                cutoff = group.cutoff - (20 if notes is not None else 0)
                for window, base_end in _variants(scan, spans, (p.start, p.end)):
                    for _, score, i in process.extract(
                        window, group.keys, scorer=OSA.normalized_similarity,
                        score_cutoff=cutoff / 100, limit=None,
                    ):
                        term = group.terms[i]
                        if score >= 1.0 or (term.entry in found and notes is None):
                            continue
                        if self._fuzzy_ok(norm, term, window, spans, score * 100, notes):
                            out.append(Candidate(term, spans[0][0], spans[-1][1], base_end,
                                                 round(score * 100, 1), True))
        return out

    def _fuzzy_ok(self, norm, term: Term, window: str, spans, score: float, notes) -> bool:
        found = self._original(norm, spans[0][0], spans[-1][1]) if notes is not None else ""
        why = None
        if score < (term.threshold or 100):
            why = f"score {score:.0f} < {term.threshold} threshold"
        words = window.split(" ")
        for j, (word, want) in enumerate(zip(words, term.key.split(" "), strict=True)):
            if why:
                break
            if word == want and j not in term.caps:
                continue
            if word != want and not term.fuzzy_words[j]:
                why = f"short word {word!r} must be exactly {want!r}"
            elif word != want and word in self.index.known:
                why = f"{word!r} is a word in its own right, not a typo of {want!r}"
            elif j < len(words) - 1 and word.startswith(want) and word[len(want):] in SUFFIXES:
                why = f"{word!r} is an inflected {want!r}, a different phrase"
            elif OSA.distance(word, want) > max_edits(want):
                why = f"{word!r} is {OSA.distance(word, want)} edits from {want!r}"
            elif not norm.char(spans[j][0]).isupper():
                why = f"misspelt word {word!r} is not capitalised like a name"
        if why and notes is not None:
            notes.append((term.entry, f"{found!r} ~ {term.text!r}: {why}"))
        return why is None

    # -- output -------------------------------------------------------------
    def _original(self, norm: Normalized, start: int, end: int) -> str:
        s, e = norm.span(start, end)
        return norm.original[s:e]

    def _kind(self, norm: Normalized, cand: Candidate) -> str:
        """fuzzy; exact when written as in the watchlist (up to case); else folded."""
        if cand.kind is None:
            if cand.fuzzy:
                cand.kind = "fuzzy"
            else:
                found = self._original(norm, cand.start, cand.base_end)
                same = found == cand.term.text or turkish_key(found) == cand.term.folded
                cand.kind = "exact" if same else "folded"
        return cand.kind

    def _to_match(self, field: str, fs: FieldScan, cand: Candidate) -> Match:
        norm = fs.norm
        scan, end = norm.scan, cand.end
        if end + 1 < len(scan) and scan[end + 1] != " " and norm.char(end) in APOSTROPHES:
            end, _ = _word_end(scan, end + 1)
        s, e = norm.span(cand.start, end)
        text = norm.original
        snip, ss, se = snippet(text, s, e)
        entry = self.entries[cand.term.entry]
        return Match(entry.id, entry.name, cand.term.text, text[s:e], cand.score, field,
                     s, e, snip, ss, se, self._kind(norm, cand))

    def _inside_words(self, field: str, text: str) -> list[tuple[int, str]]:
        """Notes for terms that occur only glued inside a longer word (explain only)."""
        if not text:
            return []
        norm, out = normalize(text), []
        for term in self.index.terms:
            if term.role in (EXCLUDE, CONTEXT):
                continue
            pos = norm.scan.find(term.key)
            while pos > 0:
                if norm.scan[pos - 1] != " ":
                    begin = norm.scan.rfind(" ", 0, pos) + 1
                    word = self._original(norm, begin, pos + len(term.key))
                    out.append((term.entry, f"{term.text!r} occurs inside the longer word "
                                f"{word!r} in the {field}"))
                pos = norm.scan.find(term.key, pos + 1)
        return out


def _window(scan: str, start: int, end: int, stop: int, group: AnchorGroup):
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


def _variants(scan: str, spans, anchor: tuple[int, int]) -> list[tuple[str, int]]:
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
