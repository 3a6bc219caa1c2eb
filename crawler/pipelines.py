"""Item pipeline: hand each article page to the Celery `clean` queue, with back-pressure.

The crawler never blocks on a slow worker pool and never floods Redis: when the clean queue holds
more than MAX_QUEUED pages, the pipeline waits (on a timer, not blocking the reactor) until it drains.
"""

from __future__ import annotations

import logging

from celery import Celery
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

log = logging.getLogger("akhbar.crawler")

MAX_QUEUED = 2000
POLL_SECONDS = 0.5


class HandoffPipeline:
    def __init__(self, max_queued: int = MAX_QUEUED):
        self.max_queued = max_queued
        self.celery: Celery | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("AKHBAR_MAX_QUEUED", MAX_QUEUED))

    def open_spider(self, spider):
        from workers.app import app

        self.celery = app
        self.redis = spider.jobs.redis if spider.jobs is not None else None

    async def process_item(self, item, spider):
        if self.redis is not None:
            while self.redis.llen("clean") > self.max_queued:
                from twisted.internet import reactor  # late: the crawl process installs its reactor first

                await maybe_deferred_to_future(deferLater(reactor, POLL_SECONDS, lambda: None))
        seen = getattr(spider, "seen", None)
        if seen is not None and not spider.recrawl and not seen.claim(item["url"]):
            return item  # another crawler process sent it already
        assert self.celery is not None
        self.celery.send_task("akhbar.clean", args=[item], queue="clean")
        if spider.jobs is not None:
            spider.jobs.incr(spider.job_id, "pages_sent")
        return item
