"""A watched name inside a list of names that share one head noun (pure).

"Erkenez ve Aksu OSB'leri", "Erkenez, Aksu ve Türkoğlu OSB'leri" and "Erkenez
ile Aksu OSB'leri" each name Erkenez OSB: Turkish writes the head noun (see
`monitor.matching.heads`) once, after the last name.  The index files "the
words before the head, then 've', 'ile' or a comma" of such a term as a pattern;
`resolve` reads on from there and accepts the list when

- every other name in it is capitalised, at most `MAX_NAME_WORDS` words each,
  `MAX_NAMES` names in all;
- the names are joined by commas and at least one "ve" or "ile";
- the head noun follows the last name (with any suffix), and, after "ile",
  in the plural ("OSB'leri", "bölgeleri"): "Erkenez ile Aksu OSB arasında" may
  pair the place Erkenez with one zone.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitor.matching import rules
from monitor.matching.candidate import Candidate, Notes
from monitor.matching.index import Coordinated
from monitor.matching.suffixes import SUFFIXES
from monitor.matching.text import APOSTROPHES, Normalized

MAX_NAMES = 5  # names in one list, the watched one included
MAX_NAME_WORDS = 3
REACH = 80  # characters after the joining word where the head noun may start
JOINS = frozenset({"ve", "ile"})
PLURALS = ("ler", "lar")
# a token: (kind, start, end); kind "word", or the gap before a word: "comma", "apos", "stop"
Token = tuple[str, int, int]


def resolve(norm: Normalized, spec: Coordinated, start: int, notes: Notes) -> Candidate | None:
    """The coordinated mention of `spec.term` whose modifier starts at scan[start], or None."""
    term, scan = spec.term, norm.scan
    mod_end = start + len(spec.modifier)
    head_at = scan.find(spec.probe, mod_end, mod_end + REACH + 8)  # the list ends there
    if head_at == -1 or not rules.capitals_ok(
            norm, term, start, notes, len(spec.modifier.split(" "))):
        return None
    tokens = _Tokens(norm, mod_end, head_at + len(" ".join(spec.head.words)) + 40)
    names, words = 0, 1  # names done; words of the current name (the watched one first)
    joins: set[str] = set()
    why, upto, i = "", mod_end, -1
    while len(tokens.upto(i + 2)) > i + 1:
        i += 1
        kind, s, e = tokens.items[i]
        word, upto = scan[s:e], e
        if kind == "comma" or (kind == "word" and word in JOINS):
            if not words:
                why = "two joining words in a row"
                break
            joins.add(word if kind == "word" else ",")
            names, words = names + 1, 0
            continue
        if kind != "word":
            if kind == "apos" and words:
                why = f"a suffix after {norm.text_of(*tokens.items[i - 1][1:])!r} ends the list"
            break
        if words and (head := _head_end(
                norm, spec, tokens.upto(i + len(spec.head.words) + 2), i)) is not None:
            end, plural = head
            if why := _joins_why(joins, plural):
                break
            found = f"{norm.text_of(start, mod_end)} {spec.head_text}"
            return Candidate(term, start, end, end, found=found)
        if why := _name_why(norm, word, s, names, words):
            break
        words += 1
    if notes is not None and why and _head_ahead(norm, spec, tokens.upto(len(norm.scan))):
        notes.append((term.entry, f"{norm.text_of(start, upto)!r} is no list of "
                      f"names sharing the head noun of {term.text!r}: {why}"))
    return None


def _joins_why(joins: set[str], plural: bool) -> str:
    """Why the list's joining words do not share the head noun; '' when they do."""
    if not joins - {","}:
        return "a list needs 've' or 'ile' before the shared head noun"
    if "ile" in joins and not plural:
        return "after 'ile' only a plural head noun is shared (OSB'leri, bölgeleri)"
    return ""


def _name_why(norm: Normalized, word: str, s: int, names: int, words: int) -> str:
    """Why the word at scan[s] cannot be (part of) a name in the list; '' when it can."""
    if names >= MAX_NAMES:
        return f"more than {MAX_NAMES} names"
    if words >= MAX_NAME_WORDS:
        return f"a name of more than {MAX_NAME_WORDS} words"
    if not norm.char(s).isupper():
        return f"{norm.text_of(s, s + len(word))!r} is not capitalised like a name"
    return ""


def _head_end(norm: Normalized, spec: Coordinated, tokens: list[Token],
              i: int) -> tuple[int, bool] | None:
    """(end, in the plural) of the head noun starting at tokens[i] (its suffix included)."""
    head, scan = spec.head, norm.scan
    n = len(head.words)
    found = tokens[i : i + n]
    if len(found) < n or any(kind != "word" for kind, _, _ in found) or any(
            scan[s:e] != w for (_, s, e), w in zip(found[:-1], head.words[:-1], strict=True)):
        return None
    _, s, e = found[-1]
    last, plural = scan[s:e], False
    if head.plural and last.startswith(head.plural) and last[len(head.plural):] in _ENDINGS:
        plural = True
    elif last.startswith(head.words[-1]) and (suffix := last[len(head.words[-1]):]) in _ENDINGS:
        after = tokens[i + n : i + n + 2]
        if not suffix and len(after) == 2 and after[0][0] == "apos":
            suffix = scan[after[1][1] : after[1][2]]  # OSB'leri
        plural = head.plural is None and suffix.startswith(PLURALS)
    else:
        return None
    return e, plural


_ENDINGS = SUFFIXES | {""}


def _head_ahead(norm: Normalized, spec: Coordinated, tokens: list[Token]) -> bool:
    """The head noun is among the tokens (worth explaining why there is no list)."""
    return any(_head_end(norm, spec, tokens, i) for i in range(len(tokens)))


class _Tokens:
    """The tokens from scan[pos] to about scan[stop], read as far as asked: most lists
    fail at their first words."""

    def __init__(self, norm: Normalized, pos: int, stop: int):
        self.items: list[Token] = []
        self._more = _tokens(norm, pos, stop)

    def upto(self, n: int) -> list[Token]:
        """The first `n` tokens (fewer when there are no more)."""
        while len(self.items) < n and (token := next(self._more, None)) is not None:
            self.items.append(token)
        return self.items


def _tokens(norm: Normalized, pos: int, stop: int) -> Iterator[Token]:
    """The words from scan[pos] to about scan[stop], each after the kind of gap before it,
    if not a space."""
    scan = norm.scan
    while pos < min(stop, len(scan)):
        s = pos
        while s < len(scan) and scan[s] == " ":
            s += 1
        if s >= len(scan):
            break
        if s - pos > 1:
            yield "comma" if norm.text_of(pos, s).strip() == "," else "stop", pos, s
        elif not (ch := norm.char(pos)).isspace():
            yield "apos" if ch in APOSTROPHES else "stop", pos, s
        e = scan.find(" ", s)
        e = len(scan) if e == -1 else e
        yield "word", s, e
        pos = e
