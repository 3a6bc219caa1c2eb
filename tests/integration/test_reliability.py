"""Reliable tasks with real workers on the real broker: kill -9 loses nothing; failures reach the
dead-letter queue with a reason and can be replayed; export writes what the index holds."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from akhbar.core import dlq
from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from tests.fixture_site import FixtureWeb, load_gold

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout: float, what: str, on_timeout=lambda: "", interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}\n{on_timeout()}")


def broker_state(client: redis.Redis) -> str:
    """Where work can hide: queues, unacked deliveries, the index buffer and in-flight batches."""
    state = {name: client.llen(name) for name in ("crawl", "clean", "dedupe", "index")}
    state["unacked"] = client.hlen("unacked")
    state["unacked_mutex"] = client.ttl("unacked_mutex")
    state["index_buffer"] = client.llen("akhbar:index:buffer")
    state["processing"] = [k.decode() for k in client.scan_iter("akhbar:index:processing:*")]
    return "\n" + json.dumps(state)


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def test_kill_9_of_a_worker_mid_batch_loses_no_article(pipeline_env, start_worker, monkeypatch, tmp_path: Path):
    # A short visibility timeout so the broker re-delivers the killed worker's unacked tasks quickly.
    monkeypatch.setenv("AKHBAR_VISIBILITY_TIMEOUT", "5")
    pipeline_env = {**pipeline_env, "AKHBAR_VISIBILITY_TIMEOUT": "5"}
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()

    start_worker(queues="crawl", concurrency=1)  # the crawl runs apart from the victim
    with FixtureWeb(held_back=0) as web:
        outlets_file = tmp_path / "outlets.yaml"
        web.write_outlets_yaml(outlets_file)
        job = submit_crawl(store, load_registry(outlets_file), list(web.outlets), mode="fixture", recrawl=True)
        # Let every page queue up first, so the kill surely lands with most of the work in flight.
        wait_for(lambda: client.hget(store.key(job.id), "crawl_done") == b"1", 120, "the crawl",
                 lambda: broker_state(client))
        assert store.get(job.id).counters["pages_sent"] == len(gold)
        victim = start_worker(queues="clean,dedupe,index", concurrency=1)
        # Kill the pipeline worker (main process and its pool, no goodbye) as soon as work is under way.
        wait_for(lambda: store.get(job.id).counters.get("articles_new", 0) >= 1, 120, "first articles",
                 victim.tail, interval=0.02)
        victim.kill(signal.SIGKILL)
        done_before_kill = store.get(job.id).counters.get("articles_new", 0)
        assert done_before_kill < len(gold), "the kill came too late to prove anything"
        start_worker(queues="clean,dedupe,index", concurrency=2)
        wait_for(lambda: store.get(job.id).state in ("succeeded", "failed"), 240, "job end",
                 lambda: json.dumps(store.get(job.id).to_dict()["counters"]) + broker_state(client))
    final = store.get(job.id)
    assert final.state == "succeeded", final.to_dict()
    exported = cli(pipeline_env, "export", "--jsonl")
    assert exported.returncode == 0, exported.stderr
    urls = {json.loads(line)["canonical_url"] for line in exported.stdout.splitlines()}
    # Every gold article is in the index exactly once, whatever was in flight when the worker died.
    assert len(urls) == len(gold), (final.to_dict()["counters"], dlq.entries(client))
    assert dlq.size(client) == 0


def test_failed_page_goes_to_dead_letters_and_replays(pipeline_env, worker):
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    job = store.create(["manual"], {})
    store.set_state(job.id, "running")
    store.incr(job.id, "pages_sent")
    store.crawl_finished(job.id)
    page = {
        "url": "http://127.0.0.1:9/files/report.pdf",
        "status": 200,
        "headers": {"Content-Type": "text/html"},
        "body_b64": base64.b64encode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj").decode(),
        "outlet": "manual",
        "job_id": job.id,
        "fetched_at": datetime.now(UTC).isoformat(),
    }
    from akhbar.core.celery_app import app

    app.send_task("akhbar.clean", args=[page], queue="clean")
    wait_for(lambda: store.get(job.id).state == "succeeded", 60, "the job to end", worker.tail)
    entry = dlq.entries(client)[0]
    assert entry["task"] == "akhbar.clean"
    assert entry["reason"] == "not-html"
    assert entry["payload"]["url"] == page["url"]
    final = store.get(job.id)
    assert final.counters["articles_failed"] == 1
    assert final.errors == {"extract:not-html": 1}
    assert final.state == "succeeded"  # the job ends; the failure is counted, not hidden

    listed = cli(pipeline_env, "dlq", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [e["url"] for e in json.loads(listed.stdout)] == [page["url"]]
    replayed = cli(pipeline_env, "dlq", "replay")
    assert "replayed 1" in replayed.stdout
    # Still not HTML: it comes back to the dead-letter queue instead of vanishing.
    wait_for(lambda: dlq.size(client) == 1, 60, "the replayed dead letter", worker.tail)


def test_a_cluster_view_queued_before_its_document_does_not_dead_letter_the_document(pipeline_env, worker):
    """Two dedupe tasks race: B joins A's cluster and queues "update A's view" before A's own write is
    queued. When both land in one bulk batch (as after an outage, when the buffer fills), the update used
    to meet "document missing" and that 404 was pinned on A's write, which went to dead letters although
    the engine had taken it."""
    from akhbar.core.celery_app import app
    from akhbar.core.keys import INDEX_BUFFER

    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    job = store.create(["manual"], {})
    ops = []
    for n, doc_id in enumerate(("race-a", "race-b")):
        doc = {"url": f"http://127.0.0.1:9/news/{n}", "canonical_url": f"http://127.0.0.1:9/news/{n}",
               "title": f"خبر السباق {n}", "body": "نص الخبر عن مدينة سبها وأحوالها " * 20,
               "outlet": "manual", "language": "ar"}
        ops += [{"op": "cluster", "id": doc_id},
                {"op": "index", "id": doc_id, "doc": doc, "job_id": job.id, "token": f"t{n}"}]
    ops.append({"op": "cluster", "id": "race-never-written"})  # its 404 means "nothing to apply"
    client.rpush(INDEX_BUFFER, *(json.dumps(op, ensure_ascii=False) for op in ops))
    app.send_task("akhbar.index_flush", queue="index")
    wait_for(lambda: store.get(job.id).counters.get("articles_new", 0) + dlq.size(client) >= 2, 60,
             "the batch to be written", lambda: worker.tail() + broker_state(client))
    assert dlq.size(client) == 0, dlq.entries(client)
    assert store.get(job.id).counters["articles_new"] == 2
    listed = cli(pipeline_env, "export", "--jsonl")
    assert listed.returncode == 0, listed.stderr
    assert {json.loads(line)["cluster_id"] for line in listed.stdout.splitlines()} == {"race-a", "race-b"}
