"""Is a page an article, a listing, or neither? Cheap signals first: structured data, then URL shape,
then text density. Used to decide what goes to the pipeline and which links are worth following."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from parsel import Selector

from workers.clean.embedded import find_embedded_article

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                 "opinionnewsarticle", "backgroundnewsarticle"}

MICRODATA_CONTAINERS = {"blog", "itemlist", "collectionpage", "searchresultspage", "website"}

# What a URL may say, as data. It only ranks the frontier and skips what is no page at all: once fetched, a
# page's content decides (is_article), except for the obvious non-pages and the site's own static pages.
# Files and account/admin pages: never a page to read.
NON_PAGE_PATH = re.compile(
    r"/(login|register|wp-admin|wp-login|cart|account)(/|$|\?)|"
    r"\.(jpg|jpeg|png|gif|webp|svg|pdf|zip|rar|mp3|mp4|avi|doc|docx|xls|xlsx|ppt|css|js|ico|woff2?)$",
    re.I,
)
# The site's static pages: about, contact, legal (long text, never news).
STATIC_PATH = re.compile(r"/(contact|about|privacy|terms)(/|$|\?)", re.I)
# Listings by convention: taxonomy, authors, search, feeds, pagination. A page here is an article only when its
# content says so without doubt (structured data, or one story and no list of stories).
LISTING_PATH = re.compile(
    r"/(tag|tags|category|categories|section|author|authors|writer|search|page|feed|rss)(/|$|\?)|[?&](page|paged)=\d+",
    re.I,
)
# Archives by date (/2015/07/, /2015/07/21/, /2015/page/2/, WordPress's plain ?m=201507) and calendars: listings
# too (crawler.listing.is_date_nav follows them while they yield).
DATE_ARCHIVE_PATH = re.compile(r"/(19|20)\d{2}/(\d{1,2}/){0,2}(page/\d+/?)?$|/(19|20)\d{2}(/\d{1,2}){0,2}$")
# Dated paths, numeric ids and long slugs are what CMSs give articles.
ARTICLE_PATH = re.compile(
    r"/(19|20)\d{2}/\d{1,2}/(\d{1,2}/)?[^/]+|/(news|article|articles|story|post|node|archives)/[^/]*\d|"
    r"[/-]\d{4,}(\.html?)?/?$|/[^/]*[-_][^/]*[-_][^/]*[-_][^/]+/?$|\.html?$",
    re.I,
)
# Dynamic CMS pages that name one item by id: post.php?id=123, /?p=456 (WordPress's plain permalinks).
ARTICLE_QUERY = re.compile(r"(^|&)(id|nid|newsid|news_id|article_id|articleid|story|storyid|p|post|itemid)=\d+", re.I)
# Several headlines that link somewhere, or several <article> cards: a list of stories, not one story.
LISTING_CARDS_XPATH = "count(//h2[.//a[@href]] | //h3[.//a[@href]] | //article)"
LISTING_CARDS = 3


def ld_objects(data: object) -> Iterator[tuple[dict, list[str]]]:
    """Every object of a parsed JSON-LD block (@graph and nested ones too), with its @type names."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            kind = item.get("@type")
            yield item, [t for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)]
            stack.extend(v for k, v in item.items() if k == "@graph" or isinstance(v, dict | list))


def structured_types(sel: Selector) -> set[str]:
    types: set[str] = set()
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        types.update(t.lower() for _, kinds in ld_objects(data) for t in kinds)
    # Microdata (Joomla, Blogger, many hand-made themes): itemtype="https://schema.org/Article". A
    # blog's home or category page marks every teaser BlogPosting inside a Blog / ItemList: article
    # items count only alone and outside such a container (its last page may hold one teaser).
    micro = [
        t.rstrip("/").rsplit("/", 1)[-1].lower()
        for itemtype in sel.xpath("//*[@itemtype]/@itemtype").getall()
        for t in itemtype.split()
    ]
    if sum(t in ARTICLE_TYPES for t in micro) == 1 and not set(micro) & MICRODATA_CONTAINERS:
        types.update(micro)
    return types


def url_looks_like_article(url: str) -> bool | None:
    """True/False when the URL alone tells, None when it does not. Ranks links; see is_article for pages."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if NON_PAGE_PATH.search(path) or STATIC_PATH.search(path) or LISTING_PATH.search(path):
        return False
    if DATE_ARCHIVE_PATH.search(parts.path):
        return False
    if ARTICLE_QUERY.search(parts.query):  # before the root test: /?p=123 names one post
        return True
    if parts.path in ("", "/"):
        return False
    if ARTICLE_PATH.search(parts.path):
        return True
    return None


def listing_shaped(sel: Selector) -> bool:
    """Several linked headlines or story cards: a list of stories, whatever text density it has."""
    return float(sel.xpath(LISTING_CARDS_XPATH).get() or 0) >= LISTING_CARDS


def text_density_article(sel: Selector, own_text_min: int = 250) -> bool:
    """Several long paragraphs in one container and few links among them: a story, not a listing.
    ``own_text_min``: characters of <br>-separated text in one container that make a story."""
    paragraphs = [p.strip() for p in sel.xpath("//p//text()[normalize-space()]/..").xpath("string()").getall()]
    long_paragraphs = [p for p in paragraphs if len(p) >= 60]
    text_chars = sum(len(p) for p in long_paragraphs)
    link_chars = sum(len(t) for t in sel.xpath("//a//text()").getall())
    # Agency wires are often two paragraphs long: count text, not only paragraphs.
    enough = len(long_paragraphs) >= 3 or (len(long_paragraphs) >= 2 and text_chars >= 250) or text_chars >= 500
    if not enough:
        # Text split by <br> inside one container instead of <p>: measure the container's own text.
        blocks = sel.xpath("//div|//td|//article|//section|//span|//font|//p|//center")
        own_text = max((sum(len(t.strip()) for t in b.xpath("text()").getall()) for b in blocks), default=0)
        text_chars = max(text_chars, own_text)
        enough = own_text >= own_text_min
    return enough and link_chars / (text_chars + link_chars + 1) < 0.5


def embedded_article(sel: Selector) -> bool:
    """The page carries one article in a JSON blob (Next.js, Nuxt, a Redux/Apollo state, JSON-LD
    articleBody): single-page apps whose HTML is a "loading" skeleton. A blob listing several
    articles of similar length (a home or section page) does not count."""
    titles = sel.xpath("//head/title/text()").getall() + sel.xpath(
        '//meta[@property="og:title" or @name="twitter:title"]/@content'
    ).getall()
    try:
        return find_embedded_article(sel.root, page_titles=titles) is not None
    except (RecursionError, MemoryError, ValueError):
        return False


# An app shell: what a React/Vue/Angular client app serves before its scripts run. Its list or story is built
# in the browser (crawler.render). Scripts, a mount point, almost no text, few links; a real page of any kind has
# more text or links, and a small form page no mount point.
SHELL_MAX_LINKS = 30
SHELL_MAX_TEXT = 400
SHELL_TEXT_XPATH = ("//body//text()[normalize-space()][not(ancestor::script or ancestor::style or ancestor::noscript "
                    "or ancestor::template)]")
# Where the scripts mount the app: an element with an id and no text (`<div id="root">`, `#app`, `#__next`, a
# loading skeleton) or a custom element (`<app-root>`). A small form page with a script (send to a friend,
# log in) has none.
SHELL_MOUNT_XPATH = ("//body//*[@id][not(normalize-space())][not(self::script or self::style or self::noscript "
                     "or self::input or self::img or self::iframe or self::svg or self::a)] | //body//*[contains(name(), '-')]")


def app_shell(body: bytes, sel: Selector) -> bool:
    """Does the page build its content in the browser? Byte counts first, so a normal page costs nothing."""
    head = body[:1_000_000].lower()
    if b"<script" not in head or head.count(b"<a ") + head.count(b"<a\n") >= SHELL_MAX_LINKS:
        return False
    if not sel.xpath("//script[@src]") and head.count(b"<script") < 2:
        return False  # no code to run, or only an analytics snippet
    text = sum(len(t.strip()) for t in sel.xpath(SHELL_TEXT_XPATH).getall())
    return text < SHELL_MAX_TEXT and bool(sel.xpath(SHELL_MOUNT_XPATH))


def is_article(sel: Selector, url: str) -> bool:
    """One story? Structured data first, then the page's text; the URL only sets how much text it takes."""
    types = structured_types(sel)
    if types & ARTICLE_TYPES:
        return True
    og_type = (sel.xpath('//meta[@property="og:type"]/@content').get() or "").strip().lower()
    if og_type == "article":
        return True
    if types & {"collectionpage", "profilepage", "searchresultspage"}:
        return False
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if NON_PAGE_PATH.search(path) or STATIC_PATH.search(path):
        return False
    by_url = url_looks_like_article(url)
    if by_url is not False and embedded_article(sel):
        return True
    if by_url is False:
        # A listing or home page by its URL: an article only as one story with no list of stories around it.
        return og_type not in ("website", "profile") and text_density_article(sel) and not listing_shaped(sel)
    # og:type=website is common on article pages of poor themes, so it only counts against the
    # page when the URL does not look like an article either.
    if og_type in ("website", "profile") and by_url is not True:
        return False
    if by_url is None:
        return text_density_article(sel) and not listing_shaped(sel)
    # The URL names one item: a short agency wire (two <br>-separated paragraphs) is enough.
    return text_density_article(sel, own_text_min=150) or bool(sel.xpath("//article|//h1"))
