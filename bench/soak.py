"""Soak: a long crawl of a local outlet built from SaudiNewsNet, through the whole pipeline, watching memory.

    python bench/soak.py                 # 20,000 article pages (the issue's size)
    python bench/soak.py --quick         # 2,000 pages: a smoke run
    python bench/soak.py --pages 50000 --workers 2 --crawlers 2 --concurrency 2

What runs (all real, all on loopback, in a temporary AKHBAR_HOME removed afterwards unless --keep):
  - the fixture outlets: one HTTP server per SaudiNewsNet source (aawsat, alriyadh, ...), pages generated
    on the fly from the corpus zips read in place (../shared/corpora/saudinewsnet, AKHBAR_CORPUS_DIR):
    robots.txt -> a sitemap index -> sitemaps of 500 URLs, listing pages of 30 links with rel=next, and
    the article pages (JSON-LD NewsArticle, byline, <time>, paragraphs, a related-links aside). Records
    without a title or with a body under 200 characters are left out, and so is a record whose body
    (normalised as the deduper hashes it) repeats one already served by its outlet, so every article
    page served is one distinct article.
  - `akhbar services up` (redis-server + the embedded OpenSearch node), `--workers` `akhbar worker`
    processes (Celery prefork, `--concurrency` each), and one crawl job over every outlet with
    `--crawlers` crawler processes sharing the Redis frontier (fixture mode: no politeness delays).
What it reports (printed, and written to bench/results/soak.json with the git commit, the command line
and the machine's cores):
  - pages/s: pages fetched by the crawlers / seconds from the job's start to the crawl's end; articles/s
    end to end (start to the job's terminal state).
  - peak RSS of every process (psutil, sampled every --interval s): redis, opensearch, each worker's
    main process and pool processes, each crawler process, this harness (which serves the outlets).
  - Redis memory (INFO memory: used_memory, peak, RSS, bytes per indexed article: the dedupe state is
    data and grows with the archive) and the OpenSearch heap (_nodes/stats/jvm: heap used, peak of the
    samples, max, and the slope of the heap's floor, the lowest sample in each eighth of the second
    half: a collected heap saws between GCs and a leak shows as a rising floor).
  - indexed articles (count of the alias after a refresh) against distinct article pages served (the
    server's log of 200 responses to article URLs).
  - memory slope over the second half of the run: least-squares fit of each process group's RSS
    against time, MiB/min, next to the residual noise; "flat" when the fitted drift over that half is
    within max(2 x residual std, 2% of the mean) of the group's RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import psutil
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import SAUDI_OFFSET, iter_raw  # noqa: E402
from bench.results import environment  # noqa: E402

SITEMAP_SIZE = 500
LISTING_SIZE = 30
MIN_BODY = 200


# -- the fixture outlets ---------------------------------------------------------------------------------
@dataclass
class Article:
    title: str
    paragraphs: list[str]
    published: str | None  # ISO 8601 with offset
    author: str


@dataclass
class Outlet:
    slug: str
    source: str
    articles: list[Article] = field(default_factory=list)
    base_url: str = ""


def load_outlets(pages: int) -> list[Outlet]:
    """`pages` distinct articles spread over one outlet per corpus source, in corpus order."""
    from akhbar.core.text import content_hash

    outlets: dict[str, Outlet] = {}
    hashes: dict[str, set[str]] = defaultdict(set)
    seen_urls: set[str] = set()
    total = 0
    for record in iter_raw():
        if total >= pages:
            break
        url, title = record.get("url") or "", (record.get("title") or "").strip()
        paragraphs = [p.strip() for p in (record.get("content") or "").split("\n") if p.strip()]
        body = "\n\n".join(paragraphs)
        if not url or url in seen_urls or not title or len(body) < MIN_BODY:
            continue
        source = (record.get("source") or "unknown").strip()
        digest = content_hash(body)
        if digest in hashes[source]:  # the deduper would keep only the first: not a distinct article
            continue
        seen_urls.add(url)
        hashes[source].add(digest)
        date = (record.get("date_extracted") or "").strip()
        published = f"{date.replace(' ', 'T')}{SAUDI_OFFSET}" if len(date) >= 19 else None
        slug = "sn-" + "".join(c if c.isalnum() else "-" for c in source.lower())
        outlet = outlets.setdefault(source, Outlet(slug=slug, source=source))
        outlet.articles.append(Article(title, paragraphs, published, (record.get("author") or "").strip()))
        total += 1
    if total < pages:
        raise SystemExit(f"the corpus has only {total} usable distinct articles, fewer than --pages {pages}")
    return list(outlets.values())


def article_page(outlet: Outlet, i: int) -> bytes:
    a = outlet.articles[i]
    url = f"{outlet.base_url}/article/{i}.html"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title, "mainEntityOfPage": url,
          "publisher": {"@type": "Organization", "name": outlet.source}}
    if a.published:
        ld["datePublished"] = a.published
    if a.author:
        ld["author"] = {"@type": "Person", "name": a.author}
    related = "".join(f'<li><a href="/article/{j}.html">{escape(outlet.articles[j].title)}</a></li>'
                      for j in (i - 1, i + 1, i + 7) if 0 <= j < len(outlet.articles))
    paras = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    time_tag = f'<time datetime="{a.published}">{a.published[:10]}</time>' if a.published else ""
    byline = f'<p class="byline">{escape(a.author)}</p>' if a.author else ""
    html = f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{escape(a.title)} | {escape(outlet.source)}</title><link rel="canonical" href="{url}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(a.title)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/news/">الأخبار</a></nav></header>
<main><article><h1>{escape(a.title)}</h1>{time_tag}{byline}<div class="article-body">{paras}</div></article>
<aside><h2>أخبار ذات صلة</h2><ul>{related}</ul></aside></main>
<footer><p>جميع الحقوق محفوظة</p></footer></body></html>"""
    return html.encode("utf-8")


def listing_page(outlet: Outlet, page: int) -> bytes | None:
    start = (page - 1) * LISTING_SIZE
    if page < 1 or start >= len(outlet.articles):
        return None
    items = "".join(f'<li><a href="/article/{j}.html">{escape(outlet.articles[j].title)}</a></li>'
                    for j in range(start, min(start + LISTING_SIZE, len(outlet.articles))))
    more = f'<a rel="next" href="/news/?page={page + 1}">التالي</a>' if start + LISTING_SIZE < len(outlet.articles) else ""
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>الأخبار - {page}</title>'
            f'</head><body><h1>الأخبار</h1><ul class="news-list">{items}</ul>{more}</body></html>').encode()


def sitemap(outlet: Outlet, k: int | None) -> bytes | None:
    n = len(outlet.articles)
    if k is None:
        parts = "".join(f"<sitemap><loc>{outlet.base_url}/sitemaps/{j}.xml</loc></sitemap>"
                        for j in range((n + SITEMAP_SIZE - 1) // SITEMAP_SIZE))
        return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{parts}</sitemapindex>').encode()
    if k < 0 or k * SITEMAP_SIZE >= n:
        return None
    urls = []
    for j in range(k * SITEMAP_SIZE, min((k + 1) * SITEMAP_SIZE, n)):
        lastmod = f"<lastmod>{xml_escape(outlet.articles[j].published)}</lastmod>" if outlet.articles[j].published else ""
        urls.append(f"<url><loc>{outlet.base_url}/article/{j}.html</loc>{lastmod}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f'{"".join(urls)}</urlset>').encode()


class ServedLog:
    """What the outlets served: article pages (200) by (outlet, index), and every response by kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.articles: set[tuple[str, int]] = set()
        self.responses: dict[str, int] = defaultdict(int)

    def record(self, slug: str, kind: str, index: int | None = None) -> None:
        with self.lock:
            self.responses[kind] += 1
            if index is not None:
                self.articles.add((slug, index))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _OutletServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        outlet, served = self.server.outlet, self.server.served
        path, _, query = self.path.partition("?")
        body: bytes | None = None
        kind, ctype, index = "other", "text/html; charset=utf-8", None
        if path == "/robots.txt":
            kind, ctype = "robots", "text/plain"
            body = f"User-agent: *\nAllow: /\nSitemap: {outlet.base_url}/sitemap.xml\n".encode()
        elif path == "/sitemap.xml":
            kind, ctype, body = "sitemap", "application/xml", sitemap(outlet, None)
        elif path.startswith("/sitemaps/") and path.endswith(".xml") and path[10:-4].isdigit():
            kind, ctype, body = "sitemap", "application/xml", sitemap(outlet, int(path[10:-4]))
        elif path in ("/", "/news/"):
            page = int(query[5:]) if query.startswith("page=") and query[5:].isdigit() else 1
            kind, body = "listing", listing_page(outlet, page)
        elif path.startswith("/article/") and path.endswith(".html") and path[9:-5].isdigit():
            i = int(path[9:-5])
            if i < len(outlet.articles):
                kind, body, index = "article", article_page(outlet, i), i
        if body is None:
            kind, body, ctype, index = "404", b"<html><body>not found</body></html>", "text/html", None
        served.record(outlet.slug, kind, index)
        self.send_response(404 if kind == "404" else 200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, outlet: Outlet, served: ServedLog) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.outlet, self.served = outlet, served


def serve(outlets: list[Outlet], served: ServedLog) -> list[_OutletServer]:
    servers = []
    for outlet in outlets:
        server = _OutletServer(outlet, served)
        outlet.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        servers.append(server)
    return servers


def write_registry(outlets: list[Outlet], path: Path) -> Path:
    lines = ["outlets:"]
    for o in outlets:
        lines += [f"  - name: {o.slug}", f"    name_ar: {json.dumps(o.source)}", f"    base_url: {o.base_url}/",
                  "    language: ar", "    timezone: Asia/Riyadh",
                  f"    sitemaps: [{json.dumps(o.base_url + '/sitemap.xml')}]",
                  f"    listings: [{json.dumps(o.base_url + '/news/')}]",
                  "    allow_addresses: [127.0.0.1]"]  # served on loopback: allow-listed explicitly
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- sampling --------------------------------------------------------------------------------------------
@dataclass
class Sample:
    t: float
    rss: dict[str, float]  # process label -> MiB
    redis_used: float | None = None
    heap_used: float | None = None


class Sampler:
    """Every `interval` s: RSS of every process of the run (labelled by role), Redis and JVM heap."""

    def __init__(self, roots: dict[str, int], redis_url: str, search_url: str, interval: float) -> None:
        self.roots, self.search_url, self.interval = roots, search_url, interval
        self.redis = redis.Redis.from_url(redis_url)
        self.samples: list[Sample] = []
        self.labels: dict[int, str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def label(self, root: str, proc: psutil.Process) -> str:
        if proc.pid not in self.labels:
            try:
                cmd = " ".join(proc.cmdline())
            except psutil.Error:
                cmd = ""
            if "crawler.run" in cmd:
                n = sum(1 for v in self.labels.values() if v.startswith("crawler"))
                self.labels[proc.pid] = f"crawler-{n + 1}"
            else:
                n = sum(1 for v in self.labels.values() if v.startswith(f"{root}-pool"))
                self.labels[proc.pid] = f"{root}-pool-{n + 1}"
        return self.labels[proc.pid]

    def take(self) -> Sample:
        rss: dict[str, float] = {}
        for root, pid in self.roots.items():
            try:
                proc = psutil.Process(pid)
                rss[root] = proc.memory_info().rss / 2**20
                # Worker pools and the crawler processes are a worker's descendants; the harness's own
                # children are the services and workers, sampled as roots of their own.
                children = proc.children(recursive=True) if root.startswith("worker") else []
                for child in children:
                    with contextlib.suppress(psutil.Error):
                        rss[self.label(root, child)] = child.memory_info().rss / 2**20
            except psutil.Error:
                continue
        sample = Sample(time.time(), rss)
        with contextlib.suppress(redis.RedisError):
            sample.redis_used = self.redis.info("memory")["used_memory"] / 2**20
        try:
            with urllib.request.urlopen(self.search_url + "/_nodes/stats/jvm", timeout=5) as response:
                nodes = json.load(response)["nodes"].values()
            sample.heap_used = sum(n["jvm"]["mem"]["heap_used_in_bytes"] for n in nodes) / 2**20
        except (OSError, ValueError, KeyError):
            pass
        return sample

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(self.take())
            self.stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def group_of(label: str) -> str:
    if label.startswith("crawler"):
        return "crawlers"
    if "-pool-" in label:
        return "worker pools"
    if label.startswith("worker"):
        return "worker mains"
    return label


def floor_points(points: list[tuple[float, float]], windows: int = 8) -> list[tuple[float, float]]:
    """The lowest value in each of `windows` equal time slices: a garbage-collected heap saws up and down
    between collections, and a leak shows as a rising floor, not as a rising sample."""
    if len(points) < windows:
        return points
    start, end = points[0][0], points[-1][0]
    width = (end - start) / windows or 1.0
    slices: dict[int, tuple[float, float]] = {}
    for t, v in points:
        k = min(int((t - start) / width), windows - 1)
        if k not in slices or v < slices[k][1]:
            slices[k] = (t, v)
    return [slices[k] for k in sorted(slices)]


def slope(points: list[tuple[float, float]]) -> dict:
    """Least-squares fit of (seconds, MiB): slope in MiB/min, residual std, and a flat verdict."""
    if len(points) < 4:
        return {"samples": len(points), "slope_mib_per_min": None, "flat": None}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    residuals = [y - (my + b * (x - mx)) for x, y in zip(xs, ys, strict=True)]
    noise = statistics.pstdev(residuals)
    drift = abs(b) * (max(xs) - min(xs))
    return {"samples": len(points), "slope_mib_per_min": round(b * 60, 2), "drift_mib": round(drift, 1),
            "noise_mib": round(noise, 1), "mean_mib": round(my, 1),
            "flat": drift <= max(2 * noise, 0.02 * my)}


# -- the run ---------------------------------------------------------------------------------------------
def wait_ready(app, workers: list[subprocess.Popen], logs: Path, timeout: float = 300) -> None:
    """Every worker answers a broadcast ping (quiet log level: no "ready." line to wait for)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in workers:
            if proc.poll() is not None:
                raise SystemExit(f"a worker exited with {proc.returncode}; logs in {logs}")
        if len(app.control.ping(timeout=2.0) or []) >= len(workers):
            return
        time.sleep(1)
    raise SystemExit(f"the workers were not ready after {timeout}s; logs in {logs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000, help="article pages served (default 20,000)")
    parser.add_argument("--quick", action="store_true", help="2,000 pages: a smoke run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--crawlers", type=int, default=2, help="crawler processes of the job")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery processes per worker")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between memory samples")
    parser.add_argument("--timeout", type=float, default=6 * 3600, help="give up after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary AKHBAR_HOME")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    parser.add_argument("--reanalyse", type=Path, metavar="RESULTS",
                        help="recompute the memory figures of a results file from its samples and print them")
    args = parser.parse_args()
    if args.reanalyse:
        reanalyse(args.reanalyse)
        return
    pages = 2_000 if args.quick else args.pages

    began = time.time()
    outlets = load_outlets(pages)
    served = ServedLog()
    servers = serve(outlets, served)
    print(f"{len(outlets)} outlets serving {pages} distinct articles "
          f"({', '.join(f'{o.slug} {len(o.articles)}' for o in outlets)}), loaded in {time.time() - began:.0f}s",
          flush=True)

    home = Path(tempfile.mkdtemp(prefix="akhbar-soak-"))
    alias = "soak-articles"
    os.environ.update({"AKHBAR_HOME": str(home), "AKHBAR_INDEX": alias, "AKHBAR_SEARCH_ENGINE": "opensearch"})
    for name in ("AKHBAR_REDIS_URL", "AKHBAR_SEARCH_URL"):
        os.environ.pop(name, None)
    from akhbar import services
    from akhbar.core.config import load_settings
    from akhbar.core.registry import load_registry

    settings = load_settings()
    workers: list[subprocess.Popen] = []
    logs: list = []
    result: dict = {}
    try:
        state = services.up(settings, log=lambda *_: None)
        redis_url, search_url = state["redis"]["url"], state["opensearch"]["url"]
        os.environ.update({"AKHBAR_REDIS_URL": redis_url, "AKHBAR_SEARCH_URL": search_url})
        from akhbar.core.celery_app import app
        from akhbar.core.jobs import JobStore
        from akhbar.core.submit import submit_crawl

        app.conf.broker_url = redis_url
        env = {**os.environ}
        for n in range(args.workers):
            log_path = home / "logs" / f"soak-worker-{n + 1}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            out = open(log_path, "ab")  # noqa: SIM115 - closed in finally
            logs.append(out)
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "akhbar.cli", "worker", "-c", str(args.concurrency), "--loglevel", "WARNING"],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        wait_ready(app, workers, home / "logs")

        registry = load_registry(write_registry(outlets, home / "outlets.yaml"))
        store = JobStore(redis.Redis.from_url(redis_url))
        roots = {"redis": state["redis"]["pid"], "opensearch": state["opensearch"]["pid"], "harness": os.getpid()}
        roots.update({f"worker{n + 1}": p.pid for n, p in enumerate(workers)})
        with Sampler(roots, redis_url, search_url, args.interval) as sampler:
            t0 = time.time()
            job = submit_crawl(store, registry, [o.slug for o in outlets], mode="fixture",
                               processes=args.crawlers)
            crawl_end = None
            last_print = 0.0
            client = redis.Redis.from_url(redis_url)
            while (current := store.get(job.id)).state not in ("succeeded", "failed", "cancelled", "stalled"):
                if crawl_end is None and client.hget(store.key(job.id), "crawl_done") == b"1":
                    crawl_end = time.time()
                if time.time() - last_print > 30:
                    last_print = time.time()
                    c = current.counters
                    print(f"  {time.time() - t0:6.0f}s {current.state}: fetched {c.get('pages_fetched', 0)}, "
                          f"new {c.get('articles_new', 0)}, dup {c.get('articles_duplicate', 0)}, "
                          f"failed {c.get('articles_failed', 0)}", flush=True)
                if time.time() - t0 > args.timeout:
                    raise SystemExit(f"job {job.id} still {current.state} after {args.timeout}s")
                time.sleep(1)
            t_end = time.time()
            crawl_end = crawl_end or t_end
            time.sleep(args.interval)  # one sample after the end
        result = report(args, pages, outlets, served, sampler, current, t0, crawl_end, t_end,
                        search_url, redis_url, alias, began)
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
        for proc in workers:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        for out in logs:
            out.close()
        services.down(settings, log=lambda *_: None)
        for server in servers:
            server.shutdown()
        if args.keep:
            print(f"AKHBAR_HOME kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_report(result)
    print(f"written to {args.out}")
    if not result["checks"]["indexed_plus_duplicates_equals_served"]:
        sys.exit(1)


def report(args, pages: int, outlets: list[Outlet], served: ServedLog, sampler: Sampler, job, t0: float,
           crawl_end: float, t_end: float, search_url: str, redis_url: str, alias: str, began: float) -> dict:
    from akhbar.core.config import load_settings
    from index.adapter import SearchAdapter

    settings = load_settings()
    adapter = SearchAdapter(search_url, "opensearch")
    adapter.refresh(alias)
    indexed = int(adapter.request("GET", f"/{alias}/_count")["count"])
    jvm = adapter.request("GET", "/_nodes/stats/jvm")["nodes"]
    adapter.close()
    info = redis.Redis.from_url(redis_url).info("memory")
    memory = memory_analysis(sampler.samples, t0, t_end, args.interval)
    counters = job.counters
    fetched = counters.get("pages_fetched", 0)
    distinct_served = len(served.articles)
    return {
        "run": "quick" if args.quick else "full",
        **environment(),  # commit, command, cores, load at the end, Python, UTC time
        "setup": {"pages": pages, "outlets": len(outlets), "workers": args.workers, "concurrency": args.concurrency,
                  "crawler_processes": args.crawlers, "sample_interval_s": args.interval,
                  "opensearch_heap": settings.opensearch_heap},
        "job": {"id": job.id, "state": job.state, "message": job.message, "counters": counters, "errors": job.errors},
        "throughput": {
            "crawl_seconds": round(crawl_end - t0, 1), "job_seconds": round(t_end - t0, 1),
            "pages_fetched": fetched, "pages_per_s": round(fetched / max(crawl_end - t0, 1e-9), 1),
            "articles_per_s_end_to_end": round(indexed / max(t_end - t0, 1e-9), 1),
            "responses_served": dict(served.responses),
        },
        "checks": {"distinct_articles_served": distinct_served, "indexed_articles": indexed,
                   "articles_in_corpus_slice": pages, "indexed_equals_served": indexed == distinct_served,
                   # Two corpus records can differ only in what extraction drops (a caption run into
                   # the text): the deduper then keeps one and counts the other as a duplicate.
                   "counted_duplicates": counters.get("articles_duplicate", 0),
                   "indexed_plus_duplicates_equals_served":
                       indexed + counters.get("articles_duplicate", 0) == distinct_served},
        "t0_epoch": t0,
        "peak_rss_mib": memory["peak_rss_mib"],
        "redis": {"used_memory_mib": round(info["used_memory"] / 2**20, 1),
                  "used_memory_peak_mib": round(info["used_memory_peak"] / 2**20, 1),
                  "used_memory_rss_mib": round(info["used_memory_rss"] / 2**20, 1),
                  # Dedupe state is data: it grows with the articles, so its measure is bytes per article.
                  "bytes_per_indexed_article": round(info["used_memory"] / max(indexed, 1)),
                  "slope_second_half": memory["redis_slope_second_half"]},
        "opensearch_heap": {
            "used_mib_at_end": round(sum(n["jvm"]["mem"]["heap_used_in_bytes"] for n in jvm.values()) / 2**20, 1),
            "max_mib": round(sum(n["jvm"]["mem"]["heap_max_in_bytes"] for n in jvm.values()) / 2**20, 1),
            "peak_sampled_mib": memory["heap_peak_sampled_mib"],
            # The JVM's RSS only shows the heap being touched up to -Xmx; the leak signal is the floor.
            "floor_slope_second_half": memory["heap_floor_slope_second_half"],
        },
        "memory_slope_second_half": memory["memory_slope_second_half"],
        "memory_slope_second_half_per_process": memory["memory_slope_second_half_per_process"],
        "wall_seconds_total": round(time.time() - began, 1),
        "samples": [asdict(s) for s in sampler.samples],
    }


def memory_analysis(all_samples: list[Sample], t0: float, t_end: float, interval: float) -> dict:
    """Peaks over the run, and slopes over its second half: per process group, per process, Redis, and
    the floor of the JVM heap."""
    samples = [s for s in all_samples if t0 <= s.t <= t_end + 2 * interval]
    peaks: dict[str, float] = {}
    for s in all_samples:
        for label, mib in s.rss.items():
            peaks[label] = max(peaks.get(label, 0.0), mib)
    half = t0 + (t_end - t0) / 2
    second = [s for s in samples if s.t >= half]
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for s in second:
        sums: dict[str, float] = defaultdict(float)
        for label, mib in s.rss.items():
            sums[group_of(label)] += mib
        for group, mib in sums.items():
            groups[group].append((s.t - t0, mib))
        groups["all processes"].append((s.t - t0, sum(s.rss.values())))
    # Crawlers exit when the crawl ends: their slope is fitted over the second half of their own life.
    crawler_points = [(s.t - t0, sum(m for k, m in s.rss.items() if k.startswith("crawler")))
                      for s in samples if any(k.startswith("crawler") for k in s.rss)]
    if crawler_points:
        mid = crawler_points[0][0] + (crawler_points[-1][0] - crawler_points[0][0]) / 2
        groups["crawlers"] = [p for p in crawler_points if p[0] >= mid]
    # Per process: a pool process that sat idle until late warms up inside the second half, and its jump
    # reads as growth of the group's sum. Each process is fitted from the moment it first reached 90 % of
    # its own peak (its warm-up done), within the second half (crawlers: of their own life).
    per_process: dict[str, dict] = {}
    for label in peaks:
        points = [(s.t - t0, s.rss[label]) for s in samples if label in s.rss]
        if not points:
            continue
        warm_from = next(t for t, v in points if v >= 0.9 * max(v for _, v in points))
        middle = points[0][0] + (points[-1][0] - points[0][0]) / 2
        per_process[label] = slope([(t, v) for t, v in points if t >= max(warm_from, middle)])
    heap_points = [(s.t - t0, s.heap_used) for s in samples if s.heap_used is not None]
    redis_points = [(s.t - t0, s.redis_used) for s in second if s.redis_used is not None]
    return {
        "peak_rss_mib": {k: round(v, 1) for k, v in sorted(peaks.items())},
        "heap_peak_sampled_mib": round(max((p[1] for p in heap_points), default=0.0), 1),
        "heap_floor_slope_second_half": slope(floor_points([p for p in heap_points if p[0] >= half - t0])),
        "redis_slope_second_half": slope(redis_points),
        "memory_slope_second_half": {k: slope(v) for k, v in sorted(groups.items())},
        "memory_slope_second_half_per_process": dict(sorted(per_process.items())),
    }


def reanalyse(path: Path) -> None:
    """Recompute the memory figures of a results file from its samples (they are all kept in it), and
    print the report: a change to the analysis needs no new soak."""
    r = json.loads(path.read_text())
    samples = [Sample(**s) for s in r["samples"]]
    t0 = r.get("t0_epoch") or samples[0].t  # older files: the sampler starts right before t0
    memory = memory_analysis(samples, t0, t0 + r["throughput"]["job_seconds"], r["setup"]["sample_interval_s"])
    r["peak_rss_mib"] = memory["peak_rss_mib"]
    r["opensearch_heap"]["floor_slope_second_half"] = memory["heap_floor_slope_second_half"]
    r["redis"]["slope_second_half"] = memory["redis_slope_second_half"]
    r["memory_slope_second_half"] = memory["memory_slope_second_half"]
    r["memory_slope_second_half_per_process"] = memory["memory_slope_second_half_per_process"]
    c = r["checks"]
    c.setdefault("counted_duplicates", r["job"]["counters"].get("articles_duplicate", 0))
    c.setdefault("indexed_plus_duplicates_equals_served",
                 c["indexed_articles"] + c["counted_duplicates"] == c["distinct_articles_served"])
    print_report(r)


def print_report(r: dict) -> None:
    t, c = r["throughput"], r["checks"]
    print(f"\nsoak ({r['run']} run, {r['setup']['pages']} pages, {r['cores']} cores, load {r.get('loadavg') or r.get('load_avg_at_end')}): "
          f"job {r['job']['state']}")
    print(f"pages/s (crawl)            {t['pages_per_s']:>8}   ({t['pages_fetched']} pages in {t['crawl_seconds']} s)")
    print(f"articles/s (end to end)    {t['articles_per_s_end_to_end']:>8}   (job {t['job_seconds']} s)")
    print(f"indexed / distinct served  {c['indexed_articles']} / {c['distinct_articles_served']}   "
          f"{'OK' if c['indexed_equals_served'] else 'MISMATCH'}")
    if not c["indexed_equals_served"] and "counted_duplicates" in c:
        print(f"  + counted duplicates     {c['counted_duplicates']}: indexed + duplicates = served "
              f"{'OK' if c['indexed_plus_duplicates_equals_served'] else 'MISMATCH (articles unaccounted for)'}")
    print("peak RSS (MiB):            " + ", ".join(f"{k} {v}" for k, v in r["peak_rss_mib"].items()))
    red, heap = r["redis"], r["opensearch_heap"]
    print(f"redis used_memory          {red['used_memory_mib']} MiB (peak {red['used_memory_peak_mib']}, "
          f"rss {red['used_memory_rss_mib']}), {red['bytes_per_indexed_article']} B per indexed article "
          f"(dedupe state: grows with the archive)")
    floor = heap["floor_slope_second_half"]
    floor_text = ("too few samples" if floor["slope_mib_per_min"] is None else
                  f"floor {floor['slope_mib_per_min']} MiB/min, drift {floor['drift_mib']} vs noise "
                  f"{floor['noise_mib']} MiB: {verdict(floor)}")
    print(f"opensearch heap            {heap['used_mib_at_end']} MiB used at end, sampled peak "
          f"{heap['peak_sampled_mib']}, max {heap['max_mib']}; 2nd half {floor_text}")
    for title, key in (("memory slope, 2nd half, per group (sums of RSS):", "memory_slope_second_half"),
                       ("per process, each from the end of its own warm-up:", "memory_slope_second_half_per_process")):
        print(title)
        for group, s in r.get(key, {}).items():
            if s["slope_mib_per_min"] is None:
                print(f"  {group:<16} too few samples ({s['samples']})")
                continue
            print(f"  {group:<16} {s['slope_mib_per_min']:>7} MiB/min  drift {s['drift_mib']} MiB vs noise "
                  f"{s['noise_mib']} MiB, mean {s['mean_mib']} MiB: {verdict(s)}")


def verdict(fit: dict) -> str:
    if fit["flat"]:
        return "flat"
    return "GROWING" if fit["slope_mib_per_min"] > 0 else "falling"


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    main()
