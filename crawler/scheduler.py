"""Scrapy scheduler over the shared Redis frontier (crawler.frontier.JobFrontier).

Requests are stored as JSON (Request.to_dict's fields, bytes made latin-1 text), so any crawler process of
the job, on any machine, can pop and run them. Dedup happens here, atomically with the push: the first
process to push a URL wins; retries (dont_filter) are pushed as they are.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import BaseScheduler
from scrapy.utils.request import request_from_dict

from akhbar.core import redis_retry
from akhbar.core.config import load_settings
from akhbar.core.holds import hold
from crawler.frontier import JobFrontier

log = logging.getLogger("akhbar.crawler")

# How often an idle process asks the shared queue for work that other processes produced (Scrapy's
# engine polls an idle scheduler on its slot heartbeat, 5 s by default).
OUTBOX_SIZE = 64  # requests pushed to the shared queue per round trip (at most)
COMMIT_SECONDS = 0.5  # how often finished requests leave the in-flight list (and the lease is renewed)


def _plain(value: Any) -> Any:
    """JSON-safe copy: bytes become {"$b": latin-1 text}, tuples become lists, unknown objects repr()."""
    if isinstance(value, bytes):
        return {"$b": value.decode("latin-1")}
    if isinstance(value, dict):
        return {str(k if not isinstance(k, bytes) else k.decode("latin-1")): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return value["$b"].encode("latin-1")
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def _method_name(spider: Spider, func) -> str | None:
    if func is None or isinstance(func, str):
        return func
    if getattr(func, "__self__", None) is spider:
        return func.__name__
    # Not a method of this spider: Request.to_dict finds it or raises (slow: inspect.getmembers).
    return Request("http://x", callback=func).to_dict(spider=spider)["callback"]


def encode_request(request: Request, spider: Spider) -> str:
    # Request.to_dict, minus its inspect.getmembers() per request to name the callback.
    data = {attr: getattr(request, attr) for attr in request.attributes}
    data["callback"] = _method_name(spider, request.callback)
    data["errback"] = _method_name(spider, request.errback)
    if type(request) is not Request:
        data["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    data["headers"] = {k.decode("latin-1") if isinstance(k, bytes) else k: [v.decode("latin-1") for v in vals]
                       for k, vals in dict(request.headers).items()}
    return json.dumps(_plain(data), ensure_ascii=False, separators=(",", ":"))


def decode_request(payload: str, spider: Spider) -> Request:
    data = _restore(json.loads(payload))
    data["headers"] = {k: [v.encode("latin-1") for v in vals] for k, vals in (data.get("headers") or {}).items()}
    if isinstance(data.get("body"), str):
        data["body"] = data["body"].encode("latin-1")
    return request_from_dict(data, spider=spider)


class RedisFrontierScheduler(BaseScheduler):
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats
        self.frontier: JobFrontier | None = None
        self.spider: Spider | None = None
        self.buffer: deque[str] = deque()
        self.outbox: list[tuple[str, str, int, bool]] = []  # pushes not sent yet: one round trip per batch
        self.outbox_via: list[str | None] = []  # per push: the discovery path of an article request, else None
        # Requests popped per round trip: a quarter of what the engine may have in flight, so one process
        # never holds much of a host's queue that another process could be fetching.
        self.batch = max(1, self.settings.getint("CONCURRENT_REQUESTS", 16) // 4)
        # Requests handed to the engine and not finished yet (their payloads are in the frontier's in-flight
        # list until commit() sees them finished).
        self.taken: dict[int, tuple[Request, str]] = {}
        self._renewal = None
        self._held = False

    @classmethod
    def from_crawler(cls, crawler) -> RedisFrontierScheduler:
        return cls(crawler)

    def open(self, spider: Spider) -> None:
        self.spider = spider
        client = redis_retry.client(load_settings().require_redis_url())
        job = self.settings.get("AKHBAR_JOB_ID") or getattr(spider, "job_id", None) or "adhoc"
        outlet = getattr(getattr(spider, "outlet", None), "name", None) or spider.name
        self.frontier = JobFrontier(
            client, job, outlet,
            capacity=self.settings.getint("AKHBAR_FRONTIER_CAPACITY"),
            error_rate=self.settings.getfloat("AKHBAR_FRONTIER_ERROR_RATE"),
            ttl=self.settings.getint("AKHBAR_FRONTIER_TTL"),
        )
        self.frontier.lease_ms = int(self.settings.getfloat("AKHBAR_FRONTIER_LEASE") * 1000)
        self.frontier.touch()
        reclaimed = self.frontier.reclaim()  # a resumed job: what killed processes held comes back first
        if reclaimed:
            log.warning("took back %d requests that crashed crawler processes had in flight", reclaimed)
            self.stats.inc_value("scheduler/reclaimed/redis", reclaimed)
        spider.frontier = self.frontier
        from twisted.internet.task import LoopingCall  # late: the crawl process installs its reactor first

        self._renewal = LoopingCall(self._commit_on_timer)
        self._renewal.start(COMMIT_SECONDS, now=False)
        try:
            engine = self.crawler.engine
        except RuntimeError:  # a scheduler used outside a running crawl (benchmarks)
            engine = None
        if engine is not None:
            # Instance attribute read by ExecutionEngine when it starts its heartbeat (after open()).
            engine._SLOT_HEARTBEAT_INTERVAL = self.settings.getfloat("AKHBAR_IDLE_POLL")

    def close(self, reason: str) -> None:
        if self._renewal is not None and self._renewal.running:
            self._renewal.stop()
        if self.frontier is not None:
            self.commit()
            # Taken but not finished (never started, or cut off by a page budget): give them back.
            self.buffer.clear()
            self.frontier.release()
            self.frontier.leave()

    def has_pending_requests(self) -> bool:
        # Scrapy asks only when this process has nothing in flight (ExecutionEngine.spider_is_idle checks
        # the downloader and scraper first), so "not busy" is true for us here.
        assert self.frontier is not None
        self.flush()
        return bool(self.buffer) or self.frontier.pending_or_busy()

    def enqueue_request(self, request: Request) -> bool:
        """Queue locally; the batch goes to Redis (atomic claim + push per URL) when it is full or before the
        next pop. A URL this process already saw queued is a duplicate without asking Redis. A duplicate
        found at the flush is dropped there (counted, without Scrapy's request_dropped signal)."""
        assert self.frontier is not None and self.spider is not None
        claim = not request.dont_filter
        if claim and request.url in self.frontier.known:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.outbox.append((request.url, encode_request(request, self.spider), request.priority, claim))
        meta = request.meta
        self.outbox_via.append(meta.get("via") if meta.get("kind") == "article" else None)
        if len(self.outbox) >= OUTBOX_SIZE:
            self.flush()
        return True

    def flush(self) -> None:
        if not self.outbox or self.frontier is None:
            return
        batch, self.outbox = self.outbox, []
        vias, self.outbox_via = self.outbox_via, []
        results = self.frontier.push_many(batch)
        pushed = sum(results)
        # An article link is found by the path whose request this process pushed first of the job's processes.
        counts = getattr(self.spider, "discovery", None)
        if counts is not None:
            for via, new in zip(vias, results, strict=True):
                if new and via is not None:
                    counts.found(via)
        self.stats.inc_value("scheduler/enqueued/redis", pushed)
        self.stats.inc_value("dupefilter/filtered", len(batch) - pushed)

    def next_request(self) -> Request | None:
        assert self.frontier is not None and self.spider is not None
        self.flush()
        if not self._held:
            # Fault and concurrency tests hold every process of a job here until all have joined.
            self._held = True
            hold(self.frontier.redis, "crawler.first_pop", self.frontier.prefix)
        if not self.buffer:
            self.buffer.extend(self.frontier.pop_many(self.batch))
            if not self.buffer:
                return None
        self.stats.inc_value("scheduler/dequeued/redis")
        payload = self.buffer.popleft()
        request = decode_request(payload, self.spider)
        self.taken[id(request)] = (request, payload)
        return request

    def _commit_on_timer(self) -> None:
        # An exception would stop the LoopingCall for good: nothing committed, everything given back at close.
        try:
            self.commit()
        except Exception:  # noqa: BLE001 - e.g. Redis or the broker unreachable past its wait: try again later
            log.warning("could not record finished requests in the frontier", exc_info=True)

    def commit(self) -> None:
        """Tell the frontier which taken requests are finished, and renew this process's lease.

        Finished means the engine let go of the request: Scrapy removes it from the engine slot only after
        the download, the callback, the item pipelines and the scheduling of the requests it produced. The
        hand-off pipeline batches pages, so its pending pages are sent and the links pushed first: a page
        the frontier forgets has reached the clean queue, and its links are in the shared queue."""
        if self.frontier is None:
            return
        try:
            engine = self.crawler.engine
            slot = getattr(engine, "_slot", None) or getattr(engine, "slot", None)
        except RuntimeError:
            slot = None
        inprogress = slot.inprogress if slot is not None else set()
        finished = [key for key, (request, _) in self.taken.items() if request not in inprogress]
        if finished:
            handoff = getattr(self.spider, "handoff", None)
            if handoff is not None:
                handoff.flush()
            self.flush()
        self.frontier.finish_many([self.taken.pop(key)[1] for key in finished])
