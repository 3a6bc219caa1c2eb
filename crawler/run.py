"""Run one crawl job's spiders in this process: `python -m crawler.run --job ID --redis-url URL`.

The Celery `crawl` task starts this as a child process, because Twisted's reactor cannot be restarted
inside a long-lived worker. Options come from the job record in Redis.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

import redis
from scrapy.crawler import CrawlerProcess

from crawler.frontier import SeenArticles
from crawler.settings import crawl_settings
from crawler.spiders.outlet import OutletSpider
from workers.jobs import JobStore


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run(job_id: str, redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url)
    store = JobStore(client)
    job = store.get(job_id)
    options = job.options
    overrides = dict(options.get("scrapy_settings") or {})
    if options.get("max_pages"):
        overrides["CLOSESPIDER_PAGECOUNT"] = int(options["max_pages"])
    process = CrawlerProcess(crawl_settings(options.get("mode", "live"), overrides), install_root_handler=True)
    for outlet in options["outlet_configs"]:
        process.crawl(
            OutletSpider,
            outlet=outlet,
            job_id=job_id,
            jobs=store,
            seen=SeenArticles(client, outlet["name"]),
            recrawl=bool(options.get("recrawl")),
            since=parse_since(options.get("since")),
        )
    process.start()
    stats = [c.stats.get_stats() for c in process.crawlers] if hasattr(process, "crawlers") else []
    failed = [s.get("finish_reason") for s in stats if s.get("finish_reason") not in ("finished", "closespider_pagecount", None)]
    if failed:
        print(f"crawl ended abnormally: {failed}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job", required=True)
    parser.add_argument("--redis-url", default=os.environ.get("AKHBAR_REDIS_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    sys.exit(run(args.job, args.redis_url))


if __name__ == "__main__":
    main()
