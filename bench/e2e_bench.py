"""End-to-end figures on the embedded default: OpenSearch node start time and RSS, and articles/s of a
fixture crawl through the whole pipeline (crawl → clean → dedupe → index) with one worker.

    python bench/e2e_bench.py [--rounds 3] [--concurrency 3]

Starts its own services in a temporary AKHBAR_HOME; prints a table and writes bench/results/e2e_bench.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
import redis

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/e2e_bench.py` from the repo root
    sys.path.insert(0, str(ROOT))

from bench.results import write_result  # noqa: E402


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="akhbar-e2e-"))
    os.environ["AKHBAR_HOME"] = str(home)
    from akhbar import services
    from akhbar.core.config import load_settings
    from akhbar.core.registry import load_registry
    from index import embedded
    from tests.fixture_site import FixtureWeb

    embedded.build()
    settings = load_settings()
    began = time.monotonic()
    state = services.up(settings, log=lambda *_: None)
    node = state["opensearch"]
    os.environ["AKHBAR_REDIS_URL"] = state["redis"]["url"]
    os.environ["AKHBAR_SEARCH_URL"] = node["url"]
    from akhbar.core.celery_app import app
    from akhbar.core.jobs import JobStore
    from akhbar.core.submit import submit_crawl

    app.conf.broker_url = state["redis"]["url"]
    result: dict = {"node_start_s": round(node["started_in"], 2), "services_up_s": round(time.monotonic() - began, 2),
                    "node_rss_mb_idle": round(rss_mb(node["pid"]), 1)}
    services.start_worker(settings, concurrency=args.concurrency, log=lambda *_: None)
    store = JobStore(redis.Redis.from_url(state["redis"]["url"]))
    runs = []
    try:
        with FixtureWeb(held_back=0) as web:
            outlets_file = home / "outlets.yaml"
            web.write_outlets_yaml(outlets_file)
            registry = load_registry(outlets_file)
            for _ in range(args.rounds):
                job = submit_crawl(store, registry, list(web.outlets), mode="fixture", recrawl=True)
                while (current := store.get(job.id)).state not in ("succeeded", "failed", "cancelled"):
                    time.sleep(0.1)
                seconds = (current.finished_at or time.time()) - current.created_at
                articles = sum(current.counters.get(k, 0) for k in ("articles_new", "articles_updated",
                                                                   "articles_duplicate"))
                runs.append({"job": job.id, "state": current.state, "seconds": round(seconds, 2),
                             "articles": articles, "pages_fetched": current.counters.get("pages_fetched", 0),
                             "articles_per_s": round(articles / seconds, 1)})
        result["runs"] = runs
        result["articles_per_s_median"] = statistics.median(r["articles_per_s"] for r in runs)
        result["node_rss_mb_after"] = round(rss_mb(node["pid"]), 1)
    finally:
        services.down(settings, log=lambda *_: None)
    out = write_result("e2e_bench", result)
    print(f"OpenSearch node start          {result['node_start_s']:>8} s")
    print(f"services up (redis + node)     {result['services_up_s']:>8} s")
    print(f"node RSS idle / after crawls   {result['node_rss_mb_idle']:>8} / {result['node_rss_mb_after']} MiB")
    for r in runs:
        print(f"fixture crawl {r['job']}  {r['articles']} articles in {r['seconds']} s = {r['articles_per_s']}/s "
              f"({r['pages_fetched']} pages fetched, {r['state']})")
    print(f"articles/s end to end (median) {result['articles_per_s_median']:>8}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
