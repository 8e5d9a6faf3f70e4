"""What `monitor match` prints for one input: its matches, and with --explain its near misses."""

from __future__ import annotations

from typing import Any

from monitor.matching.explain import explain
from monitor.matching.matcher import Matcher
from monitor.models import Match


def match_json(
    name: str, found: list[Match], matcher: Matcher, title: str, body: str, explain: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input": name,
        "matches": [
            {
                "id": m.entry_id,
                "name": m.name,
                "score": round(m.score, 1),
                "snippet": m.snippet,
                "matched": m.matched,
                "term": m.term,
                "kind": m.kind,
                "field": m.field,
                "span": [m.start, m.end],
            }
            for m in found
        ],
    }
    if explain:
        out["near_misses"] = near_misses(matcher, title, body, found)
    return out


def match_lines(
    name: str, found: list[Match], matcher: Matcher, title: str, body: str, explain: bool
) -> list[str]:
    lines = [f"{name}: {len(found)} match{'es' if len(found) != 1 else ''}"]
    for m in found:
        marked = f"{m.snippet[: m.snippet_start]}[{m.matched}]{m.snippet[m.snippet_end :]}"
        lines.append(
            f"  {m.entry_id} ({m.name}) score {m.score:.0f} {m.kind} in {m.field} "
            f"at {m.start}-{m.end} via {m.term!r}"
        )
        lines.append(f"    {marked}")
    if explain:
        misses = near_misses(matcher, title, body, found)
        lines.extend(f"  near miss: {reason}" for reason in misses or ["none"])
    return lines


def near_misses(matcher: Matcher, title: str, body: str, found: list[Match]) -> list[str]:
    """explain()'s lines without the ones restating a match (those are printed above)."""
    said = tuple(f"{m.entry_id}: matched " for m in found)
    return [line for line in explain(matcher, title, body) if not line.startswith(said)]
