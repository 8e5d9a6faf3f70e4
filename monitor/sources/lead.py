"""The lead ("spot") of a news page: the sentence or two under the headline (pure).

Turkish outlets put it in a sub-title right after the <h1> (an <h2>/<h4>, or an
element whose class says spot / sub-title / summary), often outside the block
trafilatura takes as the body, so a name written only there would be missed.
It is taken from the page and removed there, so it is read once, as the first
paragraph of the text. When the body itself opens with the same words (a spot
that only repeats the first paragraphs), the lead is those paragraphs.
"""

from __future__ import annotations

import re

import lxml.html

from monitor.sources.headline import key

MIN_LEAD_CHARS = 40
MAX_LEAD_CHARS = 800
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5"})
_TEXT_TAGS = frozenset({"p", "div", "span", "section", "strong", "h6"})
_LEAD_CLASS = re.compile(
    r"spot|sub-?title|subhead|summary|[oö]zet|\blead\b|description|excerpt|intro|standfirst|deck",
    re.IGNORECASE,
)
_SPOT_TOKEN = re.compile(r"(?:^|[-_])spot(?:$|[-_])", re.IGNORECASE)
_SKIPPED_TAGS = frozenset(
    "script style noscript template svg iframe ins figure picture img button form".split()
)
_SIBLINGS_LOOKED_AT = 4  # elements after the <h1> (dates, bylines, share bars) before the lead
_BODY_CHARS = 200  # an element this long after the <h1> is the body, if not its lead
_WRAPPER_EXTRA_CHARS = 300  # an <h1>'s parent with more text than this is the article, not a header


def _text(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def _mostly_links(node: lxml.html.HtmlElement, text: str) -> bool:
    links = sum(len(" ".join(a.text_content().split())) for a in node.iter("a"))
    return links > 0.5 * len(text)


def _is_lead(node: lxml.html.HtmlElement, headline_key: str, description_key: str) -> bool:
    """A sub-title sized text that is not the headline, nor a block holding the body."""
    if not isinstance(node.tag, str) or node.find(".//h1") is not None:
        return False
    text = _text(node)
    if not MIN_LEAD_CHARS <= len(text) <= MAX_LEAD_CHARS or _mostly_links(node, text):
        return False
    if key(text) == headline_key or len(node.findall(".//p")) > 1:
        return False
    if node.tag in _HEADING_TAGS:
        return True
    hinted = bool(_LEAD_CLASS.search(node.get("class", "")))
    described = bool(description_key) and description_key.startswith(key(text))
    return node.tag in _TEXT_TAGS and (hinted or described)


def _starts_body(node: lxml.html.HtmlElement) -> bool:
    """A paragraph, or a long text: the body has begun (dates, bylines, share bars have not)."""
    chars = len(_text(node))
    return chars >= _BODY_CHARS or (node.tag == "p" and chars >= MIN_LEAD_CHARS)


def _after_h1(h1: lxml.html.HtmlElement, headline_key: str, description_key: str
              ) -> lxml.html.HtmlElement | None:
    """The lead among the first elements after the <h1>, in its header wrapper or after it."""
    node = h1
    for _level in range(3):
        siblings = [s for s in node.itersiblings() if isinstance(s.tag, str)]
        for sibling in [s for s in siblings if s.tag not in _SKIPPED_TAGS][:_SIBLINGS_LOOKED_AT]:
            if _is_lead(sibling, headline_key, description_key):
                return sibling
            if _starts_body(sibling):
                return None  # there is no lead
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return None
        if len(_text(parent)) - len(_text(h1)) > _WRAPPER_EXTRA_CHARS:
            return None
        node = parent
    return None


def _headline_node(tree: lxml.html.HtmlElement, headline_key: str
                   ) -> lxml.html.HtmlElement | None:
    """The <h1> showing the headline; else the element whose text it is (a styled <div>).
    A logo <h1> is neither, so nothing next to it is taken for the lead."""
    for h1 in tree.iter("h1"):
        if key(_text(h1)) == headline_key:
            return h1
    for text in tree.xpath("//body//text()"):
        if not text.is_text or len(text) > MAX_LEAD_CHARS or key(text) != headline_key:
            continue
        node = text.getparent()
        while node.getparent() is not None and key(_text(node.getparent())) == headline_key:
            node = node.getparent()  # <div class="title"><a>headline</a></div>: the <div>
        if node.tag not in _SKIPPED_TAGS and node.tag not in ("a", "title", "option"):
            return node
    return None


def _spot_class(tree: lxml.html.HtmlElement, h1: lxml.html.HtmlElement | None,
                headline_key: str, description_key: str) -> lxml.html.HtmlElement | None:
    """An element of class "spot" ("post-spot", "spot_text") in the headline's block, or one
    repeating the page's description; the spots of related-story cards are neither."""
    block = h1
    for _level in range(3):
        block = block.getparent() if block is not None else None
    for node in tree.xpath("//*[contains(@class, 'spot')]"):
        if not any(_SPOT_TOKEN.search(token) for token in node.get("class", "").split()):
            continue
        if not _is_lead(node, headline_key, description_key):
            continue
        inside = block is not None and any(a is block for a in node.iterancestors())
        if inside or (description_key and description_key.startswith(key(_text(node)))):
            return node
    return None


def take_lead(tree: lxml.html.HtmlElement, headline: str, description: str) -> str:
    """Find the page's lead, remove it from the tree, return its text ("" when none)."""
    headline_key, description_key = key(headline), key(description)
    h1 = _headline_node(tree, headline_key) if headline_key else None
    node = _after_h1(h1, headline_key, description_key) if h1 is not None else None
    if node is None:
        node = _spot_class(tree, h1, headline_key, description_key)
    if node is None:
        return ""
    text = _text(node)
    node.drop_tree()
    return text


def split_lead(lead: str, paragraphs: list[str]) -> tuple[str, list[str]]:
    """(lead, body paragraphs): a lead the body opens with becomes those paragraphs."""
    lead_key = key(lead)
    if not lead_key:
        return "", paragraphs
    covered, joined = 0, ""
    for paragraph in paragraphs:
        joined += key(paragraph)
        if not lead_key.startswith(joined):
            break
        covered += 1
    if covered == 0 and not (paragraphs and key(paragraphs[0]).startswith(lead_key)):
        return lead, paragraphs  # the body does not repeat it
    covered = max(covered, 1)
    return "\n".join(paragraphs[:covered]), paragraphs[covered:]
