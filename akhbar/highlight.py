"""Search highlight fragments for a terminal (issue 11, class 6).

The engine's highlighter runs with ``encoder: html`` (index/search.py): a fragment is HTML-escaped
text with ``<mark>`` tags, safe for a page (akhbar/web/app.js decodes it into text nodes). A
terminal is no HTML renderer: printed as is, "Libya's" showed as "Libya&#x27;s". Here the text
between the tags is unescaped exactly once (``html.unescape``: the engine escapes once, with HTML
names) and escaped for rich's own markup, so a "[" in an article is not read as a style tag.
"""

from __future__ import annotations

import html
import re

from rich.markup import escape

_MARK = re.compile(r"(</?mark>)")


def fragment_parts(fragment: str) -> list[tuple[str, bool]]:
    """(plain text, marked?) pieces of one highlight fragment."""
    parts: list[tuple[str, bool]] = []
    marked = False
    for piece in _MARK.split(fragment):
        if piece in ("<mark>", "</mark>"):
            marked = piece == "<mark>"
        elif piece:
            parts.append((html.unescape(piece), marked))
    return parts


def fragment_markup(fragment: str, style: str = "reverse") -> str:
    """One highlight fragment as rich console markup, matches shown in ``style``."""
    return "".join(f"[{style}]{escape(text)}[/{style}]" if marked else escape(text)
                   for text, marked in fragment_parts(fragment))
