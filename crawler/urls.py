"""URL canonicalisation and crawl-trap filters."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that never change the page: trackers and session ids.
DROP_PARAMS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid", "mc_cid",
    "mc_eid", "phpsessid", "sessionid", "session_id", "sid", "jsessionid", "amp", "ref", "share",
)
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.I)
# Calendar and date-archive pages: an endless space of near-empty listings.
CALENDAR = re.compile(
    r"/(calendar|events?/calendar|archive/calendar)/|[?&](month|year|day|date|cal|calendar)=|"
    r"/(19|20)\d{2}/\d{1,2}/?$|/(19|20)\d{2}/?$",
    re.I,
)


@lru_cache(maxsize=20_000)  # the same navigation links appear on every page of a site
def canonical(url: str) -> str:
    """Drop fragments, session ids and trackers; sort the query (w3lib) so one page has one URL."""
    url = _PATH_SESSION.sub("", url)
    cleaned = url_query_cleaner(url, [p for p in DROP_PARAMS], remove=True, unique=True, keep_fragments=False)
    # url_query_cleaner is case-sensitive: drop upper-case session keys as well.
    parts = urlsplit(cleaned)
    if parts.query:
        keep = "&".join(kv for kv in parts.query.split("&") if kv.split("=", 1)[0].lower() not in DROP_PARAMS)
        cleaned = parts._replace(query=keep).geturl()
    return canonicalize_url(cleaned, keep_fragments=False)


def is_trap(url: str, max_query_params: int = 4, max_path_depth: int = 10, max_repeats: int = 2) -> str | None:
    """The reason a URL looks like a crawl trap, or None."""
    parts = urlsplit(url)
    if CALENDAR.search(parts.path + ("?" + parts.query if parts.query else "")):
        return "calendar"
    if parts.query.count("&") + 1 > max_query_params and parts.query:
        return "query_explosion"
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > max_path_depth:
        return "path_depth"
    if any(segments.count(s) > max_repeats for s in set(segments)):
        return "repeated_segments"
    return None


def same_site(url: str, hosts: tuple[str, ...], path_prefix: str = "/") -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    netloc_ok = host in hosts or f"{host}:{parts.port}" in hosts
    return netloc_ok and parts.path.startswith(path_prefix)
