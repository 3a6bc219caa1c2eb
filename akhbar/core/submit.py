"""Submitting crawl jobs (CLI, HTTP API and beat share this). Tasks are sent by name: the ground floor
imports no task code."""

from __future__ import annotations

from akhbar.core.jobs import Job, JobOptions, JobStore
from akhbar.core.registry import Registry

CRAWL_TASK = "akhbar.crawl"


def _send_crawl(job_id: str) -> None:
    # Imported here: the Celery app reads the broker URL from the settings when it is first imported.
    from akhbar.core.celery_app import app

    app.send_task(CRAWL_TASK, args=[job_id], queue="crawl")


def submit_crawl(store: JobStore, registry: Registry, outlets: list[str], *, since: str | None = None,
                 max_pages: int | None = None, recrawl: bool = False, mode: str = "live",
                 scrapy_settings: dict | None = None, processes: int = 1) -> Job:
    options = JobOptions.for_crawl(registry, outlets, since=since, max_pages=max_pages, recrawl=recrawl,
                                   mode=mode, processes=processes, scrapy_settings=scrapy_settings or {})
    job = store.create(list(outlets), options)
    _send_crawl(job.id)
    return job


def retry_job(store: JobStore, job_id: str) -> Job:
    old = store.get(job_id)
    job = store.create(old.outlets, old.options)
    _send_crawl(job.id)
    return job
