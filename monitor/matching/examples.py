"""Labelled examples and their evaluation as tests: precision and recall per entry (pure).

An example is a text and the entries it truly mentions; every other entry
must not match it. `monitor.config.examples` reads them from the examples
files kept next to the watchlists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from monitor.models import Match


@dataclass(frozen=True)
class Example:
    """One labelled text: `labels` are the entries it truly mentions."""

    text: str
    labels: frozenset[str]
    title: str = ""
    path: str = ""
    line: int = 0
    kind: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else "example"


class _Finds(Protocol):
    def find_matches(self, title: str, body: str) -> list[Match]: ...


@dataclass(frozen=True)
class EntryScore:
    entry_id: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(frozen=True)
class Failure:
    """An example whose matches differ from its labels."""

    example: Example
    missing: frozenset[str]  # labelled but not matched
    unexpected: frozenset[str]  # matched but not labelled

    def __str__(self) -> str:
        parts = []
        if self.missing:
            parts.append("missed " + ", ".join(sorted(self.missing)))
        if self.unexpected:
            parts.append("wrongly matched " + ", ".join(sorted(self.unexpected)))
        text = (self.example.title + " | " if self.example.title else "") + self.example.text
        short = text if len(text) <= 100 else text[:97] + "..."
        return f"{self.example.where}: {'; '.join(parts)}: {short!r}"


@dataclass(frozen=True)
class ExampleReport:
    entries: dict[str, EntryScore]
    failures: tuple[Failure, ...]
    total: int = 0
    micro: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        """A printable summary: one line per entry, then one per failing example."""
        out = [
            f"{s.entry_id}: precision {s.precision:.2f} recall {s.recall:.2f} "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn})"
            for s in self.entries.values()
        ]
        out += [str(f) for f in self.failures]
        out.append(f"{self.total - len(self.failures)}/{self.total} examples pass")
        return out


def evaluate(matcher: _Finds, examples: Iterable[Example],
             entry_ids: Iterable[str] | None = None) -> ExampleReport:
    """Per-entry precision/recall and the failing examples.

    `entry_ids` limits the scoring to some entries (default: every labelled or matched one).
    """
    scope = set(entry_ids) if entry_ids is not None else None
    counts: dict[str, list[int]] = {}
    if scope is not None:
        counts = {i: [0, 0, 0] for i in sorted(scope)}
    failures, total = [], 0
    for ex in examples:
        total += 1
        got = {m.entry_id for m in matcher.find_matches(ex.title, ex.text)}
        want = set(ex.labels)
        if scope is not None:
            got, want = got & scope, want & scope
        for i in got | want:
            c = counts.setdefault(i, [0, 0, 0])
            c[0 if i in got and i in want else 1 if i in got else 2] += 1
        if got != want:
            failures.append(Failure(ex, frozenset(want - got), frozenset(got - want)))
    tp, fp, fn = (sum(c[k] for c in counts.values()) for k in range(3))
    micro = {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }
    p, r = micro["precision"], micro["recall"]
    micro["f1"] = 2 * p * r / (p + r) if p + r else 0.0
    scores = {i: EntryScore(i, *c) for i, c in counts.items()}
    return ExampleReport(scores, tuple(failures), total, micro)
