"""The search API's own cost: the same searches through `GET /search` and directly against the node.

    python bench/api_vs_direct.py                         # whole corpus, 1 and 20 users, 30 s per level
    python bench/api_vs_direct.py --docs 8000 --duration 15   # make bench

Builds the loopback stack of bench/search_load.py (embedded node in a temp dir, the corpus bulk-indexed
behind an alias, `akhbar api` in a subprocess, rate limit off). Then:

  direct   for each query, the exact engine requests /search makes for it (recorded once by running
           index.search.run_search in this process: the page's _msearch (ranked + counting requests),
           the exact count when the matches are under the cap, then the versions count when the page
           shows a cluster with other members), replayed in order by asyncio users (httpx) POSTing to
           the node's _search / _msearch
  api      GET /search with the same parameters, by the same kind of users
  Both at 1 and 20 concurrent users (--users), --duration measured seconds each after a warm-up;
  the same seeded choice of queries. Ratio = API requests/s / direct searches/s.

  warm-up  Before any of it, the node is warmed in this process until it stops getting faster
           (bench.search_speed.warm_until_steady: a fresh JVM needs thousands of searches); the
           curve is printed and kept in the results.

  breakdown  one user, in this process, per query: engine round trips (the page's _msearch: ranked
           request + counting requests; cluster resolution request), the ranked request alone (no
           counting) and also without highlight (so the engine's cost of each shows as a difference), Python work in
           run_search outside the engine calls, and JSON encoding of the result as the API does it
           (starlette JSONResponse.render). Timing hooks live here, none in product code.

Everything shares this machine's cores (load generator, API, node); the report says how many.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/api_vs_direct.py` from the repo root
    sys.path.insert(0, str(ROOT))

from bench.results import write_result  # noqa: E402
from bench.search_load import ALIAS, build_stack, make_queries, percentile  # noqa: E402
from bench.search_speed import warm_until_steady  # noqa: E402


def query_params(texts: list[str], rng: random.Random) -> list[dict]:
    """As bench/search_load.py: size 10, one in five sorted by date."""
    return [{"q": t, "size": "10", **({"sort": "date"} if rng.random() < 0.2 else {})} for t in texts]


def warm_up(node_url: str, params: list[dict], min_passes: int, max_passes: int) -> list[float]:
    from index.adapter import SearchAdapter

    adapter = SearchAdapter(node_url, timeout=60)
    started = time.perf_counter()
    curve = warm_until_steady(adapter, ALIAS, params, min_passes, max_passes)
    adapter.close()
    print(f"warmed the node: {len(curve)} x {len(params)} searches in {time.perf_counter() - started:.0f} s; "
          f"mean ms per pass {curve}", file=sys.stderr, flush=True)
    return curve


def record(node_url: str, params: list[dict]) -> tuple[list[list[dict]], dict]:
    """Run run_search once per query with a recording, timing adapter: the request bodies it sends and
    where the time goes."""
    from starlette.responses import JSONResponse

    from index.adapter import SearchAdapter
    from index.search import run_search

    class Recorder(SearchAdapter):
        def __init__(self, url: str):
            super().__init__(url, timeout=60)
            self.calls: list[tuple[str, Any, float, int]] = []  # (endpoint, body or bodies, seconds, took)

        def search(self, index, body, params=None):
            t0 = time.perf_counter()
            out = super().search(index, body, params)
            self.calls.append(("_search", body, time.perf_counter() - t0, int(out.get("took", 0))))
            return out

        def msearch(self, index, bodies):
            t0 = time.perf_counter()
            out = super().msearch(index, bodies)
            took = max((int(r.get("took", 0)) for r in out), default=0)
            self.calls.append(("_msearch", list(bodies), time.perf_counter() - t0, took))
            return out

    adapter = Recorder(node_url)
    for p in params[:30]:  # warm-up
        run_search(adapter, ALIAS, p)
    sequences: list[list[tuple[str, Any]]] = []
    t = {k: [] for k in ("total", "page_request", "cluster_request", "python", "json_encode", "page_took",
                         "cluster_took", "first_page_request", "page_no_counts", "page_no_highlight", "requests")}

    def versions_count(call: tuple) -> bool:
        return call[0] == "_search" and "versions" in call[1].get("aggs", {})

    for p in params:
        adapter.calls = []
        t0 = time.perf_counter()
        result = run_search(adapter, ALIAS, p)
        total = time.perf_counter() - t0
        t1 = time.perf_counter()
        JSONResponse(result)  # renders the body: what the API's encoding costs
        t["json_encode"].append(time.perf_counter() - t1)
        sequences.append([(c[0], c[1]) for c in adapter.calls])
        # Cluster resolution: the heads request (collapse) of a cursor page, the versions count of a first page.
        heads = [c for c in adapter.calls if versions_count(c)]
        page = [c for c in adapter.calls if not versions_count(c)]
        t["total"].append(total)
        t["requests"].append(len(adapter.calls))
        t["page_request"].append(sum(c[2] for c in page))
        t["cluster_request"].append(sum(c[2] for c in heads))
        t["page_took"].append(sum(c[3] for c in page) / 1000)
        t["cluster_took"].append(sum(c[3] for c in heads) / 1000)
        t["python"].append(total - sum(c[2] for c in adapter.calls))
        # The first page's round trip: the ranked request with its counting requests (one _msearch).
        ranked = page[0][1][0] if page[0][0] == "_msearch" else page[0][1]
        t["first_page_request"].append(page[0][2])
        # The ranked request alone (no counting), and without highlight too, timed round trip.
        no_hl = {k: v for k, v in ranked.items() if k != "highlight"}
        for key, body in (("page_no_counts", ranked), ("page_no_highlight", no_hl)):
            t0 = time.perf_counter()
            SearchAdapter.search(adapter, ALIAS, body)
            t[key].append(time.perf_counter() - t0)
    adapter.close()
    ms = {k: round(statistics.fmean(v) * 1000, 2) for k, v in t.items() if k != "requests"}
    ms["requests_per_search"] = round(statistics.fmean(t["requests"]), 2)
    # Engine cost of counting (total + facets) / highlight = differences of the round trips above.
    ms["counts_cost"] = round(ms["first_page_request"] - ms["page_no_counts"], 2)
    ms["highlight_cost"] = round(ms["page_no_counts"] - ms["page_no_highlight"], 2)
    return sequences, {"mean_ms": ms, "queries": len(params)}


async def run_level(kind: str, url: str, node_url: str, params: list[dict], sequences: list[list[dict]],
                    users: int, duration: float, warmup: float, seed: int) -> dict:
    import json

    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=users * 2, max_keepalive_connections=users * 2)
    headers = {"_search": {"Content-Type": "application/json"}, "_msearch": {"Content-Type": "application/x-ndjson"}}

    def encode(endpoint: str, payload: Any) -> bytes:
        if endpoint == "_msearch":
            return "".join(json.dumps(line, ensure_ascii=False) + "\n" for b in payload for line in ({}, b)).encode()
        return json.dumps(payload, ensure_ascii=False).encode()

    encoded = [[(endpoint, encode(endpoint, payload)) for endpoint, payload in seq] for seq in sequences]

    async def user(client: httpx.AsyncClient, rng: random.Random, stop_at: float, record_after: float) -> None:
        while (now := time.perf_counter()) < stop_at:
            i = rng.randrange(len(params))
            try:
                if kind == "api":
                    response = await client.get(url + "/search", params=params[i])
                    ok = response.status_code == 200
                else:
                    ok = True
                    for endpoint, body in encoded[i]:
                        response = await client.post(f"{node_url}/{ALIAS}/{endpoint}", content=body,
                                                     headers=headers[endpoint])
                        ok = ok and response.status_code == 200
                failure = None if ok else f"http_{response.status_code}"
            except httpx.HTTPError as exc:
                failure = type(exc).__name__
            if now >= record_after:
                if failure is None:
                    latencies.append(time.perf_counter() - now)
                else:
                    errors[failure] = errors.get(failure, 0) + 1

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        start = time.perf_counter()
        record_after, stop_at = start + warmup, start + warmup + duration
        await asyncio.gather(*(user(client, random.Random(seed + n), stop_at, record_after) for n in range(users)))
    ms = [x * 1000 for x in latencies]
    return {"kind": kind, "users": users, "searches": len(ms), "errors": errors,
            "searches_per_s": round(len(ms) / duration, 1), "p50_ms": round(percentile(ms, 0.5), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "loadavg_end": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", default="1,20")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--docs", type=int, default=None, help="articles to index (default: the whole corpus)")
    ap.add_argument("--queries", type=int, default=300, help="distinct searches (recorded and replayed)")
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--min-warm-passes", type=int, default=15, help="passes over every query before measuring")
    ap.add_argument("--max-warm-passes", type=int, default=30)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="akhbar-avd-"))
    cleanup: list = []
    try:
        url, titles, cleanup = build_stack(args, home)
        params = query_params(make_queries(titles, args.queries, rng), rng)
        warm_curve = warm_up(args.node_url, params, args.min_warm_passes, args.max_warm_passes)
        sequences, breakdown = record(args.node_url, params)
        levels = [int(n) for n in str(args.users).split(",") if n.strip()]
        runs = []
        for users in levels:
            for kind in ("direct", "api"):
                run = asyncio.run(run_level(kind, url, args.node_url, params, sequences, users, args.duration,
                                            args.warmup, args.seed))
                runs.append(run)
                print(f"  {kind:>6} {users:>3} users: {run['searches_per_s']:6.1f} searches/s, "
                      f"p50 {run['p50_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, errors {run['errors'] or 0}",
                      file=sys.stderr, flush=True)
    finally:
        for step in reversed(cleanup):
            step()
        shutil.rmtree(home, ignore_errors=True)

    ratios = {}
    for users in levels:
        d = next(r for r in runs if r["kind"] == "direct" and r["users"] == users)
        a = next(r for r in runs if r["kind"] == "api" and r["users"] == users)
        ratios[users] = round(a["searches_per_s"] / d["searches_per_s"], 2) if d["searches_per_s"] else None
    print(f"\nAPI vs direct ({len(titles)} articles, {os.cpu_count()} cores shared by load generator, API and node; "
          f"{args.duration:.0f} s per level)")
    print(f"{'users':>5} {'direct/s':>9} {'api/s':>7} {'ratio':>6} {'direct p50/p99 ms':>19} {'api p50/p99 ms':>16}")
    for users in levels:
        d = next(r for r in runs if r["kind"] == "direct" and r["users"] == users)
        a = next(r for r in runs if r["kind"] == "api" and r["users"] == users)
        print(f"{users:>5} {d['searches_per_s']:>9.1f} {a['searches_per_s']:>7.1f} {ratios[users]:>6} "
              f"{d['p50_ms']:>9.0f} / {d['p99_ms']:<7.0f} {a['p50_ms']:>7.0f} / {a['p99_ms']:<6.0f}")
    m = breakdown["mean_ms"]
    print(f"\nwhere one /search goes (1 user, in-process, mean of {breakdown['queries']} queries, ms):")
    print(f"  run_search total {m['total']:.1f} = page request {m['page_request']:.1f} (engine took "
          f"{m['page_took']:.1f}) + cluster resolution {m['cluster_request']:.1f} (took {m['cluster_took']:.1f}) "
          f"+ Python {m['python']:.1f}; {m['requests_per_search']} engine requests per search")
    print(f"  first page round trip {m['first_page_request']:.1f}: counting (total + facets) {m['counts_cost']:.1f}, "
          f"highlight {m['highlight_cost']:.1f} (the ranked request without them, timed separately)")
    print(f"  JSON encoding of the result (JSONResponse.render): {m['json_encode']:.2f}")
    write_result("api_vs_direct", {"docs": len(titles), "runs": runs, "ratio_api_over_direct": ratios,
                                   "breakdown": breakdown, "warm_up_mean_ms_per_pass": warm_curve})
    return 0 if all(r["searches"] and not r["errors"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
