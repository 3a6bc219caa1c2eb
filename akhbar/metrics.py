"""Prometheus metrics for the whole pipeline, served by the API at `/metrics`.

Workers are Celery prefork processes and the crawler runs in child processes, so in-process
prometheus_client counters would be split over many short-lived processes. Instead each writer adds to
Redis hashes (HINCRBY is atomic, so any number of processes may write) and the API reads them at scrape
time through `PipelineCollector`:

    akhbar_tasks_total{task,state}                 Celery task runs (signals task_prerun/task_postrun)
    akhbar_task_duration_seconds{task}             histogram of task run times
    akhbar_crawl_fetches_total{outlet,status}      HTTP responses the crawler got (status class 2xx..5xx)
    akhbar_crawl_fetch_duration_seconds{outlet}    histogram of download latencies (Scrapy's download_latency)
    akhbar_index_operations_total                  documents sent to the index by the bulk flushes
    akhbar_queue_depth{queue}                      messages waiting in crawl/clean/dedupe/index (+ the index buffer)
    akhbar_dead_letters                            entries in the dead-letter queue
    akhbar_jobs{state}                             the last 500 crawl jobs by state
    akhbar_job_progress{job,counter}               counters of jobs still queued/running
    akhbar_index_documents                         documents behind the alias (rate() of it = index rate)
    akhbar_outlet_last_crawled_timestamp_seconds{outlet}, akhbar_outlet_newest_published_timestamp_seconds{outlet}
    akhbar_up{service}                             1 if redis / search answered this scrape
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

log = logging.getLogger("akhbar.metrics")

PREFIX = "akhbar:metrics:"
TASK_COUNTS = PREFIX + "tasks"  # "<task>|<state>" -> n
TASK_SECONDS = PREFIX + "task_seconds"  # "<task>|le=<bound>" / "<task>|sum" / "<task>|count"
FETCH_COUNTS = PREFIX + "fetches"  # "<outlet>|<status class>" -> n
FETCH_SECONDS = PREFIX + "fetch_seconds"
COUNTERS = PREFIX + "counters"  # "index_operations" -> n

TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
QUEUES = ("crawl", "clean", "dedupe", "index")
# kombu's Redis transport keeps prioritised messages in extra lists "<queue>\x06\x16<priority>".
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


# -- writing (workers, crawler) ---------------------------------------------------------------------
def _bound(seconds: float, buckets: tuple[float, ...]) -> str:
    for bound in buckets:
        if seconds <= bound:
            return repr(bound)
    return "+Inf"


def observe(pipe: Any, key: str, label: str, seconds: float, buckets: tuple[float, ...]) -> None:
    """One histogram observation (non-cumulative bucket counts; the collector sums them up)."""
    pipe.hincrby(key, f"{label}|le={_bound(seconds, buckets)}", 1)
    pipe.hincrbyfloat(key, f"{label}|sum", seconds)
    pipe.hincrby(key, f"{label}|count", 1)


def record_task(client: redis.Redis, task: str, state: str, seconds: float | None) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(TASK_COUNTS, f"{task}|{state.lower()}", 1)
    if seconds is not None:
        observe(pipe, TASK_SECONDS, task, seconds, TASK_BUCKETS)
    pipe.execute()


def record_fetches(client: redis.Redis, counts: dict[tuple[str, str], int],
                   latencies: dict[tuple[str, str], int], sums: dict[str, float]) -> None:
    """Add up many fetches at once: counts by (outlet, "2xx"), latency buckets by (outlet, bound), sums."""
    pipe = client.pipeline(transaction=False)
    for (outlet, status_class), n in counts.items():
        pipe.hincrby(FETCH_COUNTS, f"{outlet}|{status_class}", n)
    for (outlet, bound), n in latencies.items():
        pipe.hincrby(FETCH_SECONDS, f"{outlet}|le={bound}", n)
        pipe.hincrby(FETCH_SECONDS, f"{outlet}|count", n)
    for outlet, seconds in sums.items():
        pipe.hincrbyfloat(FETCH_SECONDS, f"{outlet}|sum", seconds)
    pipe.execute()


def add_counter(client: redis.Redis, name: str, amount: int = 1) -> None:
    client.hincrby(COUNTERS, name, amount)


# -- Celery signals (every worker process) --------------------------------------------------------
_started: dict[str, float] = {}


@cache
def _worker_redis() -> redis.Redis:
    from akhbar.config import load_settings

    return redis.Redis.from_url(load_settings().require_redis_url(), socket_timeout=5)


def install_celery_metrics() -> None:
    """Connect task_prerun/task_postrun (idempotent). Called from workers.app."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="akhbar.metrics.prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="akhbar.metrics.postrun")


def _task_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()
        if len(_started) > 10_000:  # a task whose postrun never came must not grow this forever
            _started.clear()


def _task_postrun(task_id: str | None = None, task: Any = None, retval: Any = None, state: str | None = None,
                  **_: Any) -> None:
    started = _started.pop(task_id or "", None)
    seconds = time.perf_counter() - started if started is not None else None
    name = getattr(task, "name", None) or "unknown"
    try:  # metrics must never fail a task
        client = _worker_redis()
        record_task(client, name, state or "unknown", seconds)
        if name == "akhbar.index_flush" and state == "SUCCESS" and isinstance(retval, int) and retval > 0:
            add_counter(client, "index_operations", retval)
    except Exception as exc:
        log.debug("could not record task metrics: %s", exc)


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
        outlet = (getattr(spider, "outlet", None) or {}).get("name") or spider.name
        key = (outlet, f"{int(response.status) // 100}xx")
        self.counts[key] = self.counts.get(key, 0) + 1
        seconds = request.meta.get("download_latency")
        if seconds is not None:
            bucket = (outlet, _bound(seconds, FETCH_BUCKETS))
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


# -- reading (the API's /metrics) ------------------------------------------------------------------
def _decode(raw: dict) -> dict[str, str]:
    return {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()}


def _counts(raw: dict[str, str]) -> Iterator[tuple[str, str, float]]:
    for field, value in raw.items():
        label, _, second = field.rpartition("|")
        if label:
            yield label, second, float(value)


def _histograms(name: str, doc: str, label_name: str, raw: dict[str, str],
                buckets: tuple[float, ...]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=[label_name])
    per_label: dict[str, dict[str, float]] = {}
    for field, value in raw.items():
        label, _, part = field.rpartition("|")
        per_label.setdefault(label, {})[part] = float(value)
    for label, parts in sorted(per_label.items()):
        cumulative = 0.0
        series = []
        for bound in [*map(repr, buckets), "+Inf"]:
            cumulative += parts.get(f"le={bound}", 0.0)
            series.append((bound, cumulative))
        family.add_metric([label], series, sum_value=parts.get("sum", 0.0))
    return family


def queue_depths(client: redis.Redis) -> dict[str, int]:
    pipe = client.pipeline(transaction=False)
    for queue in QUEUES:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    pipe.llen("akhbar:index:buffer")
    values = pipe.execute()
    depths = {}
    per = len(_PRIORITY_SUFFIXES)
    for i, queue in enumerate(QUEUES):
        depths[queue] = int(sum(values[i * per:(i + 1) * per]))
    depths["index_buffer"] = int(values[-1])
    return depths


class PipelineCollector:
    """Reads the shared state at scrape time. Factories are called per scrape and may raise: a service
    that is down gives akhbar_up{service} 0 and leaves its metrics out, never an error page."""

    def __init__(self, redis_factory: Callable[[], redis.Redis], search_factory: Callable[[], Any], alias: str):
        self.redis_factory = redis_factory
        self.search_factory = search_factory
        self.alias = alias

    def describe(self) -> Iterable[Metric]:
        return []  # collected lazily: do not touch Redis when the collector is registered

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("akhbar_up", "1 if the service answered during this scrape", labels=["service"])
        try:
            yield from self._redis_metrics(self.redis_factory())
            up.add_metric(["redis"], 1)
        except Exception as exc:
            log.warning("metrics: redis unavailable: %s", exc)
            up.add_metric(["redis"], 0)
        try:
            yield from self._search_metrics(self.search_factory())
            up.add_metric(["search"], 1)
        except Exception as exc:
            log.warning("metrics: search engine unavailable: %s", exc)
            up.add_metric(["search"], 0)
        yield up

    def _redis_metrics(self, client: redis.Redis) -> Iterator[Metric]:
        from workers import dlq
        from workers.jobs import INDEX_KEY, TERMINAL
        from workers.jobs import PREFIX as JOB_PREFIX

        tasks = CounterMetricFamily("akhbar_tasks", "Celery task runs by final state", labels=["task", "state"])
        for task, state, value in _counts(_decode(client.hgetall(TASK_COUNTS))):
            tasks.add_metric([task, state], value)
        fetches = CounterMetricFamily("akhbar_crawl_fetches", "HTTP responses received by the crawler",
                                      labels=["outlet", "status"])
        for outlet, status, value in _counts(_decode(client.hgetall(FETCH_COUNTS))):
            fetches.add_metric([outlet, status], value)
        counters = _decode(client.hgetall(COUNTERS))
        index_ops = CounterMetricFamily("akhbar_index_operations", "Documents sent to the index by bulk flushes")
        index_ops.add_metric([], float(counters.get("index_operations", 0)))
        yield tasks
        yield _histograms("akhbar_task_duration_seconds", "Celery task run time", "task",
                          _decode(client.hgetall(TASK_SECONDS)), TASK_BUCKETS)
        yield fetches
        yield _histograms("akhbar_crawl_fetch_duration_seconds", "Crawler download latency", "outlet",
                          _decode(client.hgetall(FETCH_SECONDS)), FETCH_BUCKETS)
        yield index_ops

        depth = GaugeMetricFamily("akhbar_queue_depth", "Messages waiting per queue", labels=["queue"])
        for queue, value in queue_depths(client).items():
            depth.add_metric([queue], value)
        yield depth
        dead = GaugeMetricFamily("akhbar_dead_letters", "Entries in the dead-letter queue")
        dead.add_metric([], dlq.size(client))
        yield dead

        ids = [i.decode() for i in client.zrevrange(INDEX_KEY, 0, 499)]
        pipe = client.pipeline(transaction=False)
        for job_id in ids:
            pipe.hget(JOB_PREFIX + job_id, "state")
        states = [s.decode() if s else None for s in pipe.execute()] if ids else []
        by_state: dict[str, int] = {}
        for state in states:
            if state:
                by_state[state] = by_state.get(state, 0) + 1
        jobs = GaugeMetricFamily("akhbar_jobs", "The last 500 crawl jobs by state", labels=["state"])
        for state in ("queued", "running", "succeeded", "failed", "cancelled"):
            jobs.add_metric([state], by_state.get(state, 0))
        yield jobs
        progress = GaugeMetricFamily("akhbar_job_progress", "Counters of unfinished crawl jobs",
                                     labels=["job", "counter"])
        for job_id, state in zip(ids, states, strict=True):
            if state and state not in TERMINAL:
                for key, value in _decode(client.hgetall(JOB_PREFIX + job_id)).items():
                    if key.startswith(("pages_", "articles_")):
                        progress.add_metric([job_id, key], float(value))
        yield progress

    def _search_metrics(self, adapter: Any) -> Iterator[Metric]:
        from index.adapter import SearchRequestError

        docs = GaugeMetricFamily("akhbar_index_documents", "Documents behind the index alias", labels=["alias"])
        crawled = GaugeMetricFamily("akhbar_outlet_last_crawled_timestamp_seconds",
                                    "Newest crawled_at per outlet", labels=["outlet"])
        published = GaugeMetricFamily("akhbar_outlet_newest_published_timestamp_seconds",
                                      "Newest published_at per outlet", labels=["outlet"])
        body = {"size": 0, "track_total_hits": True, "aggs": {"outlet": {
            "terms": {"field": "outlet", "size": 500},
            "aggs": {"crawled": {"max": {"field": "crawled_at"}}, "published": {"max": {"field": "published_at"}}},
        }}}
        try:
            response = adapter.search(self.alias, body)
        except SearchRequestError as exc:
            if exc.status != 404:  # no index yet: zero documents
                raise
            response = {"hits": {"total": {"value": 0}}, "aggregations": {"outlet": {"buckets": []}}}
        docs.add_metric([self.alias], response["hits"]["total"]["value"])
        for bucket in response["aggregations"]["outlet"]["buckets"]:
            for family, key in ((crawled, "crawled"), (published, "published")):
                value = bucket[key].get("value")
                if value is not None:
                    family.add_metric([bucket["key"]], value / 1000.0)
        yield docs
        yield crawled
        yield published
