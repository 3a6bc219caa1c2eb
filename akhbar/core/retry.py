"""Which failures are worth another try, and how long to wait before it: one table for every stage.

A status added to GATEWAY or TRANSIENT is retried everywhere: the index stage (bulk items, write refusals
that are waits, engine requests), the crawler (Scrapy's RETRY_HTTP_CODES), alert webhooks. The waits differ
by component on purpose (a page fetch may wait minutes for a Retry-After, a Redis command 2 s at most, a
bulk request inside a task a few seconds), so each component has its named Policy; the values are the ones
each component used before this module.

Errors are named here only when they are the standard library's (webhooks, Redis's OS-level errors): the
engine's client errors become SearchUnavailable by status (index/adapter.py), Redis's own classes are added in
akhbar/core/redis_retry.py, and Scrapy keeps its own list of retryable download errors.
"""

from __future__ import annotations

import http.client
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

from akhbar.core.config import default_of

# A gateway lost its upstream, or the server is restarting: another node, or a later try, may answer.
GATEWAY = frozenset({502, 503, 504})
# Plus "too many requests": the server asks for a later try.
TRANSIENT = GATEWAY | {429}

NO_JITTER = (1.0, 1.0)
HALF_JITTER = (0.5, 1.0)  # spreads workers apart, never waits more than the ceiling
FULL_JITTER = (0.0, 1.0)  # Celery's retry_jitter


@dataclass(frozen=True)
class Policy:
    """Retryable statuses and exponential backoff: retry n (0-based) waits min(cap, base * 2**n), times a
    random factor drawn from `jitter` (low, high)."""

    name: str
    statuses: frozenset[int]
    base: float  # seconds before the first retry
    cap: float  # no wait is longer
    attempts: int | None  # retries after the first try; None: bounded by time, not by a count
    jitter: tuple[float, float] = NO_JITTER
    server_errors: bool = False  # every 5xx is retryable, not only the statuses listed
    errors: tuple[type[BaseException], ...] = ()  # exception classes worth another try

    def retryable(self, status: int | None) -> bool:
        if status is None:
            return False
        return status in self.statuses or (self.server_errors and 500 <= status < 600)

    def retryable_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self.errors)

    def ceiling(self, retries: int) -> float:
        """The wait before retry `retries` (0-based) without jitter."""
        # The exponent is bounded: a flush may retry 100 000 times, and 2.0**1024 overflows.
        return min(self.cap, self.base * 2.0 ** min(max(retries, 0), 64))

    def delay(self, retries: int, rand: Callable[[], float] | None = None) -> float:
        low, high = self.jitter
        return self.ceiling(retries) * (low + (rand or random.random)() * (high - low))

    def with_(self, **changes: Any) -> Policy:
        """The same policy with some values changed (settings, a caller's shorter waits)."""
        return replace(self, **changes)


# Index stage: a bulk request, and each bulk item's status. 500 included: bulk.py's doc always said 429/5xx,
# and blocks.py already kept a 500 item as a wait; only the in-request retry skipped it.
ENGINE = Policy("engine", TRANSIENT | {500}, base=0.5, cap=30.0, attempts=6, jitter=HALF_JITTER)
# The flush task's own bulk retries are short: longer waits happen between task runs, not in a blocked worker.
FLUSH_BULK = ENGINE.with_(name="flush-bulk", base=0.5, cap=2.0, attempts=2)
# The flush task coming back while the engine refuses writes; bounded by AKHBAR_INDEX_RETRY_WINDOW. The task
# caps the wait further under the broker's visibility timeout.
FLUSH = ENGINE.with_(name="flush", base=1.0, cap=30.0, attempts=100_000)
# Statuses for which the engine client sends a request to the next node of a cluster (a dead node).
NODE_FAILOVER = GATEWAY

# Crawler: Scrapy's RETRY_HTTP_CODES and RETRY_TIMES. Only `slow_down` answers wait (their Retry-After, else
# the backoff); the other statuses are retried at once, as Scrapy does.
CRAWL = Policy("crawl", TRANSIENT | {500, 522, 524, 408}, base=0.5, cap=120.0, attempts=3)
SLOW_DOWN = frozenset({429, 503})  # answers that ask for a pause: Retry-After honoured, the host paused

# Alert webhooks: any 5xx, timeouts and "too early"; connection errors. base and attempts are the defaults of
# AKHBAR_WEBHOOK_BACKOFF and AKHBAR_WEBHOOK_RETRIES (declared once, in the settings table); the task passes
# the values set with `with_`.
WEBHOOK = Policy("webhook", TRANSIENT | {408, 425}, base=float(default_of("AKHBAR_WEBHOOK_BACKOFF")), cap=300.0,
                 attempts=default_of("AKHBAR_WEBHOOK_RETRIES"), jitter=(0.75, 1.25),
                 server_errors=True, errors=(OSError, http.client.HTTPException))

# Web archives (crawler/archive.py: the Internet Archive, Common Crawl, any CDX server). The Internet Archive
# blocks a client for an hour, doubling, when it keeps asking through 429s: so every 429/503 waits (its
# Retry-After, else this backoff), and after `attempts` the backfill stops with one line instead of pressing on.
ARCHIVE = Policy("archive", TRANSIENT | {500}, base=5.0, cap=600.0, attempts=6, jitter=HALF_JITTER,
                 errors=(OSError, http.client.HTTPException))
ARCHIVE_BLOCKED = frozenset({429, 403})  # answers that, repeated, mean the archive has blocked this client

# Pipeline tasks (clean, dedupe, index): anything unexpected is retried (Celery autoretry), then dead-lettered.
TASK = Policy("task", frozenset(), base=2.0, cap=300.0, attempts=5, jitter=FULL_JITTER, errors=(Exception,))

# Redis commands: back off up to 2 s between tries, for as long as AKHBAR_REDIS_WAIT(_WORKERS) allows.
REDIS = Policy("redis", frozenset(), base=0.1, cap=2.0, attempts=None, errors=(TimeoutError, ConnectionError))

POLICIES = (ENGINE, FLUSH_BULK, FLUSH, CRAWL, WEBHOOK, ARCHIVE, TASK, REDIS)


def celery_autoretry(policy: Policy = TASK) -> dict[str, object]:
    """A policy as Celery Task attributes (Celery computes the waits: full jitter, whole seconds)."""
    return {"autoretry_for": policy.errors, "retry_backoff": int(policy.base),
            "retry_backoff_max": int(policy.cap), "retry_jitter": policy.jitter == FULL_JITTER,
            "max_retries": policy.attempts}


def retry_after(value: bytes | str | None, cap: float) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), at most `cap`; None when
    absent or unreadable."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    try:
        return min(cap, max(0.0, float(text)))
    except ValueError:
        pass
    try:
        return min(cap, max(0.0, parsedate_to_datetime(text).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None
