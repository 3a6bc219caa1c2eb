"""Which discovery path found each request, and what each path brought (issue 21 §6; the names and the job
fields are akhbar.core.discovery's).

Every request carries meta ``via``. Entry points say it when they are made (the base URL and probes:
``entry``; feeds and sitemaps: their own path); the spider says it where a link's path is not its page's
(links in a JSON state, date archives, articles read from a feed, a sitemap or JSON); every other request
inherits the path of the page whose link found it (DiscoveryMiddleware), the base URL's links being the
``listing`` path. Links on a page a browser rendered (response meta ``rendered``) are ``rendered``
(from_rendered), and so is what the browser fetched to render it.

The counts are plain in-process integers (DiscoveryCounts, one per spider, i.e. per outlet); the job's
progress flush (crawler.extensions.JobProgress) writes them once a second: never a round trip per page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request

from akhbar.core.discovery import NOT_SENT, STORY_PAGES, field
from akhbar.core.urls import canonical_url as canonical

# A request's path when its kind says it: feeds and sitemaps are paths of their own, probes are entries, the
# registry's listing pages are listings (the base URL, also a "listing" request, is the entry), and what a
# browser fetches to render a page (crawler.render) is the rendered path's.
VIA_OF_KIND = {"feed": "feed", "sitemap": "sitemap", "probe": "entry", "listing": "listing", "browser": "rendered"}
# Requests for pages that may be articles: what the spider does with their responses is counted.
PAGE_KINDS = frozenset({"article", "page", "listing"})
# Failures that fetched nothing by our own choice (robots.txt): not a page the crawl missed.
NOT_FETCHED = frozenset({"robots_forbidden"})


class DiscoveryCounts:
    """One outlet's counts by (measure, key), added in memory and taken by the progress flush."""

    def __init__(self, outlet: str) -> None:
        self.outlet = outlet
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, measure: str, key: str, n: int = 1) -> None:
        if n:
            self.counts[measure, key] = self.counts.get((measure, key), 0) + n

    def fetched(self, via: str | None) -> None:
        self.add("fetched", via or "entry")

    def found(self, via: str | None) -> None:
        self.add("found", via or "entry")

    def sent(self, via: str | None, found: bool = False) -> None:
        """An article sent; ``found``: its request did not say article (a page whose content decided)."""
        self.add("sent", via or "entry")
        if found:
            self.found(via)

    def not_sent(self, reason: str) -> None:
        self.add(NOT_SENT, reason)

    def story_pages(self, n: int) -> None:
        self.add(STORY_PAGES, "all", n)

    def take(self) -> dict[str, int]:
        """The counts since the last take, as job-hash fields; the counter starts again from zero."""
        counts, self.counts = self.counts, {}
        return {field(self.outlet, measure, key): n for (measure, key), n in counts.items()}


def page_reason(kind: str | None, new_links: int, lists: bool) -> str:
    """Why an HTML page that is not an article was not sent. ``not_article``: it was asked for as an article
    (its URL, a feed, a sitemap or JSON said so) and its content is not one, the mark of articles missed;
    ``nothing_new``: another page that brought no new link (a listing read again for news, a list whose links
    other paths had queued); else ``listing`` when it links to articles, to more of a list or through time, and
    ``other_page`` when it does not."""
    if kind == "article":
        return "not_article"
    if not new_links:
        return "nothing_new"
    return "listing" if lists else "other_page"


def link_via(response: Any) -> str:
    """The path of the links found on a response: the base URL's are ``listing``; else the path that found
    the page."""
    via = response.meta.get("via")
    return "listing" if via in (None, "entry") else via


def fetched_via(meta: dict) -> str | None:
    """The path a response is counted under: its request's, or its kind's (a browser's own fetches)."""
    return meta.get("via") or VIA_OF_KIND.get(meta.get("kind"))


def from_rendered(outputs: Iterable[Any], response: Any) -> Iterator[Any]:
    """Links found on a page a browser rendered (response meta ``rendered``) are the rendered path's. (The spider
    says it: the rendered response is its own, the middleware sees the page as fetched.)"""
    rendered = bool(response.meta.get("rendered"))
    for out in outputs:
        if rendered and isinstance(out, Request) and out.meta.get("kind") in ("article", "page"):
            out.meta["via"] = "rendered"
        yield out


def start_via(request: Request, home: str) -> Request:
    """An entry point's path: the base URL is the entry, the registry's own entries are their kind's."""
    if request.url == home:
        request.meta["via"] = "entry"
    return request


def tag(requests: Iterable[Any], urls: Iterable[str], via: str) -> Iterator[Any]:
    """The requests for ``urls`` among ``requests`` (e.g. links read from a page's JSON state) found by ``via``."""
    wanted = {canonical(url) for url in urls}
    for request in requests:
        if wanted and isinstance(request, Request) and request.url in wanted:
            request.meta.setdefault("via", via)
        yield request


class DiscoveryMiddleware:
    """Spider middleware: a request the spider yields without a path inherits its page's (link_via).
    Enabled in crawler.settings. (An article request is counted as found by the scheduler, when the job's
    frontier takes it as new: crawler.scheduler.)"""

    @classmethod
    def from_crawler(cls, crawler: Any) -> DiscoveryMiddleware:
        return cls()

    async def process_spider_output(self, response: Any, result: AsyncIterator[Any],
                                    spider: Any = None) -> AsyncIterator[Any]:
        inherited: str | None = None
        async for out in result:
            if isinstance(out, Request) and out.meta.get("via") is None:
                if inherited is None:
                    inherited = link_via(response)
                out.meta["via"] = VIA_OF_KIND.get(out.meta.get("kind")) or inherited
            yield out
