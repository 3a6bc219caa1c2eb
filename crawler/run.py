"""Run one crawl job's spiders in this process: `AKHBAR_REDIS_URL=URL python -m crawler.run --job ID`.

The Celery `crawl` task starts this as a child process, because Twisted's reactor cannot be restarted
inside a long-lived worker. Options come from the job record in Redis.

Several processes can work on one job: they share its frontier, state and per-host leases in Redis.
``processes: N`` in the job options (or AKHBAR_CRAWL_PROCESSES) starts N-1 more on this machine;
``python -m crawler.run --job ID --join`` (``akhbar crawl-join ID``) adds one on any machine that reaches
the same Redis. The process the job's task started returns only when every joined process has left,
so the job is declared crawled once, after all of them.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import threading
import time
from datetime import datetime

import redis
from scrapy.crawler import CrawlerProcess

from akhbar.core import redis_retry
from akhbar.core.config import ServiceNotConfigured, load_settings
from akhbar.core.jobs import JobStore, crawler_command, crawler_env
from akhbar.core.times import parse_iso_utc
from crawler.frontier import CrawlerProcesses
from crawler.settings import crawl_settings
from crawler.spiders.outlet import OutletSpider
from crawler.state import Clock, OutletState, RecrawlPolicy

log = logging.getLogger("akhbar.crawler")

JOINED_WAIT_SECONDS = 6 * 3600  # give up waiting for joined processes that never leave


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_iso_utc(value)
    if parsed is None:
        raise ValueError(f"since must be an ISO date, not {value!r}")
    return parsed


def _heartbeat(processes: CrawlerProcesses, stop: threading.Event, store: JobStore, job_id: str,
               on_cancel) -> None:
    """Say we are alive; stop crawling when the job is cancelled (processes that joined from another
    machine, or helpers of a killed parent, have no Celery task to stop them)."""
    while not stop.is_set():
        try:
            processes.beat()
            if store.cancelled(job_id):
                log.warning("job %s was cancelled: stopping this crawler process", job_id)
                on_cancel()
                return
        except redis.RedisError:
            log.warning("crawler heartbeat failed", exc_info=True)
        stop.wait(processes.heartbeat_ttl / 3)


def run(job_id: str, redis_url: str, join: bool = False) -> int:
    client = redis_retry.client(redis_url)  # a Redis restart pauses the crawl
    store = JobStore(client)
    job = store.get(job_id)
    options = job.options
    if options.source == "archive":  # a backfill: its pages come from a web archive, not from Scrapy
        from crawler.backfill import run as backfill

        if join:
            print(f"job {job_id} is a backfill: it runs in one process (the archive's rate limit is the bound)",
                  file=sys.stderr)
            return 2
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return backfill(job_id, redis_url)
    processes = CrawlerProcesses(client, job_id)
    stop = threading.Event()
    processes.beat()
    process_box: list[CrawlerProcess] = []

    def cancel() -> None:
        from twisted.internet import reactor

        if process_box:
            reactor.callFromThread(process_box[0].stop)

    beat = threading.Thread(target=_heartbeat, args=(processes, stop, store, job_id, cancel), daemon=True,
                            name="crawler-heartbeat")
    beat.start()

    helpers: list[subprocess.Popen] = []
    environment = load_settings()
    # A job that names no process count (0/None) or recrawl policy (False/None) takes the environment's.
    wanted = int(options.processes or environment.crawl_processes)
    if not join:
        for _ in range(max(0, wanted - 1)):
            helpers.append(subprocess.Popen(crawler_command(job_id, join=True), env=crawler_env(redis_url)))

    overrides = dict(options.scrapy_settings)
    if options.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = int(options.max_pages)
    overrides.update({"AKHBAR_JOB_ID": job_id,
                      "AKHBAR_ALLOWED_ADDRESSES": sorted({a for o in options.outlets() for a in o.allow_addresses})})
    settings = crawl_settings(options.mode, overrides)
    policy = RecrawlPolicy.parse(options.recrawl or environment.recrawl)
    clock = Clock(float(settings["AKHBAR_CLOCK_OFFSET"]))
    process = CrawlerProcess(settings, install_root_handler=True)
    process_box.append(process)
    for outlet in options.outlets():
        state = OutletState.open(client, outlet, policy, clock,
                                 article_capacity=int(settings["AKHBAR_ARTICLE_CAPACITY"]),
                                 article_error_rate=float(settings["AKHBAR_ARTICLE_ERROR_RATE"]))
        process.crawl(OutletSpider, outlet=outlet, job_id=job_id, jobs=store, state=state,
                      since=parse_since(options.since))
    try:
        process.start()
    finally:
        stop.set()
        processes.leave()
    stats = [c.stats.get_stats() for c in process.crawlers] if hasattr(process, "crawlers") else []
    failed = [s.get("finish_reason") for s in stats
              if s.get("finish_reason") not in ("finished", "closespider_pagecount", None)]
    code = 0
    for helper in helpers:
        code = max(code, helper.wait())
    if not join:
        deadline = time.monotonic() + JOINED_WAIT_SECONDS
        while processes.others_alive() and time.monotonic() < deadline:
            time.sleep(1.0)  # processes that joined from elsewhere are still crawling this job
    if store.cancelled(job_id):
        return 0  # the job's state already says cancelled
    if failed:
        print(f"crawl ended abnormally: {failed}", file=sys.stderr)
        return 1
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job", required=True)
    parser.add_argument("--join", action="store_true", help="Join a job another process is crawling.")
    args = parser.parse_args()
    # No --redis-url: a password in it would show in `ps`. AKHBAR_REDIS_URL (or `services up`) says where.
    try:
        redis_url = load_settings().require_redis_url()
    except ServiceNotConfigured as exc:
        sys.exit(f"error: {exc}")
    # No logging.basicConfig: CrawlerProcess installs the root handler at LOG_LEVEL (a second, unfiltered
    # handler would print every scraped item, bodies included).
    sys.exit(run(args.job, redis_url, join=args.join))


if __name__ == "__main__":
    main()
