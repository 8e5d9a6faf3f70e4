"""Old table-layout pages -> the div/p structure trafilatura expects (pure).

Old pages use nested <table>s for the page grid, <font> wrappers and a body
split by <br><br> instead of <p>: trafilatura deletes every <table> when tables
are not extracted, which on such pages is the whole page. Layout tables (a cell
holding block content or a long text) become <div>s, as trafilatura itself
does for role="presentation" tables; data tables (short cells: link boxes, polls) stay tables
and are still dropped. <font>/<center> wrappers are unwrapped and runs of prose
separated by <br><br> become <p> paragraphs, so the body reads like a modern page.
"""

from __future__ import annotations

from typing import TypeAlias

import lxml.html
from lxml import etree

# Presentational wrappers unwrapped before extraction (their text stays in place).
_UNWRAP_TAGS = ("font", "basefont", "center")
# Elements that break a run of inline text (a <br><br> paragraph never spans them).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody "
    "td tfoot th thead tr ul".split()
)
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
_LAYOUT_ATTRS = ("width", "height", "align", "valign", "bgcolor", "colspan", "rowspan")
_LAYOUT_CELL_CHARS = 200  # a cell with this much text outside links holds an article body
_BREAK_PARAGRAPH_CHARS = 40  # a <br><br> segment this long (outside links) is prose


def _unwrap_presentational(tree: lxml.html.HtmlElement) -> None:
    """Drop <font>/<center> tags but keep their content where it was."""
    for node in list(tree.iter(*_UNWRAP_TAGS)):
        if node.getparent() is not None:
            node.drop_tag()


def _own_cells(table: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The table's cells, not those of tables nested inside it."""
    return [
        cell for cell in table.iter("td", "th") if next(cell.iterancestors("table"), None) is table
    ]


def _is_layout_table(table: lxml.html.HtmlElement) -> bool:
    """A table used as a page grid: a cell of its own holds block content or a text body."""
    for cell in _own_cells(table):
        for node in cell.iterdescendants():
            if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
                return True
        text = len(" ".join(cell.text_content().split()))
        links = sum(len(" ".join(a.text_content().split())) for a in cell.iter("a"))
        if text - links >= _LAYOUT_CELL_CHARS:
            return True
    return False


def _linearize_layout_tables(tree: lxml.html.HtmlElement) -> None:
    """Turn layout tables into <div>s so their content is not deleted with the tables."""
    # Collect every table's own parts before renaming anything: a renamed outer table
    # would otherwise hide the rows of the tables nested in it.
    parts: list[lxml.html.HtmlElement] = []
    for table in [table for table in tree.iter("table") if _is_layout_table(table)]:
        parts.append(table)
        parts.extend(
            node
            for node in table.iter(*_TABLE_PARTS)
            if node.tag != "table" and next(node.iterancestors("table"), None) is table
        )
    for node in parts:
        node.tag = "div"
        for attr in _LAYOUT_ATTRS:
            node.attrib.pop(attr, None)


def _is_block(node: lxml.html.HtmlElement) -> bool:
    """A block-level element, or an inline one wrapping block content."""
    if not isinstance(node.tag, str):
        return False
    if node.tag in _BLOCK_TAGS:
        return True
    return any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in node.iterdescendants())


def _segment_is_prose(items: list[lxml.html.HtmlElement | str]) -> bool:
    """Enough text outside links to be a paragraph of the article."""
    chars = 0
    for item in items:
        if isinstance(item, str):
            chars += len(item.strip())
        elif isinstance(item.tag, str) and item.tag != "a":
            link = sum(len(a.text_content().strip()) for a in item.iter("a"))
            chars += len(item.text_content().strip()) - link
    return chars >= _BREAK_PARAGRAPH_CHARS


def _is_blank(item: lxml.html.HtmlElement | str) -> bool:
    return isinstance(item, str) and not item.strip()


def _is_br(item: lxml.html.HtmlElement | str) -> bool:
    return not isinstance(item, str) and item.tag == "br"


_Item: TypeAlias = "lxml.html.HtmlElement | str"  # a child element, or a text or tail between them


def _split_on_double_breaks(container: lxml.html.HtmlElement) -> None:
    """Rewrite prose separated by <br><br> in the container as <p> paragraphs."""
    # The container's flow as a list: strings (text, tails) and child elements.
    flow: list[_Item] = [container.text or ""]
    for child in container:
        flow.append(child)
        flow.append(child.tail or "")
    segments, separators = _segments(flow)
    if sum(1 for sep in separators if sep is None) < 1:
        return
    if sum(1 for seg in segments if _segment_is_prose(seg)) < 2:
        return
    _rebuild(container, segments, separators)


def _segments(flow: list[_Item]) -> tuple[list[list[_Item]], list[lxml.html.HtmlElement | None]]:
    """Segments of inline content, and what ends each: None for a <br><br> run, else the
    block element that interrupts the flow (kept as it is, between the paragraphs)."""
    segments: list[list[_Item]] = [[]]
    separators: list[lxml.html.HtmlElement | None] = []
    index = 0
    while index < len(flow):
        item = flow[index]
        index += 1
        if isinstance(item, str) or not isinstance(item.tag, str):
            segments[-1].append(item)
        elif item.tag == "br" and (after := _after_break_run(flow, index)) is not None:
            separators.append(None)
            segments.append([])
            index = after
        elif item.tag != "br" and _is_block(item):
            separators.append(item)
            segments.append([])
        else:
            segments[-1].append(item)
    return segments, separators


def _after_break_run(flow: list[_Item], index: int) -> int | None:
    """Past a <br> at index-1: the end of the <br>/blank run when another <br> follows."""
    ahead = index
    while ahead < len(flow) and _is_blank(flow[ahead]):
        ahead += 1
    if not (ahead < len(flow) and _is_br(flow[ahead])):
        return None
    while ahead < len(flow) and (_is_blank(flow[ahead]) or _is_br(flow[ahead])):
        ahead += 1
    return ahead


def _rebuild(container: lxml.html.HtmlElement, segments: list[list[_Item]],
             separators: list[lxml.html.HtmlElement | None]) -> None:
    """Each non-blank segment in a <p>, block elements kept between them."""
    for child in list(container):
        child.tail = None
        container.remove(child)
    container.text = None
    for number, segment in enumerate(segments):
        has_text = any(
            (isinstance(item, str) and item.strip())
            or (not isinstance(item, str) and isinstance(item.tag, str) and item.tag != "br")
            for item in segment
        )
        if has_text:
            para = etree.SubElement(container, "p")
            last: lxml.html.HtmlElement | None = None
            for item in segment:
                if isinstance(item, str):
                    if last is None:
                        para.text = (para.text or "") + item
                    else:
                        last.tail = (last.tail or "") + item
                else:
                    para.append(item)
                    last = item
        separator = separators[number] if number < len(separators) else None
        if separator is not None:
            container.append(separator)


def _paragraphs_from_breaks(tree: lxml.html.HtmlElement) -> None:
    """Split <br><br>-separated bodies into <p> paragraphs (containers with >= 2 prose runs)."""
    containers = dict.fromkeys(br.getparent() for br in tree.iter("br"))
    for container in containers:
        if container is None:
            continue
        if container.tag in ("p", "pre", "li", "a", "html", "head"):
            continue
        _split_on_double_breaks(container)


def normalise_old_layout(tree: lxml.html.HtmlElement) -> None:
    """Old table/font/<br><br> pages -> the div/p structure trafilatura expects."""
    _unwrap_presentational(tree)
    _paragraphs_from_breaks(tree)
    _linearize_layout_tables(tree)
