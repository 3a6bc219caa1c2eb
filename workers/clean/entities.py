"""HTML character references left in text after parsing (issue 11, class 6).

lxml decodes a page's character references once, as a browser does. Text still holds references
when a template escaped twice (``content="Libya&amp;#x27;s"`` -> ``Libya&#x27;s``), when a JSON
blob (JSON-LD, a state blob, a feed) carries already-escaped HTML in its strings (JSON knows no
HTML entities), or when a CMS stored escaped text. ``clean_ws``, the one function every extracted
text goes through, calls ``unescape_entities`` so no title, body, lead, author or tag keeps one.

Why ``html.unescape`` and not ``w3lib.html.replace_entities``: the stdlib function knows the HTML5
table of named references (2,231 names, incl. ``&apos;`` and ``&nbsp;``) and maps numeric
references the way browsers do (``&#150;`` -> "–" via windows-1252, invalid code points -> U+FFFD);
w3lib's table is HTML 4's 252 names. Only *terminated* references (with ``;``) are decoded:
``html.unescape`` alone would also read legacy forms without ``;`` and turn "Q&notes" into "Q¬es".
References are decoded until none is left, so double escaping (``&amp;#x27;``) is undone too.
"""

from __future__ import annotations

import html
import re

# A terminated character reference: &name; &#1605; &#x27;
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _decode(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def unescape_entities(text: str) -> str:
    """``text`` with every known terminated character reference decoded (repeatedly)."""
    if "&" not in text:
        return text
    while True:  # ends: a decoded reference is always shorter than the reference
        decoded = ENTITY.sub(_decode, text)
        if decoded == text:
            return text
        text = decoded


def has_entity(text: str) -> bool:
    """True when ``text`` still holds a reference that ``html.unescape`` would decode."""
    return any(html.unescape(m.group(0)) != m.group(0) for m in ENTITY.finditer(text))
