"""Turkish-aware text normalisation with an offset map back to the original (pure).

`normalize(text)` returns a *scan form*: NFC, Turkish case folding, ASCII
folding (ş->s, ı/İ/I->i, ...), every apostrophe and punctuation mark turned into
a space, zero-width characters and soft hyphens removed, whitespace runs
(NBSP, line breaks, double spaces) squeezed to one space.  The scan form is
built with C-level codecs and byte tables (no per-character Python loop), and
`Normalized.span()` maps any span of it back to the original text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

APOSTROPHES = "'’‘`´ʼ′"
REMOVABLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_REMOVABLE_RE = re.compile(f"[{REMOVABLE}]")
_WHITESPACE_RUN = re.compile(r"\s+")
_ERROR_HANDLER = "monitor-fold"


def _fold_error(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: one cp1254-encodable stand-in per unencodable character."""
    assert isinstance(exc, UnicodeEncodeError)
    out = []
    for ch in exc.object[exc.start : exc.end]:
        if ch in REMOVABLE:
            out.append("\x00")
        elif ch.isspace():
            out.append(" ")
        elif ch in APOSTROPHES:
            out.append("'")
        else:
            base = unicodedata.normalize("NFKD", ch)[:1]
            out.append(base if base.isascii() and base.isalnum() else "\x7f")
    return "".join(out), exc.end


codecs.register_error(_ERROR_HANDLER, _fold_error)


def _ascii_letter(ch: str) -> str:
    if ch in "Iıİ":
        return "i"
    base = unicodedata.normalize("NFKD", ch)[:1].lower()
    return base if base.isascii() and base.isalnum() else "x"


def _tables() -> tuple[bytes, bytes]:
    spaces, scan = bytearray(range(256)), bytearray(range(256))
    for b in range(256):
        ch = bytes([b]).decode("cp1254", errors="ignore")
        if not ch:
            scan[b] = 0x20
            continue
        if ch.isspace():
            spaces[b] = 0x20
        elif ch == "\u00ad":
            spaces[b] = 0
        scan[b] = ord(_ascii_letter(ch)) if ch.isalnum() else 0x20
    return bytes(spaces), bytes(scan)


_SPACES, _SCAN = _tables()
# runs of removed bytes that shift offsets: a run holding a NUL, two or more spaces,
# or a space at either end (a single space between two words maps to itself)
_SHIFTS = re.compile(rb"[ \x00]*\x00[ \x00]*| {2,}|\A | \Z")


def _space_runs(spaced: bytes) -> list[tuple[int, int]]:
    """Spans of the runs of two or more spaces (a find loop: far faster than a regex)."""
    runs, i = [], spaced.find(b"  ")
    while i != -1:
        j = i + 2
        while spaced[j : j + 1] == b" ":
            j += 1
        runs.append((i, j))
        i = spaced.find(b"  ", j)
    return runs


def _shifts(spaced: bytes, runs: list[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """Spans of the runs that `normalize` removes or squeezes (see _SHIFTS); `runs`: its
    space runs, None when it removed characters (NULs) from `spaced`."""
    if runs is None:
        return [m.span() for m in _SHIFTS.finditer(spaced)]
    spans = list(runs)
    if spaced.startswith(b" ") and (not spans or spans[0][0] != 0):
        spans.insert(0, (0, 1))
    if spaced.endswith(b" ") and (not spans or spans[-1][1] != len(spaced)):
        spans.append((len(spaced) - 1, len(spaced)))
    return spans


def _nfc_with_map(text: str) -> tuple[str, list[int]]:
    """NFC of `text` and, per NFC character, the start of its source cluster (+ end)."""
    out: list[str] = []
    starts: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        composed = unicodedata.normalize("NFC", text[i:j])
        out.append(composed)
        starts.extend([i] * len(composed))
        i = j
    starts.append(len(text))
    return "".join(out), starts


@dataclass
class Normalized:
    """A text's scan form; `scan` starts with one space so terms can be anchored on it."""

    original: str
    scan: str
    _spaced: bytes
    _nfc_starts: list[int] | None
    _squeezed: bool
    _runs: list[tuple[int, int]] | None = field(default=None, repr=False)
    _bps: tuple[list[int], list[int]] | None = field(default=None, repr=False)

    def _breakpoints(self) -> tuple[list[int], list[int]]:
        if self._bps is None:
            norm_at, delta = [0], [0]
            spaced = self._spaced
            norm, orig, size = 0, 0, len(spaced)
            spaces_only = self._runs is not None  # no removed characters in the runs
            for s, e in _shifts(spaced, self._runs):
                norm += s - orig
                if s > 0 and e < size and (spaces_only or b" " in spaced[s:e]):
                    norm_at.append(norm)  # the run's first space is the one kept
                    delta.append(s + (0 if spaces_only else spaced[s:e].index(b" ")) - norm)
                    norm += 1
                norm_at.append(norm)
                delta.append(e - norm)
                orig = e
            self._bps = (norm_at, delta)
        return self._bps

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of `scan` (with its leading space) to a span of the original text."""
        s, e = start - 1, end - 2
        if self._squeezed:
            norm_at, delta = self._bps or self._breakpoints()
            s += delta[bisect_right(norm_at, s) - 1]
            e += delta[bisect_right(norm_at, e) - 1]
        if self._nfc_starts is not None:
            return self._nfc_starts[s], self._nfc_starts[e + 1]
        return s, e + 1

    def text_of(self, start: int, end: int) -> str:
        """The original text of a span of `scan`."""
        s, e = self.span(start, end)
        return self.original[s:e]

    def char(self, i: int) -> str:
        """The original character at scan position `i` ('' past the end)."""
        if i >= len(self.scan):
            return ""
        s, _ = self.span(i, i + 1)
        return self.original[s] if s < len(self.original) else ""


def normalize(text: str) -> Normalized:
    """Build the scan form of `text` (see the module docstring)."""
    nfc_starts = None
    try:  # the common case: every character is in cp1254, so the text is already NFC
        encoded = text.encode("cp1254")
    except UnicodeEncodeError:
        source = text
        if not unicodedata.is_normalized("NFC", text):
            source, nfc_starts = _nfc_with_map(text)
        encoded = source.encode("cp1254", _ERROR_HANDLER)
    spaced = encoded.translate(_SPACES)
    kept = spaced.translate(None, b"\x00") if b"\x00" in spaced else spaced  # rarely any
    runs = _space_runs(kept)
    starts, ends = [0] + [e for _, e in runs], [s for s, _ in runs] + [len(kept)]
    squeezed = b" ".join([kept[s:e] for s, e in zip(starts, ends, strict=True)]).strip(b" ")
    changed = len(squeezed) != len(spaced)
    scan = " " + squeezed.translate(_SCAN).decode("latin-1")
    # the runs are positions in `spaced` only when nothing was removed from it
    return Normalized(text, scan, spaced, nfc_starts, changed, runs if kept is spaced else None)


def scan_key(term: str) -> str:
    """A watchlist term in scan form, without the leading space, single-spaced."""
    return " ".join(normalize(term).scan.split())


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish rules (İ->i, I->ı), after NFC."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("İ", "i").replace("I", "ı").lower()


_NON_WORD = re.compile(r"[\W_]+")


def turkish_key(text: str) -> str:
    """Turkish-folded words of `text` joined by single spaces (no ASCII folding)."""
    return _NON_WORD.sub(" ", turkish_lower(_REMOVABLE_RE.sub("", text))).strip()


def squash(text: str) -> str:
    """Whitespace runs to one space and zero-width characters removed, for display."""
    return _WHITESPACE_RUN.sub(" ", _REMOVABLE_RE.sub("", text))


def snippet(text: str, start: int, end: int, width: int = 160) -> tuple[str, int, int]:
    """About `width` characters around text[start:end], cut at word boundaries.

    Returns the snippet and the span of the matched text inside it.
    """
    room = max(0, width - (end - start)) // 2
    left = max(0, start - room)
    right = min(len(text), end + room)
    if left > 0:
        cut = text.find(" ", left, start)
        left = cut + 1 if cut != -1 else left
    if right < len(text):
        cut = text.rfind(" ", end, right)
        right = cut if cut != -1 else right
    before, middle, after = text[left:start], text[start:end], text[end:right]
    window = text[left:right]
    # what `squash` changes: a space run, other whitespace or an invisible character
    if "  " in window or not window.isprintable():
        before, middle, after = squash(before), squash(middle), squash(after)
    before, after = before.lstrip(), after.rstrip()
    if left > 0:
        before = "…" + before
    if right < len(text):
        after += "…"
    return before + middle + after, len(before), len(before) + len(middle)
