"""Redis clients that ride out a Redis restart instead of crashing the process that uses them.

Every command (plain, pipelined or a Lua script) is retried on connection errors and timeouts with
exponential backoff (0.1 s doubling to 2 s) until ``wait`` seconds have passed since the first failure,
then the last error is raised. redis-py drops the broken connection before each retry, so the retry
reconnects to the restarted server. A Redis restart loses loaded scripts: redis-py's Script objects and
crawler.bloom.execute_loading load them again on NoScriptError.

Who waits how long (akhbar.core.config): CLI commands AKHBAR_REDIS_WAIT (a person is watching: say so
and give up with one line), long-running processes (Celery workers, crawlers) AKHBAR_REDIS_WAIT_WORKERS
(pause and resume).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from time import sleep
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from akhbar.core.config import load_settings
from akhbar.core.retry import REDIS

T = TypeVar("T")
RETRY_ON = (RedisConnectionError, RedisTimeoutError, *REDIS.errors)
Notify = Callable[[float, Exception], None]  # (seconds since the first failure, the error)


class WaitingRetry(Retry):
    """redis-py Retry bounded by time, not by a count: backs off until ``wait`` seconds have passed."""

    def __init__(self, wait: float, notify: Notify | None = None):
        super().__init__(ExponentialBackoff(cap=REDIS.cap, base=REDIS.base), -1, supported_errors=RETRY_ON)
        self.wait = wait
        self.notify = notify

    def call_with_retry(self, do: Callable[[], T], fail: Callable[..., Any],
                        is_retryable: Callable[[Exception], bool] | None = None,
                        with_failure_count: bool = False) -> T:
        self._backoff.reset()
        failures = 0
        first = 0.0
        while True:
            try:
                return do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                if with_failure_count:
                    fail(error, failures)
                else:
                    fail(error)
                now = time.monotonic()
                first = first or now
                if now - first >= self.wait:
                    raise
                if self.notify is not None:
                    self.notify(now - first, error)
                sleep(min(self._backoff.compute(failures), max(0.0, first + self.wait - now)))


def cli_wait() -> float:
    return float(load_settings().redis_wait)


def worker_wait() -> float:
    return float(load_settings().redis_wait_workers)


def client(url: str, *, wait: float | None = None, notify: Notify | None = None, **kwargs: Any) -> redis.Redis:
    """A Redis client whose commands wait up to ``wait`` seconds (default: the workers' limit) for Redis."""
    wait = worker_wait() if wait is None else wait
    if notify is None:  # every process says why it paused (a crawler, a worker), at most every 5 s
        notify = Announcer(url, logging.getLogger("akhbar.redis").warning)
    kwargs.setdefault("socket_connect_timeout", 5)
    kwargs.setdefault("socket_keepalive", True)
    return redis.Redis.from_url(url, retry=WaitingRetry(wait, notify),
                                retry_on_error=list(RETRY_ON), **kwargs)


def address(url: str) -> str:
    """host:port of a Redis URL, for messages."""
    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"


class Announcer:
    """Prints "Redis at HOST:PORT unreachable, retrying… (Ns)" at most every ``every`` seconds."""

    def __init__(self, url: str, say: Callable[[str], None], every: float = 5.0):
        self.where = address(url)
        self.say = say
        self.every = every
        self._last = -1e9

    def __call__(self, elapsed: float, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.say(f"Redis at {self.where} unreachable, retrying… ({elapsed:.0f}s)")


def publish_policy(wait: float, notify: Notify | None = None) -> dict[str, Any]:
    """Celery/kombu retry policy for sending a task while the broker (Redis) is unreachable: retry for
    about ``wait`` seconds, at most 2 s apart (kombu's default gives up after 3 tries, ~0.4 s)."""
    outage = {"first": 0.0, "last": 0.0}  # the policy is reused: a failure 10 s after the last one is a new outage

    def errback(exc: Exception, interval: float) -> None:
        now = time.monotonic()
        if now - outage["last"] > 10 + interval:
            outage["first"] = now
        outage["last"] = now
        if notify is not None:
            notify(now - outage["first"], exc)

    return {"max_retries": max(1, int(wait / 2) + 2), "interval_start": 0, "interval_step": 0.5,
            "interval_max": REDIS.cap, "errback": errback}
