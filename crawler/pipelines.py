"""Item pipeline: hand each article page to the Celery `clean` queue, with back-pressure.

The crawler never blocks on a slow worker pool and never floods Redis: when the clean queue holds
more than MAX_QUEUED pages, the pipeline waits (on a timer, not blocking the reactor) until it drains.
Once a page is handed over, its URL is recorded as fetched (crawler.state.ArticleState), so later runs
skip it unless the recrawl policy says otherwise.

Pages are handed over in small batches (up to BATCH pages, at most FLUSH_SECONDS late, and all of them
when the spider closes): one Redis pipeline for the Celery messages (kombu's Producer.batch) and one for
the bookkeeping, instead of several round trips per page. A page is recorded as fetched only after its
message was sent, so a crash before a flush loses nothing: the next run fetches those pages again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from typing import Any

import redis
from celery import Celery
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import LoopingCall, deferLater

from akhbar.core import ledger
from akhbar.core.celery_app import page_task_options
from akhbar.core.ledger import WarcCopy, new_token
from akhbar.core.messages import CLEAN_TASK, TASK_QUEUES, Page
from akhbar.core.urls import canonical_url as canonical
from crawler.bloom import execute_loading
from crawler.settings import AKHBAR_SETTINGS

log = logging.getLogger("akhbar.crawler")

MAX_QUEUED = AKHBAR_SETTINGS["AKHBAR_MAX_QUEUED"]
POLL_SECONDS = 0.5
CHECK_SECONDS = 0.25  # the queue length is asked at most this often while it is below the limit
BATCH = 32
FLUSH_SECONDS = 0.5


class HandoffPipeline:
    def __init__(self, crawler=None, max_queued: int = MAX_QUEUED):
        self.crawler = crawler
        self.max_queued = max_queued
        self.celery: Celery | None = None
        self.redis = None
        self._checked = 0.0
        self.pending: list[tuple[Page, tuple[str, int] | None]] = []  # (page, its WARC record)
        self._oldest = 0.0
        self._timer: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("AKHBAR_MAX_QUEUED"))

    def open_spider(self):
        from akhbar.core.celery_app import app

        # The crawler publishes one message per page, not two: the "task-sent" monitoring event doubled the
        # broker traffic of the hand-off (workers still send received/started/succeeded events).
        app.conf.task_send_sent_event = False
        self.celery = app
        jobs = getattr(self.crawler.spider, "jobs", None)
        self.redis = jobs.redis if jobs is not None else None
        # The scheduler flushes us before it tells the frontier a request is finished (crawler.scheduler).
        self.crawler.spider.handoff = self
        self._timer = LoopingCall(self._flush_if_old)
        self._timer.start(FLUSH_SECONDS, now=False)

    def close_spider(self):
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()

    async def process_item(self, item):
        if self.redis is not None and time.monotonic() - self._checked > CHECK_SECONDS:
            while self.redis.llen(TASK_QUEUES[CLEAN_TASK]) > self.max_queued:
                from twisted.internet import reactor  # late: the crawl process installs its reactor first

                await maybe_deferred_to_future(deferLater(reactor, POLL_SECONDS, lambda: None))
            self._checked = time.monotonic()
        if not self.pending:
            self._oldest = time.monotonic()
        self.pending.append((item["page"], item.get("warc_copy")))
        if len(self.pending) >= BATCH:
            self.flush()
        return item

    def _flush_if_old(self) -> None:
        if self.pending and time.monotonic() - self._oldest >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        spider = self.crawler.spider
        state = getattr(spider, "state", None)
        jobs = getattr(spider, "jobs", None)
        if jobs is not None:
            # Counted and in the job's ledger before the send: a message the broker loses is re-driven from
            # the ledger (akhbar.core.ledger), never just missing.
            pipe = jobs.redis.pipeline(transaction=False)
            pages = []
            for page, copy in batch:
                page = replace(page, token=new_token())
                ledger.record(pipe, spider.job_id, page, WarcCopy.here(*copy) if copy else None)  # + pages_sent
                pages.append(page)
            pipe.execute()
        else:
            pages = [page for page, _ in batch]
        self._send(pages)
        if state is not None:
            urls = [canonical(u) for page in pages
                    for u in (page.url, page.requested_url or page.url, *(p["url"] for p in page.parts or ()))]
            now = state.now()
            pipe = state.pipeline()
            state.articles.queue_mark(pipe, urls, now)
            execute_loading(pipe, state.scripts(), lambda retry: state.articles.queue_mark(retry, urls, now))

    def _send(self, items: list[Page]) -> None:
        assert self.celery is not None
        with self.celery.producer_or_acquire() as producer:
            batch = producer.batch(max_size=len(items) + 1) if hasattr(producer, "batch") else None
            if batch is not None:
                with batch:
                    for item in items:
                        self._send_one(item, producer)
                return
            try:
                with one_round_trip(producer.channel):
                    for item in items:
                        self._send_one(item, producer)
            except redis.RedisError as exc:  # sent one by one instead, with kombu's own retries
                log.info("batched hand-off failed (%s): sending its %d pages one by one", exc, len(items))
                for item in items:
                    self._send_one(item, producer)

    def _send_one(self, page: Page, producer) -> None:
        payload = page.to_payload()
        self.celery.send_task(CLEAN_TASK, args=[payload], queue=TASK_QUEUES[CLEAN_TASK], producer=producer,
                              **page_task_options(payload))


@contextmanager
def one_round_trip(channel: Any) -> Iterator[None]:
    """Kombu's Redis channel LPUSHes each message on its own (kombu < 5.7 has no Producer.batch; 5.7 is
    pinned out, see pyproject.toml): one round trip per page, in the reactor, was the crawler's largest
    wait. Inside this block the channel's publishes go to one Redis pipeline, sent at the end. Messages
    are byte for byte what kombu writes (its own _put builds them); only the round trips are shared.
    Other transports publish as usual."""
    if not hasattr(channel, "_create_client") or not hasattr(channel, "conn_or_acquire"):
        yield
        return
    pipe = channel._create_client().pipeline(transaction=False)
    channel.conn_or_acquire = lambda client=None: nullcontext(pipe)  # what Channel._put asks for its client
    try:
        yield
    finally:
        del channel.conn_or_acquire  # the class's method again
    pipe.execute()
