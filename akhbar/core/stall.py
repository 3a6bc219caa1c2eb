"""Quiet jobs: a job whose pages are still pending while no work of it is left anywhere cannot stay `running`.

A page is "somewhere" while a task for it is queued or unacknowledged in the broker, while its document
waits in the index buffer or in a flush's processing list, or while the crawl is still running. When the
job's pending count has not moved for `AKHBAR_JOB_REDRIVE_AFTER` seconds, the reconciler looks for the
job's work and re-drives what is nowhere from the job's ledger (akhbar.core.reconcile). When nothing can
be re-driven (a page's copy is gone, or the rounds are used up) and the count has not moved for
`AKHBAR_JOB_STALL_AFTER` seconds, the job is marked `stalled` with the reason, the URLs and the command that
repairs it. Checked by `akhbar jobs show/list`, `--wait`, the API and every worker (akhbar.core.celery_app);
a stalled job turns `succeeded` by itself if its pages land later.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import redis

from akhbar.core import dlq
from akhbar.core.config import load_settings
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import INDEX_BUFFER, INDEX_LEASE_SECONDS, INDEX_LEASES, QUEUES
from akhbar.core.messages import INDEX_FLUSH_TASK, TASK_QUEUES
from akhbar.core.reconcile import reconcile

log = logging.getLogger("akhbar.stall")

QUIET_SUFFIX = ":quiet"
LOOKED_SUFFIX = ":reconciled"  # job key + this: when the reconciler last looked at it  # job key + this: "<first seen quiet at> <pending then>"


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
    return load_settings().job_stall_after


def redrive_after() -> int:
    return load_settings().job_redrive_after


def _quiet_for(client: redis.Redis, quiet_key: str, now: float, pending: int, keep: float) -> float:
    """Seconds the job's pending count has stood at ``pending`` (0 the first time it is seen)."""
    ttl = max(int(keep) * 10, 3600)
    client.set(quiet_key, f"{now} {pending}", nx=True, ex=ttl)
    raw = client.get(quiet_key)
    if raw is None:  # another checker ended the quiet period meanwhile (redis-server 6 has no SET NX GET)
        return 0.0
    since, seen = raw.decode().split()
    if int(seen) != pending:  # progress since: start the quiet period again
        client.set(quiet_key, f"{now} {pending}", ex=ttl)
        return 0.0
    return now - float(since)


def _listed(lost: dict[str, str], most: int = 5) -> str:
    shown = "; ".join(f"{url}: {why}" for url, why in list(lost.items())[:most])
    return shown + (f"; and {len(lost) - most} more" if len(lost) > most else "")


def check(store: JobStore, job: Job, *, now: float | None = None, after: float | None = None,
          redrive: float | None = None) -> Job:
    """Reconcile a quiet job (akhbar.core.reconcile), or mark it stalled when nothing can move it; returns
    the job as it now stands."""
    now = time.time() if now is None else now
    after = stall_after() if after is None else after
    redrive = redrive_after() if redrive is None else redrive
    client = store.redis
    quiet_key = store.key(job.id) + QUIET_SUFFIX
    crawl_done = client.hget(store.key(job.id), "crawl_done") == b"1"
    if job.state != "running" or not crawl_done or job.pending == 0:
        client.delete(quiet_key)
        if job.state == "running" and crawl_done:  # e.g. a retry whose pages landed before it said running
            store.maybe_finish(job.id)
            return store.get(job.id)
        return job
    work = in_flight(client)
    if work.processing and not (work.queued or work.unacked) and _stale_leases(client, now):
        # A flush died holding documents and no task is left to take them: wake one, it reclaims them.
        from akhbar.core.celery_app import app

        app.send_task(INDEX_FLUSH_TASK, queue=TASK_QUEUES[INDEX_FLUSH_TASK])
    quiet = _quiet_for(client, quiet_key, now, job.pending, after)
    if quiet < min(redrive, after):
        return job
    # One look per AKHBAR_JOB_REDRIVE_AFTER however often the job is polled, and the last one at the end.
    looked_key = store.key(job.id) + LOOKED_SUFFIX
    looked = float(client.get(looked_key) or 0)
    if now - looked < min(redrive, after) and quiet < after:
        return job
    client.set(looked_key, now, ex=max(int(after) * 10, 3600))
    done = reconcile(client, store.key(job.id), job.id)
    if done.locked:
        return job  # another process is looking at this job right now
    if done.acted or done.busy:
        client.delete(quiet_key)  # work is moving, or was sent again: a new quiet period starts
        return store.get(job.id)
    if quiet < after:
        return job
    sent = job.counters.get("pages_sent", 0)
    if done.elsewhere and not done.lost:
        host = next(iter(done.elsewhere.values()))
        message = (f"{job.pending} of {sent} pages never reached the index; their copies are WARC records on "
                   f"another machine ({host}): run `akhbar jobs retry {job.id}` there")
    elif done.lost:
        message = (f"{job.pending} of {sent} pages never reached the index and cannot be sent again: "
                   f"{_listed(done.lost)}; repair: fetch them again (`akhbar crawl`, or `akhbar ingest` of a "
                   "WARC that holds them)")
    else:
        dead = dlq.size(client)
        replay = f"`akhbar dlq replay` ({dead} dead letters), or " if dead else ""
        message = (f"{job.pending} of {sent} pages never reached the index after {done.rounds} rounds of "
                   f"re-driving, and no work of the job is left in the pipeline; repair: {replay}"
                   f"`akhbar jobs retry {job.id}`")
    # Only a job still running turns stalled: a page that landed meanwhile may have finished it.
    if client.hget(store.key(job.id), "state") == b"running":
        store.set_state(job.id, "stalled", message)
        store.maybe_finish(job.id)  # a page that landed between the check and the write still finishes it
    client.delete(quiet_key)
    return store.get(job.id)


def check_many(store: JobStore, jobs: list[Job]) -> list[Job]:
    return [check(store, job) if job.state == "running" else job for job in jobs]


WATCH_SECONDS = 5.0
WATCH_LOCK = "akhbar:jobs:watch"


def watch_once(store: JobStore, limit: int = 200) -> list[Job]:
    """Check the running jobs among the newest ``limit`` (one process at a time, across every worker)."""
    if not store.redis.set(WATCH_LOCK, os.getpid(), nx=True, ex=int(WATCH_SECONDS)):
        return []
    checked = []
    for job in store.list(limit):
        if job.state != "running":
            continue
        try:
            checked.append(check(store, job))
        except Exception:  # noqa: BLE001 - one odd job must not keep the others from being checked
            log.warning("could not check job %s", job.id, exc_info=True)
    return checked


def watch(store: JobStore, stop: threading.Event) -> None:
    """Every worker runs this in a thread: a job reaches its end even when no one watches it."""
    while not stop.wait(WATCH_SECONDS):
        try:
            watch_once(store)
        except Exception:  # noqa: BLE001 - Redis away, a job half-written: try again next round
            log.warning("could not check running jobs", exc_info=True)


def start_watching(redis_url: str) -> threading.Event:
    from akhbar.core.redis_retry import client as retrying_client

    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(JobStore(retrying_client(redis_url)), stop), daemon=True,
                              name="akhbar-job-watch")
    thread.start()
    return stop
