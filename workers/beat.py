"""Recurring crawls: a Celery beat schedule built from the outlet registry (`akhbar beat`).

Every enabled outlet gets one beat entry, run at the shortest interval of the kinds of entry points
the outlet has (`Outlet.schedule`; an outlet that declares no feed is probed for one, so its feeds
interval applies). The crawl job then reads only the entry points that are due by their own kind's
interval (crawler.state), and fetches only articles it has not archived, so each kind keeps its own
pace and frequent runs stay cheap.

Beat only sends `akhbar.scheduled_crawl` (a light task on the `clean` queue, so it never waits behind a
running crawl); the task decides in Redis whether a job is due and submits it. That makes the decision
safe with several beat processes, a restarted beat, or `akhbar beat --once` from cron:
  - an outlet whose previous scheduled job is still queued/running is skipped (no pile-up);
  - a job is submitted at most once per interval (a Redis key per outlet, set with NX + expiry).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import redis

from akhbar.core.celery_app import app
from akhbar.core.jobs import TERMINAL, Job, JobStore
from akhbar.core.keys import BEAT_LAST_PREFIX as LAST_KEY
from akhbar.core.keys import BEAT_SLOT_PREFIX as SLOT_KEY
from akhbar.core.messages import SCHEDULED_CRAWL_TASK, TASK_QUEUES
from akhbar.core.registry import Outlet, Registry

log = logging.getLogger("akhbar.beat")

TASK = SCHEDULED_CRAWL_TASK

SLACK = 0.9  # a beat tick arriving a little early must not skip a whole interval


def outlet_interval(outlet: Outlet) -> timedelta:
    kinds = [kind for kind in ("feeds", "sitemaps", "listings") if getattr(outlet, kind)]
    if not kinds or not outlet.feeds:
        kinds.append("feeds")  # the spider probes /feed, /rss... when no feed is declared
    return min(outlet.schedule.interval(kind) for kind in kinds)


def build_schedule(registry: Registry, *, only: Iterable[str] = (), max_pages: int | None = None,
                   mode: str = "live") -> dict[str, dict[str, Any]]:
    """Celery `beat_schedule` entries, one per enabled outlet (or the `only` ones)."""
    wanted = set(only)
    schedule: dict[str, dict[str, Any]] = {}
    for outlet in registry.crawlable() if not wanted else [registry.get(n) for n in wanted]:
        if outlet.defunct:
            continue  # nothing live to crawl: `akhbar backfill` reads it from web archives
        interval = outlet_interval(outlet)
        schedule[f"crawl:{outlet.name}"] = {
            "task": TASK,
            "schedule": interval,
            # The outlet travels with the entry: the worker need not have the same registry file.
            "args": [outlet.to_payload(), int(interval.total_seconds()),
                     {"max_pages": max_pages, "mode": mode}],
            "options": {"queue": TASK_QUEUES[TASK], "expires": max(60.0, interval.total_seconds() * SLACK)},
        }
    return dict(sorted(schedule.items()))


def submit_if_due(client: redis.Redis, payload: dict, interval_seconds: int, options: dict | None = None,
                  now: float | None = None) -> Job | None:
    """Submit a crawl job for the outlet unless one ran within the interval or is still unfinished."""
    from akhbar.core.registry import registry_with_entries
    from akhbar.core.submit import submit_crawl

    name = payload["name"]
    store = JobStore(client)
    now = time.time() if now is None else now
    last = {k.decode(): v.decode() for k, v in client.hgetall(LAST_KEY + name).items()}
    if last.get("job_id") and store.exists(last["job_id"]):
        state = store.get(last["job_id"]).state
        if state not in TERMINAL:
            log.info("scheduled crawl of %s skipped: job %s is still %s", name, last["job_id"], state)
            return None
    ttl = max(1, int(interval_seconds * SLACK))
    if not client.set(SLOT_KEY + name, now, nx=True, ex=ttl):
        log.debug("scheduled crawl of %s not due yet", name)
        return None
    registry = registry_with_entries([payload], origin="<beat>")
    options = options or {}
    job = submit_crawl(store, registry, [name], max_pages=options.get("max_pages"),
                       mode=options.get("mode") or "live")
    client.hset(LAST_KEY + name, mapping={"job_id": job.id, "submitted_at": now})
    log.info("scheduled crawl of %s: job %s", name, job.id)
    return job


def tick(client: redis.Redis, registry: Registry, *, only: Iterable[str] = (), max_pages: int | None = None,
         mode: str = "live", now: float | None = None) -> list[Job]:
    """One scheduler pass over the whole schedule, submitting what is due (`akhbar beat --once`)."""
    jobs = []
    for entry in build_schedule(registry, only=only, max_pages=max_pages, mode=mode).values():
        payload, interval, options = entry["args"]
        job = submit_if_due(client, payload, interval, options, now=now)
        if job is not None:
            jobs.append(job)
    return jobs


@app.task(name=TASK, ignore_result=True, acks_late=False)
def scheduled_crawl(payload: dict, interval_seconds: int, options: dict | None = None) -> str | None:
    from workers.resources import redis_client

    job = submit_if_due(redis_client(), payload, interval_seconds, options)
    return job.id if job else None


def run_beat(registry: Registry, client: redis.Redis, *, schedule_file: str, only: Iterable[str] = (),
             max_pages: int | None = None, mode: str = "live", loglevel: str = "INFO") -> None:
    """Run Celery beat in this process with the registry's schedule (blocks).

    Celery beat first runs an entry one interval after start; one pass of `tick` first submits what is
    already due, so a fresh deployment crawls at once and a restart does not (the Redis slots)."""
    app.conf.beat_schedule = build_schedule(registry, only=only, max_pages=max_pages, mode=mode)
    for job in tick(client, registry, only=only, max_pages=max_pages, mode=mode):
        log.info("submitted at start: job %s for %s", job.id, ", ".join(job.outlets))
    app.Beat(loglevel=loglevel, schedule=schedule_file, max_interval=60).run()
