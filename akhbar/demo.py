"""`akhbar demo`: the whole system on the embedded default, end to end, in one command."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Console

from akhbar import services
from akhbar.core.config import Settings

if TYPE_CHECKING:
    from akhbar.demo_web import DemoWeb


def demo_entries(web: DemoWeb) -> list[dict[str, Any]]:
    """The demo outlets' registry entries, disabled: later commands show their names, and `crawl all`
    and beat leave them alone (their sites run only while the demo runs)."""
    return [{**entry, "enabled": False} for entry in web.registry()]


def run_demo(settings: Settings, queries: list[str], console: Console) -> int:
    from akhbar.console import print_results, wait_for_job
    from akhbar.core.jobs import JobStore
    from akhbar.core.registry import load_registry, register_outlets
    from akhbar.core.submit import submit_crawl
    from akhbar.demo_web import DemoWeb
    from index.adapter import SearchAdapter
    from index.search import run_search

    began = time.monotonic()
    console.rule("1. services")
    state = services.up(settings, log=console.print)
    services.start_worker(settings, log=console.print)

    console.rule("2. demo outlets (a local web of fake Libyan news sites)")
    with DemoWeb() as web:
        registered = register_outlets(settings.home, demo_entries(web))
        for name, url in web.outlets.items():
            console.print(f"  {name:<14} {url}")
        console.print(f"  registered in {registered} (`akhbar crawl NAME` needs them running, as here)")
        registry = load_registry(settings.outlets_file, home=settings.home)
        names = registry.display_names()

        console.rule("3. crawl job (crawl → clean → dedupe → index)")
        import redis

        store = JobStore(redis.Redis.from_url(state["redis"]["url"]))
        job = submit_crawl(store, registry, list(web.outlets), mode="fixture", recrawl=True)
        console.print(f"job {job.id} submitted")
        job = wait_for_job(settings, job.id, timeout=900)
    if job.state != "succeeded":
        console.print(f"[red]the crawl job ended {job.state}[/]; see {settings.home / 'logs' / 'worker.log'}")
        return 1

    console.rule("4. search")
    adapter = SearchAdapter(state["opensearch"]["url"], settings.search_engine)
    for query in queries:
        console.print(f"\n[bold cyan]akhbar search {query!r}[/]")
        print_results(run_search(adapter, settings.index_alias, {"q": query, "size": 5}, names))
    console.rule(f"done in {time.monotonic() - began:.0f}s")
    console.print("Services and the worker keep running: try `akhbar search \"...\"`; stop them with "
                  "`akhbar services down`.")
    return 0
