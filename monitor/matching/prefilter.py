"""Could this raw page match at all? A cheap scan before extraction (pure).

Almost every page names no watched entity. Every match the matcher finds starts
from a hit of its automaton (`monitor.matching.index`) of a kind that can make
a candidate: a term, its softened stem, the start of a list of names, a plural
head, or a typo word. No such hit in a page's raw text: no match after
extraction either, so the page need not be extracted.

The raw text is read three ways, joined, and normalised like the matcher's
input (`monitor.matching.text`: entities decoded, soft hyphens dropped, Turkish
case and İ/ı folded): the values of the tags' attributes (og:title, the
description), tags removed inside words (inline tags: `<b>KM</b> Havacılık`,
`Hava<wbr>cılık`), and every tag as a space (`KM<br>Havacılık`). The filter
only ever lets too much through, never too little; `tests/matching/
test_prefilter.py` checks that on every labelled page.
"""

from __future__ import annotations

import codecs
import html
import re

from monitor.matching.index import COORD, PLURAL, SOFT, TERM, WEAK
from monitor.matching.matcher import Matcher
from monitor.matching.text import normalize
from monitor.matching.typos import Typo

# the roles of an automaton pattern that can start a candidate (the others only veto)
CANDIDATE_ROLES = frozenset({TERM, WEAK, SOFT, COORD, PLURAL})
_INLINE = ("a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|"
           "small|span|strike|strong|sub|sup|time|tt|u|var|wbr")
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE = re.compile(r"""=\s*(?:"([^"<>]*)"|'([^'<>]*)')""")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_page(raw: bytes) -> str:
    """A page's text: a BOM's encoding, else UTF-8 when valid, else windows-1254
    (what Turkish pages that are not UTF-8 use, whatever their label says)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1254", errors="replace")


def page_views(page: str) -> str:
    """The three readings of a page (see the module docstring), one per line."""
    attributes = " ".join(a or b for a, b in _ATTRIBUTE.findall(page))
    joined = _TAG.sub(" ", _INLINE_TAG.sub("", page))
    spaced = _TAG.sub(" ", page)
    return "\n".join(" ".join(html.unescape(view).split())
                     for view in (attributes, joined, spaced))


def could_match(raw_html: bytes | str, matcher: Matcher, *also: str) -> bool:
    """False only when neither the page nor any of `also` (the feed's title and
    summary, which stand in when the page has none) can match `matcher`."""
    automaton, values = matcher.index.automaton, matcher.index.values
    if automaton is None:
        return False
    page = decode_page(raw_html) if isinstance(raw_html, bytes) else raw_html
    scan = normalize("\n".join((page_views(page), *also))).scan + " "
    for pattern, _, _ in automaton.find_matches_as_indexes(scan, overlapping=True):
        for value in values[pattern]:
            if type(value) is Typo or value[0] in CANDIDATE_ROLES:
                return True
    return False
