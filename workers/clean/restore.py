"""Article text that trafilatura's precision mode dropped from the middle of the story.

trafilatura runs with favor_precision (its default mode keeps far more page furniture on our pages), and
that mode also drops some of the story itself: subheadings, one-line paragraphs, paragraphs that are
mostly a link ("Beachbody Performance Energize"), a heading holding a spacer div. Those sit in the
same container as the paragraphs it kept, between two of them. So: find the container that holds the
most kept paragraphs as children, and put back its paragraph and heading children that lie between the
first and the last kept one, at their place in the text. What comes before the first or after the last
kept paragraph (teasers, credits, "related" lists) is not touched, and clean_paragraphs still runs over
the result.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit

from .boilerplate import _link_dominated, _link_text_len, classify
from .textutil import clean_ws

RESTORED_TAGS = ("p", "h2", "h3", "h4", "h5", "h6")
MIN_ANCHORS = 3  # kept paragraphs found as children of one container
PART_CHARS = 32  # a paragraph that opens or ends with this many characters of kept text is kept text...
PARTLY_KEPT_MIN = 120  # ...when it is longer than this (characters, no spaces): a heading may end like the title


# Credit and source lines printed after the story ("Provided by European Space Agency", "More information:
# <the paper>", "This article has been adapted from its original source."): part of the story as published
# (as "المصدر: ..." is for Arabic outlets), dropped by trafilatura with the furniture after the text.
_CREDIT_LINE = re.compile(
    r"(?:provided by|more information:|this (?:article|story) (?:has been|was) (?:adapted|republished|"
    r"originally published)|\(?(?:image|photo) credit:)\s",
    re.I,
)
CREDIT_MAX_CHARS = 400
TRAILING_LOOKED_AT = 5  # element children after the last kept paragraph


# A pull quote: a sentence of the story set apart in a box (div.pull-quote, an aside of one quotation).
# Published reference bodies keep it.
PULL_QUOTE_TAGS = frozenset({"div", "aside", "blockquote"})
LIST_TAGS = frozenset({"ul", "ol"})
PULL_QUOTE_MAX_CHARS = 400
_QUOTED = re.compile(r"^[“\"«].+[”\"»]$")


def _is_pull_quote(element: Any, text: str) -> bool:
    if element.tag not in PULL_QUOTE_TAGS or not text or len(text) > PULL_QUOTE_MAX_CHARS:
        return False
    if element.find(".//a") is not None:
        return False
    return "quote" in (element.get("class") or "").lower() or bool(_QUOTED.match(text))


def _key(text: str) -> str:
    """Text without any whitespace: trafilatura's output and the tree's own text differ in the spaces
    around inline elements ("Facebook , Twitter") and at line breaks."""
    return "".join(text.split())


def _partly_kept(key: str, kept_text: str) -> bool:
    """A paragraph kept with a part dropped ("It said [that it] would appeal ..."): its first or last
    PART_CHARS characters are kept text. Headings are shorter than that test needs."""
    return len(key) > PARTLY_KEPT_MIN and (key[:PART_CHARS] in kept_text or key[-PART_CHARS:] in kept_text)


def _kept_part(paragraphs: list[str], after: int, anchors: set[int], key: str) -> int | None:
    """The index of a kept paragraph, among those after ``after`` up to the next anchor, that is a part of
    ``key`` (trafilatura kept one inline run of the element), if any."""
    for index in range(after + 1, len(paragraphs)):
        if index in anchors:
            return None
        part = _key(paragraphs[index])
        if part and part != key and part in key:
            return index
    return None


def _list_items(element: Any, kept_text: str) -> list[str]:
    """The items of a list in the story ("The new lines:" then "<a>Line 41</a>: airport to centre", ...),
    which precision mode drops when each item opens with a link: items with text of their own beyond the
    links (a list of links only is a "related" box), none kept already, none furniture. Empty: not such a list."""
    items = [clean_ws(li.text_content()) for li in element.iterchildren("li")]
    if not items or not all(items) or _link_dominated(element):
        return []
    if any(_key(item) in kept_text or classify(item) is not None for item in items):
        return []
    return items


# A path that names one story: a numeric id or date part ("/2019/11/18/", "/news/123456") or a slug of three
# words or more ("/housing-plan-for-the-north"); a section ("/world", "/sport/") names none.
LINK_ONLY_SLACK = 3  # characters outside the link: a bullet, a colon, punctuation
_STORY_PATH = re.compile(r"\d{4,}|/\d{1,4}/\d{1,2}/|[^/\W_]+(?:[-_][^/\W_]+){2,}")


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def _links_to_another_story(element: Any, url: str | None) -> bool:
    """A paragraph that is a link to another story of the same site ("<p><a href=/news/2019/11/18/housing-plan>
    Mayor unveils housing plan</a></p>"): an inline "read also" without its label, which precision mode rightly
    dropped. A link to another site (a product, a source) is the story's own line ("Beachbody Performance
    Energize")."""
    if not url or len(clean_ws(element.text_content())) - _link_text_len(element) > LINK_ONLY_SLACK:
        return False  # a sentence around the link ("..., too.") is the story's
    page = urlsplit(url)
    hrefs = [urljoin(url, (a.get("href") or "").strip()) for a in element.iter("a")]
    return bool(hrefs) and all(
        _host(h) == _host(url) and urlsplit(h).path.rstrip("/") != page.path.rstrip("/")
        and bool(_STORY_PATH.search(urlsplit(h).path))
        for h in hrefs
    )


def _is_promo(element: Any, text: str) -> bool:
    """A line in capitals that is mostly a link ("GET FOX BUSINESS ON THE GO BY CLICKING HERE"): a call to
    action or a teaser for another story, not a subheading."""
    return text.isupper() and _link_dominated(element)


def restore_dropped(tree: Any, paragraphs: list[str], url: str | None = None) -> list[str]:
    """``paragraphs`` (trafilatura's, in order) with the dropped paragraphs and headings of the story's
    container put back between the kept ones. ``tree`` is the tree trafilatura was given, ``url`` the page's
    (links to its site's other stories are not put back)."""
    if len(paragraphs) < MIN_ANCHORS:
        return paragraphs
    index_of: dict[str, int] = {}
    for index, text in enumerate(paragraphs):
        index_of.setdefault(_key(text), index)
    body = tree.find(".//body")
    if body is None:
        return paragraphs
    anchors: list[tuple[Any, str]] = []
    for element in body.iter(*RESTORED_TAGS):
        key = _key(element.text_content())
        if key in index_of:
            anchors.append((element, key))
    parents = Counter(element.getparent() for element, _ in anchors)
    if not parents:
        return paragraphs
    container, count = parents.most_common(1)[0]
    if container is None or count < MIN_ANCHORS:
        return paragraphs
    kept = {element: index_of[key] for element, key in anchors if element.getparent() is container}
    children = [c for c in container if isinstance(c.tag, str)]
    positions = [i for i, child in enumerate(children) if child in kept]
    kept_text = "".join(index_of)  # a <p> split at <br> is several kept paragraphs: its key is inside this
    inserts: dict[int, list[str]] = {}
    replaced: dict[int, str] = {}
    anchor_indexes = set(kept.values())
    after = kept[children[positions[0]]]
    restored = 0
    for child in children[positions[0] + 1 : positions[-1]]:
        if child in kept:
            after = kept[child]
            continue
        if child.tag in LIST_TAGS:
            if items := _list_items(child, kept_text):
                inserts.setdefault(after, []).extend(items)
                restored += 1
            continue
        text = clean_ws(child.text_content())  # scripts and styles are gone (extract._drop_code)
        quote = child.tag not in RESTORED_TAGS
        if quote and not _is_pull_quote(child, text):
            continue
        key = _key(text)
        if quote and key and key not in index_of and classify(text) is None:
            # a pull quote repeats a sentence of the story, set apart (with its attribution): the page shows it
            # twice, and published reference bodies keep both
            inserts.setdefault(after, []).append(text)
            restored += 1
            continue
        if not key or key in kept_text:
            continue
        if (part := _kept_part(paragraphs, after, anchor_indexes, key)) is not None:
            replaced[part] = text  # "ay Parties While ..." kept of a heading split by inline tags: the whole one
            continue
        if _partly_kept(key, kept_text):
            continue
        if classify(text) is not None or _is_promo(child, text) or _links_to_another_story(child, url):
            continue
        inserts.setdefault(after, []).append(text)
        restored += 1
    last = kept[children[positions[-1]]]
    for child in children[positions[-1] + 1 : positions[-1] + 1 + TRAILING_LOOKED_AT]:
        text = clean_ws(child.text_content())
        if len(text) <= CREDIT_MAX_CHARS and _CREDIT_LINE.match(text) and _key(text) not in kept_text:
            inserts.setdefault(last, []).append(text)
            restored += 1
    if not (restored or replaced) or restored > len(kept):  # more dropped than kept: not the story's container
        return paragraphs
    out: list[str] = []
    for index, text in enumerate(paragraphs):
        out.append(replaced.get(index, text))
        out.extend(inserts.get(index, ()))
    return out
