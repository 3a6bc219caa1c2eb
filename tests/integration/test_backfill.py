"""`akhbar backfill` against a real web archive: pywb (its own venv, `make pywb`) serving a collection built
from WARC files of three fixture outlets, one of them defunct, with years of captures: repeated captures,
redirects, 404s, home and listing pages, an image and a feed. Between the backfill and pywb sits a small proxy
that answers 429 to the first requests and logs every request (the rate is measured there). A live crawl of the
fixture web runs first, with the newest articles held back: the backfill must add only what it lacked.
The backfill's process is killed with -9 at a hold point mid-way; `akhbar jobs resume` finishes it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import redis
import yaml
from fastapi.testclient import TestClient
from test_reliability import broker_state, cli, wait_for

from akhbar.api import ApiConfig, create_app
from akhbar.core.config import load_settings
from akhbar.core.holds import HoldPoint
from akhbar.core.jobs import JobStore
from akhbar.core.times import parse_iso_utc
from akhbar.core.urls import canonical_url
from crawler.ingest import iter_pages
from crawler.warc import Exchange, exchange_records, gzip_member, plain_head, record, record_id
from tests.fixture_site import FixtureWeb
from tests.local_http import QuietHandler, serve

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PYWB = ROOT / ".tools" / "pywb" / "bin"
OUTLETS = ["fx-wasat", "fx-lana", "fx-marsad"]
DEFUNCT = "fx-marsad"
RATE = 600  # requests a minute to the archive in this test (the default, 60, is the Internet Archive's)
REFUSED = 3  # the proxy's 429 answers before it lets requests through
TRIPOLI = ZoneInfo("Africa/Tripoli")
LIVE_FIELDS = ("url", "title", "body", "published_at", "crawled_at", "job_id", "archived_from", "content_hash")


# -- the archive ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, list[tuple[str, str]], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as answer:
            return answer.status, list(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), exc.read()


def _response(url: str, when: datetime, status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    parts = urlsplit(url)
    head = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-length")]
    head.append(("Content-Length", str(len(body))))
    reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}.get(status, "OK")
    exchange = Exchange(request_uri=url, request_head=plain_head(f"GET {parts.path or '/'} HTTP/1.1",
                                                                 [("Host", parts.netloc)]),
                        request_body=b"", response_uri=url,
                        response_head=plain_head(f"HTTP/1.1 {status} {reason}", head), response_body=body)
    return exchange_records(exchange, date=when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def build_captures(web: FixtureWeb, path: Path) -> dict:
    """A WARC of the three outlets as an archive would hold them: each article captured one to three times
    over the years after it was published, plus what makes no document. Returns what it holds."""
    held: dict = {"articles": {}, "not_documents": set(), "captures": 0}
    records = []
    start = datetime(2012, 1, 1, tzinfo=UTC)
    for outlet in OUTLETS:
        base = web.outlets[outlet].rstrip("/")
        for i, article in enumerate(web.visible(outlet)):
            url = web.url(article)
            status, headers, body = _get(url)
            assert status == 200, url
            published = parse_iso_utc(article["published_at"]) if article["published_at"] else None
            first = (published or start) + timedelta(days=1 + i % 5, hours=3)
            for k in range(1 + i % 3):  # repeated captures: the earliest is the one kept
                records.append(_response(url, first + timedelta(days=400 * k), 200, headers, body))
            held["articles"][canonical_url(url)] = {"record": article, "captured": first}
            if i % 7 == 0:  # the article's old address, captured as a redirect
                old = f"{base}/old/{i}.html"
                records.append(_response(old, first, 301, [("Location", url)], b""))
                held["not_documents"].add(canonical_url(old))
        entry = next(e for e in web.registry() if e["name"] == outlet)
        pages = [f"{base}/", *entry.get("listings", [])]
        for year in (2013, 2016, 2019):  # home and listing pages, captured every few years
            for page in pages:
                status, headers, body = _get(page)
                if status == 200:
                    records.append(_response(page, datetime(year, 6, 1, tzinfo=UTC), 200, headers, body))
                    held["not_documents"].add(canonical_url(page))
        for j in range(3):
            gone = f"{base}/removed/{j}.html"
            records.append(_response(gone, datetime(2015, 3, 1 + j, tzinfo=UTC), 404, [("Content-Type", "text/html")],
                                     b"<html><body><h1>Not found</h1></body></html>"))
            held["not_documents"].add(canonical_url(gone))
        records.append(_response(f"{base}/logo.png", datetime(2014, 1, 1, tzinfo=UTC), 200,
                                 [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n" + b"0" * 64))
        records.append(_response(f"{base}/feed/", datetime(2014, 1, 1, tzinfo=UTC), 200,
                                 [("Content-Type", "application/rss+xml")], b"<?xml version='1.0'?><rss></rss>"))
    path.write_bytes(b"".join(records))
    held["captures"] = len(records)
    return held


@pytest.fixture
def pywb(tmp_path: Path) -> Iterator[callable]:
    if not (PYWB / "wayback").exists():
        pytest.fail("pywb is not installed: `make pywb` installs it in .tools/pywb (make test does)")
    root = tmp_path / "pywb"
    root.mkdir()
    procs: list[subprocess.Popen] = []

    def serve(warc: Path) -> str:
        subprocess.run([str(PYWB / "wb-manager"), "init", "coll"], cwd=root, check=True, capture_output=True)
        subprocess.run([str(PYWB / "wb-manager"), "add", "coll", str(warc)], cwd=root, check=True,
                       capture_output=True)
        port = _free_port()
        log = open(tmp_path / "pywb.log", "ab")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=root,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url + "/coll/cdx?url=x&output=json"), 60, "pywb to start",
                 lambda: (tmp_path / "pywb.log").read_text(errors="replace")[-2000:])
        return url

    yield serve
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] in (200, 404)
    except OSError:
        return False


class ArchiveProxy:
    """Forwards GETs to the archive, answering 429 (Retry-After: 1) to the first `refuse` requests; logs
    (arrival time, path, status) of every request."""

    def __init__(self, upstream: str, refuse: int):
        self.upstream = urlsplit(upstream)
        self.refuse = refuse
        self.log: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                arrived = time.monotonic()  # the request's arrival is what the rate limit spaces
                with proxy.lock:
                    refuse = proxy.refuse > 0
                    proxy.refuse -= refuse
                if refuse:
                    status, headers, body = 429, [("Retry-After", "1")], b"slow down"
                else:
                    conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                    conn.request("GET", self.path)
                    answer = conn.getresponse()
                    status, headers, body = answer.status, answer.getheaders(), answer.read()
                    conn.close()
                with proxy.lock:
                    proxy.log.append((arrived, self.path, status))
                self.reply(status, body, headers)

        self.handler = Handler

    def __enter__(self) -> ArchiveProxy:
        self.server, self.url = serve(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _day(value: str | None) -> str | None:
    parsed = parse_iso_utc(value) if value else None
    return parsed.astimezone(TRIPOLI).date().isoformat() if parsed else None


def test_backfill_from_a_pywb_collection(pipeline_env, start_worker, pywb, tmp_path: Path) -> None:
    env = {**pipeline_env, "AKHBAR_ARCHIVE_RATE": str(RATE)}
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    start_worker(env={"AKHBAR_ARCHIVE_RATE": str(RATE), "HOLD_POINTS": "backfill.sent"}, concurrency=2)
    with FixtureWeb(held_back=8) as web:
        outlets_file = tmp_path / "outlets.yaml"
        web.write_outlets_yaml(outlets_file)
        registry = yaml.safe_load(outlets_file.read_text(encoding="utf-8"))
        for entry in registry["outlets"]:
            if entry["name"] == DEFUNCT:
                entry["status"] = "defunct"
        outlets_file.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        env["AKHBAR_OUTLETS"] = str(outlets_file)

        # A defunct outlet is not crawled; the others are, live, before their newest articles appear.
        skipped = cli(env, "crawl", DEFUNCT)
        assert skipped.returncode != 0 and f"skipping {DEFUNCT}" in skipped.stderr, skipped.stderr
        assert len([line for line in skipped.stderr.splitlines() if DEFUNCT in line]) == 1, skipped.stderr
        live = cli(env, "crawl", *OUTLETS, "--mode", "fixture", "--wait", "--timeout", "300")
        assert live.returncode == 0 and f"skipping {DEFUNCT}" in live.stderr, live.stdout + live.stderr
        live_docs = {d["canonical_url"]: d for d in map(json.loads, cli(env, "export", "--jsonl").stdout.splitlines())}
        assert live_docs and not any(d["outlet"] == DEFUNCT for d in live_docs.values())

        web.release(8)
        held = build_captures(web, tmp_path / "captures.warc.gz")
    gold = held["articles"]

    before = json.loads(cli(env, "outlets", "health", DEFUNCT, "--json").stdout)[DEFUNCT]
    assert before["articles"] == 0 and before["months_without_articles"] == []
    archive = pywb(tmp_path / "captures.warc.gz")
    with ArchiveProxy(archive, REFUSED) as proxy:
        source = f"{proxy.url}/coll/cdx"
        hold = HoldPoint(client, "backfill.sent")
        submitted = cli(env, "backfill", *OUTLETS, "--from", "2009-01", "--to", "2026-12", "--source", source)
        assert submitted.returncode == 0, submitted.stdout + submitted.stderr
        job_id = submitted.stdout.split("job ", 1)[1].split()[0]
        # Kill the backfill's process with -9 a third of the way, at the moment a capture was sent.
        wait_for(lambda: store.get(job_id).counters.get("pages_sent", 0) >= len(gold) // 3, 300,
                 "the backfill to get going", lambda: json.dumps(store.get(job_id).to_dict()))
        hold.close()
        pid = hold.wait(120)["pid"]
        os.kill(pid, signal.SIGKILL)
        hold.open()
        killed_at = time.monotonic()
        requests_at_kill = len(proxy.log)
        wait_for(lambda: store.get(job_id).state == "failed", 180, "the job to fail after the kill",
                 lambda: broker_state(client))
        assert f"akhbar jobs resume {job_id}" in store.get(job_id).message
        resumed = cli(env, "jobs", "resume", job_id, "--wait", "--timeout", "600")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr + json.dumps(store.get(job_id).to_dict())
        log = list(proxy.log)
    job = store.get(job_id)

    # -- what the archive saw ------------------------------------------------------------------------------
    answered = [(t, p) for t, p, status in log if status != 429]
    index_queries = [p for _, p in answered if "/cdx?" in p]
    fetches = Counter(p.split("id_/", 1)[1] for _, p in answered if "id_/" in p)
    after_kill = [p for t, p, _ in log[requests_at_kill:] if "/cdx?" in p]
    times = [t for t, _, _ in log]
    busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    # The steady rate: from the last 429 to the kill (the resumed run starts later, after the job failed).
    last_refusal = max(i for i, (_, _, status) in enumerate(log) if status == 429)
    steady = times[last_refusal + 1:requests_at_kill]
    per_minute = (len(steady) - 1) / (steady[-1] - steady[0]) * 60
    first_run = times[requests_at_kill - 1] - times[0]
    exported = [json.loads(line) for line in cli(env, "export", "--jsonl").stdout.splitlines()]
    docs = {d["canonical_url"]: d for d in exported}
    backfilled = {url: d for url, d in docs.items() if d.get("archived_from")}
    missing = set(gold) - set(docs)
    dates_right = sum(1 for url, d in docs.items() if url in gold and gold[url]["record"]["published_at"]
                      and _day(d["published_at"]) == _day(gold[url]["record"]["published_at"]))
    dated = sum(1 for url in docs if url in gold and gold[url]["record"]["published_at"])
    print(f"\nbackfill: {held['captures']} captures in the collection, {job.counters.get('pages_captures')} chosen "
          f"from {len(index_queries)} index queries; {len(answered)} requests answered + {REFUSED} 429s "
          f"({job.counters.get('pages_archive_backoffs')} backoffs); {per_minute:.0f} requests/min measured "
          f"(limit {RATE}), at most {busiest} in any second; {first_run:.1f}s for the first {requests_at_kill} requests; killed after {requests_at_kill} requests, resumed "
          f"{time.monotonic() - killed_at:.0f}s to the end; {len(gold)} articles, {len(live_docs)} crawled live, "
          f"{len(backfilled)} added from the archive, missing {sorted(missing)}; dates right to the day "
          f"{dates_right}/{dated}; counters {job.counters}")

    assert job.state == "succeeded", job.to_dict()
    # Polite: the limit holds, 429s were backed off, nothing done was fetched twice, the index asked once.
    # The slots are exact (Redis's clock); arrivals jitter by scheduling (2 cores under the whole suite).
    assert per_minute <= RATE * 1.05 and busiest <= RATE / 60 + 2, (per_minute, busiest)
    assert job.counters.get("pages_archive_backoffs", 0) >= REFUSED
    assert max(fetches.values()) == 1, [u for u, n in fetches.items() if n > 1]
    assert after_kill == [], after_kill
    # >= 98 % of the distinct articles, each once, under its original URL; the live ones as they were.
    assert len(missing) <= len(gold) * 0.02, missing
    assert len(exported) == len(docs)
    assert set(docs) <= set(gold), set(docs) - set(gold)
    assert not set(docs) & held["not_documents"]
    assert not any("id_/" in d["url"] or proxy.url in d["url"] or archive in d["url"] for d in exported)
    for url, doc in live_docs.items():  # their cluster view may grow (a backfilled repost), not their content
        assert {k: docs[url].get(k) for k in LIVE_FIELDS} == {k: doc.get(k) for k in LIVE_FIELDS}, url
    assert set(backfilled) == set(gold) - set(live_docs) - missing
    for url, doc in backfilled.items():
        captured = gold[url]["captured"]
        assert doc["archived_from"]["captured_at"][:19] == captured.isoformat()[:19], (url, doc["archived_from"])
        assert doc["archived_from"]["url"].startswith(f"{proxy.url}/coll/") and url in canonical_url(
            doc["archived_from"]["url"].split("id_/", 1)[1]), doc["archived_from"]
        assert doc["crawled_at"][:19] == captured.isoformat()[:19]
    assert dates_right >= dated * 0.98
    assert any(d["outlet"] == DEFUNCT for d in backfilled.values())

    # The defunct outlet's health: its oldest article now, and the months the archive had nothing of it.
    after = json.loads(cli(env, "outlets", "health", DEFUNCT, "--json").stdout)[DEFUNCT]
    dates = sorted(_day(d["published_at"]) for d in docs.values() if d["outlet"] == DEFUNCT and d["published_at"])
    print(f"{DEFUNCT} health before the backfill: {before['articles']} articles; after: {after['articles']}, "
          f"oldest {after['oldest_published_at']}, {len(after['months_without_articles'])} months without articles")
    assert after["articles"] > 0 and _day(after["oldest_published_at"]) == dates[0]
    assert len(after["months_without_articles"]) > 0

    # Search results carry archived_from.
    found = json.loads(cli(env, "search", gold[next(iter(backfilled))]["record"]["title"], "--json").stdout)
    assert any(hit.get("archived_from") for hit in found["hits"]), found["hits"][:2]

    # The HTTP API shows it too: the article and its search hit.
    sample_url = next(iter(backfilled))
    with TestClient(create_app(load_settings(), ApiConfig(token="t")), base_url="http://127.0.0.1:8000") as api:
        article = api.get(f"/articles/{backfilled[sample_url]['id']}").json()
        assert article["archived_from"] == backfilled[sample_url]["archived_from"] and article["url"] == \
            backfilled[sample_url]["url"]
        hits = api.get("/search", params={"q": gold[sample_url]["record"]["title"]}).json()["hits"]
        assert any(h["archived_from"] for h in hits), hits[:2]

    # The job's WARC: original URLs as WARC-Target-URI, the capture in headers of its own; `akhbar ingest`
    # reads it back as pages of the original URLs with archived_from.
    files = sorted((Path(env["AKHBAR_HOME"]) / "warc" / job_id).glob("*.warc.gz"))
    pages = [page for page, _ in iter_pages(files, lambda url, named: {"name": named or "x"}, Counter())]
    assert {canonical_url(p.url) for p in pages} >= set(backfilled)
    assert all(p.archived_from and p.archived_from["url"].startswith(proxy.url) for p in pages)


# -- Common Crawl: its CDX index API per crawl, and WARC records read by offset and length ---------------
class CommonCrawlStandIn:
    """collinfo.json, one crawl's CDX index (JSON lines with filename, offset, length) and a data server that
    answers Range requests on the WARC file, the way index.commoncrawl.org and its data server do."""

    def __init__(self, warc: bytes, rows: list[dict]):
        self.requests: list[str] = []
        stand_in = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                stand_in.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path == "/collinfo.json":
                    body = json.dumps([{"id": "CC-MAIN-2016-07", "cdx-api": f"{stand_in.url}/CC-MAIN-2016-07-index"}])
                    return self.reply(200, body.encode())
                if parts.path == "/CC-MAIN-2016-07-index":
                    query = dict(urllib.parse.parse_qsl(parts.query))
                    found = [r for r in rows if r["url"].startswith(query["url"])
                             and query["from"] <= r["timestamp"] <= query["to"]]
                    if not found:
                        return self.reply(404, b'{"message": "No Captures found"}')
                    return self.reply(200, "".join(json.dumps(r) + "\n" for r in found).encode())
                if parts.path == "/data/crawl-data/CC-MAIN-2016-07/segment-1.warc.gz":
                    first, last = (int(n) for n in self.headers["Range"].split("=", 1)[1].split("-"))
                    return self.reply(206, warc[first:last + 1])
                return self.reply(404, b"")

        self.url = ""
        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_backfill_from_a_common_crawl_stand_in(pipeline_env, start_worker, tmp_path: Path) -> None:
    outlet = "fx-observer"
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        warc, rows, articles = b"", [], set()
        captured = datetime(2016, 2, 10, tzinfo=UTC)
        base = web.outlets[outlet]
        pages = [(web.url(r), 200) for r in web.visible(outlet)] + [(base, 200), (base + "gone.html", 404)]
        for url, wanted in pages:
            status, headers, body = _get(url) if wanted == 200 else (404, [("Content-Type", "text/html")], b"gone")
            head = plain_head(f"HTTP/1.1 {status} OK", [(k, v) for k, v in headers if k.lower() != "transfer-encoding"])
            member = gzip_member(record("response", head + body, "application/http; msgtype=response",
                                        date=captured.strftime("%Y-%m-%dT%H:%M:%SZ"), rid=record_id(), uri=url,
                                        payload=body))
            rows.append({"urlkey": url, "timestamp": captured.strftime("%Y%m%d%H%M%S"), "url": url,
                         "mime": "text/html", "status": str(status), "digest": "x", "length": str(len(member)),
                         "offset": str(len(warc)), "filename": "crawl-data/CC-MAIN-2016-07/segment-1.warc.gz"})
            warc += member
            if url in {web.url(r) for r in web.visible(outlet)}:
                articles.add(canonical_url(url))
    stand_in = CommonCrawlStandIn(warc, rows)
    try:
        env = {**pipeline_env, "AKHBAR_OUTLETS": str(outlets_file), "AKHBAR_ARCHIVE_RATE": str(RATE),
               "AKHBAR_COMMONCRAWL_INDEX": stand_in.url, "AKHBAR_COMMONCRAWL_DATA": stand_in.url + "/data"}
        start_worker(env=env)  # the backfill's process reads the Common Crawl settings from its worker
        done = cli(env, "backfill", outlet, "--source", "commoncrawl", "--from", "2016-01", "--to", "2016-12",
                   "--wait", "--timeout", "300")
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        stand_in.close()
    docs = {d["canonical_url"]: d for d in map(json.loads, cli(env, "export", "--jsonl").stdout.splitlines())}
    ranged = [p for p in stand_in.requests if p.startswith("/data/")]
    print(f"\ncommon crawl stand-in: {len(articles)} articles, {len(docs)} indexed, {len(stand_in.requests)} "
          f"requests ({len(ranged)} record reads by offset and length)")
    assert set(docs) == articles
    assert all(d["archived_from"]["archive"] == "commoncrawl" and d["archived_from"]["url"].endswith(
        "segment-1.warc.gz") and d["crawled_at"].startswith("2016-02-10") for d in docs.values())
    assert len(ranged) == len(articles) + 1  # the home page is fetched and left (not an article); the 404 is not


def test_an_archive_that_keeps_refusing_fails_the_job_with_one_line(pipeline_env, start_worker, tmp_path) -> None:
    class Refusing(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.reply(429, b"slow down", [("Retry-After", "0")])

    server, url = serve(Refusing)
    try:
        outlets_file = tmp_path / "outlets.yaml"
        outlets_file.write_text("outlets:\n  - name: gone\n    base_url: https://gone.example.ly/\n"
                                "    status: defunct\n", encoding="utf-8")
        env = {**pipeline_env, "AKHBAR_OUTLETS": str(outlets_file)}
        start_worker()
        done = cli(env, "backfill", "gone", "--source", f"{url}/coll/cdx", "--wait", "--timeout", "120")
    finally:
        server.shutdown()
        server.server_close()
    job_id = done.stdout.split("job ", 1)[1].split()[0]
    job = JobStore(redis.Redis.from_url(env["AKHBAR_REDIS_URL"])).get(job_id)
    print(f"\nblocked: {job.message}")
    assert done.returncode == 1 and job.state == "failed"
    assert "\n" not in job.message and "refused 7 requests in a row with 429" in job.message
    assert f"akhbar jobs resume {job_id}" in job.message and "AKHBAR_ARCHIVE_RATE" in job.message
