"""Paragraphs of trafilatura's output tree (or of the HTML tree a fallback extractor returned).

trafilatura's own extractor yields flat p/head/list/quote/table children; when a fallback
(readability, jusText) won, the tree is nested HTML divs. Old agency templates put the body in a
table cell as text runs separated by ``<br>``: trafilatura turns ``<br><br>`` into ``<p>``
children of the cell, so the cell's first paragraph is the cell's own text *before* its first
block child. Every container is therefore read as a sequence of inline runs and blocks; an
inline run (text, tails and inline children up to the next block or line break) is a paragraph
of its own. Reading only the block children lost that first paragraph (issue 11, class 2).
"""

from __future__ import annotations

from typing import Any

from .boilerplate import classify
from .textutil import clean_ws

OUT_BLOCKS = frozenset(
    {"p", "head", "list", "quote", "table", "code", "div", "section", "article", "main", "h1", "h2", "h3", "h4",
     "h5", "h6", "ul", "ol", "blockquote", "pre", "figure", "dl", "center", "row", "tr", "cell", "td", "th"}
)  # fmt: skip
_LISTS = frozenset({"list", "ul", "ol", "dl"})
_SKIPPED = frozenset({"graphic", "img", "figure", "script", "style", ""})
_BREAKS = frozenset({"lb", "br"})
_CONTAINERS = frozenset({"div", "section", "article", "main", "body", "center", "td", "th", "cell"})
_BREAK = None  # marker between two inline runs in a token list


def _tag(node: Any) -> str:
    return node.tag if isinstance(node.tag, str) else ""


def _inline_tokens(node: Any, out: list[str | None]) -> None:
    """Text of an inline subtree; line breaks become _BREAK."""
    if _tag(node) in _BREAKS:
        out.append(_BREAK)
        return
    if _tag(node) in _SKIPPED:
        return
    if node.text:
        out.append(node.text)
    for child in node:
        _inline_tokens(child, out)
        if child.tail:
            out.append(child.tail)


def _runs(tokens: list[str | None]) -> list[str]:
    parts: list[str] = []
    buffer: list[str] = []
    for token in tokens:
        if token is _BREAK:
            parts.append(" ".join(buffer))
            buffer.clear()
        else:
            buffer.append(token)
    parts.append(" ".join(buffer))
    return [text for text in (clean_ws(p) for p in parts) if text]


def segments(element: Any) -> list[str]:
    """Text of one output element, split at <lb/> (or <br>) line breaks."""
    tokens: list[str | None] = []
    if element.text:
        tokens.append(element.text)
    for child in element:
        _inline_tokens(child, tokens)
        if child.tail:
            tokens.append(child.tail)
    return _runs(tokens)


def has_blocks(element: Any) -> bool:
    return any(_tag(c) in OUT_BLOCKS for c in element)


def document_paragraphs(body: Any) -> list[str]:
    """Paragraphs of a container: its inline runs and its block children, in document order.
    The top ``body`` of trafilatura's output has no text of its own (its tails are indentation)."""
    paragraphs: list[str] = []
    run: list[str | None] = []
    top = _tag(body) == "body"

    def flush() -> None:
        paragraphs.extend(_runs(run))
        run.clear()

    if body.text and not top:
        run.append(body.text)
    for child in body:
        tag = _tag(child)
        if tag in _LISTS:
            flush()
            for item in child.iter("item", "li", "dd", "dt"):
                paragraphs.extend(segments(item))
        elif tag == "table":
            flush()
            paragraphs.extend(table_paragraphs(child))
        elif tag in _SKIPPED:
            pass
        elif tag in _BREAKS:
            run.append(_BREAK)
        elif tag not in OUT_BLOCKS:  # inline: hi, ref, span, b, font...
            _inline_tokens(child, run)
        elif tag in _CONTAINERS and has_blocks(child):
            flush()
            paragraphs.extend(document_paragraphs(child))
        else:
            flush()
            paragraphs.extend(segments(child))
        if child.tail and not top:
            run.append(child.tail)
    flush()
    return paragraphs


# Cells of a data row are joined by a space: a "|" between them was a word of its own in the body
# (search, dedupe and body scores all count it), and the row stays one line. A row that reads as page
# furniture with its cells apart ("روابط | الرئيسية") keeps the bars, so the boilerplate pass drops it.
CELL_SEPARATOR = " "
FURNITURE_SEPARATOR = " | "


def _row_line(cells: list[str]) -> str:
    cells = [c for c in cells if c]
    apart = FURNITURE_SEPARATOR.join(cells)
    return apart if len(cells) > 1 and classify(apart) is not None else CELL_SEPARATOR.join(cells)


def table_paragraphs(table: Any) -> list[str]:
    """A data table gives one line per row; a layout table (cells holding paragraphs, as on old
    agency sites) gives the paragraphs of its cells."""
    paragraphs: list[str] = []
    rows = [r for r in table.iter("row", "tr") if next(r.iterancestors("table"), None) is table]
    for row in rows:
        cells = [cell for cell in row if isinstance(cell.tag, str)]
        layout = any(
            has_blocks(cell) or cell.find(".//table") is not None or _has_break_runs(cell) for cell in cells
        )
        if layout:
            for cell in cells:
                if cell.find(".//table") is not None and not has_blocks(cell):
                    for inner in cell.iter("table"):
                        if next(inner.iterancestors("table"), None) is table:
                            paragraphs.extend(table_paragraphs(inner))
                elif has_blocks(cell):
                    paragraphs.extend(document_paragraphs(cell))
                else:
                    paragraphs.extend(segments(cell))
            continue
        if line := _row_line([clean_ws(" ".join(cell.itertext())) for cell in cells]):
            paragraphs.append(line)
    return paragraphs


def _has_break_runs(cell: Any) -> bool:
    """A cell of <br>-separated text runs is a layout cell, not a data cell."""
    return any(_tag(node) in _BREAKS for node in cell.iter())
