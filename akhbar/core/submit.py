"""Submitting crawl jobs (CLI and HTTP API share this)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from akhbar.core.jobs import Job, JobStore
from akhbar.core.registry import BUILTIN_FILE, Outlet, Registry


def outlet_payload(outlet: Outlet) -> dict[str, Any]:
    """The outlet as plain JSON, carried by the job so the crawler needs no registry file of its own."""
    data = asdict(outlet)
    data.pop("sources", None)
    data.pop("origin", None)
    data["selectors"] = outlet.selectors.as_dict()
    data["schedule"] = outlet.schedule_seconds()
    data["founded"] = outlet.founded.isoformat() if isinstance(outlet.founded, date) else None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def submit_crawl(store: JobStore, registry: Registry, outlets: list[str], *, since: str | None = None,
                 max_pages: int | None = None, recrawl: bool = False, mode: str = "live",
                 scrapy_settings: dict | None = None, processes: int = 1) -> Job:
    configs = [outlet_payload(registry.get(name)) for name in outlets]
    options = {
        "outlet_configs": configs,
        "since": since,
        "max_pages": max_pages,
        "recrawl": recrawl,
        "mode": mode,
        "processes": processes,  # crawler processes sharing the job's frontier (more can `crawl-join`)
        "scrapy_settings": scrapy_settings or {},
        # The user's own outlets travel with the job: workers resolve repost sources against them too.
        "registry_extra": [outlet_payload(o) for o in registry if str(BUILTIN_FILE) not in o.origin],
    }
    job = store.create([c["name"] for c in configs], options)
    from akhbar.core.celery_app import app

    app.send_task("akhbar.crawl", args=[job.id], queue="crawl")
    return job


def retry_job(store: JobStore, job_id: str) -> Job:
    old = store.get(job_id)
    job = store.create(old.outlets, old.options)
    from akhbar.core.celery_app import app

    app.send_task("akhbar.crawl", args=[job.id], queue="crawl")
    return job
