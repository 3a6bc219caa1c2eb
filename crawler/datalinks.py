"""Listings that live in data (issue 21 §3): article links a page carries in JSON instead of <a> tags, and the
JSON endpoints a site offers for its lists.

- state blobs of app shells: Next.js __NEXT_DATA__, Nuxt window.__NUXT__ (object and IIFE forms), Redux/Apollo
  __INITIAL_STATE__/__APOLLO_STATE__ (read by workers.clean.embedded.state_blobs: parsed, never executed);
- JSON-LD ItemList (itemListElement[].url / .item);
- JSON Feed (https://jsonfeed.org: items[].url);
- the WordPress REST API a page announces with <link rel="https://api.w.org/">: /wp/v2/posts, page by page;
- Next.js data routes: the next page of a list as /_next/data/<buildId>/<page>.json, derived from __NEXT_DATA__'s
  buildId, route and query when its pageProps say there is a next page (page + totalPages / hasNextPage);
- "load more" endpoints a listing names on a button or link ("المزيد", "load more"): hx-get, data-url,
  data-next and kin; they answer JSON (items' URLs and the next page: next_page_url, next, nextPage, has_more...)
  or an HTML fragment (links, and the next button).

Which keys hold a URL is data. Only same-site URLs and site-relative paths are taken; the spider decides what
they are once fetched, as for any link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from crawler.classify import ld_objects
from workers.clean.embedded import state_blobs

# Keys whose string value is a page's URL or site path in list items of app states and APIs.
URL_KEYS = frozenset({"url", "href", "link", "permalink", "canonical", "canonicalurl", "canonical_url", "path",
                      "as", "fullurl", "full_url", "weburl", "web_url", "shareurl", "share_url", "external_url",
                      "uri"})  # uri: WPGraphQL (headless WordPress)
# Substrings that show a page may carry a list in data: checked on the raw HTML before any parsing.
MARKERS = ("__NEXT_DATA__", "__NUXT", "__INITIAL_STATE__", "__APOLLO_STATE__", "__PRELOADED_STATE__",
           "__INITIAL_DATA__", "ItemList")
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
WP_API_REL = "https://api.w.org/"
WP_PER_PAGE = 50
MAX_NODES = 50_000  # objects walked per page


def has_data(html: str) -> bool:
    return any(marker in html for marker in MARKERS)


def _strings(root: Any, budget: int = MAX_NODES) -> Iterator[tuple[str, str]]:
    """(key, value) of every string value of an object anywhere under ``root``."""
    stack = [root]
    while stack and budget:
        node = stack.pop()
        budget -= 1
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    yield str(key), value
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))


def _urls_in(root: Any, budget: int = MAX_NODES) -> Iterator[str]:
    """String values of URL keys anywhere under ``root``."""
    return (value for key, value in _strings(root, budget) if key.lower() in URL_KEYS)


def _usable(value: str, base_url: str) -> str | None:
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    if value.startswith("/") and not value.startswith("//") and " " not in value and len(value) > 1:
        return urljoin(base_url, value)
    return None


def _item_list_urls(data: Any) -> Iterator[str]:
    for node, kinds in ld_objects(data):
        if "ItemList" not in kinds:
            continue
        for element in node.get("itemListElement") or []:
            if isinstance(element, dict):
                item = element.get("item")
                url = element.get("url") or (item.get("url") or item.get("@id") if isinstance(item, dict) else item)
                if isinstance(url, str):
                    yield url


def page_data_links(html: str, base_url: str) -> list[str]:
    """Absolute URLs a page lists in its JSON (state blobs and JSON-LD ItemList), in order, once each."""
    tree = _parse(html)
    return [] if tree is None else _tree_data(tree, base_url)[0]


def _parse(html: str) -> Any:
    try:
        return lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _tree_data(tree: Any, base_url: str) -> tuple[list[str], list[Chain]]:
    """The URLs a page lists in its JSON, and the data route of its next list page (Next.js)."""
    found: list[str] = []
    chains: list[Chain] = []
    for source, data in state_blobs(tree):
        found += _urls_in(data)
        if source == "next-data" and isinstance(data, dict):
            chains += _some(next_data_chain(data, base_url))
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and "ItemList" in (script.text or ""):
            try:
                found += _item_list_urls(json.loads(script.text or ""))
            except ValueError:
                continue
    return list(dict.fromkeys(url for value in found if (url := _usable(value, base_url)))), chains


def json_feed_urls(body: bytes) -> list[tuple[str, str | None]] | None:
    """(url, date_published) of a JSON Feed's items; None when the body is not a JSON Feed."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        return None
    out = []
    for item in data.get("items") or []:
        if isinstance(item, dict) and isinstance(item.get("url") or item.get("external_url"), str):
            out.append((item.get("url") or item["external_url"], item.get("date_published")))
    return out


def wp_posts_url(api_root: str, page: int = 1) -> str:
    """The REST API's post list, page ``page``, for an API root from <link rel="https://api.w.org/">:
    /wp-json/ (pretty permalinks) or /?rest_route=/ (plain permalinks)."""
    parts = urlsplit(api_root)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    args = {"per_page": str(WP_PER_PAGE), "page": str(page), "_fields": "link,date_gmt,modified_gmt"}
    if "rest_route" in query:
        return urlunsplit(parts._replace(query=urlencode({"rest_route": "/wp/v2/posts", **args})))
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit(parts._replace(path=path + "wp/v2/posts", query=urlencode(args)))


def wp_posts(body: bytes) -> list[tuple[str, str | None]] | None:
    """(link, modified date) of a /wp/v2/posts answer; None when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        return None
    return [(p["link"], p.get("modified_gmt") or p.get("date_gmt")) for p in data if isinstance(p.get("link"), str)]


# -- lists that go on in data: Next.js data routes and "load more" endpoints ------------------------------
@dataclass(frozen=True)
class Chain:
    """The next page of a list in data: its URL, and how to read it and find the page after (``how`` travels in
    request meta, so JSON only): {"next": {...}} for a Next.js data route, {"more": True} for a load-more endpoint."""

    url: str
    how: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DataPage:
    """What a page of a list in data holds: the URLs it lists and the next page (None: the list ends here)."""

    links: list[str]
    next: Chain | None


# Keys that give a list's current page, its page count, or whether another page follows (React/Vue app props,
# REST and GraphQL answers: Laravel, WPGraphQL, Strapi, DRF-style pagination objects).
PAGE_KEYS = ("page", "currentPage", "current_page", "pageNumber", "page_number", "pageNo", "pageIndex", "paged")
TOTAL_KEYS = ("totalPages", "total_pages", "pageCount", "page_count", "lastPage", "last_page", "numPages",
              "num_pages", "pages")
MORE_KEYS = ("hasNextPage", "has_next_page", "hasNext", "has_next", "hasMore", "has_more", "nextPage", "next_page")
PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "pagenumber", "page_number", "pageno", "pagenum", "currentpage"})
OFFSET_PARAMS = frozenset({"offset", "start", "from", "skip", "start-index", "startindex"})
NEXT_URL_KEYS = ("next_page_url", "nextPageUrl", "next_url", "nextUrl", "next_link", "nextLink", "load_more_url",
                 "loadMoreUrl", "more_url", "moreUrl", "next")
NEXT_NUMBER_KEYS = (("next_page", PAGE_PARAMS, "page"), ("nextPage", PAGE_PARAMS, "page"),
                    ("next_offset", OFFSET_PARAMS, "offset"), ("nextOffset", OFFSET_PARAMS, "offset"),
                    ("next_start", OFFSET_PARAMS, "start"), ("nextStart", OFFSET_PARAMS, "start"))
PAGINATION_DEPTH = 4  # objects down from pageProps (or a JSON answer) searched for the pagination fields
NEXT_DATA_PREFIX = "/_next/data/"
_DYNAMIC_SEGMENT = re.compile(r"\[\[?(?:\.\.\.)?(\w+)\]?\]")
# Attributes that name the endpoint a "load more" button or link fetches (htmx, and the data-* of hand-written
# and theme scripts), and the pre-test for them on the raw HTML.
MORE_ATTRS = ("hx-get", "data-url", "data-href", "data-next", "data-next-url", "data-next-page", "data-endpoint",
              "data-source", "data-load-url", "data-ajax-url", "data-more-url", "data-api", "data-link")
# Case-sensitive with a literal prefix ("data-"), so the regex engine skips ahead: a few us per KB of page.
_DATA_ATTR = re.compile(r"data-(?:url|href|next|next-url|next-page|endpoint|source|load-url|ajax-url|more-url|api|"
                        r"link)\s*=")
_MORE_XPATH = "//*[" + " or ".join(f"@{name}" for name in MORE_ATTRS) + "]"
# What a "load more" control says (its text, class, id, label): more, load, next; "read more" is an article link.
_MORE_WORDS = re.compile(r"more|load|next|المزيد|مزيد|تحميل|التالي|أكثر|اكثر", re.I)
_READ_MORE = re.compile(r"read[ -]?more|continue reading|اقرأ|إقرأ|اقرا|تابع القراءة", re.I)
_DOCUMENT = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype|html|head)\b", re.I | re.S)


def _some(value: Any) -> list:
    return [] if value is None else [value]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def list_pagination(root: Any, depth: int = PAGINATION_DEPTH) -> tuple[int, bool] | None:
    """(current page, does another follow?) from the pagination fields of a list's props or API answer: a page
    number with a page count (totalPages, last_page ...) or a has-more flag (hasNextPage, has_more, nextPage)."""
    level = [root]
    for _ in range(depth):
        below = []
        for node in level:
            if not isinstance(node, dict):
                continue
            current = next((n for key in PAGE_KEYS if (n := _int(node.get(key))) is not None), None)
            if current is not None:
                for key in MORE_KEYS:
                    if key in node:
                        more = node[key]
                        if isinstance(more, bool) or more is None:
                            return current, bool(more)
                        number = _int(more)
                        return current, number > current if number is not None else bool(more)
                total = next((n for key in TOTAL_KEYS if (n := _int(node.get(key))) is not None), None)
                if total is not None:
                    return current, current < total
            below += [value for value in node.values() if isinstance(value, dict)]
        level = below
    return None


def _with_param(url: str, names: frozenset[str], default: str, value: int) -> str:
    """``url`` with its page (or offset) parameter set to ``value``: the one it has, else ``default``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    key = next((k for k, _ in query if k.lower() in names), default)
    query = [(k, v) for k, v in query if k != key] + [(key, str(value))]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def next_data_route(next_data: dict, page_url: str, page: int) -> str | None:
    """The Next.js data route (/_next/data/<buildId>/<path>.json) of page ``page`` of the list ``page_url`` shows,
    from its __NEXT_DATA__ (buildId, page = the route, locale). A page number in a dynamic segment
    (/news/page/[page]) is replaced there; otherwise it goes in the query (its own name, else ?page=), as the
    client's router.push({query: {page}}) asks for it."""
    build, route = next_data.get("buildId"), next_data.get("page")
    if not isinstance(build, str) or not build or "/" in build or not isinstance(route, str) or not route.startswith("/"):
        return None
    parts = urlsplit(page_url)
    segments = [s for s in parts.path.split("/") if s]
    locale = next_data.get("locale") if isinstance(next_data.get("locales"), list) else None
    if isinstance(locale, str) and segments[:1] == [locale]:
        segments = segments[1:]  # the data route names the locale itself
    query = parse_qsl(parts.query, keep_blank_values=True)
    placed = False
    for index, segment in enumerate(s for s in route.split("/") if s):
        match = _DYNAMIC_SEGMENT.fullmatch(segment)
        if match and match.group(1).lower() in PAGE_PARAMS and index < len(segments) and segments[index].isdigit():
            segments[index], placed = str(page), True
    if not placed:
        key = next((k for k, _ in query if k.lower() in PAGE_PARAMS), "page")
        query = [(k, v) for k, v in query if k != key] + [(key, str(page))]
    path = "/" + "/".join(segments)
    if isinstance(locale, str) and locale:
        path = f"/{locale}" + ("" if path == "/" else path)
    elif path == "/":
        path = "/index"
    return urlunsplit((parts.scheme, parts.netloc, f"{NEXT_DATA_PREFIX}{build}{path}.json", urlencode(query), ""))


def next_data_chain(next_data: dict, page_url: str) -> Chain | None:
    """The data route of the next list page, when the page's pageProps say one follows."""
    props = next_data.get("props")
    found = list_pagination(props.get("pageProps") if isinstance(props, dict) else None)
    if found is None or not found[1]:
        return None
    keep = {k: next_data[k] for k in ("buildId", "page", "locale", "locales") if k in next_data}
    url = next_data_route(keep, page_url, found[0] + 1)
    return None if url is None else Chain(url, {"next": {"data": keep, "page_url": page_url}})


def load_more_urls(tree: Any, base_url: str) -> list[str]:
    """Endpoints that "load more" controls of a page or fragment name: an element with hx-get or a URL-valued
    data-* attribute whose text, class, id or label says more/load/next (or htmx's infinite-scroll trigger)."""
    out = []
    for element in tree.xpath(_MORE_XPATH):
        value = next((v.strip() for name in MORE_ATTRS if (v := element.get(name)) and v.strip()), "")
        if not value or value.isdigit() or value.startswith(("#", "javascript:", "mailto:", "{", "(")):
            continue
        text = element.text_content()[:200] if hasattr(element, "text_content") else ""
        said = " ".join((text, element.get("class") or "", element.get("id") or "", element.get("aria-label") or "",
                         element.get("title") or ""))
        trigger = element.get("hx-trigger") or ""
        if _READ_MORE.search(said) or not (_MORE_WORDS.search(said) or "revealed" in trigger or "intersect" in trigger):
            continue
        out.append(urljoin(base_url, value))
    return list(dict.fromkeys(out))


def page_lists(html: str, base_url: str, tree: Any = None) -> tuple[list[str], list[Chain]]:
    """A listing page's links in data (state blobs, JSON-LD ItemList) and the lists in data it goes on into (a
    Next.js data route, load-more endpoints). Substring and regex pre-tests first: a page without any of them is
    not parsed again (``tree``: the page's parsed tree, when the caller has one)."""
    state, more = has_data(html), "hx-get" in html or _DATA_ATTR.search(html) is not None
    if not state and not more:
        return [], []
    tree = _parse(html) if tree is None else tree
    if tree is None:
        return [], []
    links, chains = _tree_data(tree, base_url) if state else ([], [])
    if more:
        chains += [Chain(url, {"more": True}) for url in load_more_urls(tree, base_url)]
    return links, chains


def is_document(body: bytes) -> bool:
    """A whole HTML page (not a fragment, not JSON): a load-more link that led to an ordinary page."""
    return bool(_DOCUMENT.match(body[:1024]))


def _json_next(data: Any, url: str) -> str | None:
    """The next page a JSON list answer names: a URL (next_page_url, next, links.next ...), a next page or
    offset number, or a has-more flag with the page number (the same parameter, one up)."""
    nodes = [data] if isinstance(data, dict) else []
    nodes += [value for node in nodes for value in node.values() if isinstance(value, dict)]
    for node in nodes:
        for key in NEXT_URL_KEYS:
            value = node.get(key)
            if isinstance(value, str) and value.strip() and not value.strip().isdigit():
                return urljoin(url, value.strip())
        for key, names, default in NEXT_NUMBER_KEYS:
            number = _int(node.get(key))
            if number is not None:
                return _with_param(url, names, default, number)
        if any(node.get(key) in (None, False) for key in NEXT_URL_KEYS + MORE_KEYS if key in node):
            return None  # the list says it ends here
    found = list_pagination(data)
    if found is not None and found[1]:
        return _with_param(url, PAGE_PARAMS, "page", found[0] + 1)
    return None


def data_page(body: bytes, content_type: str, url: str, how: dict) -> DataPage | None:
    """A page of a list in data: a Next.js data route's JSON ({"pageProps": ...}), or a load-more endpoint's JSON
    or HTML fragment. None when the body is none of these (the caller reads a whole HTML page as a page)."""
    text = body.decode("utf-8", errors="replace")
    head = text.lstrip()[:1]
    if "json" in content_type or head in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if "next" in how:
            return _next_data_page(data, how["next"])
        following = _json_next(data, url)
        own = urlsplit(url).path  # the endpoint's own pages (Laravel's links[], path): not list items
        values = [v for key, v in _strings(data) if key.lower() in URL_KEYS]
        values += [urljoin(url, href) for _, v in _strings(data) if "<a " in v for href in _fragment_hrefs(v)]
        links = [u for value in values if (u := _usable(value, url)) and urlsplit(u).path != own]
        return DataPage(list(dict.fromkeys(links)), Chain(following, {"more": True}) if following else None)
    if "next" in how or is_document(body):
        return None
    tree = _fragment(text)
    if tree is None:
        return None
    links = [urljoin(url, href.strip()) for href in tree.xpath("//a/@href")]
    following = [u for u in load_more_urls(tree, url) if u != url]
    return DataPage(list(dict.fromkeys(links)), Chain(following[0], {"more": True}) if following else None)


def _next_data_page(data: Any, how: dict) -> DataPage | None:
    if not isinstance(data, dict) or not isinstance(data.get("pageProps"), dict):
        return None
    props, page_url = data["pageProps"], how.get("page_url") or ""
    links = list(dict.fromkeys(u for value in _urls_in(props) if (u := _usable(value, page_url))))
    found = list_pagination(props)
    url = next_data_route(how.get("data") or {}, page_url, found[0] + 1) if found and found[1] else None
    return DataPage(links, Chain(url, {"next": how}) if url else None)


def _fragment(text: str) -> Any:
    try:
        return lxml_html.fragment_fromstring(text, create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _fragment_hrefs(text: str) -> list[str]:
    tree = _fragment(text)
    return [] if tree is None else [href.strip() for href in tree.xpath("//a/@href")]
