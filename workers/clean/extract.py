"""bytes + url -> Article dict (see docs/architecture.md, "The Article contract").

One parse: the page is decoded (encoding.py), parsed once with lxml (trafilatura's loader), and
that tree is reused for structured metadata, outlet selectors, boilerplate pruning, trafilatura
(which works on its own copy) and, only when no other date source answered, htmldate.

Field precedence: structured data (JSON-LD, OpenGraph, meta), then the outlet's selectors, then
trafilatura / text heuristics.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import Element as html_element
from lxml.html import HtmlElement

from akhbar.core.messages import ARTICLE_KEYS as _ARTICLE_KEYS
from akhbar.core.registry import Outlet
from akhbar.core.text import content_hash, normalize_for_hash
from akhbar.core.urls import canonical_url

from .boilerplate import classify, clean_paragraphs, prune_html
from .bylines import (
    AGENCY_KEYS,
    byline_place,
    byline_places,
    clean_author_names,
    dateline_author,
    find_bylines,
    parse_byline,
    parse_dateline,
)
from .dateparse import DEFAULT_FOUNDED
from .embedded import EmbeddedArticle, find_embedded_article
from .encoding import decode_html
from .errors import EmptyContentError, ExtractionError, NotHTMLError, TooLargeError
from .outtree import document_paragraphs
from .pagedate import find_published, is_furniture
from .places import article_places, place_fields
from .reposts import known_outlet, outlet_names, source_outlet
from .restore import restore_dropped
from .structured import PageMeta, read_page_meta
from .textutil import arabic_ratio, clean_ws, element_paragraphs, element_text, phrase_key

logger = logging.getLogger("akhbar.clean.extract")

MAX_BYTES = 10 * 1024 * 1024  # the crawler downloads at most this much (DOWNLOAD_MAXSIZE)
# The keys extract_article returns: akhbar.core.messages.Article's fields (without the clean task's envelope).
ARTICLE_KEYS = _ARTICLE_KEYS
FEED_DATE_HEADER = "x-akhbar-feed-published"  # optional: the feed entry's date, passed by the crawler

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»«•·]\s+|\s+::\s+")


# --- parsing -------------------------------------------------------------------------------------
# Output printed before the document itself: PHP warnings ("<br />\n<b>Warning</b>: ..."), a stray banner,
# debug lines. lxml (trafilatura's loader) then sees a fragment: <title> and <meta> end up in a <div> and
# the page loses its title and date. Cut it when the real document start (doctype or <html>) follows soon
# after and no script comes before it (a "<html" inside a script string is not the document's start).
_DOCUMENT_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HARMLESS_PREFIX = re.compile(r"(?:\s|\ufeff|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
PRE_DOCUMENT_LIMIT = 16384


def without_pre_document_output(html: str) -> str:
    """`html` from its doctype or <html> tag on, when something other than whitespace, comments or an
    XML declaration comes before it (at most PRE_DOCUMENT_LIMIT characters, no script); else unchanged."""
    start = _DOCUMENT_START.search(html, 0, PRE_DOCUMENT_LIMIT)
    if start is None or start.start() == 0:
        return html
    prefix = html[: start.start()]
    if _HARMLESS_PREFIX.fullmatch(prefix) or "<script" in prefix.lower():
        return html
    return html[start.start():]


# --- outlet configuration ------------------------------------------------------------------------
def _outlet_names(config: Outlet | None) -> list[str]:
    """The names the outlet goes by (its id, Arabic and English names, aliases): credits, not authors."""
    if config is None:
        return []
    return [n for n in (config.name, config.name_ar, config.name_en, *config.aliases) if n]


def _select(tree: HtmlElement, selector: str | list[str] | tuple[str, ...] | None) -> list[HtmlElement]:
    """Elements matching an outlet selector: XPath when it starts with / ( or ./, else CSS."""
    if not selector:
        return []
    selectors = [selector] if isinstance(selector, str) else list(selector)
    for expression in selectors:
        expression = expression.strip()
        try:
            if expression.startswith(("/", "(", "./")):
                found = tree.xpath(expression)
            else:
                found = tree.cssselect(expression)
        except (etree.XPathError, ValueError, SyntaxError, ImportError) as err:
            logger.warning("bad outlet selector %r: %s", expression, err)
            continue
        elements = [e for e in found if isinstance(e, HtmlElement)]
        if elements:
            return elements
        strings = [str(s) for s in found if isinstance(s, str) and s.strip()]
        if strings:  # XPath returning text()/@attr: wrap in a throwaway element
            holder = html_element("div")
            holder.text = "\n".join(strings)
            return [holder]
    return []


def _select_text(tree: HtmlElement, selector: Any, *, attrs: tuple[str, ...] = ()) -> str | None:
    for element in _select(tree, selector):
        for attr in attrs:
            if element.get(attr):
                return clean_ws(element.get(attr))
        if text := element_text(element):
            return text
    return None


# --- trafilatura ---------------------------------------------------------------------------------
def _drop_code(tree: HtmlElement) -> None:
    """Scripts (not JSON-LD: trafilatura's baseline reads articleBody there), styles and SVG out, tails
    kept, once everything read from them is read: trafilatura copies the tree three times and runs its
    XPath passes over all of it, and on real pages scripts and styles are a third of the characters."""
    for element in list(tree.iter("script", "style", "svg")):
        if element.tag == "script" and (element.get("type") or "").strip().lower() == "application/ld+json":
            continue
        if element.getparent() is not None:
            element.drop_tree()


def _drop_empty_before_text(tree: HtmlElement) -> None:
    """Empty elements (no text, no children) followed by text go, their text kept: trafilatura's precision mode
    deletes them *with* that text (its prune_html keeps tails only outside precision mode), and on real pages
    the text after a WordPress "more" anchor (``<p><span id="more-4711"></span>The story...``), an icon
    (``<blockquote><i class="fa-quote"></i>...``) or an empty ad slot is the story's."""
    from trafilatura.settings import CUT_EMPTY_ELEMS  # the tags that pass prunes, as data

    for element in list(tree.iter(*CUT_EMPTY_ELEMS)):
        empty = element.text is None and len(element) == 0
        if empty and element.tail and element.tail.strip() and element.getparent() is not None:
            element.drop_tree()  # lxml keeps the tail


def _trafilatura_paragraphs(tree: HtmlElement, url: str) -> list[str]:
    from trafilatura import bare_extraction

    for precision in (True, False):
        try:
            document = bare_extraction(
                tree,
                url=url,
                favor_precision=precision,
                include_comments=False,
                include_tables=True,
                include_images=False,
                include_links=False,
                with_metadata=False,
                deduplicate=False,
            )
        except (ValueError, TypeError, etree.LxmlError) as err:
            logger.debug("trafilatura failed on %s: %s", url, err)
            document = None
        body = getattr(document, "body", None) if document is not None else None
        if body is not None:
            paragraphs = document_paragraphs(body)
            if paragraphs:
                return paragraphs
    return []


# --- fields --------------------------------------------------------------------------------------
def _canonical(meta: PageMeta, url: str) -> str:
    fetched_path = urlsplit(url).path.strip("/")
    for candidate in meta.canonical:
        absolute = urljoin(url, candidate.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if fetched_path and not parts.path.strip("/") and not parts.query:
            continue  # a canonical pointing at the home page is a template bug
        return canonical_url(absolute)
    return canonical_url(url)


def _is_site_name(part: str, site_names: list[str]) -> bool:
    key = phrase_key(part)
    if not key:
        return False
    if key in {phrase_key(n) for n in site_names if n}:
        return True
    return len(key.split()) <= 4 and known_outlet(part) is not None


_SEPARATOR_RUN = re.compile(r"^(?:[|\-–—:•·]|[»«›‹](?=\s|$)|\s)+")


def _strip_separators(text: str, *, end: bool) -> str:
    """The separator run left where a site name was cut off, but not a guillemet that quotes the
    title's first or last word ("«فان جال» يريد ...": a quote is written against its word)."""
    text = clean_ws(text)
    if end:
        return _SEPARATOR_RUN.sub("", text[::-1])[::-1].strip()
    return _SEPARATOR_RUN.sub("", text).strip()


def _clean_title(title: str, site_names: list[str]) -> str:
    """Drop a site-name part ("... - بوابة الوسط", "عين ليبيا | ...") from a title."""
    title = clean_ws(title)
    for name in site_names:  # Blogger: "Blog name: Post title" (no space before the colon)
        if name and title.startswith(name) and title[len(name) : len(name) + 1] == ":":
            return title[len(name) + 1 :].strip() or title
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    if _is_site_name(parts[-1], site_names):
        return _strip_separators(title[: title.rfind(parts[-1])], end=True)
    if _is_site_name(parts[0], site_names):
        return _strip_separators(title[len(parts[0]) :], end=False)
    return title


_HEADING_XPATH = "//h1|//h2|//h3|//body//*[contains(@class,'title') or contains(@class,'head') or contains(@class,'Title')]"


def _links_home(heading: HtmlElement | None) -> bool:
    """A heading that only links to the site's root is the site's logo (Blogger's blog title)."""
    links = heading.findall(".//a") if heading is not None else []
    return len(links) == 1 and urlsplit(links[0].get("href") or "").path in ("", "/")


def _page_title(tree: HtmlElement, site_names: list[str]) -> str:
    """Title without structured data: the single <h1>, else the part of <title> that the page
    repeats as a heading, else <title> without the site name, else trafilatura's guess."""
    h1s = [t for t in (element_text(h) for h in tree.iter("h1")) if t]
    if len(h1s) == 1 and not _is_site_name(h1s[0], site_names) and not _links_home(tree.find(".//h1")):
        return h1s[0]
    head = tree.find(".//head/title")
    raw = element_text(head) if head is not None else ""
    if raw:
        parts = [p for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
        headings = {phrase_key(element_text(e)) for e in tree.xpath(_HEADING_XPATH)[:80]}
        shown = [p for p in parts if phrase_key(p) in headings and not _is_site_name(p, site_names)]
        if len(parts) > 1 and shown:  # a headline outgrows a site name the template also shows
            return clean_ws(max(shown, key=len))
        cleaned = _clean_title(raw, site_names)
        if cleaned != raw or len(parts) == 1:
            return cleaned
    from trafilatura.metadata import extract_title

    guess = extract_title(tree) or ""
    if raw and (not guess or phrase_key(guess) in {phrase_key(n) for n in site_names}):
        return max(_TITLE_SEPARATORS.split(raw), key=len).strip()  # a headline outgrows the site name
    return _clean_title(guess, site_names)


_SECTION_CLASS = re.compile(
    r"(?:^|[\s_-])(?:cat|cats|category|categories|section|section-?title|section-?name|cat-?links|"
    r"post-?categor(?:y|ies)|breadcrumbs?|kicker|rubric)(?:$|[\s_-])",
)  # matched against lower-cased classes (re.I is twice as slow)
_HOME_WORDS = frozenset(
    phrase_key(w) for w in ("الرئيسية", "الصفحة الرئيسية", "home", "homepage", "أخبار", "الأخبار", "news")
)


def _page_section(tree: HtmlElement, title: str) -> str | None:
    """Section name shown on the page: breadcrumb trail (last item before the title), category
    links or a section label."""
    title_key = phrase_key(title)
    classed = (e for e in _body_elements(tree) if e.get("class") is not None)
    for element in islice(classed, 3000):
        attrs = element.get("class", "")
        if not _SECTION_CLASS.search(attrs.lower()) or is_furniture(element):
            continue
        if "breadcrumb" in attrs.lower():
            items = [element_text(a) for a in element.xpath(".//a|.//li[not(.//a)]|.//span[not(.//a)]")]
        else:
            items = [element_text(element)]
        for text in reversed(items):
            key = phrase_key(text)
            if not key or key in _HOME_WORDS or key == title_key or len(key.split()) > 4:
                continue
            if any(ch.isdigit() for ch in key) or classify(text) is not None:
                continue
            return text
    return None


# Byline elements: rel/itemprop="author", or a class containing one of these (Drupal's "submitted by"
# user field: 8 field--name-uid, 7 username). Tested in Python over the body's elements: the same
# test as an XPath of contains() took twice as long on real pages.
_AUTHOR_ATTRS = (("rel", "author"), ("itemprop", "author"))
_AUTHOR_CLASS_PARTS = ("author", "byline", "writer", "Author", "field--name-uid", "username")


def _body_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """Every element under <body> (as //body//*), document order."""
    for body in tree.iter("body"):
        yield from body.iterdescendants(etree.Element)


def _is_byline_element(element: HtmlElement) -> bool:
    if any(element.get(name) == value for name, value in _AUTHOR_ATTRS):
        return True
    classes = element.get("class")
    return bool(classes) and any(part in classes for part in _AUTHOR_CLASS_PARTS)


PAGE_BYLINE_WORDS = 10


def _page_byline_texts(tree: HtmlElement) -> list[str]:
    """Raw texts of byline elements (class author/byline/writer, rel/itemprop=author), outside comments:
    the authors when nothing structured names them, and the dateline place ("الدمام - طارق العريبي")
    when the structured author names only the person."""
    texts = []
    for element in islice(filter(_is_byline_element, _body_elements(tree)), 40):
        text = element_text(element)
        if text and len(text) <= 120 and not is_furniture(element):
            texts.append(text)
    return texts


def _page_authors(byline_texts: list[str]) -> list[str]:
    """Names in the first byline element that has any (texts from ``_page_byline_texts``)."""
    for text in byline_texts:
        names = parse_byline(text)
        # a marked byline element without a role word: "كتب بواسطة: طرابلس: أ ف ب", "منى بوخطوة (جدة، القاهرة)"
        if names is None and len(text.split()) <= PAGE_BYLINE_WORDS and not any(ch.isdigit() for ch in text):
            names = [text]
        if names:
            return names
    return []


EMBEDDED_SHARE = 0.6  # HTML text shorter than this share of a JSON blob's article text: take the blob's


def _prefer_embedded(html_paragraphs: list[str], embedded: EmbeddedArticle) -> bool:
    """The HTML is a "loading" skeleton or a teaser (much less text than the blob), or it is the
    blob's own text run together (trafilatura reads JSON-LD articleBody as one block)."""
    if sum(map(len, html_paragraphs)) < EMBEDDED_SHARE * embedded.chars:
        return True
    return len(html_paragraphs) < len(embedded.paragraphs) and normalize_for_hash(
        " ".join(html_paragraphs)
    ) == normalize_for_hash(" ".join(embedded.paragraphs))


def _embedded_article(tree: HtmlElement, meta: PageMeta) -> EmbeddedArticle | None:
    """The article of a JSON state blob or of JSON-LD articleBody (embedded.py), if any."""
    head = tree.find(".//head/title")
    page_titles = [t for t, _ in meta.title] + ([element_text(head)] if head is not None else [])
    jsonld = [meta.jsonld_article] if meta.jsonld_article else []
    try:
        return find_embedded_article(tree, page_titles=page_titles, jsonld=jsonld)
    except (RecursionError, MemoryError, ValueError) as err:  # a hostile blob costs us the blob only
        logger.debug("embedded article lookup failed: %s", err)
        return None


def _language(text: str, html_lang: str | None) -> str:
    if arabic_ratio(text) >= 0.5:
        return "ar"
    if html_lang and html_lang != "ar":
        return html_lang
    return "en"


def _lead(paragraphs: list[str], description: str | None) -> str:
    for paragraph in paragraphs:
        if len(paragraph.split()) >= 6:
            return paragraph
    if paragraphs:
        return paragraphs[0]
    return description or ""


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def extract_article(
    raw: bytes,
    url: str,
    *,
    outlet: str | None = None,
    headers: dict[str, str] | None = None,
    fetched_at: datetime | None = None,
    outlet_config: Outlet | None = None,
    registry: object | None = None,
) -> dict[str, Any]:
    """Turn a fetched page into an Article dict with exactly the keys in ARTICLE_KEYS.

    ``outlet_config`` is the outlet's registry entry (selectors, founding date, names). ``registry`` (optional, e.g.
    akhbar.core.registry.Registry) resolves a repost's source name to a slug with ``find_by_alias``;
    without it the built-in alias table is used.

    Raises ExtractionError subclasses: NotHTMLError, TooLargeError, DecodeError, EmptyContentError.
    """
    try:
        return _extract(
            raw,
            url,
            outlet=outlet,
            headers=headers,
            fetched_at=fetched_at,
            outlet_config=outlet_config,
            registry=registry,
        )
    except ExtractionError as err:
        if err.url is None:
            err.url = url
        raise


def extract_split_article(raw: bytes, url: str, later: list[tuple[bytes, str]], **options: Any) -> dict[str, Any]:
    """A story split over pages (issue 21): page 1's fields, with the text of its later pages (bytes, URL; in
    order) joined after its body. Title, date, authors and the canonical URL are page 1's. A later page that
    does not extract loses its part, not the story; the headline and paragraphs a theme repeats on every page
    are kept once."""
    fields = extract_article(raw, url, **options)
    paragraphs = fields["body"].split("\n\n")
    seen = {normalize_for_hash(p) for p in [fields["title"], *paragraphs]}  # later pages repeat the headline
    for part_raw, part_url in later:
        try:
            part = extract_article(part_raw, part_url, **options)
        except ExtractionError:
            logger.info("a later page of %s does not extract: %s", url, part_url)
            continue
        for paragraph in part["body"].split("\n\n"):
            key = normalize_for_hash(paragraph)
            if key not in seen:
                seen.add(key)
                paragraphs.append(paragraph)
    body = "\n\n".join(paragraphs)
    fields.update(body=body, content_hash=content_hash(body),
                  **place_fields(article_places(fields["title"], body, fields["dateline"])))
    return fields


def _extract(
    raw: bytes,
    url: str,
    *,
    outlet: str | None,
    headers: dict[str, str] | None,
    fetched_at: datetime | None,
    outlet_config: Outlet | None,
    registry: object | None,
) -> dict[str, Any]:
    if not raw or not raw.strip():
        raise EmptyContentError("empty payload (0 bytes of content)")
    if len(raw) > MAX_BYTES:
        raise TooLargeError(f"payload is {len(raw)} bytes, limit is {MAX_BYTES}")
    header_map = {k.lower(): v for k, v in (headers or {}).items()}
    html = decode_html(raw, header_map.get("content-type"))
    if "<" not in html[:65536]:
        raise NotHTMLError("no HTML markup in the payload (plain text?)")

    from trafilatura.utils import load_html

    tree = load_html(without_pre_document_output(html))
    if tree is None:
        raise NotHTMLError("payload could not be parsed as an HTML document")
    # lxml.html makes a Python proxy each time Python reaches an element (through a Python-level class
    # lookup) and frees it when no reference is left; our passes reach the same elements again and again.
    # Holding them all for the whole extraction makes every later reach a cache hit (~1.5 ms a real page).
    proxies = list(tree.iter())
    fetched = _aware(fetched_at)
    config_names = _outlet_names(outlet_config)
    outlet = outlet or (outlet_config.name if outlet_config else None)
    selectors = outlet_config.selectors.as_dict() if outlet_config else {}
    own_names = [n for n in (outlet, *config_names) if n]

    # 1. everything read from the page as published (before any pruning)
    meta = read_page_meta(tree)
    site_names = [*meta.site_name, *config_names]
    credits = [*outlet_names(), *site_names]
    # other outlets' names are credits, not authors; but an agency abbreviation ("وال", "واس") in
    # someone else's byline is its author (only the outlet's own names are dropped)
    not_authors = [n for n in outlet_names() if phrase_key(n) not in AGENCY_KEYS] + [*site_names, *own_names]
    embedded = _embedded_article(tree, meta)
    title = next((t for t, _ in meta.title if t), None)
    title = _clean_title(title, site_names) if title else None
    title = (
        title
        or _select_text(tree, selectors.get("title"))
        or (embedded.title if embedded else None)
        or _page_title(tree, site_names)
    )
    selected_date = _select_text(tree, selectors.get("date"), attrs=("datetime", "content"))
    section = (
        (meta.section[0] if meta.section else None)
        or _select_text(tree, selectors.get("section"))
        or _page_section(tree, title)
    )
    authors: list[str] = []
    page_bylines = _page_byline_texts(tree)  # read before pruning
    raw_bylines = [*meta.jsonld_authors, *meta.authors]  # "الرياض - واس": the place is a dateline
    for group in (meta.jsonld_authors, meta.authors):
        if authors := clean_author_names(group, exclude=not_authors):
            break
    if not authors:
        selected_author = _select_text(tree, selectors.get("author"))
        if selected_author:
            raw_bylines.append(selected_author)
            authors = clean_author_names(parse_byline(selected_author) or [selected_author], exclude=not_authors)
    if embedded is not None:
        raw_bylines.extend(embedded.authors)  # "المدينة المنورة - د ب أ" in a JSON state blob
    if not authors and embedded is not None:
        authors = clean_author_names(embedded.authors, exclude=not_authors)
    if not authors:
        page_authors = _page_authors(page_bylines)
        raw_bylines.extend(page_authors)
        authors = clean_author_names(page_authors, exclude=not_authors)

    # 2. boilerplate out, then the body: outlet selector, else trafilatura
    for element in _select(tree, selectors.get("remove")):
        if element.getparent() is not None:
            element.drop_tree()
    _drop_code(tree)  # before the boilerplate pass: its size tests then see only text a reader sees
    removed_html = prune_html(tree, credits=credits)
    _drop_empty_before_text(tree)
    paragraphs: list[str] = []
    for element in _select(tree, selectors.get("body")):
        paragraphs.extend(element_paragraphs(element))
    if not paragraphs:
        paragraphs = restore_dropped(tree, _trafilatura_paragraphs(tree, url), url)

    body_paragraphs, _removed = clean_paragraphs(paragraphs, title=title, section=section, credits=credits)
    if embedded is not None and _prefer_embedded(body_paragraphs, embedded):
        paragraphs = embedded.paragraphs
        body_paragraphs, _removed = clean_paragraphs(paragraphs, title=title, section=section, credits=credits)
    byline_authors, byline_rows = find_bylines(body_paragraphs)
    raw_bylines.extend(body_paragraphs[i] for i in sorted(byline_rows))  # "خالد الزايدي (بغداد)"
    body_paragraphs = [p for i, p in enumerate(body_paragraphs) if i not in byline_rows]
    if not body_paragraphs:
        raise EmptyContentError("no article text found after extraction and boilerplate removal")
    if not authors:
        authors = clean_author_names(byline_authors, exclude=not_authors)

    dateline = parse_dateline(body_paragraphs[0])
    if not authors and dateline is not None:  # "الرياض - واس: ..." opens the story
        authors = clean_author_names(dateline_author(body_paragraphs[0], dateline), exclude=not_authors)
    original = source_outlet(
        paragraphs,
        extra_lines=removed_html,
        dateline=dateline,
        outlet=outlet,
        own_names=own_names,
        registry=registry,
    )

    candidates: list[tuple[str | None, str]] = list(meta.dates)
    if selected_date:
        candidates.append((selected_date, "text"))
    if embedded is not None and embedded.published:
        candidates.append((embedded.published, "json-ld" if embedded.source == "json-ld" else "meta"))
    if header_map.get(FEED_DATE_HEADER):
        candidates.append((header_map[FEED_DATE_HEADER], "feed"))
    published, date_source = find_published(
        tree,
        url,
        fetched,
        (outlet_config.founded if outlet_config else None) or DEFAULT_FOUNDED,
        candidates=candidates,
        opening=body_paragraphs[0],
        mutable_tree=True,  # last use of the tree
    )

    body = "\n\n".join(body_paragraphs)
    del proxies
    description = meta.description[0] if meta.description else None
    place_of_dateline = dateline.city if dateline else byline_place([*raw_bylines, *page_bylines])
    places = article_places(title, body, place_of_dateline, byline=byline_places([*raw_bylines, *page_bylines]))
    return {
        "url": url,
        "canonical_url": _canonical(meta, url),
        "outlet": outlet,
        "title": title,
        "body": body,
        "lead": _lead(body_paragraphs, description),
        "authors": authors,
        "published_at": published.isoformat() if published else None,
        "date_source": date_source if published else None,
        "language": _language(f"{title}\n{body[:3000]}", meta.lang),
        "dateline": place_of_dateline,
        "source_outlet": original,
        "section": section,
        "tags": list(meta.tags),
        "content_hash": content_hash(body),
        # Every place the text names, the main place first; the main place; its point as `location` (maps).
        **place_fields(places),
    }
