"""A place in a text where an entry may be named, before the rules decide (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.matching.index import AnchorGroup, Term

# Why near misses failed, as (entry index, reason); None when nobody asks (the fast path).
Notes = list[tuple[int, str]] | None


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
    found: str | None = None  # the name as written, when not one span (a coordinated name)


@dataclass
class Proposal:
    """An anchor in the text (the span of its word, suffix included at `stop`) and the
    anchor groups whose fuzzy window around it is worth scoring."""

    start: int
    end: int
    stop: int
    groups: list[AnchorGroup]


def word_end(scan: str, end: int) -> tuple[int, str]:
    """End of the word that continues at `end`, and the continuation ('' at a boundary)."""
    if end >= len(scan) or scan[end] == " ":
        return end, ""
    stop = scan.find(" ", end)
    stop = len(scan) if stop == -1 else stop
    return stop, scan[end:stop]
