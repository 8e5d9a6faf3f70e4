"""Held-out evaluation of the matcher on independently written, labelled data.

The data under ``tests/data/heldout/`` was written without looking at the matcher,
its suffix tables or the shipped watchlists, and must not be tuned toward them:

- ``snippets.jsonl``: one ``{"id", "text", "labels", "kind"}`` object per line;
  ``labels`` is the set of watchlist entries the text truly refers to.
- ``pages/*.html`` + ``pages/labels.json``: whole article pages; labels come from
  the article headline and body only (sidebars, related blocks, comments and
  footers do not count).

Each test computes micro precision/recall/F1 over (item, entry) pairs and fails
below ``MIN_F1``, listing every misclassified item.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pytest

from monitor.config.watchlists import load_watchlists
from monitor.errors import ExtractError
from monitor.matching.matcher import Matcher
from monitor.sources.extract import extract_article
from tests.paths import DATA as TEST_DATA
from tests.paths import ROOT

DATA = TEST_DATA / "heldout"
ENTRY_IDS = frozenset({"km-havacilik", "mustafa-buluntu", "erkenez-osb", "tusas"})
MIN_F1 = 0.97
MIN_SNIPPETS = 250
MIN_PAGES = 16


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)
    failed_kinds: Counter = field(default_factory=Counter)

    def add(self, item_id: str, text: str, kind: str, expected: set[str], got: set[str]) -> None:
        self.tp += len(expected & got)
        self.fp += len(got - expected)
        self.fn += len(expected - got)
        if expected != got:
            self.failed_kinds[kind] += 1
            self.errors.append(
                f"{item_id} [{kind}] expected={sorted(expected)} got={sorted(got)}"
                f"\n    text: {text!r}"
            )

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def report(self, name: str, total: int) -> str:
        lines = [
            f"{name}: {total} items, {len(self.errors)} misclassified; "
            f"tp={self.tp} fp={self.fp} fn={self.fn} "
            f"P={self.precision:.4f} R={self.recall:.4f} F1={self.f1:.4f}",
        ]
        if self.failed_kinds:
            per_kind = ", ".join(f"{k}={n}" for k, n in sorted(self.failed_kinds.items()))
            lines.append("failures per kind: " + per_kind)
        lines.extend(self.errors)
        return "\n".join(lines)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


def _ids(matches) -> set[str]:
    return {m.entry_id for m in matches}


def _load_snippets() -> list[dict]:
    lines = (DATA / "snippets.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _load_page_labels() -> dict[str, dict]:
    return json.loads((DATA / "pages" / "labels.json").read_text(encoding="utf-8"))


def test_heldout_data_is_well_formed() -> None:
    snippets = _load_snippets()
    assert len(snippets) >= MIN_SNIPPETS
    ids = [s["id"] for s in snippets]
    assert len(set(ids)) == len(ids), "duplicate snippet ids"
    for s in snippets:
        assert set(s) == {"id", "text", "labels", "kind"}, s
        assert set(s["labels"]) <= ENTRY_IDS, s
        assert s["kind"].startswith("neg-") == (not s["labels"]), s
    pages = _load_page_labels()
    assert len(pages) >= MIN_PAGES
    for name, meta in pages.items():
        assert (DATA / "pages" / name).is_file(), name
        assert set(meta["labels"]) <= ENTRY_IDS, name


def test_heldout_snippets_f1(matcher: Matcher) -> None:
    snippets = _load_snippets()
    score = Score()
    for s in snippets:
        got = _ids(matcher.find_matches("", s["text"]))
        score.add(s["id"], s["text"], s["kind"], set(s["labels"]), got)
    report = score.report("snippets", len(snippets))
    print(report)
    assert score.f1 >= MIN_F1, report


def test_heldout_pages_f1(matcher: Matcher) -> None:
    labels = _load_page_labels()
    score = Score()
    for name, meta in sorted(labels.items()):
        html = (DATA / "pages" / name).read_bytes()
        try:
            article = extract_article(html, url=f"https://heldout.example/{name}")
        except ExtractError as exc:
            got: set[str] = set()
            shown = f"<ExtractError: {exc}>"
        else:
            got = _ids(matcher.find_matches(article.title, article.text))
            shown = f"title={article.title!r} text={article.text[:300]!r}..."
        kind = "page-neg" if not meta["labels"] else "page"
        score.add(name, shown, kind, set(meta["labels"]), got)
    report = score.report("pages", len(labels))
    print(report)
    assert score.f1 >= MIN_F1, report
