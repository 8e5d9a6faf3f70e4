"""The checks of a candidate that need the original text: letters, capitals, kind (pure)."""

from __future__ import annotations

from rapidfuzz.distance import OSA

from monitor.matching.candidate import Candidate, Notes
from monitor.matching.index import Term, max_edits
from monitor.matching.text import Normalized, turkish_key


def letters_ok(norm: Normalized, cand: Candidate, notes: Notes) -> bool:
    """A Turkish letter in the text that differs from the term's counts as a typo.

    ASCII typing ("TUSAS") folds freely, and ı/i confusion is forgiven, but
    "TÜSAŞ" is not "TUSAŞ": a mismatching Turkish letter is an edit, allowed only
    in a fuzzy word of a fuzzy term, and then the match is scored as fuzzy.
    """
    term = cand.term
    if term.text.isascii():
        return True
    found = _found(norm, cand)
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


def capitals_ok(norm: Normalized, term: Term, start: int, notes: Notes,
                words: int | None = None) -> bool:
    """The letters the watchlist's `capitalised` phrases write as capitals are capitals in
    the text (in the first `words` words only, if given)."""
    if not term.caps:
        return True
    starts = _word_starts(term.key)
    for j, offsets in term.caps:
        if words is not None and j >= words:
            break
        if not all(norm.char(start + starts[j] + o).isupper() for o in offsets):
            if notes is not None:
                notes.append((term.entry, _caps_note(norm, term, start, starts, j)))
            return False
    return True


def _caps_note(norm: Normalized, term: Term, start: int, starts: list[int], j: int) -> str:
    size = len(term.key.split(" ")[j])
    word = norm.text_of(start + starts[j], start + starts[j] + size)
    offsets = term.caps_in(j)
    how = ("written in capitals" if len(offsets) == size else "capitalised"
           if offsets == (0,) else "capitalised as in the watchlist")
    found = norm.text_of(start, start + len(term.key))
    return f"{found!r}: {word!r} must be {how} to count (capitalised)"


def kind(norm: Normalized, cand: Candidate) -> str:
    """fuzzy; exact when written as in the watchlist (up to case); else folded."""
    if cand.kind is None:
        if cand.fuzzy:
            cand.kind = "fuzzy"
        else:
            found = _found(norm, cand)
            same = found == cand.term.text or turkish_key(found) == cand.term.folded
            cand.kind = "exact" if same else "folded"
    return cand.kind


def _found(norm: Normalized, cand: Candidate) -> str:
    return cand.found if cand.found is not None else norm.text_of(cand.start, cand.base_end)


def _word_starts(key: str) -> list[int]:
    starts, pos = [], 0
    for word in key.split(" "):
        starts.append(pos)
        pos += len(word) + 1
    return starts
