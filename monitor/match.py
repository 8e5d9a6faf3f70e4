"""Find watchlist entries in an article's title and body (pure, no I/O).

Per field: one normalisation pass and one Aho-Corasick scan.  Hits are kept
when they end at a word boundary or before a known Turkish suffix chain; then
context, capitalisation and exclusion rules apply.  Anchor hits propose word
windows for fuzzy (typo) matches, verified with rapidfuzz.  `explain` runs the
same code with a trace and says why near misses did not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick
from rapidfuzz import process
from rapidfuzz.distance import OSA

from monitor.examples import ExampleReport, evaluate
from monitor.matchindex import (
    CONTEXT,
    EXCLUDE,
    GATE_NEXT,
    GATE_PREV,
    NEAR_PREV,
    SOFT,
    WEAK,
    AnchorGroup,
    Term,
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
        self._bare: ahocorasick.Automaton | None = None  # every anchor word, for explain

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
        best: dict[int, tuple[tuple, Match]] = {}
        for field, fs in scans.items():
            for cand in fs.candidates:
                if not self._allowed(cand, fs, context, notes):
                    continue
                match = self._to_match(field, fs.norm, cand)
                rank = (match.score, field == "title", _KIND_RANK[match.kind], -match.start)
                if cand.term.entry not in best or rank > best[cand.term.entry][0]:
                    best[cand.term.entry] = (rank, match)
        return [best[i][1] for i in sorted(best)]

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
        anchors: set[tuple[int, int, int]] = set()
        found: set[int] = set()
        # the trailing space lets a gate pattern end the text ("anchor osb ")
        hits = self.index.automaton.iter(scan + " ") if self.index.terms else ()
        gates = notes is None  # explain looks at every anchor word instead (_bare_anchors)
        for last, (length, roles) in hits:
            start, end = last - length + 2, last + 1
            cont = None
            for role, term in roles:
                if role == GATE_NEXT:  # " anchor ne": the anchor is followed by a space
                    if gates:
                        anchors.add((start, start + term, start + term))
                    continue
                if role == GATE_PREV:  # "xt anchor": the anchor ends the pattern
                    if gates:
                        stop, after = _word_end(scan, end)
                        if not after or after in SUFFIXES:
                            anchors.add((end - term, end, stop))
                    continue
                if role == NEAR_PREV:  # " wrod ": the next word may be an anchor
                    if gates:
                        self._anchor_after(scan, end, anchors)
                    continue
                if cont is None:
                    stop, cont = _word_end(scan, end)
                if role == SOFT:
                    if not cont or cont[0] not in VOWELS or cont not in SUFFIXES:
                        continue
                elif cont and cont not in SUFFIXES:
                    if notes is not None:
                        word = self._original(norm, start, stop)
                        notes.append((term.entry, f"{word!r}: {cont!r} after {term.text!r} "
                                      "is not a Turkish suffix"))
                    continue
                if role == EXCLUDE:
                    fs.excluded.append((start, stop, term))
                    if notes is not None:
                        notes.append((term.entry, f"{term.text!r} is excluded"))
                elif role == CONTEXT:
                    fs.context.add(term.entry)
                elif self._capitals_ok(norm, term, start, notes):
                    fs.candidates.append(Candidate(term, start, stop, end, soft=role == SOFT))
                    if role != WEAK:
                        found.add(term.entry)
        if gates and self.index.reverse is not None:
            self._anchors_before(scan, anchors)
        if notes is not None:
            anchors = self._bare_anchors(scan)
        if anchors:
            ordered = sorted(anchors, key=lambda a: (a[1], a[0]))  # as the automaton found them
            fs.candidates.extend(self._fuzzy(norm, ordered, found, notes))
        return fs

    def _anchors_before(self, scan: str, anchors: set[tuple[int, int, int]]) -> None:
        """Anchors followed by a word with a typo near its start."""
        assert self.index.reverse is not None
        rscan = (scan + " ")[::-1]
        size = len(rscan)
        for last, length in self.index.reverse.iter(rscan):
            word_end = size - 1 - (last - length + 1)  # the space after the word, forward
            begin = scan.rfind(" ", 0, word_end) + 1
            if begin < 3 or scan[begin - 2] == " ":
                continue
            anchor_start = scan.rfind(" ", 0, begin - 1) + 1
            if scan[anchor_start : begin - 1] in self.index.next_anchors:
                anchors.add((anchor_start, begin - 1, begin - 1))

    def _anchor_after(self, scan: str, begin: int, anchors: set[tuple[int, int, int]]) -> None:
        """The anchor (suffix allowed) at `begin`, after a word that may hold a typo."""
        if begin >= len(scan) or scan[begin] == " ":
            return
        stop, _ = _word_end(scan, begin)
        word, prev = scan[begin:stop], self.index.prev_anchors
        if word in prev:
            anchors.add((begin, stop, stop))
        for cut in range(len(word) - 1, 0, -1):
            if word[cut:] in SUFFIXES and word[:cut] in prev:
                anchors.add((begin, begin + cut, stop))

    def _bare_anchors(self, scan: str) -> set[tuple[int, int, int]]:
        """Every anchor word in the text, gated or not (explain: why near misses failed)."""
        if self._bare is None:
            self._bare = ahocorasick.Automaton()
            for word in self.index.next_anchors | self.index.prev_anchors:
                self._bare.add_word(" " + word, len(word) + 1)
            if len(self._bare):
                self._bare.make_automaton()
        out: set[tuple[int, int, int]] = set()
        if not len(self._bare):
            return out
        for last, length in self._bare.iter(scan):
            start, end = last - length + 2, last + 1
            stop, cont = _word_end(scan, end)
            if not cont or cont in SUFFIXES:
                out.add((start, end, stop))
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
        got, want = turkish_key(found), turkish_key(term.text)
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
    def _fuzzy(self, norm: Normalized, anchors, found: set[int], notes) -> list[Candidate]:
        scan, out, seen = norm.scan, [], set()
        for start, end, stop in anchors:
            for group in self._groups(scan, start, end, stop):
                spans = _window(scan, start, end, stop, group)
                if spans is None or (spans[0][0], spans[-1][1], group.size) in seen:
                    continue
                seen.add((spans[0][0], spans[-1][1], group.size))
                cutoff = group.cutoff - (20 if notes is not None else 0)
                for window, base_end in _variants(scan, spans, (start, end)):
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
                            found.add(term.entry)
        return out

    def _groups(self, scan: str, start: int, end: int, stop: int) -> list[AnchorGroup]:
        """Anchor groups whose neighbouring word may match the text's (a cheap filter)."""
        anchor, get, groups = scan[start:end], self.index.neighbours.get, []
        if stop < len(scan) - 1 and scan[stop] == " " and scan[stop + 1] != " ":
            nxt = scan.find(" ", stop + 1)
            word = scan[stop + 1 : nxt if nxt != -1 else len(scan)]
            for key in (word, "<" + word[:2], ">" + word[-2:]):
                groups.extend(get((anchor, 1, key), ()))
        if start > 2 and scan[start - 1] == " " and scan[start - 2] != " ":
            word = scan[scan.rfind(" ", 0, start - 1) + 1 : start - 1]
            for key in (word, "<" + word[:2], ">" + word[-2:]):
                groups.extend(get((anchor, -1, key), ()))
        return list(dict.fromkeys(groups)) if len(groups) > 1 else groups

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

    def _to_match(self, field: str, norm: Normalized, cand: Candidate) -> Match:
        scan, end = norm.scan, cand.end
        if end + 1 < len(scan) and scan[end + 1] != " " and norm.char(end) in APOSTROPHES:
            end, _ = _word_end(scan, end + 1)
        s, e = norm.span(cand.start, end)
        text = norm.original
        if cand.fuzzy:
            kind = "fuzzy"
        else:
            bs, be = norm.span(cand.start, cand.base_end)
            same = turkish_key(text[bs:be]) == turkish_key(cand.term.text)
            kind = "exact" if same else "folded"
        snip, ss, se = snippet(text, s, e)
        entry = self.entries[cand.term.entry]
        return Match(entry.id, entry.name, cand.term.text, text[s:e], cand.score, field,
                     s, e, snip, ss, se, kind)

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
