"""Per-host politeness across crawler processes and machines: a lease in Redis per host.

A host has ``capacity`` lease slots (live: 1, one request at a time) and a ``next_at`` time before which
no new request may start (the delay after the previous response, a Crawl-delay from robots.txt, or a
429/503's Retry-After: one outlet asking us to slow down slows every process down). Scrapy's own
per-domain slots and delays still apply inside each process; this adds the same rule between processes.

Times come from Redis (TIME), so machines with skewed clocks agree. A lease expires after ``lease_ttl``
so a process killed mid-request cannot block a host for good.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections import defaultdict
from urllib.parse import urlsplit

import redis
from scrapy import signals
from scrapy.exceptions import NotConfigured

from akhbar.core import redis_retry
from akhbar.core.config import load_settings
from akhbar.core.keys import HOST_PREFIX as PREFIX
from akhbar.core.retry import SLOW_DOWN, retry_after

log = logging.getLogger("akhbar.crawler")


LEASE_META = "_akhbar_lease"

# KEYS[1] holders (zset token -> expiry ms), KEYS[2] next_at (ms). ARGV: token, capacity, lease ms, delay ms.
# Returns 0 when leased, else how many ms to wait before asking again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_at then return next_at - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(tonumber(first[2]) - now, 50))
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
local delay = tonumber(ARGV[4])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return 0
"""

# ARGV: token, delay ms (from now: the gap after this response). Returns 1 if the lease was held.
_RELEASE = """
local held = redis.call('ZREM', KEYS[1], ARGV[1])
local delay = tonumber(ARGV[2])
if delay > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now + delay > cur then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
end
return held
"""


class HostLease:
    def __init__(self, client: redis.Redis, capacity: int = 1, lease_ttl: float = 90.0):
        self.redis = client
        self.capacity = capacity
        self.lease_ms = int(lease_ttl * 1000)
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self.prefix = f"{os.getpid()}-{uuid.uuid4().hex[:6]}-"
        self._n = 0

    def keys(self, host: str) -> list[str]:
        return [f"{PREFIX}{host}:holders", f"{PREFIX}{host}:next"]

    def try_acquire(self, host: str, delay: float) -> tuple[str | None, float]:
        """(token, 0) when leased; (None, seconds to wait) when not."""
        self._n += 1
        token = f"{self.prefix}{self._n}"
        wait = int(self._acquire(keys=self.keys(host), args=[token, self.capacity, self.lease_ms, int(delay * 1000)]))
        return (token, 0.0) if wait == 0 else (None, wait / 1000)

    async def acquire(self, host: str, delay: float) -> str:
        while True:
            token, wait = self.try_acquire(host, delay)
            if token is not None:
                return token
            await asyncio.sleep(wait)

    def release(self, host: str, token: str, delay: float) -> None:
        self._release(keys=self.keys(host), args=[token, int(delay * 1000)])


def retry_after_seconds(headers, cap: float) -> float | None:
    return retry_after(headers.get(b"Retry-After"), cap)


class PolitenessMiddleware:
    """Downloader middleware, placed next to the downloader (order 950), so a request takes the lease
    right before it goes on the wire. Inside one process, requests for a host queue on a local semaphore
    first, so only ``capacity`` of them poll Redis."""

    def __init__(self, crawler, client: redis.Redis):
        settings = crawler.settings
        self.crawler = crawler
        self.capacity = settings.getint("AKHBAR_HOST_CONCURRENCY") or settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        host_delay = settings.get("AKHBAR_HOST_DELAY")
        self.delay = float(host_delay) if host_delay is not None else settings.getfloat("DOWNLOAD_DELAY")
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        timeout = settings.getfloat("DOWNLOAD_TIMEOUT", 30.0)
        self.lease = HostLease(client, self.capacity, lease_ttl=timeout + 60)
        self.reuse_for = 60 - 5  # a passed-on lease still outlives one more request (lease_ttl - timeout - 5)
        self.local: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.capacity))
        self.waiting: dict[str, int] = defaultdict(int)
        self.spare: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self.crawl_delay: dict[str, float] = {}
        self.autothrottle = settings.getbool("AUTOTHROTTLE_ENABLED")
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # The lease is returned the moment the transfer ends (the downloader's own signals), not after the
        # response has gone back through the middlewares: it covers exactly the time on the wire.
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.request_left_downloader, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler) -> PolitenessMiddleware:
        if not crawler.settings.getbool("AKHBAR_POLITENESS_ENABLED"):
            raise NotConfigured
        url = load_settings().find_redis_url()
        if not url:
            raise NotConfigured("no Redis configured: per-host politeness is per process only")
        return cls(crawler, redis_retry.client(url))

    def robots_parsed(self, robotparser, request) -> None:
        agent = self.crawler.settings.get("USER_AGENT") or "*"
        try:
            delay = robotparser.crawl_delay(agent)
        except Exception:  # a parser without crawl-delay support
            delay = None
        if delay:
            self.crawl_delay[urlsplit(request.url).netloc] = min(float(delay), self.max_delay)

    def _delay(self, host: str) -> float:
        delay = max(self.delay, self.crawl_delay.get(host, 0.0))
        if self.autothrottle and self.crawler.engine is not None:
            slot = self.crawler.engine.downloader.slots.get(host.rsplit(":", 1)[0])
            if slot is not None:  # AutoThrottle's latency-based delay, shared with the other processes
                delay = max(delay, min(slot.delay, self.max_delay))
        return delay

    async def process_request(self, request, spider=None):
        host = urlsplit(request.url).netloc
        semaphore = self.local[host]
        self.waiting[host] += 1
        try:
            await semaphore.acquire()
        finally:
            self.waiting[host] -= 1
        try:
            held = self._reuse(host)
            if held is None:
                held = (await self.lease.acquire(host, self._delay(host)), time.monotonic())
        except BaseException:
            semaphore.release()
            raise
        request.meta[LEASE_META] = (host, *held)
        return None

    def _reuse(self, host: str) -> tuple[str, float] | None:
        """A lease slot that a finished request of this process passed on (no delay to wait for)."""
        spare = self.spare[host]
        while spare:
            token, since = spare.pop()
            if time.monotonic() - since < self.reuse_for:
                return token, since
            self.lease.release(host, token, 0.0)
        return None

    def spider_closed(self, spider) -> None:
        for host, spare in self.spare.items():
            for token, _ in spare:
                self.lease.release(host, token, 0.0)
            spare.clear()

    def _release(self, request, response=None) -> None:
        held = request.meta.pop(LEASE_META, None)
        if held is None:
            return
        host, token, since = held
        delay = self._delay(host)
        if response is not None and response.status in SLOW_DOWN:
            wait = retry_after_seconds(response.headers, self.max_delay * 2)
            if wait:
                delay = max(delay, wait)
                log.info("%s asked to wait %.1fs (HTTP %s): pausing the host for every process", host, wait,
                         response.status)
        try:
            if delay <= 0 and self.waiting[host]:
                # Politeness lifted and another request of ours is waiting for this host: it takes over the
                # slot; returning and re-taking it would be two Redis round trips for nothing.
                self.spare[host].append((token, since))
            else:
                self.lease.release(host, token, delay)
        except redis.RedisError:
            log.warning("could not release the lease of %s (it expires by itself)", host, exc_info=True)
        finally:
            self.local[host].release()

    def response_downloaded(self, response, request) -> None:
        self._release(request, response)

    def request_left_downloader(self, request) -> None:
        self._release(request)  # failed transfers (timeouts, refused connections); no-op after a response

    def process_response(self, request, response, spider=None):
        self._release(request, response)  # normally released already, by response_downloaded
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
