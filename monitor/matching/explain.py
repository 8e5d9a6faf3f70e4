"""Why an article matched an entry or came close and did not, in words (pure).

`monitor match --explain` prints these lines; they come from the matcher's own
trace, so they never disagree with what the worker decides.
"""

from __future__ import annotations

from monitor.matching.index import CONTEXT, EXCLUDE, NOT_WITHIN
from monitor.matching.matcher import Matcher
from monitor.matching.text import normalize


def explain(matcher: Matcher, title: str, body: str) -> list[str]:
    """Human-readable lines: what matched, and why near misses did not."""
    matches, notes = matcher.trace(title, body)
    matched = {m.entry_id for m in matches}
    lines = [
        f"{m.entry_id}: matched {m.matched!r} in {m.field} (term {m.term!r}, {m.kind}, "
        f"score {m.score:g})"
        for m in matches
    ]
    for field, text in (("title", title), ("body", body)):
        notes.extend(_inside_words(matcher, field, text))
    seen: set[str] = set()
    for entry, note in notes:
        entry_id = matcher.entries[entry].id
        line = f"{entry_id}: {note}"
        if entry_id not in matched and line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def _inside_words(matcher: Matcher, field: str, text: str) -> list[tuple[int, str]]:
    """Notes for terms that occur only glued inside a longer word."""
    if not text:
        return []
    norm, out = normalize(text), []
    for term in matcher.index.terms:
        if term.role in (EXCLUDE, CONTEXT, NOT_WITHIN):
            continue
        pos = norm.scan.find(term.key)
        while pos > 0:
            if norm.scan[pos - 1] != " ":
                begin = norm.scan.rfind(" ", 0, pos) + 1
                word = norm.text_of(begin, pos + len(term.key))
                out.append((term.entry, f"{term.text!r} occurs inside the longer word "
                            f"{word!r} in the {field}"))
            pos = norm.scan.find(term.key, pos + 1)
    return out
