"""How cost grows with the archive: the corpus x1 ... x32 (about a million articles), one index, measured
at each size.

    python bench/growth.py                        # 31k -> 62k -> 124k -> 248k -> 496k -> 993k (2 cores: ~1.5 h)
    python bench/growth.py --fraction 0.1 --scales 1,4,10   # 3.1k -> 31k (make bench, a few minutes)
    python bench/growth.py --scales 1,4,10        # the earlier series (issue 23's "before")

Copies. Copy k (k >= 1) of an article gets its own URL (`?copy=k`, so its own document id and
order_key) and its own cluster id (the original's + `~k`: clusters do not grow with k, each copy of a
story is a story of its own), and a body and title in which 30 % of the words (seeded by k and the
article) are replaced by words of other articles, so the copies are not identical texts while the
vocabulary stays the corpus's (the term dictionary does not grow unrealistically). The originals (k = 0)
go through Deduper.assign against a real redis-server (AOF on, as in production): its rate is reported
once, at x1 (copies skip it: their clusters are given).

Every article carries its places as the clean stage tags them (workers.clean.places, on the original's
text), so the place facets count what they count in production.

Each step adds the new copies with index.bulk.BulkIndexer into the production index body
(index.mapping.index_body), `--bulk-threads` batches at a time (workers flush in parallel), refresh
off during the load, then one refresh; no force-merge: the index keeps the segments the engine's merge
policy leaves, and their count is reported. Measured per step:
    bulk docs/s          the step's new documents, bulk requests only
    index size           store bytes per 1,000 articles, segment count
    product p50/p99      index.search.run_search as the page calls it: first page, facets, highlights,
                         match explanations, collapsed; 1-3 title words. Before the first step the node is
                         warmed until it stops getting faster (bench.search_speed.warm_until_steady)
    parts p50/p99        the same queries as single engine requests, interleaved query by query, to say
                         which part costs what (see PARTS): the ranked request with and without
                         counting, the old counting (aggregations over every match), the bounded counting
                         (index.counts), highlighting, and recency as a distance_feature clause (tried)
The 10M estimate fits p99 ~ a * N^b (log-log) through the measured points, not a straight line.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/growth.py` from the repo root
    sys.path.insert(0, str(ROOT))

from bench.corpus import doc_id, load_documents  # noqa: E402
from bench.results import write_result  # noqa: E402
from bench.search_speed import make_queries, percentile, warm_until_steady  # noqa: E402
from index.mapping import order_key  # noqa: E402

ALIAS = "growth"
SCALES = (1, 2, 4, 8, 16, 32)
PROJECT_TO = 10_000_000
BULK_BATCH = 1000


def vary(text: str, rng: random.Random, vocab: list[str], share: float = 0.3) -> str:
    return " ".join(rng.choice(vocab) if rng.random() < share else w for w in text.split(" "))


def copies(base: list[tuple[str, dict]], k: int, vocab: list[str]) -> list[tuple[str, dict]]:
    """Copy k of every base article (k = 0: the articles themselves)."""
    if k == 0:
        return base
    out = []
    for n, (_, d) in enumerate(base):
        rng = random.Random(k * 1_000_003 + n)
        url = f"{d['url']}?copy={k}"
        body = "\n\n".join(vary(p, rng, vocab) for p in d["body"].split("\n\n"))
        key = doc_id(url)
        out.append((key, {**d, "url": url, "canonical_url": url, "title": vary(d["title"], rng, vocab),
                          "body": body, "lead": body.split("\n\n", 1)[0], "order_key": order_key(key),
                          "cluster_id": f"{d['cluster_id']}~{k}"}))
    return out


# -- the parts of a first page, as single engine requests ------------------------------------------------
def distance_recency(query: dict, origin: str) -> dict:
    """Recency as a `distance_feature` clause beside the text query (it gives the engine a maximum score
    per block, which block-max WAND needs), in place of the product's function_score wrapper. The run of
    2026-12-08 had it in the product; it was not faster, and the product went back to function_score."""
    return {"bool": {"must": [query["function_score"]["query"]], "should": [
        {"distance_feature": {"field": "published_at", "origin": origin, "pivot": "180d", "boost": 2.0}},
        {"constant_score": {"filter": {"bool": {"must_not": [{"exists": {"field": "published_at"}}]}},
                            "boost": 0.8}}]}}


def part_bodies(q: str, fraction: float) -> dict[str, list[dict]]:
    """Each part: the request bodies it sends (several = one _msearch)."""
    from index.search import SearchParams, build_counts, build_search, count_aggs, today

    params = SearchParams.coerce({"q": q, "size": 15})
    ranked = build_search(params)
    bare = {k: v for k, v in ranked.items() if k != "highlight"}
    distance = {**bare, "query": distance_recency(ranked["query"], today())}
    every = {**ranked, "track_total_hits": False, "aggs": count_aggs(params)}  # before issue 23: one request
    exact_all = build_counts(params, 1.0)
    bounded = build_counts(params, fraction)
    return {
        "before: ranked + counting every match (function_score)": [every],
        "ranked, function_score recency, no counting": [bare],
        "ranked, distance_feature recency, no counting": [distance],
        "ranked + highlight": [ranked],
        "counting every match alone": exact_all,
        "bounded counting alone (index.counts)": bounded,
        "after: ranked + highlight + bounded counting (one _msearch)": [ranked, *bounded],
    }


def time_parts(adapter, queries: list[str], fraction: float) -> dict[str, dict]:
    """p50/p99 per part, the parts interleaved query by query (the same load for every part)."""
    times: dict[str, list[float]] = {}
    for q in queries:
        for name, bodies in part_bodies(q, fraction).items():
            started = time.perf_counter()
            if len(bodies) == 1:
                adapter.search(ALIAS, bodies[0])
            else:
                adapter.msearch(ALIAS, bodies)
            times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return {name: {"p50_ms": round(percentile(t, 0.5), 1), "p99_ms": round(percentile(t, 0.99), 1)}
            for name, t in times.items()}


def timed_adapter(url: str):
    """A SearchAdapter that records each engine round trip run_search makes: (kind, seconds)."""
    from index.adapter import SearchAdapter

    class Timed(SearchAdapter):
        trips: list[tuple[str, float]] = []

        def search(self, index, body, params=None):
            started = time.perf_counter()
            out = super().search(index, body, params)
            aggs = body.get("aggs", {})
            kind = ("versions count" if "versions" in aggs else "name counts" if "keys" in aggs
                    else "exact count" if body.get("size") == 0 else "later page")
            self.trips.append((kind, time.perf_counter() - started))
            return out

        def msearch(self, index, bodies):
            started = time.perf_counter()
            out = super().msearch(index, bodies)
            self.trips.append(("page _msearch", time.perf_counter() - started))
            return out

    return Timed(url, timeout=600)


def product_latency(adapter, queries: list[str]) -> dict:
    """run_search as the page calls it; where its time goes: each kind of engine round trip (mean ms
    per search, and how many searches made one) and Python (the rest)."""
    from index.search import run_search

    approximate = 0
    times = []
    trips: dict[str, list[float]] = {}
    python = []
    for q in queries:
        adapter.trips = []
        started = time.perf_counter()
        result = run_search(adapter, ALIAS, {"q": q, "size": 10})
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        python.append((elapsed - sum(t for _, t in adapter.trips)) * 1000)
        for kind, t in adapter.trips:
            trips.setdefault(kind, []).append(t * 1000)
        approximate += bool(result["facets_approximate"])
    n = len(times)
    return {"p50_ms": round(percentile(times, 0.5), 1), "p99_ms": round(percentile(times, 0.99), 1),
            "mean_ms": round(statistics.fmean(times), 1), "queries": n,
            "share_with_sampled_facets": round(approximate / n, 3),
            "python_mean_ms": round(statistics.fmean(python), 1),
            "round_trips": {kind: {"share_of_searches": round(len(t) / n, 3), "mean_ms": round(statistics.fmean(t), 1)}
                            for kind, t in trips.items()}}


def power_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares of log y = log a + b log x: y ~ a * x^b."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    n = len(lx)
    mx, my = sum(lx) / n, sum(ly) / n
    sxx = sum((x - mx) ** 2 for x in lx)
    b = sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / sxx if sxx else 0.0
    return math.exp(my - b * mx), b


def bulk(adapter, docs: list[tuple[str, dict]], threads: int) -> float:
    """Index `docs` in BULK_BATCH batches, `threads` at a time; returns the wall seconds."""
    from index.bulk import BulkAction, BulkIndexer

    def one(batch: list[tuple[str, dict]]) -> int:
        result = BulkIndexer(adapter, ALIAS).run([BulkAction("index", i, d) for i, d in batch])
        if result.failed:
            raise RuntimeError(f"{len(result.failed)} failed, e.g. {result.failed[:2]}")
        return len(batch)

    batches = [docs[i:i + BULK_BATCH] for i in range(0, len(docs), BULK_BATCH)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        sum(pool.map(one, batches))
    return time.perf_counter() - started


def wait_for_merges(adapter, limit_s: float = 900.0) -> None:
    """Until the engine's background merges after the load have finished: searches measured while
    they run measure the merges (the run of 2026-12-08 did that for its product figures)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        merges = adapter.request("GET", f"/{ALIAS}/_stats/merge")["indices"][ALIAS]["primaries"]["merges"]
        if not merges["current"]:
            return
        time.sleep(2)  # a bench polling the engine, not a test


def tag_places(docs: list[tuple[str, dict]]) -> None:
    from workers.clean.places import article_places, place_fields

    for _, d in docs:
        found = article_places(d["title"], d["body"])
        fields = place_fields(found)
        d["places"], d["main_place"] = fields["places"], fields["main_place"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fraction", type=float, default=1.0, help="share of the corpus used as x1 (default 1.0)")
    ap.add_argument("--scales", default=",".join(map(str, SCALES)), help="copies at each step (default 1..32)")
    ap.add_argument("--queries", type=int, default=300, help="queries timed through run_search per step")
    ap.add_argument("--part-queries", type=int, default=150, help="queries timed per part per step")
    ap.add_argument("--heap", default="3g")
    ap.add_argument("--bulk-threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]

    from akhbar import redis_server
    from index import counts, embedded
    from index.mapping import index_body
    from workers.dedupe import Deduper

    full = load_documents()
    base = full[: max(1, int(len(full) * args.fraction))]
    t0 = time.perf_counter()
    tag_places(base)
    print(f"  places tagged on {len(base)} articles in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    vocab = [w for _, d in base[:2000] for w in d["body"].split() if re.search(r"[\u0621-\u064A]{3,}", w)]
    queries = make_queries(base, args.queries, random.Random(args.seed))
    steps: list[dict] = []
    home = Path(tempfile.mkdtemp(prefix="akhbar-growth-"))
    node = embedded.start(home / "node", heap=args.heap, timeout=600)  # shared, loaded machines start slowly
    warm_curve: list[float] = []
    dedupe_rate = None
    statuses: dict[str, int] = {}
    try:
        adapter = timed_adapter(node.url)
        adapter.request("PUT", f"/{ALIAS}", body=index_body())
        with redis_server.temporary(prefix="akhbar-growth-redis-") as client:
            dedupe = Deduper(client, prefix="growth")
            t0 = time.perf_counter()
            for i, d in base:
                decision = dedupe.assign(i, outlet=d["outlet"], body=d["body"], published_at=d["published_at"])
                statuses[decision.status] = statuses.get(decision.status, 0) + 1
                d["cluster_id"], d["sole_version"] = decision.cluster_id, decision.sole_version
            dedupe_rate = round(len(base) / (time.perf_counter() - t0), 1)
            redis_bytes_per_article = round(int(client.info("memory")["used_memory"]) / len(base), 1)
        done = 0
        for scale in scales:
            new: list[tuple[str, dict]] = []
            for k in range(done, scale):
                new += copies(base, k, vocab)
            done = scale
            adapter.request("PUT", f"/{ALIAS}/_settings", body={"index": {"refresh_interval": "-1"}})
            bulk_s = bulk(adapter, new, args.bulk_threads)
            adapter.request("PUT", f"/{ALIAS}/_settings", body={"index": {"refresh_interval": None}})
            adapter.refresh(ALIAS)
            adapter.request("POST", f"/{ALIAS}/_flush")
            wait_for_merges(adapter)
            stats = adapter.request("GET", f"/{ALIAS}/_stats/store,docs,segments")["indices"][ALIAS]["primaries"]
            articles = stats["docs"]["count"]
            del new
            if not warm_curve:  # once: the JVM stays warm for the larger steps
                warm_curve = warm_until_steady(adapter, ALIAS, [{"q": q, "size": 10} for q in queries])
                print(f"  warmed the node: {len(warm_curve)} passes, mean ms per pass {warm_curve}",
                      file=sys.stderr, flush=True)
            for q in queries[:100]:  # this size's caches (filters, global ordinals, page cache)
                product_latency(adapter, [q])
            product = product_latency(adapter, queries)
            parts = time_parts(adapter, queries[: args.part_queries], counts.sample_fraction(articles))
            added = articles - (steps[-1]["articles"] if steps else 0)
            step = {"scale": scale, "articles": articles, "new_docs": added, "bulk_docs_per_s": round(added / bulk_s, 1),
                    "index_bytes": stats["store"]["size_in_bytes"],
                    "index_mb_per_1000": round(stats["store"]["size_in_bytes"] / articles * 1000 / 2**20, 3),
                    "segments": stats["segments"]["count"],
                    "search_p50_ms": product["p50_ms"], "search_p99_ms": product["p99_ms"], "product": product,
                    "parts": parts, "loadavg": os.getloadavg()[0]}
            steps.append(step)
            print(f"  x{scale}: {articles} articles, bulk {step['bulk_docs_per_s']:.0f} docs/s, "
                  f"{step['index_mb_per_1000']:.2f} MB/1000, {step['segments']} segments, "
                  f"search p50 {product['p50_ms']:.0f} / p99 {product['p99_ms']:.0f} ms", file=sys.stderr, flush=True)
            print(f"      product: Python {product['python_mean_ms']} ms mean; round trips "
                  + ", ".join(f"{k} {v['mean_ms']} ms in {v['share_of_searches']:.0%}"
                              for k, v in product["round_trips"].items()), file=sys.stderr, flush=True)
            for name, t in parts.items():
                print(f"      {name:<62} p50 {t['p50_ms']:>6.1f}  p99 {t['p99_ms']:>6.1f}", file=sys.stderr, flush=True)
        adapter.close()
    finally:
        embedded.stop(node.pid)
        shutil.rmtree(home, ignore_errors=True)

    report(steps, args, len(base))
    estimate = ten_million(steps)
    write_result("growth", {"base_articles": len(base), "fraction": args.fraction, "scales": scales,
                            "dedupe_assigns_per_s_x1": dedupe_rate, "dedupe_statuses_x1": statuses,
                            "redis_bytes_per_article": redis_bytes_per_article, "bulk_threads": args.bulk_threads,
                            "steps": steps, "ten_million": estimate, "warm_up_mean_ms_per_pass": warm_curve})
    return 0


def report(steps: list[dict], args, base: int) -> None:
    print(f"\ngrowth series ({os.cpu_count()} cores, heap {args.heap}, x1 = {base} articles)")
    print(f"{'scale':>5} {'articles':>9} {'bulk/s':>7} {'MB/1000':>8} {'segments':>8} {'p50 ms':>7} {'p99 ms':>7}")
    for s in steps:
        print(f"{'x' + str(s['scale']):>5} {s['articles']:>9} {s['bulk_docs_per_s']:>7.0f} "
              f"{s['index_mb_per_1000']:>8.2f} {s['segments']:>8} {s['search_p50_ms']:>7.1f} {s['search_p99_ms']:>7.1f}")
    first, last = steps[0], steps[-1]
    print(f"p99 growth x{first['scale']} -> x{last['scale']}: {last['search_p99_ms'] / first['search_p99_ms']:.2f}x")
    print("\nparts (p99 ms) per step:")
    names = list(steps[0]["parts"])
    for name in names:
        print(f"  {name:<62} " + " ".join(f"{s['parts'][name]['p99_ms']:>7.1f}" for s in steps))


def ten_million(steps: list[dict]) -> dict:
    """A power-law fit through the measured points (not a straight line), for one shard of this size."""
    xs = [s["articles"] for s in steps]
    out: dict = {}
    for key in ("search_p50_ms", "search_p99_ms", "index_bytes"):
        a, b = power_fit(xs, [s[key] for s in steps])
        out[key] = {"exponent": round(b, 3), "at_10m": round(a * PROJECT_TO ** b, 1)}
    out["index_gb_at_10m"] = round(out["index_bytes"]["at_10m"] / 2**30, 1)
    out["bulk_hours_at_10m_at_last_rate"] = round(PROJECT_TO / steps[-1]["bulk_docs_per_s"] / 3600, 1)
    print(f"\n10M articles, fitted y ~ a N^b through the measured points: p50 {out['search_p50_ms']['at_10m']} ms "
          f"(b={out['search_p50_ms']['exponent']}), p99 {out['search_p99_ms']['at_10m']} ms "
          f"(b={out['search_p99_ms']['exponent']}), index {out['index_gb_at_10m']} GB "
          f"(b={out['index_bytes']['exponent']}), bulk {out['bulk_hours_at_10m_at_last_rate']} h at the last rate")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
