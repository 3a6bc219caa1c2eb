"""Job progress: every response and every failed request is counted in the job's Redis hash.

Bodies that are not HTML (a PDF, a PNG served as text/html, undecodable bytes) are counted by the spider
(crawler.content.refusal), which looks at the bytes: Scrapy's response class alone misses a PDF whose
bytes happen to be ASCII, and an image served with an HTML Content-Type.

`pages_fetched`, and the outlet's discovery counts by path (crawler.discovery, akhbar.core.discovery), are
added up in memory and written once a second (and when the spider closes) in one round trip: one per
response would cost more than the response's own parsing on a fast site."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.http import Response
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from akhbar.core.metrics import FETCH_BUCKETS, bucket_bound, record_fetches
from crawler.discovery import fetched_via
from crawler.errors import classify_failure

log = logging.getLogger("akhbar.crawler")

FLUSH_SECONDS = 1.0


class JobProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.fetched = 0
        self.flusher: LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.flusher = LoopingCall(self.flush)
        self.flusher.start(FLUSH_SECONDS, now=False)

    def spider_closed(self, spider) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        self.flush()

    def flush(self) -> None:
        spider = self.crawler.spider
        if getattr(spider, "jobs", None) is None:
            return
        found = getattr(spider, "discovery", None)
        counts = found.take() if found is not None else {}
        if self.fetched:
            counts["pages_fetched"], self.fetched = self.fetched, 0
        spider.jobs.add_counts(spider.job_id, counts, outlet=found.outlet if found is not None else None)

    def response_received(self, response: Response, request, spider) -> None:
        if getattr(spider, "jobs", None) is None or request.meta.get("kind") == "robots":
            return
        self.fetched += 1
        found = getattr(spider, "discovery", None)
        if found is not None:
            found.fetched(fetched_via(request.meta))

    def spider_error(self, failure: Failure, response: Response, spider) -> None:
        if getattr(spider, "jobs", None) is not None:
            spider.jobs.error(spider.job_id, f"spider:{classify_failure(failure)}")
        log.error("spider error on %s: %s", response.url, failure.getErrorMessage())


# -- Scrapy extension (crawler processes) ----------------------------------------------------------
class CrawlMetrics:
    """Counts every response by outlet and status class, with Scrapy's download latency.
    Enabled in crawler.settings EXTENSIONS. Added up in memory and written once a second (and at the
    end) in one pipeline: a Redis round trip per response cost a visible share of crawl throughput."""

    flush_seconds = 1.0

    def __init__(self, crawler: Any):
        from scrapy import signals

        self.crawler = crawler
        self.flusher: Any = None
        self._reset()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlMetrics:
        return cls(crawler)

    def _reset(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.latencies: dict[tuple[str, str], int] = {}
        self.sums: dict[str, float] = {}

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet.task import LoopingCall

        self.flusher = LoopingCall(self.flush)
        self.flusher.start(self.flush_seconds, now=False)

    def spider_closed(self, spider: Any) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        self.flush()

    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        if getattr(spider, "jobs", None) is None:
            return
        outlet = getattr(getattr(spider, "outlet", None), "name", None) or spider.name
        key = (outlet, f"{int(response.status) // 100}xx")
        self.counts[key] = self.counts.get(key, 0) + 1
        seconds = request.meta.get("download_latency")
        if seconds is not None:
            bucket = (outlet, bucket_bound(seconds, FETCH_BUCKETS))
            self.latencies[bucket] = self.latencies.get(bucket, 0) + 1
            self.sums[outlet] = self.sums.get(outlet, 0.0) + seconds

    def flush(self) -> None:
        jobs = getattr(self.crawler.spider, "jobs", None)
        if jobs is None or not self.counts:
            return
        counts, latencies, sums = self.counts, self.latencies, self.sums
        self._reset()
        try:
            record_fetches(jobs.redis, counts, latencies, sums)
        except Exception as exc:  # metrics must never stop a crawl
            log.debug("could not record fetch metrics: %s", exc)
