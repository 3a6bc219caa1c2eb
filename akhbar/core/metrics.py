"""Metrics writers: counters in Redis hashes, added to by every worker and crawler process.

Workers are Celery prefork processes and the crawler runs in child processes, so in-process
prometheus_client counters would be split over many short-lived processes. Each writer adds to
Redis hashes instead (HINCRBY is atomic); akhbar.prometheus reads them at scrape time.
"""

from __future__ import annotations

import logging
import time
from functools import cache
from typing import Any

import redis

from akhbar.core.keys import METRICS_PREFIX as PREFIX
from akhbar.core.keys import QUEUES  # noqa: F401  (re-exported for readers of the queues)
from akhbar.core.messages import INDEX_FLUSH_TASK

log = logging.getLogger("akhbar.metrics")


TASK_COUNTS = PREFIX + "tasks"  # "<task>|<state>" -> n
TASK_SECONDS = PREFIX + "task_seconds"  # "<task>|le=<bound>" / "<task>|sum" / "<task>|count"
FETCH_COUNTS = PREFIX + "fetches"  # "<outlet>|<status class>" -> n
FETCH_SECONDS = PREFIX + "fetch_seconds"
COUNTERS = PREFIX + "counters"  # "index_operations" -> n

TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# kombu's Redis transport keeps prioritised messages in extra lists "<queue>\x06\x16<priority>".
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


# -- writing (workers, crawler) ---------------------------------------------------------------------
def bucket_bound(seconds: float, buckets: tuple[float, ...]) -> str:
    for bound in buckets:
        if seconds <= bound:
            return repr(bound)
    return "+Inf"


def observe(pipe: Any, key: str, label: str, seconds: float, buckets: tuple[float, ...]) -> None:
    """One histogram observation (non-cumulative bucket counts; the collector sums them up)."""
    pipe.hincrby(key, f"{label}|le={bucket_bound(seconds, buckets)}", 1)
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
    from akhbar.core.config import load_settings

    return redis.Redis.from_url(load_settings().require_redis_url(), socket_timeout=5)


def install_celery_metrics() -> None:
    """Connect task_prerun/task_postrun (idempotent). Called from akhbar.core.celery_app."""
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
        if name == INDEX_FLUSH_TASK and state == "SUCCESS" and isinstance(retval, int) and retval > 0:
            add_counter(client, "index_operations", retval)
    except Exception as exc:
        log.debug("could not record task metrics: %s", exc)


