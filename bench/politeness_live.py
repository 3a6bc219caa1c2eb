"""Politeness of one crawl in live mode (issue 21): the crawler's own delays, not the fixture mode's.

    python bench/politeness_live.py                       # the dev-set templates issue 21 added
    python bench/politeness_live.py --outlets dx-react,dx-split

The dev-set templates (tests/fixture_site/devset.py) are served on their own loopback hosts; one crawl job
of all of them runs in a crawler process in `live` mode (DOWNLOAD_DELAY 1 s with jitter, AutoThrottle,
one request per host at a time, per-host leases in Redis), as a user's crawl would. The fixture server
logs when each request started and ended. Per host it reports: requests (the browser's included: a
client-rendered template's scripts and API calls are fetched by the crawler's downloader), whether
robots.txt came first, how many fetched URLs robots.txt disallows (Protego, the crawler's own parser),
the gap between the end of one request and the start of the next (median, 10th percentile, minimum),
and articles sent. Goals: robots first, nothing disallowed fetched, median gap per host >= 0.9 s.

Writes bench/results/politeness_live.json (bench/results.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protego import Protego  # noqa: E402

from bench.results import write_result  # noqa: E402

# Templates issue 21 added (the earlier seven were measured by the discovery test in fixture mode).
ISSUE_21 = ("dx-wpplain", "dx-wparchive", "dx-split", "dx-shell", "dx-react", "dx-ghost", "dx-wpyoast", "dx-nextdata",
            "dx-loadmore")
GOAL_GAP = 0.9


def host_report(web, log, slug: str, sent: int) -> dict:
    hits = log.of(slug)
    site = web.sites[slug]
    answer = site.handle("GET", "/robots.txt")
    body = answer.body if isinstance(answer.body, bytes) else b"".join(answer.body)
    robots = Protego.parse(body.decode("utf-8", "replace") if answer.status == 200 else "")
    disallowed = [h.target for h in hits
                  if h.target != "/robots.txt" and not robots.can_fetch(site.url(h.target), "AkhbarBot")]
    gaps = sorted(b.start - a.end for a, b in zip(hits, hits[1:], strict=False))
    return {
        "requests": len(hits),
        "robots_first": bool(hits) and hits[0].target == "/robots.txt",
        "disallowed_fetched": len(disallowed),
        "gap_median_s": round(statistics.median(gaps), 3) if gaps else None,
        "gap_p10_s": round(gaps[len(gaps) // 10], 3) if gaps else None,
        "gap_min_s": round(gaps[0], 3) if gaps else None,
        "overlapping": sum(g < 0 for g in gaps),
        "articles_sent": sent,
        "gold_articles": len(web.visible(slug)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", default=",".join(ISSUE_21), help="dev-set templates to crawl")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    outlets = [o.strip() for o in args.outlets.split(",") if o.strip()]

    import redis
    from rich.console import Console
    from rich.table import Table

    from akhbar import redis_server
    from akhbar.core.registry import load_registry
    from crawler.localrun import create_job, run_crawl
    from tests.fixture_site.devweb import DevFixtureWeb
    from tests.fixture_site.timing import TimedRequests

    console = Console(width=140)
    with tempfile.TemporaryDirectory(prefix="akhbar-politeness-") as tmp:
        home = Path(tmp)
        handle = redis_server.start(home / "redis")
        client = redis.Redis.from_url(handle.url)
        try:
            with DevFixtureWeb() as web:
                log = TimedRequests(web)
                registry_file = web.write_base_urls_yaml(home / "outlets.yaml")
                job = create_job(client, load_registry(registry_file), outlets, mode="live")
                console.print(f"crawling {', '.join(outlets)} in live mode (job {job}); about a second per request")
                started = time.monotonic()
                code = run_crawl(job, handle.url, {"AKHBAR_REDIS_URL": handle.url, "AKHBAR_HOME": str(home)},
                                 timeout=args.timeout, log_path=home / "crawl.log")
                took = time.monotonic() - started
                if code != 0:
                    console.print((home / "crawl.log").read_text(errors="replace")[-3000:])
                    raise SystemExit(f"the crawl failed (exit {code})")
                from akhbar.core.jobs import JobStore

                stored = JobStore(client).get(job)
                sent = _sent_per_outlet(client)
                hosts = {slug: host_report(web, log, slug, sent.get(slug, 0)) for slug in outlets}
        finally:
            redis_server.stop(handle.pid)

    table = Table(title=f"one live-mode crawl, {took:.0f} s; goal: median gap per host >= {GOAL_GAP} s")
    for column in ("template", "requests", "robots first", "disallowed fetched", "gap median", "gap p10", "gap min",
                   "sent / gold"):
        table.add_column(column)
    for slug, row in hosts.items():
        table.add_row(slug, str(row["requests"]), "yes" if row["robots_first"] else "NO", str(row["disallowed_fetched"]),
                      f"{row['gap_median_s']:.2f} s", f"{row['gap_p10_s']:.2f} s", f"{row['gap_min_s']:.2f} s",
                      f"{row['articles_sent']} / {row['gold_articles']}")
    console.print(table)
    met = all(r["robots_first"] and not r["disallowed_fetched"] and (r["gap_median_s"] or 0) >= GOAL_GAP
              for r in hosts.values())
    console.print(f"pages rendered by the browser: {stored.counters.get('pages_rendered', 0)}; "
                  f"goal {'met' if met else 'MISSED'}")
    write_result("politeness_live", {"hosts": hosts, "seconds": round(took, 1), "goal_met": met,
                                     "pages_rendered": stored.counters.get("pages_rendered", 0),
                                     "pages_sent": stored.counters.get("pages_sent", 0)})
    return 0 if met else 1


def _sent_per_outlet(client) -> dict[str, int]:
    """Pages waiting in the clean queue, per outlet (no worker runs: the bench measures the crawler)."""
    import base64
    import json

    counts: dict[str, int] = {}
    for raw in client.lrange("clean", 0, -1):
        payload = json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0]
        counts[payload["outlet"]] = counts.get(payload["outlet"], 0) + 1
    return counts


if __name__ == "__main__":
    sys.exit(main())
