"""The job ledger and the reconciler, with real processes: a task the broker loses (in kombu's transport gap,
through Celery's Reject(requeue=False), or a lost last index_flush) is found missing and re-driven from
its durable copy, and the job ends `succeeded` with every page indexed once; a page whose copy is gone
ends the job `stalled`, naming the URL and why; `akhbar jobs retry` re-drives an ingest's pending pages.

Each fault is reached through a hold point (akhbar.core.holds) or by taking the messages out of the
broker, never by timing. Real redis-server, real OpenSearch node, real Celery workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from fault_support import RedisProcess, cli_process, wait_for_line, write_fixture_warc
from test_reliability import wait_for

from akhbar.core import dlq, ledger
from akhbar.core.holds import ENV_VAR as HOLD_POINTS
from akhbar.core.holds import HoldPoint
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import INDEX_BUFFER, PAGE_OUTCOMES
from akhbar.core.reconcile import presence
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from index.adapter import SearchAdapter
from tests.conftest import WorkerProcess
from tests.fixture_site import FixtureWeb, load_gold

pytestmark = pytest.mark.integration

OUTLETS = ["fx-wasat", "fx-lana", "fx-marsad"]
QUICK = {"AKHBAR_JOB_REDRIVE_AFTER": "2", "AKHBAR_JOB_STALL_AFTER": "6"}
FIGURES: list[str] = []


def cli(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def indexed_urls(env: dict) -> list[str]:
    exported = cli(env, "export", "--jsonl")
    assert exported.returncode == 0, exported.stderr
    return [json.loads(line)["url"] for line in exported.stdout.splitlines()]


def adds_up(job: Job) -> bool:
    return job.counters.get("pages_sent", 0) == sum(job.counters.get(k, 0) for k in PAGE_OUTCOMES)


def in_broker(client: redis.Redis, url: str) -> bool:
    """The page's clean task is queued or out to a worker (its URL is in the task's plain headers)."""
    needle = url.encode()
    return any(needle in raw for raw in client.lrange("clean", 0, -1)) or \
        any(needle in raw for raw in client.hvals("unacked"))


def assert_every_page_once(env: dict, job: Job, gold: list[dict]) -> list[str]:
    urls = indexed_urls(env)
    c = job.counters
    assert job.state == "succeeded", job.to_dict()
    assert adds_up(job), c
    assert c.get("articles_failed", 0) == 0 and c.get("articles_dead", 0) == 0, c
    assert sum(c.get(k, 0) for k in ("articles_new", "articles_updated", "articles_duplicate")) == len(gold), c
    assert len(urls) == len(set(urls))  # each page indexed once (reposts are clustered, not dropped)
    assert len(urls) == len(gold) - c.get("articles_duplicate", 0), (len(urls), c)
    return urls


@pytest.fixture
def own_redis(tmp_path: Path, search_url: str):
    """A redis-server of the test's own (it may be stopped) and the environment of a pipeline on it."""
    red = RedisProcess(tmp_path / "redis").start()
    alias = f"ledger-{uuid.uuid4().hex[:8]}"
    env = {"AKHBAR_HOME": str(tmp_path / "home"), "AKHBAR_REDIS_URL": red.url, "AKHBAR_SEARCH_URL": search_url,
           "AKHBAR_INDEX": alias, "AKHBAR_SEARCH_ENGINE": "opensearch", "AKHBAR_REDIS_WAIT": "120",
           "AKHBAR_REDIS_WAIT_WORKERS": "120", "AKHBAR_VISIBILITY_TIMEOUT": "30", **QUICK}
    yield red, env
    adapter = SearchAdapter(search_url)
    adapter.request("DELETE", f"/{alias}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    adapter.close()
    red.stop()


def fixture_warc(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        gold = write_fixture_warc(web, OUTLETS, tmp_path / "pages.warc.gz")
    return tmp_path / "pages.warc.gz", outlets_file, gold


def test_a_task_lost_in_the_broker_transport_gap_is_redriven(own_redis, tmp_path: Path) -> None:
    red, env = own_redis
    warc, outlets_file, gold = fixture_warc(tmp_path)
    gate = HoldPoint(red.client(), "broker.unacked").close()
    worker = WorkerProcess({**env, HOLD_POINTS: "broker.unacked"}, tmp_path / "worker.log", concurrency=2)
    try:
        worker.wait_ready()
        log = tmp_path / "ingest.log"
        ingest = cli_process(env, "ingest", str(warc), "--outlets", str(outlets_file), "--wait", "--timeout", "400",
                             log=log)
        # The worker popped a task (BRPOP) and stops before recording it in `unacked`.
        held = gate.wait(120)["detail"]
        url = held.split()[-1].rstrip("]")
        assert not in_broker(red.client(), url), f"{url} is still in the broker: nothing would be lost"
        # Redis stops there: the worker's next read fails, and kombu loses the message (neither queued nor
        # unacknowledged), as it does when Redis stops between BRPOP and HSET.
        red.stop()
        red.start()
        HoldPoint(red.client(), "broker.unacked").open()  # the gate came back with the AOF
        code = ingest.wait(400)
        output = log.read_text(errors="replace")
        assert code == 0, output + "\n" + worker.tail()
        assert "Traceback" not in output, output
        job = JobStore(red.client()).list(1)[0]
        redriven = job.counters.get("pages_redriven", 0)
        FIGURES.append(f"transport gap: 1 task lost ({url}); job {job.state}, re-driven {redriven}, "
                       f"counters {job.counters}")
        assert redriven >= 1, job.counters
        urls = assert_every_page_once(env, job, gold)
        assert url in urls
        assert ledger.size(red.client(), job.id) == 0  # nothing left on its way
    finally:
        worker.kill()


def test_a_redis_restart_during_a_crawl_loses_nothing(own_redis, tmp_path: Path) -> None:
    """The crawl version of the ingest outage test: pages crawled, cleaned and indexed through an outage."""
    red, env = own_redis
    worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=2)
    try:
        worker.wait_ready()
        with FixtureWeb(held_back=0) as web:
            outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
            gold = [r for r in web.visible() if r["outlet"] in OUTLETS]
            log = tmp_path / "crawl.log"
            crawl = cli_process(env, "crawl", *OUTLETS, "--outlets", str(outlets_file), "--mode", "fixture",
                                "--wait", "--timeout", "400", log=log)
            store = JobStore(red.client())
            wait_for(lambda: (jobs := store.list(1)) and jobs[0].counters.get("articles_new", 0) >= 5, 180,
                     "the pipeline to get going", worker.tail)
            job_id = store.list(1)[0].id
            assert store.get(job_id).counters.get("articles_new", 0) < len(gold), "the outage came too late"
            red.stop()
            wait_for_line(log, "unreachable, retrying", crawl)  # the outage lasts until the CLI met it
            red.start()
            code = crawl.wait(400)
        output = log.read_text(errors="replace")
        assert code == 0, output + "\n" + worker.tail()
        assert "Traceback" not in output, output
        job = JobStore(red.client()).get(job_id)
        FIGURES.append(f"redis restart during a crawl: job {job.state}, re-driven "
                       f"{job.counters.get('pages_redriven', 0)}, counters {job.counters}")
        assert job.counters["pages_sent"] == len(gold), job.counters
        assert_every_page_once(env, job, gold)
        assert dlq.size(red.client()) == 0
    finally:
        worker.kill()


def _queue_every_page(pipeline_env: dict, start_worker, web: FixtureWeb, tmp_path: Path) -> Job:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    start_worker(queues="crawl", concurrency=1)
    outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
    job = submit_crawl(store, load_registry(outlets_file), list(web.outlets), mode="fixture", recrawl=True)
    wait_for(lambda: client.hget(store.key(job.id), "crawl_done") == b"1", 180, "the crawl")
    return job


def test_a_task_celery_rejects_when_its_retry_cannot_be_published_is_redriven(pipeline_env, start_worker,
                                                                             tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    with FixtureWeb(held_back=0) as web:
        job = _queue_every_page(pipeline_env, start_worker, web, tmp_path)
        # The first clean task fails; publishing its retry fails too: Celery drops the task with
        # Reject(requeue=False). Nothing of the page is left in the broker.
        failing_clean = HoldPoint(client, "clean").fail_once()
        failing_publish = HoldPoint(client, "task.publish").fail_once()
        worker = start_worker(concurrency=1, env={**QUICK, HOLD_POINTS: "clean,task.publish"})
        url = failing_clean.wait(120)["detail"]
        assert failing_publish.wait(120)["detail"] == "akhbar.clean"  # the retry's publish is what failed
        wait_for(lambda: store.get(job.id).state in ("succeeded", "failed", "stalled"), 240, "the job to end",
                 worker.tail)
    final = store.get(job.id)
    FIGURES.append(f"Reject(requeue=False): {url}; job {final.state}, re-driven "
                   f"{final.counters.get('pages_redriven', 0)}")
    assert "Reject" in worker.tail(2000) or "reject" in worker.tail(2000), worker.tail()
    assert final.counters.get("pages_redriven", 0) >= 1, final.counters
    assert url in assert_every_page_once(pipeline_env, final, gold)


def test_a_lost_last_index_flush_is_sent_by_the_reconciler(pipeline_env, start_worker, tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    with FixtureWeb(held_back=0) as web:
        job = _queue_every_page(pipeline_env, start_worker, web, tmp_path)
        # Clean and dedupe everything; nothing consumes the index queue yet.
        stages = start_worker(queues="clean,dedupe", concurrency=2, env=QUICK)
        wait_for(lambda: not client.llen("clean") and not client.llen("dedupe") and not client.hlen("unacked")
                 and client.llen(INDEX_BUFFER), 240, "every page through dedupe", stages.tail)
        flushes = client.llen("index")
        assert flushes and client.delete("index") == 1  # the broker lost every flush task
        indexer = start_worker(queues="index", concurrency=1, env=QUICK)
        wait_for(lambda: store.get(job.id).state in ("succeeded", "failed", "stalled"), 240, "the job to end",
                 indexer.tail)
    final = store.get(job.id)
    # Any worker's job watcher may be the one that sees it (every worker runs one).
    logs = "\n".join(path.read_text(errors="replace") for path in sorted(tmp_path.glob("worker-*.log")))
    FIGURES.append(f"lost index_flush: {flushes} flush tasks dropped; job {final.state}")
    assert "with no flush queued; sent one" in logs, logs[-3000:]
    assert_every_page_once(pipeline_env, final, gold)


def test_a_page_whose_copy_is_gone_stalls_the_job_naming_it(pipeline_env, start_worker, tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    warc, outlets_file, gold = fixture_warc(tmp_path)
    env = {**pipeline_env, **QUICK}
    sent = cli(env, "ingest", str(warc), "--outlets", str(outlets_file))
    assert sent.returncode == 0, sent.stderr
    job = store.list(1)[0]
    assert presence(client, job.id).job_work  # its queued tasks carry the job in a plain header
    assert not presence(client, "another-job").job_work
    raw = client.lindex("clean", 0)
    lost_url = json.loads(raw)["headers"]["argsrepr"].split()[-1].rstrip("]")
    assert client.lrem("clean", 1, raw) == 1  # the broker lost this page's task...
    warc.unlink()  # ...and its durable copy is gone too
    worker = start_worker(concurrency=2, env=QUICK)
    wait_for(lambda: store.get(job.id).state in ("succeeded", "failed", "stalled"), 240, "the job to end",
             worker.tail)
    final = store.get(job.id)
    FIGURES.append(f"copy gone: job {final.state}: {final.message}")
    assert final.state == "stalled", final.to_dict()
    assert final.pending == 1
    assert lost_url in final.message and "cannot be read" in final.message, final.message
    shown = cli(env, "jobs", "show", job.id)
    assert lost_url in shown.stdout and "Traceback" not in shown.stderr, shown.stdout + shown.stderr


def test_jobs_retry_of_an_ingest_redrives_its_pending_pages_from_the_warc(pipeline_env, start_worker,
                                                                        tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    warc, outlets_file, gold = fixture_warc(tmp_path)
    sent = cli(pipeline_env, "ingest", str(warc), "--outlets", str(outlets_file))
    assert sent.returncode == 0, sent.stderr
    job = store.list(1)[0]
    assert presence(client, job.id).job_work
    assert client.delete("clean") == 1  # the broker lost every page task of the job
    assert ledger.size(client, job.id) == len(gold) and not presence(client, job.id).job_work
    retried = cli(pipeline_env, "jobs", "retry", job.id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"re-drove {len(gold)} pending pages" in retried.stdout, retried.stdout
    worker = start_worker(concurrency=2)
    wait_for(lambda: store.get(job.id).state in ("succeeded", "failed", "stalled"), 240, "the job to end",
             worker.tail)
    assert_every_page_once(pipeline_env, store.get(job.id), gold)


def teardown_module() -> None:
    for line in FIGURES:
        print("FIGURE", line)
