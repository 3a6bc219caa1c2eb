"""Job progress: every response and every failed request is counted in the job's Redis hash.

Bodies that are not HTML (a PDF, a PNG served as text/html, undecodable bytes) are counted by the spider
(crawler.content.refusal), which looks at the bytes: Scrapy's response class alone misses a PDF whose
bytes happen to be ASCII, and an image served with an HTML Content-Type.

`pages_fetched` is added up in memory and written once a second (and when the spider closes): one Redis
round trip per response would cost more than the response's own parsing on a fast site."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.http import Response
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

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
        if self.fetched and getattr(spider, "jobs", None) is not None:
            count, self.fetched = self.fetched, 0
            spider.jobs.incr(spider.job_id, "pages_fetched", count)

    def response_received(self, response: Response, request, spider) -> None:
        if getattr(spider, "jobs", None) is None or request.meta.get("kind") == "robots":
            return
        self.fetched += 1

    def spider_error(self, failure: Failure, response: Response, spider) -> None:
        if getattr(spider, "jobs", None) is not None:
            spider.jobs.error(spider.job_id, f"spider:{classify_failure(failure)}")
        log.error("spider error on %s: %s", response.url, failure.getErrorMessage())
