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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from akhbar.core.keys import INDEX_BUFFER, JOB_STATES, QUEUES
from akhbar.core.metrics import (
    COUNTERS,
    FETCH_BUCKETS,
    FETCH_COUNTS,
    FETCH_SECONDS,
    PRIORITY_SUFFIXES,
    TASK_BUCKETS,
    TASK_COUNTS,
    TASK_SECONDS,
)

log = logging.getLogger("akhbar.metrics")


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
        for suffix in PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    pipe.llen(INDEX_BUFFER)
    values = pipe.execute()
    depths = {}
    per = len(PRIORITY_SUFFIXES)
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
        from akhbar.core import dlq
        from akhbar.core.jobs import INDEX_KEY, TERMINAL
        from akhbar.core.jobs import PREFIX as JOB_PREFIX

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
        for state in JOB_STATES:
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
