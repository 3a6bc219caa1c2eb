"""Raw responses go to rotated WARC files, and `akhbar ingest` of those files alone reproduces the
articles in the index (real Redis, real Celery worker, real OpenSearch node)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from crawler.localrun import create_job, run_crawl
from index.adapter import SearchAdapter
from tests.fixture_site import FixtureWeb

pytestmark = pytest.mark.integration

OUTLETS = ["fx-wasat", "fx-lana", "fx-trap"]


def read_warcs(paths: list[Path]) -> list:
    records = []
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                records.append((path.name, record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                record.http_headers.get_statuscode() if record.http_headers else None,
                                record.http_headers.get_header("Content-Type") if record.http_headers else None,
                                record.rec_headers.get_header("WARC-Concurrent-To"),
                                record.rec_headers.get_header("WARC-Record-ID")))
    return records


def test_warc_written_and_ingest_reproduces_the_articles(pipeline_env: dict, start_worker, tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        gold = [r for r in web.visible() if r["outlet"] in OUTLETS]
        job_id = create_job(client, load_registry(outlets_file), OUTLETS)
        code = run_crawl(job_id, pipeline_env["AKHBAR_REDIS_URL"],
                         {**pipeline_env, "AKHBAR_WARC_MAX_BYTES": "200000"}, log_path=tmp_path / "crawl.log")
        assert code == 0, (tmp_path / "crawl.log").read_text(errors="replace")[-3000:]
    assert store.get(job_id).counters["pages_sent"] == len(gold)
    client.delete("clean")  # forget the crawl's hand-off: the index is filled from the WARC files alone

    files = sorted((Path(pipeline_env["AKHBAR_HOME"]) / "warc" / job_id).glob("*.warc.gz"))
    assert len(files) >= 2, files  # rotated by size
    records = read_warcs(files)
    assert all(names[0][1] == "warcinfo" for names in [[r for r in records if r[0] == f.name] for f in files])
    kinds = Counter(r[1] for r in records)
    assert kinds["request"] == kinds["response"] > len(gold)
    ids = {r[6] for r in records if r[1] == "response"}
    assert all(r[5] in ids for r in records if r[1] == "request")  # each request names its response
    by_uri = {(r[2].split("/", 3)[-1], r[3]) for r in records if r[1] == "response"}
    # Real statuses and headers, also of what the pipeline never saw.
    assert ("broken", "500") in by_uri and ("loop/a", "302") in by_uri
    assert ("articles/ghadames-festival-visitors.html", "429") in by_uri
    assert any(r[2].endswith("/files/report.pdf") and r[4] == "application/pdf" for r in records if r[1] == "response")

    start_worker()
    env = {**os.environ, **pipeline_env}
    result = subprocess.run([sys.executable, "-m", "akhbar.cli", "ingest", *map(str, files), "--outlets",
                             str(outlets_file), "--wait", "--timeout", "180"],
                            env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    job = store.list(1)[0]
    assert job.id != job_id and job.state == "succeeded", job.to_dict()
    c = job.counters
    assert c["pages_sent"] == len(gold)
    assert c.get("articles_new", 0) + c.get("articles_duplicate", 0) == len(gold)
    assert c.get("articles_failed", 0) == 0
    adapter = SearchAdapter(pipeline_env["AKHBAR_SEARCH_URL"])
    try:
        adapter.refresh(pipeline_env["AKHBAR_INDEX"])
        hits = adapter.request("POST", f"/{pipeline_env['AKHBAR_INDEX']}/_search",
                               body={"size": 200, "_source": ["title", "outlet"]})["hits"]["hits"]
    finally:
        adapter.close()
    assert len(hits) == c["articles_new"]
    titles = {(h["_source"]["outlet"], h["_source"]["title"]) for h in hits}
    assert titles <= {(r["outlet"], r["title"]) for r in gold}
    # windows-1256 pages came through the WARC intact.
    assert {t for o, t in titles if o == "fx-lana"} == {r["title"] for r in gold if r["outlet"] == "fx-lana"}
