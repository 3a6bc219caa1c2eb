"""Crawl-trap filters and site membership (canonical URLs: akhbar.core.urls)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

# Query parameters whose number is a listing's page or offset: ?page=2, Joomla &limitstart=10,
# ?start= / ?offset= / ?skip= (crawler.listing.PAGINATION is built from them).
PAGINATION_PARAMS = (
    "page", "paged", "p", "pg", "start", "limitstart", "offset", "skip", "pagenum", "pageno", "page_no", "pageindex",
)  # fmt: skip
# Query parameters a CMS routes or paginates with (Joomla's non-SEF URLs carry five or six:
# ?option=com_content&view=category&layout=blog&id=8&Itemid=101&limitstart=10). They do not count
# towards a query explosion (facets, sorts, filters combined without end); a few more are allowed.
ROUTING_PARAMS = frozenset(
    (
        "option", "view", "layout", "id", "catid", "itemid", "task", "format", "lang", "tmpl", "q",
        "page_id", "cat", "category", "section", "type", "limit", *PAGINATION_PARAMS,
    )
)  # fmt: skip
MAX_ROUTING_PARAMS = 4


def is_trap(url: str, max_query_params: int = 4, max_path_depth: int = 10, max_repeats: int = 2) -> str | None:
    """The reason a URL looks like a crawl trap, or None. Calendars and date archives are not traps by their
    URL: they are listings, followed while they yield (crawler.listing.is_date_nav)."""
    parts = urlsplit(url)
    if parts.query:
        names = [name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
        other = [name for name in names if name not in ROUTING_PARAMS]
        if len(other) > max_query_params or len(names) > max_query_params + MAX_ROUTING_PARAMS:
            return "query_explosion"
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > max_path_depth:
        return "path_depth"
    if any(segments.count(s) > max_repeats for s in set(segments)):
        return "repeated_segments"
    return None


def site_key(url: str) -> str:
    """host (www. dropped), with the port when it is not the scheme's default: two sites on one host
    with different ports are two sites."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return host
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if port in (None, default) else f"{host}:{port}"


def same_site(url: str, hosts: tuple[str, ...], path_prefix: str = "/") -> bool:
    """Whether `url` belongs to the site: its site_key is one of `hosts` and its path under the prefix."""
    return site_key(url) in hosts and urlsplit(url).path.startswith(path_prefix)
