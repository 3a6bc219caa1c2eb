"""Downloader middlewares: name redirect loops, honour Retry-After on 429/503, the SSRF guard."""

from __future__ import annotations

import logging
import time
from urllib.parse import urljoin

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from akhbar.core.config import load_settings
from akhbar.core.retry import CRAWL, SLOW_DOWN, retry_after

log = logging.getLogger("akhbar.crawler")


class RedirectLoopError(IgnoreRequest):
    """A redirect chain came back to a URL it had visited."""


class RedirectLoopMiddleware:
    """Scrapy's dupe filter would silently drop the second visit of a loop; we want it counted as an
    error of its own kind. Sits after RedirectMiddleware (order 600) so it sees 3xx responses first."""

    def process_response(self, request, response, spider=None):
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
            visited = [*request.meta.get("redirect_urls", []), request.url]
            if target in visited:
                raise RedirectLoopError(f"redirect loop: {' -> '.join(visited + [target])}")
        return response


class RetryAfterMiddleware(RetryMiddleware):
    """Retries like Scrapy's RetryMiddleware (statuses and count: akhbar.core.retry.CRAWL via the settings),
    and waits before retrying an answer that asks for a pause (429/503): its Retry-After, else exponential
    backoff, both capped."""

    policy = CRAWL

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = 0.0
        if response.status in SLOW_DOWN:
            wait = retry_after(response.headers.get(b"Retry-After"), self.policy.cap)
            if wait is None:
                wait = self.policy.delay(request.meta.get("retry_times", 0))
        reason = f"HTTP {response.status}"
        retry = self._retry(request, reason)
        if retry is None:
            return response
        if wait:
            # Waiting on a timer keeps the reactor free; only this request's slot waits.
            log.info("%s for %s, retrying in %.1fs", reason, request.url, wait)
            from twisted.internet import reactor  # late: importing it early would install the wrong reactor
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return retry


class AddressRefused(IgnoreRequest):
    """A request (or a redirect of it) points at a loopback/private/reserved address, a non-HTTP scheme or
    a URL with credentials."""


class AddressGuardMiddleware:
    """SSRF guard at fetch time, for every outlet and every request, redirects and robots.txt included.

    A registered outlet that is compromised or intercepted could otherwise redirect the crawler to
    169.254.169.254, Redis or the search engine, and the answers would go into WARC files and the index.
    Ad-hoc outlets (URLs submitted over the API, named `adhoc-*`) must also stay on allow-listed domains;
    registered ones may go to any host, but only at public addresses, unless the address is in the
    outlet's `allow_addresses` or an IP/CIDR of AKHBAR_ALLOWED_DOMAINS (the test fixtures on loopback
    allow-list their own addresses). Verdicts are cached per outlet and host for a minute; the address
    actually connected to is checked again by crawler.resolver.GuardedResolver."""

    ttl = 60.0

    def __init__(self, crawler=None) -> None:
        from akhbar.core.targets import AllowList

        self.crawler = crawler
        self.allow = AllowList.parse(load_settings().allowed_domains)
        self._verdicts: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._outlet_allow: dict[str, AllowList] = {}

    def _allow_for(self, outlet):
        import ipaddress

        from akhbar.core.targets import AllowList

        name = getattr(outlet, "name", "")
        if name not in self._outlet_allow:
            extra = tuple(ipaddress.ip_network(a, strict=False) for a in getattr(outlet, "allow_addresses", ()))
            self._outlet_allow[name] = AllowList(self.allow.domains, (*self.allow.networks, *extra))
        return self._outlet_allow[name]

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        from urllib.parse import urlsplit

        from akhbar.core.targets import TargetNotAllowed, check_target

        # Scrapy >= 2.13 no longer passes the spider to a method whose spider argument is optional.
        spider = spider or getattr(self.crawler, "spider", None)
        outlet = getattr(spider, "outlet", None)
        name = getattr(outlet, "name", "") or ""
        parts = urlsplit(request.url)
        key = (name, f"{parts.scheme}://{parts.netloc}")
        now = time.monotonic()
        cached = self._verdicts.get(key)
        if cached is None or now - cached[0] > self.ttl:
            try:
                check_target(request.url, self._allow_for(outlet), any_host=not name.startswith("adhoc-"))
                verdict = None
            except TargetNotAllowed as exc:
                verdict = str(exc)
            self._verdicts[key] = cached = (now, verdict)
        if cached[1] is not None:
            raise AddressRefused(f"address guard: {cached[1]}")
        return None
