"""robots.txt fetched once per host per day for all crawler processes, kept in Redis.

Scrapy's RobotsTxtMiddleware fetches robots.txt once per process; with several processes per job and a
job every 15 minutes that is many fetches of a file RFC 9309 lets us cache for 24 hours. Here the first
process fetches it (through the normal downloader, so politeness and WARC apply) and stores the body;
the others, and later jobs, parse the stored copy. The ``robots_parsed`` signal fires either way, which
is how the spider learns the Sitemap: lines and the politeness middleware the Crawl-delay.
"""

from __future__ import annotations

import asyncio
import logging
import time

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from akhbar.core import redis_retry
from akhbar.core.config import load_settings
from akhbar.core.keys import ROBOTS_PREFIX as PREFIX

log = logging.getLogger("akhbar.crawler")


FETCH_LOCK_SECONDS = 60
# RFC 9309 2.3.1.4: a robots.txt that answers 5xx (or 429, which Scrapy retries like one) means complete
# disallow until it answers. Not cached in Redis; this process asks again after this long.
UNAVAILABLE_RETRY_SECONDS = 300.0
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RobotsForbidden(IgnoreRequest):
    """robots.txt disallows the URL (a type, so that failures are counted without reading messages)."""


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        url = load_settings().find_redis_url()
        self.redis = redis_retry.client(url) if url else None
        self.cache_seconds = crawler.settings.getint("AKHBAR_ROBOTS_CACHE_SECONDS")
        self._unavailable: dict[str, float] = {}  # netloc -> when its robots.txt answered 5xx

    def process_request_2(self, rp, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise RobotsForbidden(str(exc)) from None

    async def robot_parser(self, request: Request):
        if self.redis is None:
            return await super().robot_parser(request)
        url = urlparse_cached(request)
        netloc = url.netloc
        failed_at = self._unavailable.get(netloc)
        if failed_at is not None and time.monotonic() - failed_at > UNAVAILABLE_RETRY_SECONDS \
                and not isinstance(self._parsers.get(netloc), Deferred):
            del self._unavailable[netloc], self._parsers[netloc]  # disallowed long enough: ask again
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            try:
                body = await self._shared_body(f"{url.scheme}://{netloc}/robots.txt", netloc)
            except Exception as exc:  # network errors: no rules, like Scrapy's own middleware
                if not isinstance(exc, IgnoreRequest):
                    log.warning("robots.txt of %s failed: %s", netloc, exc)
                self._robots_error(exc, netloc)
            else:
                await self._parse_body(body, netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            # Read the parser once it is set: a Deferred hands its result down a chain, so every waiter
            # after the first would get the first one's return value (None: no rules, allow all).
            await maybe_deferred_to_future(parser)
            return self._parsers.get(netloc)
        return parser

    async def _shared_body(self, robots_url: str, netloc: str) -> bytes:
        key = PREFIX + netloc
        lock = key + ":fetching"
        for _ in range(FETCH_LOCK_SECONDS * 10):
            cached = self.redis.get(key)
            if cached is not None:
                self._stats.inc_value("robotstxt/shared_cache_hit")
                return cached
            if self.redis.set(lock, 1, nx=True, ex=FETCH_LOCK_SECONDS):
                break
            await asyncio.sleep(0.1)  # another process is fetching it right now
        try:
            response = await self.crawler.engine.download_async(
                Request(robots_url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                        meta={"dont_obey_robotstxt": True, "kind": "robots"}))
            self._stats.inc_value("robotstxt/request_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            # 4xx: no rules (allow all), cached. 5xx (and a 429 left after retries): the server cannot say,
            # so nothing may be fetched (RFC 9309 2.3.1.4) until it answers; not cached, asked again.
            if response.status >= 500 or response.status == 429:
                log.warning("robots.txt of %s answered %s: not crawling the host until it answers",
                            netloc, response.status)
                self._stats.inc_value("robotstxt/unavailable")
                self._unavailable[netloc] = time.monotonic()
                return DISALLOW_ALL
            body = response.body if 200 <= response.status < 300 else b""
            self.redis.set(key, body, ex=self.cache_seconds)
            return body
        finally:
            self.redis.delete(lock)

    async def _parse_body(self, body: bytes, netloc: str, request: Request) -> None:
        rp = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed, robotparser=rp,
                                                        request=request)
        pending = self._parsers[netloc]
        self._parsers[netloc] = rp
        if isinstance(pending, Deferred):
            pending.callback(rp)


def sitemaps_of(robotparser) -> list[str]:
    """Sitemap: lines of a parsed robots.txt (Protego), [] for other parsers."""
    rp = getattr(robotparser, "rp", None)
    try:
        return list(getattr(rp, "sitemaps", []) or [])
    except Exception:  # a third-party parser without sitemaps support
        return []
