"""Small text and tree helpers shared by the cleaning modules."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from akhbar.core.text import normalize_arabic

from .entities import unescape_entities

# Zero-width and bidi control characters that break phrase matching and carry no content.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")

BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li",
        "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "pre", "figure", "figcaption", "form", "address", "center", "hr",
        "details", "summary", "fieldset",
    }
)  # fmt: skip
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "button"}
)


def clean_ws(text: str | None) -> str:
    """One line of text: character references a template left decoded (entities.py), invisible
    characters dropped, whitespace runs folded to one space."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", unescape_entities(text))
    return " ".join(_SPACES.sub(" ", text).split())


def phrase_key(text: str) -> str:
    """A matching key: Arabic spelling variants folded (hamza, ta marbuta, alef maqsura, digits,
    diacritics, tatweel), punctuation dropped, lower-cased, whitespace folded."""
    text = normalize_arabic(_INVISIBLE.sub("", text)).lower()
    return " ".join(_PUNCT.sub(" ", text).split())


def norm(text: str) -> str:
    """normalize_arabic + invisible characters dropped + whitespace folded (punctuation kept)."""
    return " ".join(normalize_arabic(_INVISIBLE.sub("", text)).split())


def arabic_ratio(text: str) -> float:
    """Share of Arabic-script letters among Arabic + Latin letters (0.0 when there are none)."""
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    total = arabic + latin
    return arabic / total if total else 0.0


def element_text(element: HtmlElement) -> str:
    """Visible text of an element on one line (scripts and styles skipped)."""
    parts: list[str] = []
    _collect_text(element, parts)
    return clean_ws(" ".join(parts))


def _collect_text(element: HtmlElement, parts: list[str]) -> None:
    # appends, not a nested generator: `yield from` costs a frame per level for every string (~3x slower)
    tag = element.tag
    if isinstance(tag, str) and tag in SKIP_TAGS:
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def element_paragraphs(element: HtmlElement) -> list[str]:
    """Split an element into paragraphs at block boundaries and ``<br>`` runs.

    Used for outlet-selector bodies, where trafilatura is not involved: keeps each <p>, <li>,
    heading or <br>-separated run as its own paragraph."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean_ws(" ".join(buffer))
        buffer.clear()
        if text:
            paragraphs.append(text)

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIP_TAGS or not tag:
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if tag == "br":
            flush()
        elif node.text:
            buffer.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(element)
    flush()
    return paragraphs
