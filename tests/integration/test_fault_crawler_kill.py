"""A crawler process killed with -9 mid-crawl, then `akhbar jobs resume ID`: the job continues from its
shared frontier in Redis. Real Celery worker (which starts the crawler process), real fixture web, real
OpenSearch node; the fixture web counts every request per path."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from crawler_support import canon, gold_targets
from test_reliability import broker_state, cli, wait_for

from akhbar.core import dlq
from akhbar.core.jobs import JobStore
from akhbar.core.keys import FRONTIER_PREFIX
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from tests.fixture_site import FixtureWeb

pytestmark = pytest.mark.integration

OUTLETS = ["fx-wasat", "fx-lana"]


def crawler_pid(client: redis.Redis, job_id: str) -> int | None:
    """The pid of the job's crawler process on this machine (from its heartbeat in Redis)."""
    for raw in client.zrange(f"{FRONTIER_PREFIX}{job_id}:processes", 0, -1):
        host, _, pid = raw.decode().rpartition(":")
        if host == socket.gethostname():
            return int(pid)
    return None


def in_flight(client: redis.Redis, job_id: str) -> set[str]:
    """URLs the job's crawler processes took from the frontier and had not finished."""
    urls = set()
    for key in client.scan_iter(f"{FRONTIER_PREFIX}{job_id}:*:inflight:*"):
        urls |= {json.loads(item)["url"] for item in client.lrange(key, 0, -1)}
    return urls


def test_kill_9_of_the_crawler_then_resume_fetches_nothing_twice(pipeline_env, start_worker, tmp_path: Path):
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    start_worker(concurrency=2)
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        gold = [r for r in web.visible() if r["outlet"] in OUTLETS]
        # A small delay per host, so that the kill surely lands mid-crawl on a fast machine too.
        job = submit_crawl(store, load_registry(outlets_file), OUTLETS, mode="fixture",
                           scrapy_settings={"DOWNLOAD_DELAY": 0.1, "LOG_LEVEL": "INFO"})
        wait_for(lambda: store.get(job.id).counters.get("pages_sent", 0) >= 6 and crawler_pid(client, job.id),
                 120, "the crawl to get going", lambda: broker_state(client))
        pid = crawler_pid(client, job.id)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        held = in_flight(client, job.id)  # what the dead process had taken and not finished
        sent_at_kill = store.get(job.id).counters.get("pages_sent", 0)
        assert sent_at_kill < len(gold), "the kill came too late to prove anything"
        # The crawl task sees its crawler die; the job fails once the pages already sent are through.
        wait_for(lambda: store.get(job.id).state == "failed", 120, "the job to fail",
                 lambda: json.dumps(store.get(job.id).to_dict()))
        # The job says what continues it; `jobs retry` of a failed crawl does that (it used to start over).
        assert f"`akhbar jobs resume {job.id}`" in store.get(job.id).message, store.get(job.id).message
        shown = cli(pipeline_env, "jobs", "show", job.id)
        assert f"akhbar jobs resume {job.id}" in shown.stdout, shown.stdout

        resumed = cli(pipeline_env, "jobs", "retry", job.id, "--wait", "--timeout", "240")
        assert "resumes from its frontier" in resumed.stdout, resumed.stdout + resumed.stderr
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        recovered = time.monotonic() - killed
        assert "Traceback" not in resumed.stderr, resumed.stderr

        fetched = Counter()
        for slug in OUTLETS:
            fetched.update(canon(t) for t in web.requests(slug))
        article_targets = gold_targets(gold)
        held_targets = {canon("/" + url.split("/", 3)[-1]) for url in held}
        twice = {t for t in article_targets if fetched[t] > 1}
    final = store.get(job.id)
    exported = cli(pipeline_env, "export", "--jsonl")
    assert exported.returncode == 0, exported.stderr
    urls = [json.loads(line)["canonical_url"] for line in exported.stdout.splitlines()]
    print(f"\ncrawler kill -9 after {sent_at_kill} pages sent, {len(held)} requests in flight; resumed: job "
          f"{final.state}, indexed {len(set(urls))} of {len(gold)}, articles fetched twice {len(twice)} "
          f"(all of them in flight at the kill), dead letters {dlq.size(client)}, {recovered:.1f}s from the kill "
          "to the end of the resumed job")
    assert final.state == "succeeded", final.to_dict()
    # Every article page indexed exactly once.
    assert len(urls) == len(set(urls)) == len(gold), (final.counters, sorted(set(urls)))
    assert dlq.size(client) == 0
    # No finished article fetched again: the only articles fetched twice are the ones the dead process held
    # (the fixture's 429 page answers twice by design).
    retried_by_design = {"/articles/ghadames-festival-visitors.html"}
    assert twice - retried_by_design <= held_targets, (twice, held_targets)
    assert all(fetched[t] >= 1 for t in article_targets)


def test_requests_a_dead_process_held_come_back_and_finished_ones_do_not(client) -> None:
    from crawler.frontier import JobFrontier

    gone = subprocess.Popen(["true"])
    gone.wait()
    live = JobFrontier(client, "job-lease", "fx", capacity=1000)
    for i in range(4):
        live.push(f"https://x.ly/{i}", f"p{i}")
    dead = JobFrontier(client, "job-lease", "fx", capacity=1000)
    dead.token = f"{socket.gethostname()}:{gone.pid}:deadbeef"  # a process of this machine that is gone
    assert dead.pop_many(3) == ["p0", "p1", "p2"]
    dead.finish_many(["p1"])  # p1 was finished before the crash
    assert live.reclaim() == 2
    assert [live.pop() for _ in range(3)] == ["p0", "p2", "p3"]  # taken-back requests first
    # Another machine's process: its requests come back when its lease expires, not before.
    remote = JobFrontier(client, "job-lease", "fx", capacity=1000)
    remote.token, remote.lease_ms = "elsewhere:1:cafe", 300
    live.push("https://x.ly/9", "p9")
    assert remote.pop() == "p9"
    assert live.reclaim() == 0
    time.sleep(0.5)
    assert live.reclaim() == 1 and live.pop() == "p9"
    client.delete(*client.keys("akhbar:frontier:job-lease:*"))
