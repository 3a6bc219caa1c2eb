"""One URL identity: the crawler's seen state, the frontier and document ids all use `canonical_url`.

Two spellings of one page must give one string, or the crawler fetches it twice and the index keeps two
documents. w3lib does the generic part (percent-encoding, sorted query, no fragment); what it cannot know
is which query parameters never change a page: trackers, session ids and share/AMP switches. Those are
kept here as data.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that never change the page (compared lower-case).
TRACKING_PARAMS = frozenset({
    # campaign and click trackers
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "twclid", "mc_cid", "mc_eid", "_ga", "_gl",
    "ref", "ref_src", "share", "amp",
    # session ids
    "phpsessid", "sid", "sessionid", "session_id", "session", "jsessionid", "aspsessionid", "cfid", "cftoken",
    "zenid", "oscsid", "s_id", "sess",
})  # fmt: skip
TRACKING_PREFIXES = ("utm_", "aspsessionid", "__utm", "pk_", "mtm_", "hsa_", "_hs", "oly_")
# Session ids some servers put in the path: /page;jsessionid=ABC?x=1
_PATH_SESSION = re.compile(r";(?:jsessionid|sessionid|sid|phpsessid)=[^/?#]*", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=50_000)  # the same navigation links appear on every page of a site
def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment, trackers or session ids; host lower-case, default port dropped,
    query sorted. The port is kept otherwise: two sites on one host are two sites."""
    url = url.strip()
    if base:
        url = urljoin(base, url)
    url = _PATH_SESSION.sub("", url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url  # not a URL we can take apart: keep it as it is rather than guess
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    query = "&".join(kv for kv in parts.query.split("&") if kv and not is_tracking_param(kv.split("=", 1)[0]))
    cleaned = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    return canonicalize_url(cleaned, keep_fragments=False)
