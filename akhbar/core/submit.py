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


class NotResumable(ValueError):
    """The job cannot be resumed (still being crawled, or not a crawl)."""


def resume_job(store: JobStore, job_id: str, alive_crawlers: int = 0) -> Job:
    """Crawl the same job again from its shared frontier (after its crawler was killed, or it failed or was
    cancelled): the URLs it fetched stay fetched, the requests its dead processes held come back (see
    crawler.frontier), and its counters go on from where they were."""
    job = store.get(job_id)
    if job.options.source != "crawl":
        raise NotResumable(f"job {job_id} is a {job.options.source} job: run the same `akhbar ingest` again")
    if alive_crawlers:
        raise NotResumable(f"job {job_id} still has {alive_crawlers} crawler process(es) running: add one with "
                           f"`akhbar crawl-join {job_id}`, or cancel it first")
    key = store.key(job_id)
    pipe = store.redis.pipeline()
    pipe.hdel(key, "crawl_done", "crawl_failed", "finished_at", "message")
    pipe.hset(key, "state", "queued")
    pipe.delete(key + ":cancel")
    pipe.execute()
    _send_crawl(job_id)
    return store.get(job_id)
