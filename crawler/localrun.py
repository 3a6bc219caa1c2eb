"""Crawl jobs without a Celery worker: create the job record and run `python -m crawler.run` directly.

For tests, the benchmark and debugging a crawl. The pages still go to the `clean` queue in Redis (a worker
started later picks them up), and the job's counters and errors are kept as with `akhbar crawl`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import redis

from akhbar.core.jobs import JobOptions, JobStore, crawler_command, crawler_env
from akhbar.core.registry import Registry


def create_job(client: redis.Redis, registry: Registry, outlets: list[str], *, mode: str = "fixture",
               recrawl: object = False, since: str | None = None, max_pages: int | None = None,
               scrapy_settings: dict | None = None, processes: int = 1) -> str:
    options = JobOptions.for_crawl(registry, outlets, since=since, max_pages=max_pages, recrawl=recrawl,
                                   mode=mode, scrapy_settings=scrapy_settings or {}, processes=processes)
    return JobStore(client).create(list(outlets), options).id


def start_crawl(job_id: str, redis_url: str, env: dict[str, str] | None = None, join: bool = False,
                log_path: Path | None = None) -> subprocess.Popen:
    cmd = crawler_command(job_id, join=join)
    out = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(cmd, env=crawler_env(redis_url, env), stdout=out, stderr=subprocess.STDOUT)


def run_crawl(job_id: str, redis_url: str, env: dict[str, str] | None = None, timeout: float = 120,
              log_path: Path | None = None) -> int:
    proc = start_crawl(job_id, redis_url, env, log_path=log_path)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
