"""Alert latency and the cost of percolation, on the embedded node.

    python -m bench.alerts_bench [--searches 1000] [--articles 1500] [--rounds 10] [--batch 100]

1. N saved searches whose queries are 2-3 consecutive words of corpus titles (SaudiNewsNet, see
   bench/corpus.py), cut on whitespace only, so the choice does not depend on our analyzer.
2. Cost of percolation, as a ratio from the same run: rounds of bulk batches into a scratch index,
   alternating bulk only / bulk + percolate + alert bookkeeping (what index_flush does for new
   articles), on different documents of the same kind. Articles/s of each, and with / without.
3. Latency while the pipeline is busy: a real worker indexes a fixture-web crawl and an ingest of
   corpus articles (sent to the dedupe stage); every alert is timed from its article's bulk
   response (`indexed_at`, written by the worker) to the moment it is readable from the feed's store
   (the same Redis read `/alerts/NAME.atom` does). p50 / p95 / max.

Starts its own services in a temporary AKHBAR_HOME; writes bench/results/alerts_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/alerts_bench.py` from the repo root
    sys.path.insert(0, str(ROOT))

from akhbar.core.messages import DEDUPE_TASK, TASK_QUEUES  # noqa: E402 - after the sys.path line above
from bench.corpus import load_documents  # noqa: E402
from bench.results import environment  # noqa: E402


def title_queries(docs: list[tuple[str, dict]], n: int, seed: int = 13) -> list[str]:
    """n distinct queries: 2 or 3 consecutive whitespace-separated words (3+ letters) of a title."""
    rng = random.Random(seed)
    queries: list[str] = []
    seen: set[str] = set()
    pool = [d["title"] for _, d in docs if d.get("title")]
    while len(queries) < n:
        words = [w for w in rng.choice(pool).split() if len(w) >= 3 and any(c.isalpha() for c in w)]
        if len(words) < 2:
            continue
        size = min(len(words), rng.choice((2, 2, 3)))
        start = rng.randrange(0, len(words) - size + 1)
        query = " ".join(words[start:start + size])
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=1500, help="corpus articles ingested in step 3")
    parser.add_argument("--rounds", type=int, default=10, help="bulk batches of each kind in step 2")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes in step 3")
    parser.add_argument("--rate", type=float, default=40.0, help="ingested articles per second in step 3")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="akhbar-alerts-bench-"))
    os.environ.update({"AKHBAR_HOME": str(home), "AKHBAR_INDEX": "bench-articles",
                       "AKHBAR_ALERTS_INDEX": "bench-alerts", "AKHBAR_SEARCH_ENGINE": "opensearch"})
    import redis

    from akhbar import services
    from akhbar.core.config import load_settings
    from index import embedded

    embedded.build()
    settings = load_settings()
    state = services.up(settings, log=lambda *_: None)
    os.environ["AKHBAR_REDIS_URL"] = state["redis"]["url"]
    os.environ["AKHBAR_SEARCH_URL"] = state["opensearch"]["url"]
    settings = load_settings()
    from akhbar.core.celery_app import app
    from index.adapter import SearchAdapter
    from index.bulk import BulkAction, BulkIndexer
    from index.manage import ensure_index
    from index.percolate import SavedSearch, ensure_alerts_index
    from workers.alerts import AlertStore, Story, alert_batch

    app.conf.broker_url = state["redis"]["url"]
    client = redis.Redis.from_url(state["redis"]["url"])
    adapter = SearchAdapter(state["opensearch"]["url"], "opensearch")
    result: dict = {
        **environment(), "load_average_at_start": list(os.getloadavg()),
        "engine": "embedded OpenSearch node", "searches": args.searches,
    }
    try:
        need = args.articles + 2 * args.rounds * args.batch
        docs = load_documents(limit=need + 3000)
        rng = random.Random(7)
        rng.shuffle(docs)
        ingest, scratch, others = docs[:args.articles], docs[args.articles:need], docs[need:]
        # Queries from titles of the ingested articles and of others (which match nothing or by chance).
        queries = title_queries(ingest, args.searches // 2) + title_queries(others, args.searches - args.searches // 2, 14)
        queries = list(dict.fromkeys(queries))
        index = ensure_alerts_index(adapter, settings.alerts_alias)
        lines = []
        for i, q in enumerate(queries):
            search = SavedSearch.create(f"s{i:04d}", q)
            lines += [{"index": {"_index": index.alias, "_id": search.name}},
                      {"query": search.query(), "saved": {"name": search.name, "spec": search.to_dict()}}]
        began = time.perf_counter()
        for start in range(0, len(lines), 1000):
            response = adapter.bulk(lines[start:start + 1000])
            assert not response.get("errors"), [i for i in response["items"] if "error" in next(iter(i.values()))][:1]
        adapter.refresh(index.alias)
        result["searches"] = len(queries)
        result["saving_searches_s"] = round(time.perf_counter() - began, 2)
        print(f"{len(queries)} saved searches stored in {result['saving_searches_s']} s")

        # -- 2. cost of percolation, interleaved in one run ---------------------------------------------
        ensure_index(adapter, "bench-scratch")
        store = AlertStore(client)
        timings: dict[str, list[float]] = {"bulk": [], "bulk+percolate": []}
        matched = 0
        for r in range(args.rounds):
            for kind in (("bulk", "bulk+percolate") if r % 2 == 0 else ("bulk+percolate", "bulk")):
                batch = scratch[:args.batch]
                scratch = scratch[args.batch:]
                t0 = time.perf_counter()
                BulkIndexer(adapter, "bench-scratch").run(BulkAction("index", d, doc) for d, doc in batch)
                if kind == "bulk+percolate":
                    events = alert_batch(adapter, index, store, batch, {d: Story(d) for d, _ in batch}, time.time())
                    matched += len(events)
                timings[kind].append(time.perf_counter() - t0)
        rate = {k: args.batch * len(v) / sum(v) for k, v in timings.items()}
        result["throughput"] = {
            "batch": args.batch, "rounds": args.rounds,
            "articles_per_s_bulk_only": round(rate["bulk"], 1),
            "articles_per_s_with_percolation": round(rate["bulk+percolate"], 1),
            "ratio_with_over_without": round(rate["bulk+percolate"] / rate["bulk"], 3),
            "batch_ms_median": {k: round(1000 * statistics.median(v), 1) for k, v in timings.items()},
            "matches_in_percolated_batches": matched,
        }
        print(f"bulk only {rate['bulk']:.0f} articles/s, with percolation {rate['bulk+percolate']:.0f} "
              f"articles/s: ratio {result['throughput']['ratio_with_over_without']}")
        leftovers = client.keys("akhbar:alerts*")
        if leftovers:
            client.delete(*leftovers)

        # -- 3. latency while a crawl and an ingest run -----------------------------------------------
        from akhbar.core.jobs import JobStore
        from akhbar.core.registry import load_registry
        from akhbar.core.submit import submit_crawl
        from tests.fixture_site import FixtureWeb

        services.start_worker(settings, concurrency=args.concurrency, log=lambda *_: None)
        latencies: list[float] = []
        update_latencies: list[float] = []
        stop = threading.Event()

        def watch() -> None:
            last = "0-0"
            while not stop.is_set():
                for event_id, event in store.events(last, block_ms=500, count=500):
                    last = event_id
                    alert = event["alert"]
                    # Readable where the feed reads it (the alert hash behind /alerts/NAME.atom)?
                    visible = client.hexists(AlertStore.keys(event["search"])[0], alert["id"])
                    seen = time.time()
                    if not visible:
                        continue
                    if event["kind"] == "new":
                        latencies.append(seen - alert["indexed_at"])
                    else:
                        indexed = alert["articles"][-1].get("indexed_at_iso")
                        if indexed:
                            from datetime import datetime
                            update_latencies.append(seen - datetime.fromisoformat(indexed).timestamp())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        jobs = JobStore(client)
        began = time.monotonic()
        with FixtureWeb(held_back=0) as web:
            outlets_file = home / "outlets.yaml"
            web.write_outlets_yaml(outlets_file)
            crawl = submit_crawl(jobs, load_registry(outlets_file), list(web.outlets), mode="fixture")
            for i, (_doc_id, doc) in enumerate(ingest):
                app.send_task(DEDUPE_TASK, args=[{**doc, "crawled_at": doc.get("published_at")}],
                              queue=TASK_QUEUES[DEDUPE_TASK])
                delay = began + (i + 1) / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            while jobs.get(crawl.id).state not in ("succeeded", "failed", "cancelled"):
                time.sleep(0.2)
            crawl_state = jobs.get(crawl.id)
            # Drain: the index buffer empty and no alert for a few seconds.
            quiet_since, count = time.monotonic(), -1
            while time.monotonic() - quiet_since < 5:
                now = len(latencies) + len(update_latencies)
                if now != count or client.llen("akhbar:index:buffer"):
                    count, quiet_since = now, time.monotonic()
                time.sleep(0.5)
        stop.set()
        watcher.join(5)
        adapter.refresh(settings.index_alias)
        indexed = int(adapter.request("GET", f"/{settings.index_alias}/_count")["count"])
        result["latency"] = {
            "ingested_articles": len(ingest), "ingest_rate_per_s": args.rate,
            "crawl_job": {"state": crawl_state.state, "articles_new": crawl_state.counters.get("articles_new", 0)},
            "articles_indexed": indexed, "worker_processes": args.concurrency,
            "new_alerts": len(latencies), "story_updates": len(update_latencies),
            "seconds": round(time.monotonic() - began, 1),
        }
        if latencies:
            result["latency"].update({
                "p50_s": round(pct(latencies, 50), 3), "p95_s": round(pct(latencies, 95), 3),
                "max_s": round(max(latencies), 3), "goal_p95_s": 2.0,
                "met": pct(latencies, 95) < 2.0,
            })
        if update_latencies:
            result["latency"]["story_update_p95_s"] = round(pct(update_latencies, 95), 3)
        result["load_average_at_end"] = list(os.getloadavg())
        print(f"{len(latencies)} alerts while indexing {indexed} articles: indexed -> visible in the feed "
              f"p50 {result['latency'].get('p50_s')} s, p95 {result['latency'].get('p95_s')} s, "
              f"max {result['latency'].get('max_s')} s")
    finally:
        adapter.close()
        services.down(settings, log=lambda *_: None)
    out = ROOT / "bench" / "results" / "alerts_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
