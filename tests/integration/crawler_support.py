"""Helpers for the crawler integration tests: a clean Redis per test, crawl jobs run without Celery
(crawler.localrun), and a timed request log of the fixture web."""

from __future__ import annotations

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
from index.adapter import SearchAdapter
from tests.fixture_site.timing import Hit, TimedRequests

__all__ = ["CrawlEnv", "Hit", "TimedRequests", "canon", "crawl_env", "create_job", "duplicates", "gold_targets", "indexed_docs", "start_crawl"]


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


def indexed_docs(env: dict) -> list[dict]:
    """url, canonical_url, outlet and body of every document in the test's index (refreshed first)."""
    adapter = SearchAdapter(env["AKHBAR_SEARCH_URL"])
    try:
        adapter.refresh(env["AKHBAR_INDEX"])
        found = adapter.request("POST", f"/{env['AKHBAR_INDEX']}/_search", body={
            "size": 5000, "_source": ["url", "canonical_url", "outlet", "body"], "query": {"match_all": {}}})
    finally:
        adapter.close()
    return [hit["_source"] for hit in found["hits"]["hits"]]


def canon(target: str) -> str:
    """A request target as the crawler writes it (w3lib sorts the query: ?lang=ar&id=1 -> ?id=1&lang=ar)."""
    return canonical("http://h" + target).removeprefix("http://h")


def gold_targets(records: list[dict]) -> set[str]:
    return {canon(r["path"]) for r in records}


def duplicates(targets: list[str]) -> dict[str, int]:
    return {t: n for t, n in Counter(targets).items() if n > 1}
