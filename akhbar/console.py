"""What the command line shows: one-line failures, live job progress, search results. Shared by the CLI
and the demo."""

from __future__ import annotations

import sys
import time

import redis
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from akhbar.core import stall
from akhbar.core.config import Settings, load_settings
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import PAGE_OUTCOMES, TERMINAL_STATES
from akhbar.core.redact import redact
from akhbar.highlight import fragment_markup

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    """One clear line, never a secret: passwords in URLs are masked."""
    err.print(f"[bold red]error:[/] {redact(message)}", soft_wrap=True)  # one line, also in a narrow or piped terminal
    sys.exit(code)


def redis_client(settings: Settings):
    """A Redis client for a CLI command: while Redis is unreachable, commands say so on stderr and retry
    for AKHBAR_REDIS_WAIT seconds; then the error reaches FriendlyGroup, which prints one line."""
    from akhbar.core import redis_retry
    from akhbar.core.procs import pid_alive

    url = settings.require_redis_url()
    pid = settings.services_state().get("redis", {}).get("pid")
    if not settings.redis_url and pid and not pid_alive(pid):
        # The embedded Redis of `akhbar services up` is not running: no point in waiting for it.
        fail("Redis is not running: start it with `akhbar services up` (and a worker with `akhbar worker`)", 2)
    return redis_retry.client(url, wait=redis_retry.cli_wait(), notify=redis_retry.Announcer(url, _say))


def _say(message: str) -> None:
    err.print(f"[yellow]{message}[/]", highlight=False, soft_wrap=True)


def celery_app(settings: Settings):
    """The Celery app, sending with the CLI's wait for an unreachable broker (and saying so)."""
    from akhbar.core import redis_retry
    from akhbar.core.celery_app import app

    url = settings.require_redis_url()
    app.conf.task_publish_retry_policy = redis_retry.publish_policy(
        redis_retry.cli_wait(), redis_retry.Announcer(url, _say))
    return app


def job_store(settings: Settings) -> JobStore:
    return JobStore(redis_client(settings))


def wait_for_job(settings: Settings, job_id: str, timeout: float = 3600, quiet: bool = False) -> Job:
    store = job_store(settings)
    deadline = time.monotonic() + timeout
    columns = [TextColumn("[bold]{task.fields[state]:<9}"), BarColumn(),
               TextColumn("{task.fields[summary]}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
        task = progress.add_task("job", total=None, state="queued", summary="")
        while True:
            job = stall.check(store, store.get(job_id))
            c = job.counters
            summary = (f"fetched {c.get('pages_fetched', 0)} · sent {c.get('pages_sent', 0)} · "
                       f"new {c.get('articles_new', 0)} · updated {c.get('articles_updated', 0)} · "
                       f"dup {c.get('articles_duplicate', 0)} · failed {c.get('articles_failed', 0)} · "
                       f"dead {c.get('articles_dead', 0)} · "
                       f"{job.rate:.1f} pages/s")
            sent = c.get("pages_sent", 0)
            progress.update(task, state=job.state, summary=summary, total=sent or None,
                            completed=sent - job.pending)
            if job.state in TERMINAL_STATES or job.state == "stalled":  # stalled: the message says what repairs it
                break
            if time.monotonic() > deadline:
                fail(_still_running(store, job, timeout))
            time.sleep(0.5)
    print_job(job, quiet)
    return job


def _still_running(store: JobStore, job: Job, timeout: float) -> str:
    """Why `--wait` gave up, as far as the broker tells: tasks held unacknowledged (a retry waiting for
    its delay, or tasks a worker had reserved when it lost Redis) come back by themselves."""
    said = f"job {job.id} still {job.state} after {timeout:.0f}s"
    try:
        work = stall.in_flight(store.redis)
    except redis.RedisError:
        work = None
    if work is not None and work.unacked and not work.queued:
        return (f"{said}: {work.unacked} task(s) wait unacknowledged in the broker (a retry's delay, or tasks "
                f"a worker held when it lost Redis); they run again within AKHBAR_VISIBILITY_TIMEOUT="
                f"{load_settings().visibility_timeout}s, then `akhbar jobs show {job.id}` shows the rest")
    return f"{said} (is a worker running? `akhbar worker`)"


def print_job(job: Job, quiet: bool = False) -> None:
    if quiet:
        return
    colour = {"succeeded": "green", "failed": "red", "cancelled": "yellow", "stalled": "red"}.get(job.state, "white")
    console.print(f"job {job.id}: [{colour}]{job.state}[/]")
    console.print(f"  {outcome_sum(job)}")
    for key, value in sorted(job.counters.items()):
        console.print(f"  {key:<20} {value}")
    if job.errors:
        console.print("  errors by kind:")
        for kind, count in sorted(job.errors.items()):
            console.print(f"    {kind:<24} {count}")
    for outlet, report in job.discovery.items():
        print_discovery(outlet, report)
    if job.message:
        # One line however narrow the terminal: the commands it names must survive copy and paste.
        console.print(f"  {job.message}", soft_wrap=True, highlight=False, markup=False)


def print_discovery(outlet: str, report: dict) -> None:
    """An outlet's discovery report: per path, pages fetched, article links found and articles sent; the
    reasons HTML pages were not sent; the warning of `akhbar outlets health` when it applies."""
    from akhbar.core.discovery import MEASURES, NOT_SENT, STORY_PAGES, assess
    from akhbar.health import discovery_warning

    console.print(f"  discovery of {outlet}, by path:   fetched   found    sent", highlight=False)
    paths = dict.fromkeys(path for measure in MEASURES for path in report[measure])
    for path in paths:
        fetched, found, sent = (report[measure].get(path, 0) for measure in MEASURES)
        console.print(f"    {path:<28} {fetched:>7} {found:>7} {sent:>7}", highlight=False)
    if report[NOT_SENT]:
        reasons = " · ".join(f"{reason} {n}" for reason, n in report[NOT_SENT].items())
        console.print(f"    HTML pages not sent: {reasons}", soft_wrap=True, highlight=False, markup=False)
    if report[STORY_PAGES]:
        console.print(f"    later pages joined to their split story: {report[STORY_PAGES]}", highlight=False)
    warning = discovery_warning(assess(report))
    if warning:
        console.print(f"    [yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)


def sent_by_path(job: Job) -> str:
    """"sitemap 25 · listing 3": articles sent per discovery path, every outlet of the job together."""
    from akhbar.core.discovery import PATHS

    total = {path: sum(report["sent"].get(path, 0) for report in job.discovery.values()) for path in PATHS}
    return " · ".join(f"{path} {n}" for path, n in sorted(total.items(), key=lambda kv: -kv[1]) if n) or "-"


def outcome_sum(job: Job) -> str:
    """"sent 120 = new 100 + updated 5 + duplicate 10 + failed 3 + dead 2" (+ pending while under way)."""
    c = job.counters
    parts = " + ".join(f"{name.removeprefix('articles_')} {c.get(name, 0)}" for name in PAGE_OUTCOMES)
    line = f"sent {c.get('pages_sent', 0)} = {parts}"
    return line + f" + pending {job.pending}" if job.pending else line


def print_results(result: dict) -> None:
    plus = "+" if result.get("total_relation") == "gte" else ""
    console.print(f"[bold]{result['total']:,}{plus}[/] results")
    for i, hit in enumerate(result["hits"], 1):
        also_names = hit.get("also_published_by_names") or hit.get("also_published_by")
        also = f"  (also: {', '.join(also_names)})" if also_names else ""
        outlet = hit.get("outlet_name") or hit["outlet"]
        console.print(f"{i:>2}. [bold]{hit['title']}[/]  [dim]{outlet} · {hit.get('published_at') or '-'}[/]{also}")
        console.print(f"    {hit['url']}")
        for fragment in (hit.get("highlight") or {}).get("body", [])[:1]:
            console.print("    " + fragment_markup(fragment))  # HTML-escaped by the engine
        if hit.get("matched"):
            why = "; ".join(f"{m['form']} <- {m['query']} ({m['reason']})" for m in hit["matched"][:4])
            console.print(f"    [dim]matched: {escape(why)}[/]", highlight=False)
