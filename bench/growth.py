"""How cost grows with the archive: the corpus x1, x4 and x10, one index, measured at each size.

    python bench/growth.py                    # 31k -> 124k -> 310k articles (about an hour on 2 cores)
    python bench/growth.py --fraction 0.1     # 3.1k -> 12.4k -> 31k (make bench, a few minutes)

Copies. Copy k (k >= 1) of an article gets its own URL (`?copy=k`, so its own doc id) and a body and
title in which 30 % of the words (seeded by k and the article) are replaced by words of other
articles. Five-word shingles then survive with p = 0.7^5 ~ 0.17, well below the near-duplicate
thresholds (Jaccard 0.4 / containment 0.55), so dedupe does not collapse the copies; the vocabulary
stays the corpus's, so the term dictionary does not grow unrealistically. The report counts how many
copies dedupe still called duplicates.

Each step adds the new copies through the production path's pieces, in this process: Deduper.assign
against a real redis-server (AOF on, as in production; its cluster id goes into the document) and
index.bulk.BulkIndexer into the production index body (index.mapping.index_body). Measured per step:
    bulk docs/s          the step's new documents, bulk requests only (dedupe timed separately)
    dedupe assigns/s     Deduper.assign for the step's new documents
    index size           store bytes per 1,000 articles after flush + force-merge to one segment
    Redis bytes/article  INFO used_memory of the dedupe state / articles stored
    search p50/p99       run_search product path (collapsed, facets, highlight), 1-3 title words;
                         before the first step's, the node is warmed until it stops getting faster
                         (bench.search_speed.warm_until_steady), so x1 does not pay the cold JVM
The projection to 10M articles is a straight line through the measured points (stated as such).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/growth.py` from the repo root
    sys.path.insert(0, str(ROOT))

from bench.corpus import doc_id, load_documents  # noqa: E402
from bench.results import write_result  # noqa: E402
from bench.search_speed import latency, make_queries, warm_until_steady  # noqa: E402
from index.mapping import order_key  # noqa: E402

ALIAS = "growth"
SCALES = (1, 4, 10)
PROJECT_TO = 10_000_000


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
                          "body": body, "lead": body.split("\n\n", 1)[0], "order_key": order_key(key)}))
    return out


def _ms(value: float | None) -> str:
    return "none (it fell with size)" if value is None else f"{value} ms"


def line_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares a + b x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fraction", type=float, default=1.0, help="share of the corpus used as x1 (default 1.0)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    from akhbar import redis_server
    from index import embedded
    from index.adapter import SearchAdapter
    from index.bulk import BulkAction, BulkIndexer
    from index.mapping import index_body
    from workers.dedupe import Deduper

    full = load_documents()
    base = full[: max(1, int(len(full) * args.fraction))]
    vocab = [w for _, d in base[:2000] for w in d["body"].split() if re.search(r"[\u0621-\u064A]{3,}", w)]
    queries = make_queries(base, args.queries, random.Random(args.seed))
    steps: list[dict] = []
    home = Path(tempfile.mkdtemp(prefix="akhbar-growth-"))
    node = embedded.start(home / "node", heap=args.heap, timeout=600)  # shared, loaded machines start slowly
    try:
        adapter = SearchAdapter(node.url, timeout=600)
        adapter.request("PUT", f"/{ALIAS}", body=index_body())
        with redis_server.temporary(prefix="akhbar-growth-redis-") as client:
            dedupe = Deduper(client, prefix="growth")
            redis_before = int(client.info("memory")["used_memory"])
            done = 0
            statuses: dict[str, int] = {}
            warm_curve: list[float] = []
            for scale in SCALES:
                new: list[tuple[str, dict]] = []
                for k in range(done, scale):
                    new += copies(base, k, vocab)
                done = scale
                t0 = time.perf_counter()
                for i, d in new:
                    decision = dedupe.assign(i, outlet=d["outlet"], body=d["body"], published_at=d["published_at"])
                    statuses[decision.status] = statuses.get(decision.status, 0) + 1
                    d["cluster_id"] = decision.cluster_id
                dedupe_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                result = BulkIndexer(adapter, ALIAS).run((BulkAction("index", i, d) for i, d in new), refresh=True)
                bulk_s = time.perf_counter() - t0
                if result.failed:
                    raise RuntimeError(f"{len(result.failed)} failed, e.g. {result.failed[:2]}")
                adapter.request("POST", f"/{ALIAS}/_forcemerge", params={"max_num_segments": "1"})
                adapter.refresh(ALIAS)
                adapter.request("POST", f"/{ALIAS}/_flush")
                stats = adapter.request("GET", f"/{ALIAS}/_stats/store,docs")["indices"][ALIAS]["primaries"]
                articles = stats["docs"]["count"]
                redis_bytes = int(client.info("memory")["used_memory"]) - redis_before
                if not warm_curve:  # once: the JVM stays warm for the larger steps
                    warm_curve = warm_until_steady(adapter, ALIAS, [{"q": q, "size": 10} for q in queries])
                    print(f"  warmed the node: {len(warm_curve)} passes, mean ms per pass {warm_curve}",
                          file=sys.stderr, flush=True)
                lat = latency(adapter, ALIAS, queries, {"size": 10})
                step = {"scale": scale, "articles": articles, "new_docs": len(new),
                        "bulk_docs_per_s": round(len(new) / bulk_s, 1),
                        "dedupe_assigns_per_s": round(len(new) / dedupe_s, 1),
                        "index_bytes": stats["store"]["size_in_bytes"],
                        "index_mb_per_1000": round(stats["store"]["size_in_bytes"] / articles * 1000 / 2**20, 3),
                        "redis_bytes_per_article": round(redis_bytes / articles, 1),
                        "search_p50_ms": round(lat["p50_ms"], 1), "search_p99_ms": round(lat["p99_ms"], 1),
                        "dedupe_statuses": dict(statuses), "loadavg": os.getloadavg()[0]}
                steps.append(step)
                print(f"  x{scale}: {articles} articles, bulk {step['bulk_docs_per_s']:.0f} docs/s, dedupe "
                      f"{step['dedupe_assigns_per_s']:.0f}/s, {step['index_mb_per_1000']:.2f} MB/1000, "
                      f"Redis {step['redis_bytes_per_article']:.0f} B/article, search p50 {step['search_p50_ms']:.0f} "
                      f"/ p99 {step['search_p99_ms']:.0f} ms", file=sys.stderr, flush=True)
        adapter.close()
    finally:
        embedded.stop(node.pid)
        shutil.rmtree(home, ignore_errors=True)

    xs = [s["articles"] for s in steps]
    proj = {}
    for key in ("search_p50_ms", "search_p99_ms"):
        a, b = line_fit(xs, [s[key] for s in steps])
        # A falling line means load noise swamped the growth: no projection rather than a negative one.
        proj[key] = round(a + b * PROJECT_TO, 1) if b > 0 else None
    a, b = line_fit(xs, [s["index_bytes"] for s in steps])
    proj["index_gb"] = round((a + b * PROJECT_TO) / 2**30, 1)
    proj["redis_gb"] = round(steps[-1]["redis_bytes_per_article"] * PROJECT_TO / 2**30, 1)
    proj["bulk_hours_at_last_rate"] = round(PROJECT_TO / steps[-1]["bulk_docs_per_s"] / 3600, 1)
    print(f"\ngrowth series ({os.cpu_count()} cores, heap {args.heap}, x1 = {len(base)} articles)")
    print(f"{'scale':>5} {'articles':>9} {'bulk/s':>7} {'dedupe/s':>8} {'MB/1000':>8} {'Redis B/art':>11} "
          f"{'p50 ms':>7} {'p99 ms':>7}")
    for s in steps:
        print(f"{'x' + str(s['scale']):>5} {s['articles']:>9} {s['bulk_docs_per_s']:>7.0f} "
              f"{s['dedupe_assigns_per_s']:>8.0f} {s['index_mb_per_1000']:>8.2f} {s['redis_bytes_per_article']:>11.0f} "
              f"{s['search_p50_ms']:>7.1f} {s['search_p99_ms']:>7.1f}")
    print(f"straight-line projection to {PROJECT_TO:,} articles (not measured): index {proj['index_gb']} GB, "
          f"Redis {proj['redis_gb']} GB, search p50 {_ms(proj['search_p50_ms'])} / p99 {_ms(proj['search_p99_ms'])}, "
          f"bulk {proj['bulk_hours_at_last_rate']} h at the last rate")
    write_result("growth", {"base_articles": len(base), "fraction": args.fraction, "steps": steps,
                            "projection_10m_straight_line": proj, "warm_up_mean_ms_per_pass": warm_curve})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
