"""Job progress: every response and every failed request is counted in the job's Redis hash."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.errors import classify_failure

log = logging.getLogger("akhbar.crawler")


class JobProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response_received(self, response: Response, request, spider) -> None:
        if getattr(spider, "jobs", None) is None or request.meta.get("kind") == "robots":
            return
        spider.jobs.incr(spider.job_id, "pages_fetched")
        if response.status < 300 and not isinstance(response, TextResponse):
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or "unknown"
            spider.jobs.error(spider.job_id, "not_html")
            log.info("not HTML (%s): %s", content_type, response.url)

    def spider_error(self, failure: Failure, response: Response, spider) -> None:
        if getattr(spider, "jobs", None) is not None:
            spider.jobs.error(spider.job_id, f"spider:{classify_failure(failure)}")
        log.error("spider error on %s: %s", response.url, failure.getErrorMessage())
