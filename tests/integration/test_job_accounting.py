"""Job accounting closes, on the real redis-server: each page is counted once whatever re-runs its task,
a replayed dead letter moves from dead to new, a job with work stranded says `stalled` with the command
that repairs it, and `akhbar jobs show` prints the sum."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from akhbar.core import dlq, stall
from akhbar.core.jobs import JobStore
from akhbar.core.keys import INDEX_BUFFER
from tests.conftest import use_broker

pytestmark = pytest.mark.integration


def running_job(store: JobStore, sent: int):
    job = store.create(["manual"])
    store.set_state(job.id, "running")
    store.incr(job.id, "pages_sent", sent)
    store.crawl_finished(job.id)
    return job


def test_outcomes_count_once_per_page_and_a_replay_moves_dead_to_new(client):
    client.flushdb()
    store = JobStore(client)
    job = running_job(store, 3)
    store.outcome(job.id, "articles_new", "page-1")
    store.outcome(job.id, "articles_updated", "page-1")  # a re-delivered flush wrote it again
    store.outcome(job.id, "articles_duplicate", "page-2")
    store.outcome(job.id, "articles_duplicate", "page-2")
    store.outcome(job.id, "articles_dead", "page-3")
    done = store.get(job.id)
    assert done.state == "succeeded" and done.pending == 0
    assert done.counters == {"pages_sent": 3, "articles_new": 1, "articles_duplicate": 1, "articles_dead": 1}
    assert "dlq replay" in done.message
    store.outcome(job.id, "articles_new", "page-3")  # the replayed dead letter landed
    assert store.get(job.id).counters == {"pages_sent": 3, "articles_new": 2, "articles_duplicate": 1,
                                          "articles_dead": 0}


def test_a_job_with_nothing_left_in_flight_says_stalled_and_how_to_repair(client, redis_url, tmp_path):
    client.flushdb()
    store = JobStore(client)
    job = running_job(store, 3)
    store.outcome(job.id, "articles_new", "a")
    store.outcome(job.id, "articles_new", "b")
    now = time.time()
    # Work of the job somewhere in the pipeline (here: its document in the index buffer, a flush queued):
    # never stalled.
    client.rpush(INDEX_BUFFER, json.dumps({"op": "index", "id": "d", "job_id": job.id}))
    client.rpush("index", json.dumps({"headers": {"task": "akhbar.index_flush"}}))
    assert stall.check(store, store.get(job.id), now=now, after=60).state == "running"
    assert stall.check(store, store.get(job.id), now=now + 600, after=60).state == "running"
    # Another job's work does not keep this one running.
    client.delete(INDEX_BUFFER)
    client.rpush(INDEX_BUFFER, json.dumps({"op": "index", "id": "d", "job_id": "another-job"}))
    # Nothing anywhere: quiet for less than the threshold is still running, past it stalled.
    assert stall.check(store, store.get(job.id), now=now, after=60).state == "running"
    assert stall.check(store, store.get(job.id), now=now + 30, after=60).state == "running"
    stalled = stall.check(store, store.get(job.id), now=now + 61, after=60)
    assert stalled.state == "stalled"
    client.delete(INDEX_BUFFER, "index")
    assert "1 of 3 pages" in stalled.message and f"akhbar jobs retry {job.id}" in stalled.message

    env = {**os.environ, "AKHBAR_REDIS_URL": redis_url, "AKHBAR_HOME": str(tmp_path)}
    shown = subprocess.run([sys.executable, "-m", "akhbar.cli", "jobs", "show", job.id], env=env,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "stalled" in shown.stdout and "akhbar jobs retry" in shown.stdout
    assert "sent 3 = new 2 + updated 0 + duplicate 0 + failed 0 + dead 0 + pending 1" in shown.stdout

    # With dead letters waiting, the repair is a replay.
    job2 = running_job(store, 1)
    dlq.push(client, "akhbar.clean", {"url": "http://x/", "job_id": job2.id}, reason="boom")
    stall.check(store, store.get(job2.id), now=now, after=60)
    assert "akhbar dlq replay" in stall.check(store, store.get(job2.id), now=now + 61, after=60).message

    # The missing page lands after all (e.g. replayed): the stalled job finishes by itself.
    store.outcome(job.id, "articles_new", "c")
    final = store.get(job.id)
    assert final.state == "succeeded" and final.message == ""
    listed = subprocess.run([sys.executable, "-m", "akhbar.cli", "jobs", "show", job.id, "--json"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(listed.stdout)["counters"]["articles_new"] == 3


def test_wait_that_times_out_says_what_the_broker_holds(client):
    from akhbar.console import _still_running

    client.flushdb()
    store = JobStore(client)
    job = running_job(store, 2)
    assert "is a worker running?" in _still_running(store, store.get(job.id), 400)
    client.hset("unacked", "tag-1", "{}")  # kombu's hash of delivered, unacknowledged messages
    said = _still_running(store, store.get(job.id), 400)
    assert f"job {job.id} still running after 400s: 1 task(s) wait unacknowledged" in said
    assert "AKHBAR_VISIBILITY_TIMEOUT=" in said


def test_documents_of_a_dead_flush_go_back_to_the_buffer_in_order(client, redis_url, monkeypatch):
    from akhbar.core.keys import INDEX_LEASES
    from workers.indexbuffer import IndexBuffer

    client.flushdb()
    use_broker(monkeypatch, redis_url)
    buffer = IndexBuffer(client)
    client.rpush(INDEX_BUFFER, "a", "b", "c", "d")
    assert buffer.take("akhbar:index:processing:t1", 3) == [b"a", b"b", b"c"]
    assert buffer.take("akhbar:index:processing:t1", 3) == [b"a", b"b", b"c"]  # a re-delivery continues it
    client.rpush(INDEX_BUFFER, "e")
    # The engine took "a" and "c"; "b" must wait: back at the head, ahead of later operations.
    buffer.give_back("akhbar:index:processing:t1", [b"b"])
    assert client.lrange(INDEX_BUFFER, 0, -1) == [b"b", b"d", b"e"] and client.zcard(INDEX_LEASES) == 0

    # A flush that dies holding a batch: its lease ages, nothing else is in flight.
    buffer.take("akhbar:index:processing:t2", 2)
    client.zadd(INDEX_LEASES, {"akhbar:index:processing:t2": time.time() - 1000})
    store = JobStore(client)
    job = running_job(store, 1)
    assert stall.check(store, store.get(job.id)).state == "running"  # documents are somewhere: not stalled
    assert client.llen("index") == 1  # ... and a flush was woken to reclaim them
    assert buffer.reclaim() == 2
    assert client.lrange(INDEX_BUFFER, 0, -1) == [b"b", b"d", b"e"]
    assert not client.exists("akhbar:index:processing:t2") and client.zcard(INDEX_LEASES) == 0
