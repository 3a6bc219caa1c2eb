"""Articles split over pages (issue 21 §5): which page of a story comes next, and whether a page is page 2 or
later of a story. The spider walks a story's pages and hands them over as one Page, so a split article is one
document and one page sent.

A part is recognised by two things together, never by one: its URL is the story's URL with a page number
(/slug/2/, ?page=2, &pg=2, WordPress's ?p=N&page=2), and the page that links it says so (rel="next"/"prev",
the number itself, or a next/previous-page wording). A link to another article that happens to carry
rel="next" (Joomla's article pager) fails the first test; a section /news/ under /news/12/ fails the second.
Patterns and wordings are data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from akhbar.core.urls import canonical_url as canonical

MAX_PARTS = 20  # pages of one story followed at most
# Query parameters that number the pages of one story.
PART_PARAMS = ("page", "pg", "paged", "part", "pagenum", "pageno", "page_no")
# /slug/2/ (WordPress <!--nextpage-->), /slug/2: a small number as the last path segment.
PART_PATH = re.compile(r"^(?P<base>.*[^/])/(?P<n>[2-9]|[1-4]\d)/?$")
NEXT_WORDS = ("الصفحة التالية", "التالية", "التالي", "الصفحة اللاحقة", "تابع القراءة", "next page", "next", "»", "›",
              "←")  # fmt: skip
PREV_WORDS = ("الصفحة السابقة", "السابقة", "السابق", "previous page", "previous", "prev", "«", "‹", "→")
# Links that show the whole story on one page: never followed from a split story (it is joined already).
WHOLE_WORDS = ("عرض الصفحة كاملة", "عرض المقال كاملاً", "عرض المقال كاملا", "عرض التقرير كاملاً", "عرض الكل",
               "صفحة واحدة", "view all", "view as single page", "single page")  # fmt: skip
_SPACE = re.compile(r"\s+")
# A cheap look at the HTML before any parsing: a link that could be page 2 (/2/, ?page=2, &amp;pg=2 ...).
_MAYBE_PART = re.compile(
    r"""href\s*=\s*["'][^"'>]*(?:/[2-9]/?|[?&;](?:page|pg|paged|part|pagenum|pageno|page_no)=2)["'#&]""", re.I
)


@dataclass(frozen=True)
class Anchor:
    url: str  # canonical
    text: str  # lower-case, spaces folded
    rel: str


def anchors(sel: Selector, base_url: str) -> list[Anchor]:
    """Every <a href> and <link rel=next/prev> of the page, canonical."""
    out = []
    for node in sel.xpath("//a[@href] | //link[@href][@rel='next' or @rel='prev']"):
        href = (node.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = _SPACE.sub(" ", " ".join(node.xpath(".//text()").getall())).strip().lower()
        out.append(Anchor(canonical(href, base_url), text, (node.attrib.get("rel") or "").lower()))
    return out


def maybe_split(html: str, url: str) -> bool:
    """Worth a closer look? A numbered URL, or a link that could be page 2. Most articles stop here."""
    return part_of(url)[1] > 1 or _MAYBE_PART.search(html) is not None


def part_of(url: str) -> tuple[str, int]:
    """(the story's first page, this page's number) as the URL spells it; (url, 1) for a URL with no number."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for name, value in query:
        if name.lower() in PART_PARAMS and value.isdigit() and int(value) >= 2:
            rest = [(k, v) for k, v in query if k != name]
            return canonical(urlunsplit(parts._replace(query=urlencode(rest)))), int(value)
    match = PART_PATH.match(parts.path)
    if match and not parts.query:
        slash = "/" if parts.path.endswith("/") else ""
        return canonical(urlunsplit(parts._replace(path=match["base"] + slash))), int(match["n"])
    return canonical(url), 1


def part_url(head: str, number: int) -> set[str]:
    """The URLs page ``number`` of the story at ``head`` may have (canonical)."""
    if number == 1:
        return {canonical(head)}
    parts = urlsplit(head)
    query = parse_qsl(parts.query, keep_blank_values=True)
    out = {canonical(urlunsplit(parts._replace(query=urlencode([*query, (name, str(number))]))))
           for name in PART_PARAMS}
    if not parts.query:
        path = parts.path.rstrip("/")
        out |= {canonical(urlunsplit(parts._replace(path=f"{path}/{number}/"))),
                canonical(urlunsplit(parts._replace(path=f"{path}/{number}")))}
    return out


def _says(anchor: Anchor, number: int, words: tuple[str, ...], rel: str) -> bool:
    return rel in anchor.rel.split() or anchor.text == str(number) or anchor.text in words or any(
        anchor.text.startswith(w) or anchor.text.endswith(w) for w in words if len(w) > 2)


def next_part(links: list[Anchor], url: str) -> str | None:
    """The URL of the next page of this story, when the page links it as such."""
    head, number = part_of(url)
    wanted = part_url(head, number + 1)
    for anchor in links:
        if anchor.url in wanted and _says(anchor, number + 1, NEXT_WORDS, "next"):
            return anchor.url
    return None


def continues(links: list[Anchor], url: str) -> str | None:
    """The story's first page, when this page is page 2 or later of it (it links the page before as such)."""
    head, number = part_of(url)
    if number < 2:
        return None
    before = part_url(head, number - 1) | {head}
    for anchor in links:
        if anchor.url in before and _says(anchor, number - 1, PREV_WORDS, "prev") or (
            anchor.url == head and anchor.text == "1"
        ):
            return head
    return None


def story_links(links: list[Anchor], url: str) -> set[str]:
    """Links of a split story's page to its own pages and to its one-page view: not followed as links."""
    head, _ = part_of(url)
    numbered = set().union(*(part_url(head, n) for n in range(1, MAX_PARTS + 1)))
    return {a.url for a in links if a.url in numbered or a.text in WHOLE_WORDS}
