"""Stalled jobs: a job whose pages are still pending while no work is left anywhere cannot stay `running`.

A page is "somewhere" while a task for it is queued or unacknowledged in the broker, while its document
waits in the index buffer or in a flush's processing list, or while the crawl is still running. When
none of these holds and the job's pending count has not moved for `AKHBAR_JOB_STALL_AFTER` seconds, the
job is marked `stalled` with the reason and the command that repairs it. Checked by `akhbar jobs
show/list`, `--wait` and the API; a stalled job turns `succeeded` by itself if its pages land later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from akhbar.core import dlq
from akhbar.core.config import env_int
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import INDEX_BUFFER, INDEX_LEASE_SECONDS, INDEX_LEASES, QUEUES

QUIET_SUFFIX = ":quiet"  # job key + this: "<first seen quiet at> <pending then>"


@dataclass(frozen=True)
class InFlight:
    """Where pipeline work can be, summed over every job (the broker does not say which job a task serves)."""

    queued: int
    unacked: int
    buffered: int
    processing: int

    @property
    def total(self) -> int:
        return self.queued + self.unacked + self.buffered + self.processing


def in_flight(client: redis.Redis) -> InFlight:
    pipe = client.pipeline(transaction=False)
    for name in QUEUES:
        pipe.llen(name)
    pipe.hlen("unacked")  # kombu's Redis transport: delivered, not yet acknowledged (incl. retries with a countdown)
    pipe.llen(INDEX_BUFFER)
    pipe.zcard(INDEX_LEASES)
    *queues, unacked, buffered, processing = pipe.execute()  # every processing list has a lease entry
    return InFlight(queued=sum(queues), unacked=unacked, buffered=buffered, processing=processing)


def _stale_leases(client: redis.Redis, now: float) -> bool:
    return bool(client.zrangebyscore(INDEX_LEASES, "-inf", now - INDEX_LEASE_SECONDS, start=0, num=1))


def stall_after() -> int:
    return env_int("AKHBAR_JOB_STALL_AFTER") or 120


def check(store: JobStore, job: Job, *, now: float | None = None, after: float | None = None) -> Job:
    """Mark `job` stalled if it has been quiet long enough; returns the job as it now stands."""
    now = time.time() if now is None else now
    after = stall_after() if after is None else after
    client = store.redis
    quiet_key = store.key(job.id) + QUIET_SUFFIX
    crawl_done = client.hget(store.key(job.id), "crawl_done") == b"1"
    if job.state != "running" or not crawl_done or job.pending == 0:
        client.delete(quiet_key)
        return job
    work = in_flight(client)
    if work.total:
        client.delete(quiet_key)
        if work.processing and not (work.queued or work.unacked) and _stale_leases(client, now):
            # A flush died holding documents and no task is left to take them: wake one, it reclaims them.
            from akhbar.core.celery_app import app

            app.send_task("akhbar.index_flush", queue="index")
        return job
    client.set(quiet_key, f"{now} {job.pending}", nx=True, ex=max(int(after) * 10, 3600))
    since, pending = client.get(quiet_key).decode().split()
    if int(pending) != job.pending:  # progress since: start the quiet period again
        client.set(quiet_key, f"{now} {job.pending}", ex=max(int(after) * 10, 3600))
        return job
    if now - float(since) < after:
        return job
    dead = dlq.size(client)
    repair = (f"`akhbar dlq replay` ({dead} dead letters)" if dead
              else f"`akhbar jobs retry {job.id}`")
    message = (f"{job.pending} of {job.counters.get('pages_sent', 0)} pages never reached the index and no work "
               f"is left in the pipeline for {now - float(since):.0f}s; repair: {repair}")
    # Only a job still running turns stalled: a page that landed meanwhile may have finished it.
    if client.hget(store.key(job.id), "state") == b"running":
        store.set_state(job.id, "stalled", message)
        store.maybe_finish(job.id)  # a page that landed between the check and the write still finishes it
    client.delete(quiet_key)
    return store.get(job.id)


def check_many(store: JobStore, jobs: list[Job]) -> list[Job]:
    return [check(store, job) if job.state == "running" else job for job in jobs]
