"""Helpers for the crawler integration tests: a clean Redis per test, crawl jobs run without Celery
(crawler.localrun), and a timed request log of the fixture web."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from akhbar.core.urls import canonical_url as canonical
from crawler.localrun import create_job, run_crawl, start_crawl
from tests.fixture_site import FixtureWeb

__all__ = ["CrawlEnv", "TimedRequests", "canon", "crawl_env", "create_job", "duplicates", "gold_targets", "start_crawl"]


@dataclass
class CrawlEnv:
    redis_url: str
    home: Path
    client: redis.Redis

    @property
    def env(self) -> dict[str, str]:
        return {"AKHBAR_REDIS_URL": self.redis_url, "AKHBAR_HOME": str(self.home)}

    @property
    def store(self) -> JobStore:
        return JobStore(self.client)

    def crawl(self, outlets_file: Path, outlets: list[str], *, timeout: float = 90, env: dict | None = None,
              **options) -> str:
        """Run one crawl job to its end in a crawler process; returns the job id."""
        job_id = create_job(self.client, load_registry(outlets_file), outlets, **options)
        log = self.home / f"crawl-{job_id}.log"
        code = run_crawl(job_id, self.redis_url, {**self.env, **(env or {})}, timeout=timeout, log_path=log)
        assert code == 0, log.read_text(errors="replace")[-4000:]
        return job_id


@pytest.fixture
def crawl_env(redis_url: str, tmp_path: Path) -> Iterator[CrawlEnv]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    home = tmp_path / "home"
    home.mkdir()
    yield CrawlEnv(redis_url, home, client)
    client.flushdb()


@dataclass
class Hit:
    slug: str
    target: str
    status: int
    start: float
    end: float


class TimedRequests:
    """Wraps a started FixtureWeb: when each request started and ended being handled, per outlet."""

    def __init__(self, web: FixtureWeb):
        self.web = web
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        original_record = web._record
        for site in web.sites.values():
            handle = site.handle

            def timed_handle(method, target, _handle=handle):
                self._local.start = time.monotonic()
                return _handle(method, target)

            site.handle = timed_handle

        def record(slug, method, target, status):
            with self._lock:
                self.hits.append(Hit(slug, target, status, getattr(self._local, "start", time.monotonic()),
                                     time.monotonic()))
            original_record(slug, method, target, status)

        web._record = record

    def of(self, slug: str) -> list[Hit]:
        with self._lock:
            return sorted((h for h in self.hits if h.slug == slug), key=lambda h: h.start)


def canon(target: str) -> str:
    """A request target as the crawler writes it (w3lib sorts the query: ?lang=ar&id=1 -> ?id=1&lang=ar)."""
    return canonical("http://h" + target).removeprefix("http://h")


def gold_targets(records: list[dict]) -> set[str]:
    return {canon(r["path"]) for r in records}


def duplicates(targets: list[str]) -> dict[str, int]:
    return {t: n for t, n in Counter(targets).items() if n > 1}
