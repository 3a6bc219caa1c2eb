"""Submitting crawl jobs (CLI, HTTP API and beat share this). Tasks are sent by name: the ground floor
imports no task code."""

from __future__ import annotations

from akhbar.core.jobs import Job, JobOptions, JobStore
from akhbar.core.messages import CRAWL_TASK, TASK_QUEUES
from akhbar.core.registry import Registry


def _send_crawl(job_id: str) -> None:
    # Imported here: the Celery app reads the broker URL from the settings when it is first imported.
    from akhbar.core.celery_app import app

    app.send_task(CRAWL_TASK, args=[job_id], queue=TASK_QUEUES[CRAWL_TASK])


def submit_crawl(store: JobStore, registry: Registry, outlets: list[str], *, since: str | None = None,
                 max_pages: int | None = None, recrawl: bool = False, mode: str = "live",
                 scrapy_settings: dict | None = None, processes: int = 1) -> Job:
    options = JobOptions.for_crawl(registry, outlets, since=since, max_pages=max_pages, recrawl=recrawl,
                                   mode=mode, processes=processes, scrapy_settings=scrapy_settings or {})
    job = store.create(list(outlets), options)
    _send_crawl(job.id)
    return job


def submit_backfill(store: JobStore, registry: Registry, outlets: list[str], *, source: str = "wayback",
                    first: str | None = None, last: str | None = None) -> Job:
    """A backfill job: the outlets' captures in a web archive from month `first` to `last` (YYYY-MM), run by
    the crawl task like a crawl (crawler/backfill.py)."""
    job = store.create(list(outlets), JobOptions.for_backfill(registry, outlets, source=source, first=first,
                                                              last=last))
    _send_crawl(job.id)
    return job


def retry_job(store: JobStore, job_id: str, alive_crawlers: int = 0) -> tuple[Job, str]:
    """Retry a job the way that loses nothing and repeats nothing; returns the job and what was done.

    Pages of the job still pending (a stalled job, an ingest whose messages were lost) are sent again from
    their durable copies in the job's ledger; a crawl that failed or was cancelled resumes from its
    frontier; any other crawl is submitted again as a new job."""
    from akhbar.core import ledger
    from akhbar.core.keys import JOB_REDRIVE_ROUNDS
    from akhbar.core.reconcile import presence, redrive

    old = store.get(job_id)
    crawl = old.options.crawls
    if crawl and old.state in ("failed", "cancelled"):
        return resume_job(store, job_id, alive_crawlers), "resumes from its frontier"
    if (old.state == "stalled" or not crawl) and ledger.size(store.redis, job_id):
        if presence(store.redis, job_id).job_work:
            raise NotResumable(f"job {job_id} still has pages in the pipeline: `akhbar jobs show {job_id}` shows "
                               "them land; retry it if it ends stalled")
        key = store.key(job_id)
        # Running again first (a page that lands at once then finishes it), with fresh rounds of re-driving.
        store.redis.hset(key, mapping={"state": "running", "message": "", JOB_REDRIVE_ROUNDS: 0})
        store.redis.hdel(key, "finished_at")
        done = redrive(store.redis, key, job_id)
        store.maybe_finish(job_id)
        if not done.redriven:
            unsent = done.lost or done.elsewhere
            url, why = next(iter(unsent.items())) if unsent else ("", "")
            store.set_state(job_id, old.state, old.message)
            raise NotResumable(f"job {job_id}: {len(unsent)} pending pages cannot be sent again from here "
                               f"(e.g. {url}: {why})")
        unsent = len(done.lost) + len(done.elsewhere)
        lost = f"; {unsent} cannot be sent again from here" if unsent else ""
        return store.get(job_id), f"re-drove {done.redriven} pending pages from the job's ledger{lost}"
    if not crawl:
        raise NotResumable(f"job {job_id} has no pending pages to send again: run the same `akhbar ingest` "
                           "again to re-process its files")
    job = store.create(old.outlets, old.options)
    _send_crawl(job.id)
    return job, f"queued as a new crawl (retry of {job_id})"


class NotResumable(ValueError):
    """The job cannot be resumed (still being crawled, or not a crawl)."""


def resume_job(store: JobStore, job_id: str, alive_crawlers: int = 0) -> Job:
    """Crawl the same job again from its shared frontier (after its crawler was killed, or it failed or was
    cancelled): the URLs it fetched stay fetched, the requests its dead processes held come back (see
    crawler.frontier), and its counters go on from where they were."""
    job = store.get(job_id)
    if not job.options.crawls:
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
