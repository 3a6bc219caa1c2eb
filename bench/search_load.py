"""Load on the HTTP search API: requests/s and latency percentiles with N concurrent users.

    python bench/search_load.py [--users 1,20] [--duration 30] [--docs N] [--heap 2g] [--url URL]

Without --url it builds the whole thing on loopback: an embedded OpenSearch node in a temp dir, the
SaudiNewsNet corpus (31k articles, read in place by bench.corpus) bulk-indexed behind an alias with the
production mapping (index.bulk.BulkIndexer), and `akhbar api` in a subprocess (one uvicorn process,
rate limit off: every user comes from 127.0.0.1). Then, for each level of `--users` (default 1, the
baseline, then 20), that many asyncio clients (httpx) loop for `--duration` seconds after a warm-up,
each request a GET /search with 1-3 words drawn from titles (the product path: collapsed versions,
highlights, facets), one in five sorted by date.
With --url it only generates load against that API (its rate limit must allow it).

Everything (load generator, API, search node) shares this machine's cores; the report says how many.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/search_load.py` from the repo root: make `bench.` importable
    sys.path.insert(0, str(ROOT))

from bench.results import write_result  # noqa: E402

ALIAS = "bench-articles"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def make_queries(titles: list[str], n: int, rng: random.Random) -> list[str]:
    words = [w for t in titles for w in re.findall(r"[\u0621-\u064A]{3,}", t)]
    return [" ".join(rng.sample(words, rng.choice((1, 2, 3)))) for _ in range(n)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def user(client: httpx.AsyncClient, queries: list[str], rng: random.Random, stop_at: float,
               record_after: float, latencies: list[float], errors: dict[str, int]) -> None:
    while (now := time.perf_counter()) < stop_at:
        params = {"q": rng.choice(queries), "size": "10"}
        if rng.random() < 0.2:
            params["sort"] = "date"
        try:
            response = await client.get("/search", params=params)
            ok = response.status_code == 200
            kind = f"http_{response.status_code}"
        except httpx.HTTPError as exc:
            ok, kind = False, type(exc).__name__
        if now >= record_after:
            elapsed = time.perf_counter() - now
            if ok:
                latencies.append(elapsed)
            else:
                errors[kind] = errors.get(kind, 0) + 1


async def run_load(url: str, queries: list[str], users: int, duration: float, warmup: float,
                   seed: int) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        start = time.perf_counter()
        record_after, stop_at = start + warmup, start + warmup + duration
        await asyncio.gather(*(user(client, queries, random.Random(seed + i), stop_at, record_after,
                                    latencies, errors) for i in range(users)))
    ms = [x * 1000 for x in latencies]
    return {"users": users, "duration_s": duration, "warmup_s": warmup, "requests": len(ms),
            "errors": errors, "requests_per_s": len(ms) / duration,
            "p50_ms": percentile(ms, 0.5), "p90_ms": percentile(ms, 0.9), "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms) if ms else float("nan")}


def build_stack(args: argparse.Namespace, home: Path) -> tuple[str, list[str], list]:
    """Node + indexed corpus + API; returns (api url, query pool, cleanup callbacks).
    The node's URL is left in args.node_url (bench/api_vs_direct.py queries it directly)."""
    from bench.corpus import clustered_by_content, load_documents
    from index import embedded
    from index.adapter import SearchAdapter
    from index.bulk import BulkAction, BulkIndexer
    from index.manage import ensure_index

    cleanup: list = []
    docs = clustered_by_content(load_documents(args.docs))
    node = embedded.start(home / "node", heap=args.heap, timeout=600)  # shared, loaded machines start slowly
    cleanup.append(lambda: embedded.stop(node.pid))
    args.node_url = node.url
    adapter = SearchAdapter(node.url, timeout=300)
    ensure_index(adapter, ALIAS)
    started = time.perf_counter()
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    actions = (BulkAction("index", i, {**d, "crawled_at": now}) for i, d in docs)
    result = BulkIndexer(adapter, ALIAS).run(actions, refresh=True)
    if result.failed:
        raise RuntimeError(f"{len(result.failed)} documents failed, e.g. {result.failed[:2]}")
    print(f"indexed {len(docs)} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    # No shard request cache: this index never changes, so repeated count requests would be answered
    # from cache; a crawling archive refreshes every second and such entries rarely survive.
    adapter.request("PUT", f"/{ALIAS}/_settings", body={"index.requests.cache.enable": False})
    adapter.close()

    port = free_port()
    env = {**os.environ, "AKHBAR_HOME": str(home / "home"), "AKHBAR_SEARCH_URL": node.url,
           "AKHBAR_SEARCH_ENGINE": "opensearch", "AKHBAR_INDEX": ALIAS,
           "AKHBAR_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # /search needs no Redis
           "AKHBAR_API_RATE_LIMIT": "0"}
    log = open(home / "api.log", "ab")  # noqa: SIM115 - closed by cleanup
    api = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "api", "--port", str(port),
                            "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT)
    cleanup.append(lambda: (api.terminate(), api.wait(20), log.close()))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/search?q=%D8%A7%D9%84%D9%85%D9%85%D9%84%D9%83%D8%A9", timeout=30):
                break
        except OSError:
            if api.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((home / "api.log").read_text(errors="replace")[-2000:]) from None
            time.sleep(0.3)
    return url, [d["title"] for _, d in docs], cleanup


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", default="1,20", help="concurrency levels, comma-separated (default 1,20)")
    ap.add_argument("--duration", type=float, default=30.0, help="measured seconds (after the warm-up)")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--docs", type=int, default=None, help="articles to index (default: the whole corpus)")
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--url", help="an API that is already running (skips building the stack)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    cleanup: list = []
    home = Path(tempfile.mkdtemp(prefix="akhbar-load-"))
    try:
        if args.url:
            from bench.corpus import iter_raw

            url, titles = args.url.rstrip("/"), [r.get("title") or "" for r in iter_raw(5000)]
            docs = None
        else:
            url, titles, cleanup = build_stack(args, home)
            docs = len(titles)
        queries = make_queries(titles, 2000, rng)
        levels = [int(n) for n in str(args.users).split(",") if n.strip()]
        runs = []
        for users in levels:
            load_start = os.getloadavg()
            run = asyncio.run(run_load(url, queries, users, args.duration, args.warmup, args.seed))
            run.update({"loadavg_start": load_start, "loadavg_end": os.getloadavg()})
            runs.append(run)
    finally:
        for step in reversed(cleanup):
            step()
    out = {"docs": docs, "cores": os.cpu_count(), "url": args.url or "loopback (built by the bench)", "runs": runs}
    print(f"\nAkhbar search API under load ({docs if docs is not None else '?'} articles; {os.cpu_count()} cores "
          f"shared by the load generator, the API and the search node; {args.duration:.0f} s per level)")
    for run in runs:
        print(f"  {run['users']:>3} users: {run['requests_per_s']:6.1f} requests/s · p50 {run['p50_ms']:5.0f} ms · "
              f"p90 {run['p90_ms']:5.0f} ms · p99 {run['p99_ms']:5.0f} ms · max {run['max_ms']:5.0f} ms · "
              f"{run['requests']} requests, errors {run['errors'] or 0} · "
              f"1-min load {run['loadavg_start'][0]:.1f}->{run['loadavg_end'][0]:.1f}")
    if len(runs) > 1 and runs[0]["requests_per_s"]:
        print(f"  throughput x{runs[-1]['requests_per_s'] / runs[0]['requests_per_s']:.1f} at {runs[-1]['users']} "
              f"users vs {runs[0]['users']}")
    write_result("search_load", out)
    return 0 if all(r["requests"] and not r["errors"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
