"""What `monitor feedback` prints: the staff's verdicts on alerts, as precision per entry.

Only the latest press of each alert counts. With `--examples FILE` the judged
snippets are written as an examples file (the format of `NAME.examples.yaml`,
see monitor.config.examples): a relevant alert expects its entries, an
irrelevant one expects nothing. Each example is marked for review in its `note`:
a snippet is a part of the article, and a verdict is one person's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config.settings import Settings
from monitor.errors import InputError
from monitor.models import Verdict
from monitor.reports.digest import day_bounds, entry_names
from monitor.store.database import Store

EXAMPLES_HEADER = """\
# Examples from the staff's feedback buttons (`monitor feedback --examples`).
# REVIEW EVERY ONE before moving it next to the watchlists: a snippet is part of
# an article, a verdict is one person's press. `monitor check` runs them.
"""


@dataclass(frozen=True)
class EntryVerdicts:
    entry_id: str
    name: str
    relevant: int
    irrelevant: int

    @property
    def precision(self) -> float:
        return self.relevant / (self.relevant + self.irrelevant)


def per_entry(verdicts: list[Verdict], names: dict[str, str]) -> list[EntryVerdicts]:
    """Verdicts counted for every entry an alert matched, most judged first."""
    counts: dict[str, list[int]] = {}
    for verdict in verdicts:
        for entry_id in verdict.entry_ids:
            pair = counts.setdefault(entry_id, [0, 0])
            pair[0 if verdict.verdict == "relevant" else 1] += 1
    rows = [EntryVerdicts(entry_id, names.get(entry_id, entry_id), r, i)
            for entry_id, (r, i) in counts.items()]
    return sorted(rows, key=lambda row: (-(row.relevant + row.irrelevant), row.entry_id))


def feedback_lines(verdicts: list[Verdict], names: dict[str, str]) -> list[str]:
    if not verdicts:
        return ["no verdicts yet: staff press ✅ / ❌ under an alert"]
    rows = per_entry(verdicts, names)
    width = max(len("entry"), *(len(f"{r.entry_id} ({r.name})") for r in rows))
    lines = [f"{'entry':<{width}}  relevant  irrelevant  precision"]
    lines += [f"{f'{r.entry_id} ({r.name})':<{width}}  {r.relevant:>8}  {r.irrelevant:>10}  "
              f"{r.precision:>9.0%}" for r in rows]
    relevant = sum(1 for v in verdicts if v.verdict == "relevant")
    lines.append(f"{len(verdicts)} alerts judged: {relevant} relevant, "
                 f"{len(verdicts) - relevant} irrelevant")
    return lines


def examples_yaml(verdicts: list[Verdict], known: set[str], tz: str) -> tuple[str, int]:
    """The examples file's text and how many examples it holds.

    Entries no longer in the watchlists are left out of `expect`; a relevant alert
    none of whose entries is left is skipped.
    """
    examples: dict[str, str] = {}  # by snippet: the latest verdict wins
    for v in verdicts:
        expect = [e for e in v.entry_ids if e in known] if v.verdict == "relevant" else []
        if not v.snippet.strip() or (v.verdict == "relevant" and not expect):
            continue
        when = v.created_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
        note = (f"REVIEW: {v.verdict} by {v.user_name or v.user_id} on {when}; "
                f"terms: {', '.join(v.terms)}")
        examples[v.snippet] = (f"  - text: {_quoted(v.snippet)}\n"
                               f"    expect: [{', '.join(expect)}]\n"
                               f"    note: {_quoted(note)}\n")
    return EXAMPLES_HEADER + "examples:" + ("\n" + "".join(examples.values()) if examples
                                            else " []\n"), len(examples)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def print_feedback(settings: Settings, *, since: date | None, examples: str | None) -> None:
    """`monitor feedback`: precision per entry; with `examples`, the examples file."""
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        start = day_bounds(since, settings.timezone)[0] if since else None
        verdicts = store.latest_verdicts(start)
    finally:
        store.close()
    names = entry_names(settings) or {}
    print("\n".join(feedback_lines(verdicts, names)))
    if examples is None:
        return
    text, count = examples_yaml(verdicts, set(names), settings.timezone)
    out = Path(examples)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(str(out), f"cannot write the examples: {exc.strerror or exc}") from None
    print(f"examples: {count} written to {out} (review them before use)")
