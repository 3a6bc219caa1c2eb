"""Listings that live in data (issue 21 §3): article links a page carries in JSON instead of <a> tags, and the
JSON endpoints a site offers for its lists.

- state blobs of app shells: Next.js __NEXT_DATA__, Nuxt window.__NUXT__ (object and IIFE forms), Redux/Apollo
  __INITIAL_STATE__/__APOLLO_STATE__ (read by workers.clean.embedded.state_blobs: parsed, never executed);
- JSON-LD ItemList (itemListElement[].url / .item);
- JSON Feed (https://jsonfeed.org: items[].url);
- the WordPress REST API a page announces with <link rel="https://api.w.org/">: /wp/v2/posts, page by page.

Which keys hold a URL is data. Only same-site URLs and site-relative paths are taken; the spider decides what
they are once fetched, as for any link.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from crawler.classify import ld_objects
from workers.clean.embedded import state_blobs

# Keys whose string value is a page's URL or site path in list items of app states and APIs.
URL_KEYS = frozenset({"url", "href", "link", "permalink", "canonical", "canonicalurl", "canonical_url", "path",
                      "as", "fullurl", "full_url", "weburl", "web_url", "shareurl", "share_url", "external_url"})
# Substrings that show a page may carry a list in data: checked on the raw HTML before any parsing.
MARKERS = ("__NEXT_DATA__", "__NUXT", "__INITIAL_STATE__", "__APOLLO_STATE__", "__PRELOADED_STATE__",
           "__INITIAL_DATA__", "ItemList")
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
WP_API_REL = "https://api.w.org/"
WP_PER_PAGE = 50
MAX_NODES = 50_000  # objects walked per page


def has_data(html: str) -> bool:
    return any(marker in html for marker in MARKERS)


def _urls_in(root: Any, budget: int = MAX_NODES) -> Iterator[str]:
    """String values of URL keys anywhere under ``root``."""
    stack = [root]
    while stack and budget:
        node = stack.pop()
        budget -= 1
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if key.lower() in URL_KEYS:
                        yield value
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))


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
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found: list[str] = []
    for _, data in state_blobs(tree):
        found += _urls_in(data)
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and "ItemList" in (script.text or ""):
            try:
                found += _item_list_urls(json.loads(script.text or ""))
            except ValueError:
                continue
    return list(dict.fromkeys(url for value in found if (url := _usable(value, base_url))))


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
