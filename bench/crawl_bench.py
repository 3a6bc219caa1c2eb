"""Crawler benchmark: throughput against a raw Scrapy spider, memory at 100k seen URLs, Bloom filter FP rate.

    python bench/crawl_bench.py                 # everything, ~10 minutes on 2 cores
    python bench/crawl_bench.py --quick         # make bench: synthetic outlet only, 5 rounds, 3,000 pages

What it measures (every number against a baseline measured in the same run)
  (a) pages/s of our crawler (crawler.run: shared Redis frontier and per-host leases, robots.txt shared
      in Redis, content checks, WARC writing, incremental state, hand-off of every article to the clean
      queue) against a raw Scrapy spider (stock in-memory scheduler and dupefilter, follows every link,
      reads sitemaps and feeds, does nothing else), politeness lifted (no delays, 8 requests per host).
      The headline site is a synthetic outlet of --synthetic-articles pages (default 3,000) listed in
      sitemaps, with related-article links only inside that set: both spiders fetch the same URLs, and
      the report shows the response counts and URL-set overlap side by side. --rounds (default 5)
      rounds, raw and ours alternating; medians compared. Pages/s is steady state: responses between the
      one at 10 % and the one at 90 % of the crawl over the time between them (start-up, discovery and
      the tail are excluded). CPU-seconds per page: the crawler process's CPU time over the same window
      (time.process_time in a Scrapy extension); for ours, the redis-server's CPU per page is added
      separately (INFO cpu). The fixture web (5 outlets, ~215 pages; fx-trap left out) is run too unless
      --skip-fixture, but there the spiders do NOT do the same work (the raw one follows traps and
      repeated pagination that ours skips), so its ratio is not a like-for-like figure.
  (b) RSS of a crawler process at 100k seen URLs: a synthetic outlet whose sitemaps list 101,000 articles,
      100,000 of them already in the outlet's "fetched" state; peak RSS (psutil, sampled) next to the same
      crawl of a 1,010-URL outlet. And the memory a stock Scrapy scheduler + RFPDupeFilter needs to hold
      100k requests against our Redis scheduler, each measured in a fresh process.
  (c) Bloom filter false-positive rate (crawler.bloom.RedisBloom on real Redis): 100k members, 1M
      non-members probed, at 1e-3 (the article-state setting) and 1e-6 (the frontier setting).

Prints a table and writes bench/results/crawl_bench.json (bench/results.py).
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
from urllib.parse import urlsplit

from akhbar.core.jobs import crawler_command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTLETS = ["fx-wasat", "fx-alaan", "fx-marsad", "fx-lana", "fx-observer"]


# -- in the crawler processes ---------------------------------------------------------------------------
class Timing:
    """Scrapy extension: when each response arrived (wall and this process's CPU time) and its URL,
    written to a file when the spider closes."""

    def __init__(self, crawler):
        from scrapy import signals

        self.path = crawler.settings.get("BENCH_TIMING_FILE")
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.urls: list[str] = []
        crawler.signals.connect(self.response, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response(self, response, request, spider) -> None:
        self.walls.append(time.time())
        self.cpus.append(time.process_time())
        self.urls.append(response.url)

    def closed(self, spider, reason) -> None:
        if self.path and self.walls:
            with open(self.path, "a") as out:
                out.write(json.dumps({"spider": spider.name, "walls": self.walls, "cpus": self.cpus,
                                      "urls": self.urls}) + "\n")


def raw_spider_class():
    import scrapy

    class RawSpider(scrapy.Spider):
        """What `scrapy bench` does, on our pages: follow every same-host link; read sitemap <loc>s and feed
        <link>s; yield nothing."""

        name = "raw"

        def __init__(self, outlet, **kwargs):  # akhbar.core.registry.Outlet
            super().__init__(name=f"raw-{outlet.name}", **kwargs)
            self.outlet = outlet
            from urllib.parse import urlsplit

            self.netloc = urlsplit(outlet.base_url).netloc

        async def start(self):
            for url in [self.outlet.base_url, *self.outlet.feeds, *self.outlet.sitemaps, *self.outlet.listings]:
                yield scrapy.Request(url)

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

    if kind == "ours" and redis_url:
        os.environ["AKHBAR_REDIS_URL"] = redis_url  # a fresh process: the scheduler reads Redis from the environment
    settings = {"SCHEDULER": "crawler.scheduler.RedisFrontierScheduler",
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
def _timing(path: Path, warmup: float = 0.1) -> dict:
    """Responses, URL set, and steady-state rates: pages/s and crawler CPU-seconds per page between the
    response at the `warmup` share of the crawl and the one at 1 - `warmup` (start-up, robots/sitemap
    discovery and the tail of the last link chains are excluded). One crawler process per file."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    walls = sorted(w for r in rows for w in r["walls"])
    urls = {u for r in rows for u in r["urls"]}
    count = len(walls)
    lo, hi = int(count * warmup), max(int(count * warmup) + 1, int(count * (1 - warmup)) - 1)
    steady_pages = hi - lo
    steady_s = max(walls[hi] - walls[lo], 1e-6)
    # CPU: each row is one crawler (one process per outlet run); cpu samples are per process.
    cpu = 0.0
    for r in rows:
        n = len(r["cpus"])
        a, b = int(n * warmup), max(int(n * warmup) + 1, int(n * (1 - warmup)) - 1)
        if b < n:
            cpu += (r["cpus"][b] - r["cpus"][a]) / (b - a)
    return {"responses": count, "unique_urls": len(urls), "seconds": walls[-1] - walls[0],
            "pages_per_s_first_to_last": count / max(walls[-1] - walls[0], 1e-6),
            "steady_pages_per_s": steady_pages / steady_s, "cpu_s_per_page": cpu / max(1, len(rows)),
            "urls": sorted(urls)}


def _env(redis_url: str, home: Path) -> dict:
    return {**os.environ, "AKHBAR_REDIS_URL": redis_url, "AKHBAR_HOME": str(home),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _redis_cpu(client) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


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
        redis_cpu = _redis_cpu(client)
        subprocess.run(crawler_command(job),
                       env=_env(redis_url, home), check=True, timeout=900, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        redis_cpu = _redis_cpu(client) - redis_cpu
        client.delete("clean")  # no worker in the benchmark: drop the handed-off pages
        results["ours"].append(_timing(timing))
        results["ours"][-1]["redis_cpu_s_per_page"] = redis_cpu / max(1, results["ours"][-1]["responses"])
        print(f"  {label} round {n + 1}: steady pages/s raw {results['raw'][-1]['steady_pages_per_s']:.0f}, "
              f"ours {results['ours'][-1]['steady_pages_per_s']:.0f}; responses raw {results['raw'][-1]['responses']}"
              f", ours {results['ours'][-1]['responses']}", flush=True)
    raw_urls, our_urls = set(results["raw"][0]["urls"]), set(results["ours"][0]["urls"])
    for kind in results.values():
        for r in kind:
            del r["urls"]

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    raw, ours = med("raw", "steady_pages_per_s"), med("ours", "steady_pages_per_s")
    return {"rounds": results, "raw_pages_per_s": raw, "ours_pages_per_s": ours, "ratio": ours / raw,
            "raw_cpu_ms_per_page": 1000 * med("raw", "cpu_s_per_page"),
            "ours_cpu_ms_per_page": 1000 * med("ours", "cpu_s_per_page"),
            "ours_redis_cpu_ms_per_page": 1000 * med("ours", "redis_cpu_s_per_page"),
            "raw_responses": [r["responses"] for r in results["raw"]],
            "ours_responses": [r["responses"] for r in results["ours"]],
            "same_urls": len(raw_urls & our_urls), "only_raw": len(raw_urls - our_urls),
            "only_ours": len(our_urls - raw_urls),
            "only_raw_examples": sorted(raw_urls - our_urls)[:5], "only_ours_examples": sorted(our_urls - raw_urls)[:5]}


def throughput(redis_url: str, home: Path, rounds: int, synthetic_articles: int, fixture: bool) -> dict:
    """A synthetic outlet of `synthetic_articles` pages (the headline: both spiders fetch the same URLs)
    and, unless skipped, the fixture web (5 outlets, ~215 pages; NOT the same work: the raw spider
    follows traps and repeated pagination that ours skips, so its ratio is informative only)."""
    out = {}
    if fixture:
        from tests.fixture_site import FixtureWeb

        with FixtureWeb(held_back=0) as web:
            registry_file = web.write_outlets_yaml(home / "outlets.yaml")
            out["fixture_web"] = _rounds(redis_url, home, registry_file, OUTLETS, rounds, "fixture")
    per = 100
    site = SitemapSite(max(1, synthetic_articles // per), per)
    try:
        registry_file = home / "synthetic.yaml"
        registry_file.write_text(f"outlets:\n  - name: bench-synthetic\n    base_url: {site.base}\n"
                                 f"    sitemaps: [{site.base}sitemap_index.xml]\n"
                                 f"    allow_addresses: [{urlsplit(site.base).hostname}]\n")
        out["synthetic"] = _rounds(redis_url, home, registry_file, ["bench-synthetic"], rounds, "synthetic")
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
        registry = registry_from_entries([{"name": "bench-synthetic", "base_url": site.base,
                                           "allow_addresses": [urlsplit(site.base).hostname]}])
        state = ArticleState(client, "bench-synthetic")
        urls = [site.article_url(n) for n in range(seen)]
        started = time.perf_counter()
        for start in range(0, len(urls), 2000):
            state.mark_fetched(urls[start:start + 2000], when=time.time())
        seed_seconds = time.perf_counter() - started
        job = create_job(client, registry, ["bench-synthetic"], scrapy_settings={"LOG_LEVEL": "ERROR"})
        proc = subprocess.Popen(crawler_command(job),
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
    parser.add_argument("--rounds", type=int, default=5, help="rounds per site, raw and ours alternating (>= 5)")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-fixture", action="store_true", help="synthetic outlet only")
    parser.add_argument("--probes", type=int, default=1_000_000)
    parser.add_argument("--synthetic-articles", type=int, default=3000)
    parser.add_argument("--quick", action="store_true",
                        help="make bench: synthetic outlet only (5 rounds, default size), no RSS, 100k probes")
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
    if args.quick:
        args.skip_fixture, args.skip_rss, args.probes = True, True, 100_000

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
                report["throughput"] = throughput(handle.url, home, args.rounds, args.synthetic_articles,
                                                  fixture=not args.skip_fixture)
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
        table.add_row(f"{name}: steady-state pages/s, ours (median of {len(t['ours_responses'])})",
                      f"{t['ours_pages_per_s']:.0f}", f"raw Scrapy {t['raw_pages_per_s']:.0f} pages/s")
        goal = "MET" if t["ratio"] >= 0.9 else "MISSED"
        table.add_row(f"{name}: ratio ours / raw Scrapy", f"{t['ratio']:.2f}", f"goal >= 0.90: {goal}")
        table.add_row(f"{name}: crawler CPU ms per page (ours / raw)",
                      f"{t['ours_cpu_ms_per_page']:.2f} / {t['raw_cpu_ms_per_page']:.2f}",
                      f"+ redis-server {t['ours_redis_cpu_ms_per_page']:.2f} ms/page (ours)")
        table.add_row(f"{name}: responses per round (ours / raw)",
                      f"{t['ours_responses']} / {t['raw_responses']}",
                      f"URLs in both {t['same_urls']}, only raw {t['only_raw']}, only ours {t['only_ours']}")
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
    from bench.results import write_result

    write_result("crawl_bench", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
