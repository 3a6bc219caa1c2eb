"""Redis outages with real processes: redis-server stopped and started again (same port, same data
directory) while `akhbar ingest --wait` replays a WARC through real Celery workers into the real
OpenSearch node; and CLI commands against a Redis that never comes back."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fault_support import RedisProcess, cli_process, wait_for_line, write_fixture_warc

from akhbar.core.jobs import JobStore
from akhbar.core.procs import free_port
from akhbar.core.registry import load_registry
from akhbar.core.urls import canonical_url as canon_url
from crawler.localrun import create_job, start_crawl
from index.adapter import SearchAdapter
from tests.conftest import WorkerProcess
from tests.fixture_site import FixtureWeb

pytestmark = pytest.mark.integration

OUTLETS = ["fx-wasat", "fx-lana", "fx-marsad"]


def test_redis_restart_during_ingest_loses_nothing(search_url: str, tmp_path: Path) -> None:
    red = RedisProcess(tmp_path / "redis").start()
    alias = f"fault-{uuid.uuid4().hex[:8]}"
    # A task the worker had reserved (received, not started) when Redis went away stays in kombu's
    # unacked hash and runs again only after the visibility timeout (CI once waited 400 s for one such
    # page under the 30-minute default). A short timeout lets the test see that page come back.
    env = {"AKHBAR_HOME": str(tmp_path / "home"), "AKHBAR_REDIS_URL": red.url, "AKHBAR_SEARCH_URL": search_url,
           "AKHBAR_INDEX": alias, "AKHBAR_SEARCH_ENGINE": "opensearch", "AKHBAR_REDIS_WAIT": "120",
           "AKHBAR_REDIS_WAIT_WORKERS": "120", "AKHBAR_VISIBILITY_TIMEOUT": "30"}
    worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=2)
    adapter = SearchAdapter(search_url)
    try:
        with FixtureWeb(held_back=0) as web:
            outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
            gold = write_fixture_warc(web, OUTLETS, tmp_path / "pages.warc.gz")
        worker.wait_ready()
        log = tmp_path / "ingest.log"
        ingest = cli_process(env, "ingest", str(tmp_path / "pages.warc.gz"), "--outlets", str(outlets_file),
                             "--wait", "--timeout", "400", log=log)
        store = JobStore(red.client())

        # Stop Redis once the pipeline is part-way through the job.
        deadline = time.monotonic() + 120
        job = None
        while time.monotonic() < deadline:
            jobs = store.list(1)
            job = jobs[0] if jobs else None
            if job is not None and sum(job.counters.get(k, 0) for k in ("articles_new", "articles_duplicate")) >= 5:
                break
            assert ingest.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
        assert job is not None, log.read_text(errors="replace")
        done_at_stop = sum(store.get(job.id).counters.get(k, 0) for k in ("articles_new", "articles_duplicate"))
        assert done_at_stop < len(gold), "the outage came too late to prove anything"
        red.stop()
        stopped = time.monotonic()
        # The outage lasts until the client has met it (and says so), not for a guessed time.
        wait_for_line(log, "unreachable, retrying", ingest)
        red.start()  # same port, same data directory (AOF)
        restarted = time.monotonic()
        code = ingest.wait(400)
        recovered = time.monotonic() - restarted
        output = log.read_text(errors="replace")
        assert code == 0, output + "\n" + worker.tail()
        assert "Traceback" not in output, output
        assert "unreachable, retrying" in output, output  # the user was told why nothing moved

        final = JobStore(red.client()).get(job.id)
        c = final.counters
        adapter.refresh(alias)
        hits = adapter.request("POST", f"/{alias}/_search", body={"size": 500, "_source": ["url"]})["hits"]["hits"]
        dead = red.client().llen("akhbar:dlq")
        print(f"\nredis outage {restarted - stopped:.1f}s during ingest: job {final.state}, sent {c.get('pages_sent')} "
              f"of {len(gold)}, new {c.get('articles_new', 0)} dup {c.get('articles_duplicate', 0)} failed "
              f"{c.get('articles_failed', 0)}, indexed {len(hits)}, dead letters {dead}, re-driven "
              f"{c.get('pages_redriven', 0)}, ingest exited {recovered:.1f}s after the restart")
        assert final.state == "succeeded", final.to_dict()
        assert c["pages_sent"] == len(gold)
        assert c.get("articles_failed", 0) == 0 and dead == 0
        # Each page reached exactly one outcome. "updated": a bulk write the engine took before Redis went
        # away was sent again after it came back, and the engine reported the document as already there.
        assert sum(c.get(k, 0) for k in ("articles_new", "articles_updated", "articles_duplicate")) == len(gold), c
        assert len(hits) == len({h["_source"]["url"] for h in hits})
        # Every article is in the index (duplicates are the same story at another outlet, clustered).
        assert len(hits) >= len(gold) - c.get("articles_duplicate", 0)
    finally:
        adapter.request("DELETE", f"/{alias}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})
        adapter.close()
        worker.kill()
        red.stop()


def _run(env: dict, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - began


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error:")]


def test_cli_with_redis_down_for_good_says_so_in_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {"AKHBAR_HOME": str(tmp_path / "home"), "AKHBAR_REDIS_URL": f"redis://127.0.0.1:{port}/0",
           "AKHBAR_REDIS_WAIT": "3"}
    warc = tmp_path / "empty.warc.gz"
    warc.write_bytes(b"")
    for args in (["jobs", "list"], ["jobs", "show", "x"], ["dlq", "list"], ["ingest", str(warc), "--wait"],
                 ["crawl", "alwasat", "--wait"], ["dlq", "replay"]):
        result, took = _run(env, *args)
        output = result.stdout + result.stderr
        assert result.returncode == 2, (args, output)
        assert "Traceback" not in output, (args, output)
        assert _error_lines(result) == [
            f"error: Redis at 127.0.0.1:{port} unreachable for 3s: start it (`akhbar services up`) or check "
            "AKHBAR_REDIS_URL"], (args, output)
        assert f"Redis at 127.0.0.1:{port} unreachable, retrying…" in output, (args, output)
        assert took < 3 + 20, (args, took)  # the limit, plus interpreter start-up on a loaded machine


def test_jobs_list_with_the_embedded_services_down_says_what_to_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (home / "services.json").write_text(json.dumps({"redis": {"url": f"redis://127.0.0.1:{port}/0", "pid": dead.pid}}))
    env = {"AKHBAR_HOME": str(home), "AKHBAR_REDIS_URL": "", "AKHBAR_REDIS_WAIT": "30"}
    result, took = _run(env, "jobs", "list")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert _error_lines(result) == ["error: Redis is not running: start it with `akhbar services up` (and a worker "
                                    "with `akhbar worker`)"], result.stderr
    assert took < 15, took  # no waiting for a Redis that this machine knows is not running


def _queued_urls(client) -> list[str]:
    """URLs of the page messages waiting in the `clean` queue (kombu's JSON envelope, base64 body)."""
    urls = []
    for raw in client.lrange("clean", 0, -1):
        envelope = json.loads(raw)
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        urls.append(args[0]["url"])
    return urls


def test_redis_restart_during_a_crawl_pauses_and_resumes_it(tmp_path: Path) -> None:
    red = RedisProcess(tmp_path / "redis").start()
    home = tmp_path / "home"
    env = {"AKHBAR_REDIS_URL": red.url, "AKHBAR_HOME": str(home), "AKHBAR_REDIS_WAIT_WORKERS": "120"}
    log = tmp_path / "crawl.log"
    try:
        with FixtureWeb(held_back=0) as web:
            outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
            gold = [r for r in web.visible() if r["outlet"] in ("fx-wasat", "fx-lana")]
            client = red.client()
            store = JobStore(client)
            job_id = create_job(client, load_registry(outlets_file), ["fx-wasat", "fx-lana"],
                                scrapy_settings={"DOWNLOAD_DELAY": 0.1})
            crawler = start_crawl(job_id, red.url, env, log_path=log)
            deadline = time.monotonic() + 120
            while store.get(job_id).counters.get("pages_sent", 0) < 5:
                assert crawler.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.05)
            sent_at_stop = store.get(job_id).counters["pages_sent"]
            red.stop()
            wait_for_line(log, "unreachable, retrying", crawler)  # the crawler met the outage
            red.start()
            restarted = time.monotonic()
            code = crawler.wait(300)
            recovered = time.monotonic() - restarted
        output = log.read_text(errors="replace")
        assert code == 0, output[-4000:]
        client = red.client()
        queued = _queued_urls(client)
        print(f"\nredis outage during a crawl ({sent_at_stop} pages sent before): crawl exited "
              f"{code} {recovered:.1f}s after the restart, {len(set(queued))} of {len(gold)} articles handed off, "
              f"{len(queued) - len(set(queued))} sent twice")
        assert sent_at_stop < len(gold), "the outage came too late to prove anything"
        assert {canon_url(u) for u in queued} == {canon_url(web.url(r)) for r in gold}
    finally:
        red.stop()
