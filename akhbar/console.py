"""What the command line shows: one-line failures, live job progress, search results. Shared by the CLI
and the demo."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from akhbar.core.config import Settings
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import TERMINAL_STATES
from akhbar.core.redact import redact
from akhbar.highlight import fragment_markup

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    """One clear line, never a secret: passwords in URLs are masked."""
    err.print(f"[bold red]error:[/] {redact(message)}")
    sys.exit(code)


def job_store(settings: Settings) -> JobStore:
    import redis

    return JobStore(redis.Redis.from_url(settings.require_redis_url()))


def wait_for_job(settings: Settings, job_id: str, timeout: float = 3600, quiet: bool = False) -> Job:
    store = job_store(settings)
    deadline = time.monotonic() + timeout
    columns = [TextColumn("[bold]{task.fields[state]:<9}"), BarColumn(),
               TextColumn("{task.fields[summary]}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
        task = progress.add_task("job", total=None, state="queued", summary="")
        while True:
            job = store.get(job_id)
            c = job.counters
            summary = (f"fetched {c.get('pages_fetched', 0)} · sent {c.get('pages_sent', 0)} · "
                       f"new {c.get('articles_new', 0)} · updated {c.get('articles_updated', 0)} · "
                       f"dup {c.get('articles_duplicate', 0)} · failed {c.get('articles_failed', 0)} · "
                       f"{job.rate:.1f} pages/s")
            sent = c.get("pages_sent", 0)
            progress.update(task, state=job.state, summary=summary, total=sent or None,
                            completed=sent - job.pending)
            if job.state in TERMINAL_STATES:
                break
            if time.monotonic() > deadline:
                fail(f"job {job_id} still {job.state} after {timeout:.0f}s (is a worker running? `akhbar worker`)")
            time.sleep(0.5)
    print_job(job, quiet)
    return job


def print_job(job: Job, quiet: bool = False) -> None:
    if quiet:
        return
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(job.state, "white")
    console.print(f"job {job.id}: [{colour}]{job.state}[/]")
    for key, value in sorted(job.counters.items()):
        console.print(f"  {key:<20} {value}")
    if job.errors:
        console.print("  errors by kind:")
        for kind, count in sorted(job.errors.items()):
            console.print(f"    {kind:<24} {count}")
    if job.message:
        console.print(f"  {job.message}")


def print_results(result: dict) -> None:
    console.print(f"[bold]{result['total']}[/] results")
    for i, hit in enumerate(result["hits"], 1):
        also_names = hit.get("also_published_by_names") or hit.get("also_published_by")
        also = f"  (also: {', '.join(also_names)})" if also_names else ""
        outlet = hit.get("outlet_name") or hit["outlet"]
        console.print(f"{i:>2}. [bold]{hit['title']}[/]  [dim]{outlet} · {hit.get('published_at') or '-'}[/]{also}")
        console.print(f"    {hit['url']}")
        for fragment in (hit.get("highlight") or {}).get("body", [])[:1]:
            console.print("    " + fragment_markup(fragment))  # HTML-escaped by the engine
