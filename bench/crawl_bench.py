"""Crawler benchmark: throughput against a raw Scrapy spider, memory at 100k seen URLs, Bloom filter FP rate.

    python bench/crawl_bench.py                 # everything, ~3 minutes on 2 cores
    python bench/crawl_bench.py --rounds 5 --skip-rss --synthetic-articles 5000

What it measures (every number against a baseline measured in the same run)
  (a) pages/s of our crawler (crawler.run: shared Redis frontier and per-host leases, robots.txt shared
      in Redis, content checks, WARC writing, incremental state, hand-off of every article to the clean
      queue) against a raw Scrapy spider (stock in-memory scheduler and dupefilter, follows every link,
      reads sitemaps and feeds, does nothing else) crawling the same local fixture outlets with politeness
      lifted (fixture mode: no delays, 8 requests per host), one crawler per outlet for both. fx-trap is
      left out: its 1 s Retry-After and 13 MiB page measure waiting, not crawling. Rounds alternate raw/ours;
      the medians are compared. Pages/s = responses received / (last response - first response), from a
      Scrapy extension in both processes (process start-up is not counted).
  (b) RSS of a crawler process at 100k seen URLs: a synthetic outlet whose sitemaps list 101,000 articles,
      100,000 of them already in the outlet's "fetched" state; peak RSS (psutil, sampled) next to the same
      crawl of a 1,010-URL outlet. And the memory a stock Scrapy scheduler + RFPDupeFilter needs to hold
      100k requests against our Redis scheduler, each measured in a fresh process.
  (c) Bloom filter false-positive rate (crawler.bloom.RedisBloom on real Redis): 100k members, 1M
      non-members probed, at 1e-3 (the article-state setting) and 1e-6 (the frontier setting).

Prints a table and writes JSON to bench/results/crawl-<time>.json (bench/results is gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from akhbar.core.jobs import crawler_command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTLETS = ["fx-wasat", "fx-alaan", "fx-marsad", "fx-lana", "fx-observer"]


# -- in the crawler processes ---------------------------------------------------------------------------
class Timing:
    """Scrapy extension: responses received and when the first and last arrived, appended to a file."""

    def __init__(self, crawler):
        from scrapy import signals

        self.path = crawler.settings.get("BENCH_TIMING_FILE")
        self.first: float | None = None
        self.last = 0.0
        self.count = 0
        crawler.signals.connect(self.response, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response(self, response, request, spider) -> None:
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.count += 1

    def closed(self, spider, reason) -> None:
        if self.path and self.first:
            with open(self.path, "a") as out:
                out.write(json.dumps({"spider": spider.name, "first": self.first, "last": self.last,
                                      "count": self.count}) + "\n")


def raw_spider_class():
    import scrapy

    class RawSpider(scrapy.Spider):
        """What `scrapy bench` does, on our pages: follow every same-host link; read sitemap <loc>s and feed
        <link>s; yield nothing."""

        name = "raw"

        def __init__(self, outlet: dict, **kwargs):
            super().__init__(name=f"raw-{outlet['name']}", **kwargs)
            self.outlet = outlet
            from urllib.parse import urlsplit

            self.netloc = urlsplit(outlet["base_url"]).netloc

        async def start(self):
            for url in [self.outlet["base_url"], *self.outlet.get("feeds", []), *self.outlet.get("sitemaps", []),
                        *self.outlet.get("listings", [])]:
                yield scrapy.Request(url if isinstance(url, str) else url["url"])

        def parse(self, response):
            from urllib.parse import urlsplit

            body = response.body[:512].lower()
            if b"<urlset" in body or b"<sitemapindex" in body or b"<rss" in body or b"<feed" in body:
                from parsel import Selector

                sel = Selector(text=response.text, type="xml")
                sel.remove_namespaces()
                hrefs = sel.xpath("//loc/text() | //item/link/text() | //entry/link/@href").getall()
            elif hasattr(response, "xpath"):
                hrefs = response.xpath("//a/@href").getall()
            else:
                return
            for href in hrefs:
                url = response.urljoin(href.strip())
                if urlsplit(url).netloc == self.netloc:
                    yield scrapy.Request(url)

    return RawSpider


def run_raw(registry_file: str, timing_file: str, outlets: str) -> None:
    from scrapy.crawler import CrawlerProcess

    from akhbar.core.registry import load_registry

    registry = load_registry(registry_file)
    process = CrawlerProcess({
        "USER_AGENT": "bench", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_DELAY": 0, "DEPTH_LIMIT": 8, "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False, "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024, "COOKIES_ENABLED": False,
        "BENCH_TIMING_FILE": timing_file, "EXTENSIONS": {"crawl_bench.Timing": 0},
    })
    spider = raw_spider_class()
    for name in outlets.split(","):
        process.crawl(spider, outlet=registry.get(name))
    process.start()


# -- memory of the request queue in a fresh process ------------------------------------------------------
def queue_memory(kind: str, n: int, redis_url: str | None) -> None:
    import gc

    import psutil
    import scrapy
    from scrapy.utils.test import get_crawler

    class S(scrapy.Spider):
        name = "mem"
        outlet = {"name": "bench-mem"}
        job_id = "bench-mem"

    settings = {"SCHEDULER": "crawler.scheduler.RedisFrontierScheduler", "AKHBAR_REDIS_URL": redis_url,
                "AKHBAR_JOB_ID": "bench-mem", "AKHBAR_FRONTIER_CAPACITY": n} if kind == "ours" else {
                    # the default DownloaderAwarePriorityQueue needs a running engine; same requests in memory
                    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"}
    crawler = get_crawler(S, settings)
    crawler.spider = S()
    crawler.spider.crawler = crawler
    from scrapy.utils.misc import build_from_crawler, load_object

    scheduler = build_from_crawler(load_object(crawler.settings["SCHEDULER"]), crawler)
    scheduler.open(crawler.spider)
    gc.collect()
    before = psutil.Process().memory_info().rss
    for i in range(n):
        scheduler.enqueue_request(scrapy.Request(f"https://alwasat.ly/news/libya/{i}-story-about-something",
                                                 meta={"kind": "article", "hops": 1}))
    gc.collect()
    after = psutil.Process().memory_info().rss
    print(json.dumps({"kind": kind, "n": n, "rss_delta": after - before, "rss": after}))


# -- synthetic sitemap outlet ------------------------------------------------------------------------------
class SitemapSite:
    """An outlet whose robots.txt names a sitemap index of `sitemaps` sitemaps x `per` article URLs."""

    def __init__(self, sitemaps: int, per: int):
        self.sitemaps, self.per = sitemaps, per
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                body, ctype = site.page(self.path)
                self.send_response(200 if body is not None else 404)
                body = body if body is not None else b"not found"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def article_url(self, n: int) -> str:
        return f"{self.base}news/2024/05/story-{n}.html"

    def page(self, path: str) -> tuple[bytes | None, str]:
        xml = "application/xml"
        if path == "/robots.txt":
            return f"User-agent: *\nSitemap: {self.base}sitemap_index.xml\n".encode(), "text/plain"
        if path == "/sitemap_index.xml":
            items = "".join(f"<sitemap><loc>{self.base}sitemap-{i}.xml</loc></sitemap>" for i in range(self.sitemaps))
            return f'<?xml version="1.0"?><sitemapindex>{items}</sitemapindex>'.encode(), xml
        if path.startswith("/sitemap-"):
            i = int(path.removeprefix("/sitemap-").removesuffix(".xml"))
            urls = "".join(f"<url><loc>{self.article_url(n)}</loc></url>"
                           for n in range(i * self.per, (i + 1) * self.per))
            return f'<?xml version="1.0"?><urlset>{urls}</urlset>'.encode(), xml
        if path.startswith("/news/"):
            n = int(path.rsplit("-", 1)[-1].removesuffix(".html"))
            para = "<p>" + "خبر تجريبي عن الأحداث في ليبيا اليوم. " * 8 + "</p>"
            related = "".join(f'<li><a href="{self.article_url((n + k) % (self.sitemaps * self.per))}">{k}</a></li>'
                              for k in (1, 2, 3, 5, 8))
            return (f'<html><head><meta charset="utf-8"><title>{path}</title><script type="application/ld+json">'
                    f'{{"@type":"NewsArticle","headline":"{path}"}}</script></head><body><nav><a href="/">home</a>'
                    f'</nav><article><h1>{path}</h1>{para * 4}</article><ul class="related">{related}</ul>'
                    "</body></html>").encode(), "text/html; charset=utf-8"
        if path == "/":
            return b"<html><body><h1>home</h1></body></html>", "text/html; charset=utf-8"
        return None, "text/plain"

    def stop(self) -> None:
        self.server.shutdown()


# -- the benchmark -------------------------------------------------------------------------------------------
def _timing(path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    first, last = min(r["first"] for r in rows), max(r["last"] for r in rows)
    count = sum(r["count"] for r in rows)
    return {"responses": count, "seconds": last - first, "pages_per_s": count / max(last - first, 1e-6)}


def _env(redis_url: str, home: Path) -> dict:
    return {**os.environ, "AKHBAR_REDIS_URL": redis_url, "AKHBAR_HOME": str(home),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _rounds(redis_url: str, home: Path, registry_file: Path, outlets: list[str], rounds: int, label: str) -> dict:
    import redis

    from akhbar.core.registry import load_registry
    from crawler.localrun import create_job
    from crawler.settings import POLITE

    client = redis.Redis.from_url(redis_url)
    registry = load_registry(registry_file)
    results: dict[str, list[dict]] = {"raw": [], "ours": []}
    for n in range(rounds):
        timing = home / f"{label}-raw-{n}.jsonl"
        subprocess.run([sys.executable, str(Path(__file__)), "--raw-worker", str(registry_file), str(timing),
                        ",".join(outlets)], env=_env(redis_url, home), check=True, timeout=900)
        results["raw"].append(_timing(timing))

        client.flushdb()
        timing = home / f"{label}-ours-{n}.jsonl"
        job = create_job(client, registry, outlets, scrapy_settings={
            "BENCH_TIMING_FILE": str(timing), "LOG_LEVEL": "ERROR", "AKHBAR_MAX_QUEUED": 10**9,
            "EXTENSIONS": {**POLITE["EXTENSIONS"], "crawl_bench.Timing": 0}})
        subprocess.run(crawler_command(job, redis_url),
                       env=_env(redis_url, home), check=True, timeout=900, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        client.delete("clean")  # no worker in the benchmark: drop the handed-off pages
        results["ours"].append(_timing(timing))
        print(f"  {label} round {n + 1}: raw {results['raw'][-1]['pages_per_s']:.0f} pages/s, "
              f"ours {results['ours'][-1]['pages_per_s']:.0f} pages/s", flush=True)
    raw = statistics.median(r["pages_per_s"] for r in results["raw"])
    ours = statistics.median(r["pages_per_s"] for r in results["ours"])
    return {"rounds": results, "raw_pages_per_s": raw, "ours_pages_per_s": ours, "ratio": ours / raw,
            "raw_responses": results["raw"][0]["responses"], "ours_responses": results["ours"][0]["responses"]}


def throughput(redis_url: str, home: Path, rounds: int, synthetic_articles: int) -> dict:
    """The fixture web (5 outlets, ~215 pages: short, so the longest link chain weighs a lot) and a
    synthetic outlet of `synthetic_articles` pages (long: per-page cost decides)."""
    from akhbar.fixture_site import FixtureWeb

    out = {}
    with FixtureWeb(held_back=0) as web:
        registry_file = web.write_outlets_yaml(home / "outlets.yaml")
        out["fixture_web"] = _rounds(redis_url, home, registry_file, OUTLETS, rounds, "fixture")
    per = 100
    site = SitemapSite(max(1, synthetic_articles // per), per)
    try:
        registry_file = home / "synthetic.yaml"
        registry_file.write_text(f"outlets:\n  - name: bench-synthetic\n    base_url: {site.base}\n"
                                 f"    sitemaps: [{site.base}sitemap_index.xml]\n")
        out["synthetic"] = _rounds(redis_url, home, registry_file, ["bench-synthetic"], max(1, rounds // 2),
                                   "synthetic")
    finally:
        site.stop()
    return out


def crawl_rss(redis_url: str, home: Path, sitemaps: int, per: int, seen: int) -> dict:
    import psutil
    import redis

    from akhbar.core.registry import registry_from_entries
    from crawler.localrun import create_job
    from crawler.state import ArticleState

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    site = SitemapSite(sitemaps, per)
    try:
        registry = registry_from_entries([{"name": "bench-synthetic", "base_url": site.base}])
        state = ArticleState(client, "bench-synthetic")
        urls = [site.article_url(n) for n in range(seen)]
        started = time.perf_counter()
        for start in range(0, len(urls), 2000):
            state.mark_fetched(urls[start:start + 2000], when=time.time())
        seed_seconds = time.perf_counter() - started
        job = create_job(client, registry, ["bench-synthetic"], scrapy_settings={"LOG_LEVEL": "ERROR"})
        proc = subprocess.Popen(crawler_command(job, redis_url),
                                env=_env(redis_url, home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        watched = psutil.Process(proc.pid)
        peak = 0
        started = time.perf_counter()
        while proc.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        from akhbar.core.jobs import JobStore

        counters = JobStore(client).get(job).counters
        used = int(client.info("memory")["used_memory"])
        return {"urls_listed": sitemaps * per, "seen_before": seen, "peak_rss_mb": peak / 2**20,
                "crawl_seconds": seconds, "pages_sent": counters.get("pages_sent", 0),
                "pages_fetched": counters.get("pages_fetched", 0), "seed_seconds": seed_seconds,
                "redis_used_memory_mb": used / 2**20,
                "article_state_bytes_per_url": None}
    finally:
        site.stop()


def state_memory(redis_url: str, n: int) -> dict:
    """Redis memory of the article state (Bloom + exact store) per URL."""
    import redis

    from crawler.state import ArticleState

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    before = int(client.info("memory")["used_memory"])
    state = ArticleState(client, "bench-mem", capacity=n)
    urls = [f"https://alwasat.ly/news/libya/{i}-story" for i in range(n)]
    for start in range(0, n, 5000):
        state.mark_fetched(urls[start:start + 5000], when=time.time())
    after = int(client.info("memory")["used_memory"])
    return {"urls": n, "bytes_per_url": (after - before) / n, "bloom_bytes": state.bloom.memory_bytes()}


def queue_rss(redis_url: str, n: int) -> dict:
    out = {}
    for kind in ("scrapy", "ours"):
        proc = subprocess.run([sys.executable, str(Path(__file__)), "--queue-worker", kind, str(n), redis_url],
                              env=_env(redis_url, Path(tempfile.gettempdir())), capture_output=True, text=True,
                              check=True, timeout=900)
        out[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def bloom_fp(redis_url: str, members: int, probes: int) -> list[dict]:
    import redis

    from crawler.bloom import RedisBloom

    client = redis.Redis.from_url(redis_url)
    rows = []
    for rate in (1e-3, 1e-6):
        client.flushdb()
        bloom = RedisBloom(client, "bench:bloom", capacity=members, error_rate=rate)
        items = [f"https://alwasat.ly/news/libya/{i}" for i in range(members)]
        started = time.perf_counter()
        for start in range(0, members, 5000):
            bloom.add_many(items[start:start + 5000])
        add_seconds = time.perf_counter() - started
        false_positives = 0
        started = time.perf_counter()
        for start in range(0, probes, 5000):
            batch = [f"https://alwasat.ly/news/world/{i}" for i in range(start, min(probes, start + 5000))]
            false_positives += sum(bloom.contains_many(batch))
        probe_seconds = time.perf_counter() - started
        rows.append({"target": rate, "members": members, "probes": probes, "false_positives": false_positives,
                     "measured": false_positives / probes, "bytes": bloom.memory_bytes(),
                     "bits_per_member": bloom.memory_bytes() * 8 / members,
                     "adds_per_s": members / add_seconds, "checks_per_s": probes / probe_seconds})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--probes", type=int, default=1_000_000)
    parser.add_argument("--synthetic-articles", type=int, default=2000)
    parser.add_argument("--raw-worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--queue-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_worker:
        run_raw(*args.raw_worker)
        return 0
    if args.queue_worker:
        kind, n, url = args.queue_worker
        queue_memory(kind, int(n), url)
        return 0

    from rich.console import Console
    from rich.table import Table

    from akhbar import redis_server

    console = Console()
    report: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="akhbar-crawl-bench-") as tmp:
        home = Path(tmp)
        handle = redis_server.start(home / "redis")
        try:
            report["throughput"] = {}
            if not args.skip_throughput:
                console.print("[bold](a)[/] throughput against a raw Scrapy spider, politeness lifted")
                report["throughput"] = throughput(handle.url, home, args.rounds, args.synthetic_articles)
            if not args.skip_rss:
                console.print("[bold](b)[/] memory at 100k seen URLs")
                report["rss_small"] = crawl_rss(handle.url, home, sitemaps=10, per=101, seen=1000)
                report["rss_100k"] = crawl_rss(handle.url, home, sitemaps=100, per=1010, seen=100_000)
                report["queue_rss_100k"] = queue_rss(handle.url, 100_000)
                report["article_state_memory"] = state_memory(handle.url, 100_000)
            console.print("[bold](c)[/] Bloom filter false-positive rate")
            report["bloom"] = bloom_fp(handle.url, 100_000, args.probes)
        finally:
            redis_server.stop(handle.pid)

    table = Table("measure", "value", "baseline / target", title="crawler benchmark")
    for name, t in report["throughput"].items():
        table.add_row(f"{name}: pages/s, ours (median)", f"{t['ours_pages_per_s']:.0f}",
                      f"raw Scrapy {t['raw_pages_per_s']:.0f} pages/s")
        table.add_row(f"{name}: ratio ours / raw Scrapy", f"{t['ratio']:.2f}", "goal >= 0.80")
        table.add_row(f"{name}: responses per crawl (ours / raw)", f"{t['ours_responses']} / {t['raw_responses']}", "")
    if "rss_100k" in report:
        big, small, q = report["rss_100k"], report["rss_small"], report["queue_rss_100k"]
        table.add_row("crawler peak RSS, 100k seen URLs", f"{big['peak_rss_mb']:.0f} MiB",
                      f"{small['peak_rss_mb']:.0f} MiB at 1k seen")
        table.add_row("  that crawl: pages sent / fetched / s",
                      f"{big['pages_sent']} / {big['pages_fetched']} / {big['crawl_seconds']:.1f}",
                      f"{big['urls_listed']} URLs listed")
        table.add_row("100k queued requests, process RSS growth", f"{q['ours']['rss_delta'] / 2**20:.1f} MiB (ours)",
                      f"{q['scrapy']['rss_delta'] / 2**20:.1f} MiB (stock Scrapy scheduler)")
        table.add_row("article state in Redis, per URL", f"{report['article_state_memory']['bytes_per_url']:.0f} B",
                      "Bloom + exact last-fetch store")
    for row in report["bloom"]:
        table.add_row(f"Bloom FP rate at target {row['target']:g}",
                      f"{row['measured']:.2e} ({row['false_positives']}/{row['probes']})",
                      f"{row['bits_per_member']:.1f} bits/URL, {row['checks_per_s']:.0f} checks/s")
    console.print(table)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"crawl-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=1))
    console.print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
