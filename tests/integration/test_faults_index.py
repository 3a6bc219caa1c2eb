"""Faults on the index side, with real processes: the OpenSearch node killed and restarted during a crawl,
the node frozen in the middle of a bulk request while the worker is killed -9, a worker killed -9 in the
middle of cleaning, the index made read-only (disk flood stage). Nothing is lost, nothing stays stuck:
every gold article ends up in the index exactly once and the job's counters add up.

These tests run their own OpenSearch node (not the session's shared one), because they kill it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from akhbar.core import dlq
from akhbar.core.holds import ENV_VAR as HOLD_POINTS
from akhbar.core.holds import HoldPoint
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import INDEX_LEASES, INDEX_WAITING, PAGE_OUTCOMES
from akhbar.core.procs import free_port, pid_alive
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from index import embedded
from index.adapter import SearchAdapter
from index.blocks import FLOOD_STAGE
from index.manage import ensure_index
from tests.fixture_site import FixtureWeb, load_gold

pytestmark = pytest.mark.integration

FIGURES: list[str] = []
ENDED = ("succeeded", "failed", "cancelled", "stalled")  # one line per fault, printed at the end (pytest -s) for the closing note


@dataclass
class Node:
    """A dedicated OpenSearch node that a test may kill, freeze and restart on the same data and ports."""

    home: Path
    http_port: int
    transport_port: int
    pid: int = 0
    url: str = ""

    def start(self) -> None:
        handle = embedded.start(self.home, http_port=self.http_port, transport_port=self.transport_port,
                                heap=os.environ.get("AKHBAR_OPENSEARCH_HEAP", "512m"), timeout=300)
        self.pid, self.url = handle.pid, handle.url

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while pid_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.1)

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    own = Node(tmp_path_factory.mktemp("own-node"), free_port(), free_port())
    own.start()
    yield own
    if pid_alive(own.pid):
        os.kill(own.pid, signal.SIGCONT)
        embedded.stop(own.pid)


@pytest.fixture(scope="module")
def search_url(node: Node) -> str:
    """Overrides the session's shared node: the pipeline of these tests runs on the node they may kill."""
    return node.url


@pytest.fixture
def env(pipeline_env: dict, node: Node, monkeypatch: pytest.MonkeyPatch) -> dict:
    if not embedded.ping(node.url):  # a previous test left it down: bring it back for this one
        if pid_alive(node.pid):
            node.signal(signal.SIGCONT)
        else:
            node.start()
    monkeypatch.setenv("AKHBAR_SEARCH_URL", node.url)
    pipeline_env["AKHBAR_SEARCH_URL"] = node.url
    return pipeline_env


def wait_for(predicate, timeout: float, what: str, on_timeout=lambda: "", interval: float = 0.2) -> float:
    began = time.monotonic()
    while time.monotonic() < began + timeout:
        if predicate():
            return time.monotonic() - began
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{on_timeout()}")


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def indexed_urls(env: dict) -> list[str]:
    exported = cli(env, "export", "--jsonl")
    assert exported.returncode == 0, exported.stderr
    return [json.loads(line)["canonical_url"] for line in exported.stdout.splitlines()]


def flush_attempts(client: redis.Redis) -> int:
    """Flushes the engine refused or could not take since indexing began to wait."""
    return int(client.hget(INDEX_WAITING, "attempts") or 0)


def adds_up(job: Job) -> bool:
    c = job.counters
    return c.get("pages_sent", 0) == sum(c.get(name, 0) for name in PAGE_OUTCOMES)


def debug(client: redis.Redis, store: JobStore, job_id: str, *workers) -> str:
    state = {name: client.llen(name) for name in ("crawl", "clean", "dedupe", "index")}
    state |= {"unacked": client.hlen("unacked"), "buffer": client.llen("akhbar:index:buffer"),
              "leases": client.zcard(INDEX_LEASES), "dlq": dlq.size(client),
              "waiting": {k.decode(): v.decode() for k, v in client.hgetall(INDEX_WAITING).items()}}
    job = store.get(job_id).to_dict()
    tails = "\n".join(w.tail(25) for w in workers)
    return f"\njob {job['state']} {json.dumps(job['counters'])}\n{json.dumps(state)}\n{tails}"


def crawl(store: JobStore, web: FixtureWeb, tmp_path: Path) -> Job:
    outlets_file = tmp_path / "outlets.yaml"
    web.write_outlets_yaml(outlets_file)
    return submit_crawl(store, load_registry(outlets_file), list(web.outlets), mode="fixture", recrawl=True)


def test_search_node_killed_during_a_crawl_loses_nothing(env, node, start_worker, tmp_path: Path):
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    worker = start_worker(concurrency=2)
    with FixtureWeb(held_back=0) as web:
        job = crawl(store, web, tmp_path)
        wait_for(lambda: store.get(job.id).counters.get("articles_new", 0) >= 3, 180, "first articles",
                 lambda: debug(client, store, job.id, worker), interval=0.05)
        node.kill()
        killed_at = time.monotonic()
        # The outage lasts until the crawl has sent every page and indexing is seen waiting for the engine.
        wait_for(lambda: client.hget(store.key(job.id), "crawl_done") == b"1" and client.exists(INDEX_WAITING),
                 180, "the crawl to finish while the node is down", lambda: debug(client, store, job.id, worker))
        tried = flush_attempts(client)  # one more flush meets the dead node, and its documents still wait
        wait_for(lambda: flush_attempts(client) > tried, 120, "a flush retry", lambda: debug(client, store, job.id))
        assert dlq.size(client) == 0, dlq.entries(client)
        assert store.get(job.id).state == "running"
        node.start()
        restarted_at = time.monotonic()
        recovered = wait_for(lambda: store.get(job.id).state in ENDED, 240, "the job to end",
                             lambda: debug(client, store, job.id, worker))
    final = store.get(job.id)
    urls = indexed_urls(env)
    FIGURES.append(f"node killed {restarted_at - killed_at:.0f}s: indexed {len(set(urls))}/{len(gold)}, "
                   f"dead letters {dlq.size(client)}, job {final.state}, recovered {recovered:.0f}s after restart")
    assert final.state == "succeeded", final.to_dict()
    assert dlq.size(client) == 0, dlq.entries(client)
    assert len(urls) == len(set(urls)) == len(gold)
    assert adds_up(final) and final.counters.get("articles_dead", 0) == 0, final.counters
    assert not client.exists(INDEX_WAITING) and client.zcard(INDEX_LEASES) == 0


def test_outage_past_the_retry_window_dead_letters_documents_that_replay_restores(
        env, node, start_worker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    env["AKHBAR_INDEX_RETRY_WINDOW"] = "3"
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    worker = start_worker(concurrency=2)
    node.kill()
    try:
        with FixtureWeb(held_back=0) as web:
            job = crawl(store, web, tmp_path)
            # Past the window every document goes to dead letters and the job ends by itself.
            wait_for(lambda: store.get(job.id).state in ENDED, 240, "the job to end",
                     lambda: debug(client, store, job.id, worker))
    except BaseException:
        node.start()  # the next test needs it
        raise
    final = store.get(job.id)
    assert adds_up(final), final.counters
    dead = final.counters.get("articles_dead", 0)
    assert dead > 0 and "dlq replay" in final.message, final.to_dict()
    entries = dlq.entries(client)
    documents = [e["payload"] for e in entries if e["payload"].get("op") == "index"]
    assert len(documents) == dead
    assert all(e["payload"]["doc"]["body"] and e["payload"]["doc"]["canonical_url"] for e in entries
               if e["payload"].get("op") == "index"), entries[0]

    node.start()
    began = time.monotonic()
    replayed = cli(env, "dlq", "replay")
    assert replayed.returncode == 0 and f"replayed {len(entries)}" in replayed.stdout, replayed.stdout + replayed.stderr
    wait_for(lambda: store.get(job.id).counters.get("articles_dead", 0) == 0, 120, "the replayed documents",
             lambda: debug(client, store, job.id, worker))
    SearchAdapter(node.url).refresh(env["AKHBAR_INDEX"])
    urls = indexed_urls(env)
    after = store.get(job.id)
    FIGURES.append(f"outage past a 3s window: {dead} dead letters with documents; after replay indexed "
                   f"{len(set(urls))}/{len(gold)}, dead letters {dlq.size(client)}, job {after.state}, "
                   f"restored in {time.monotonic() - began:.0f}s")
    assert dlq.size(client) == 0
    assert len(urls) == len(set(urls)) == len(gold)
    assert adds_up(after) and after.state == "succeeded", after.to_dict()


def test_flood_stage_read_only_index_waits_reports_and_resumes(env, node, start_worker, tmp_path: Path):
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    search = SearchAdapter(node.url)
    alias = env["AKHBAR_INDEX"]
    ensure_index(search, alias)
    # What the engine does itself at the flood-stage disk watermark.
    search.request("PUT", f"/{alias}/_settings", body={"index.blocks.read_only_allow_delete": True})
    # `akhbar services status` reads the node from services.json in AKHBAR_HOME.
    home = Path(env["AKHBAR_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "services.json").write_text(json.dumps({"opensearch": {"url": node.url, "pid": node.pid}}))
    worker = start_worker(concurrency=2)
    try:
        with FixtureWeb(held_back=0) as web:
            job = crawl(store, web, tmp_path)
            wait_for(lambda: client.hget(store.key(job.id), "crawl_done") == b"1" and client.exists(INDEX_WAITING),
                     180, "indexing to wait", lambda: debug(client, store, job.id, worker))
            tried = flush_attempts(client)  # one more flush is refused, and its documents still wait
            wait_for(lambda: flush_attempts(client) > tried, 120, "a flush retry", lambda: debug(client, store, job.id))
            from akhbar.health import check_services

            health = check_services(lambda: client, lambda: search, alias)
            assert health["status"] == "degraded", health
            assert health["checks"]["indexing"]["reason"] == FLOOD_STAGE, health
            status = cli(env, "services", "status", "--json")
            rows = {row["name"]: row for row in json.loads(status.stdout)}
            assert rows["opensearch"]["detail"] == FLOOD_STAGE, status.stdout
            assert dlq.size(client) == 0 and store.get(job.id).state == "running"
            waited = store.get(job.id).counters.get("articles_new", 0)
            search.request("PUT", f"/{alias}/_settings", body={"index.blocks.read_only_allow_delete": None})
            recovered = wait_for(lambda: store.get(job.id).state in ENDED, 240, "the job to end",
                                 lambda: debug(client, store, job.id, worker))
    finally:
        search.request("PUT", f"/{alias}/_settings", body={"index.blocks.read_only_allow_delete": None})
    final = store.get(job.id)
    urls = indexed_urls(env)
    FIGURES.append(f"flood stage: {waited} indexed while blocked; after lifting indexed {len(set(urls))}/{len(gold)}, "
                   f"dead letters {dlq.size(client)}, job {final.state}, resumed in {recovered:.0f}s")
    assert waited == 0
    assert final.state == "succeeded" and adds_up(final), final.to_dict()
    assert dlq.size(client) == 0, dlq.entries(client)
    assert len(urls) == len(set(urls)) == len(gold)
    assert check_services(lambda: client, lambda: search, alias)["checks"]["indexing"] == {"status": "ok"}
    search.close()


def _queue_every_page(client, store, start_worker, web, tmp_path) -> Job:
    start_worker(queues="crawl", concurrency=1)  # the crawl runs apart from the victim
    job = crawl(store, web, tmp_path)
    wait_for(lambda: client.hget(store.key(job.id), "crawl_done") == b"1", 180, "the crawl",
             lambda: debug(client, store, job.id))
    return job


def holds_page(client: redis.Redis, url: str) -> bool:
    """The broker has the page's clean task out to a worker, not acknowledged (kombu's unacked hash)."""
    return any(url.encode() in raw for raw in client.hvals("unacked"))


def test_worker_killed_mid_clean_loses_nothing(env, start_worker, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AKHBAR_VISIBILITY_TIMEOUT", "5")
    env["AKHBAR_VISIBILITY_TIMEOUT"] = "5"
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    with FixtureWeb(held_back=0) as web:
        job = _queue_every_page(client, store, start_worker, web, tmp_path)
        # The victim stops inside its first clean task (hold point "clean") until it is killed there.
        gate = HoldPoint(client, "clean").close()
        victim = start_worker(queues="clean", concurrency=1, env={HOLD_POINTS: "clean"})
        held_url = gate.wait(180)["detail"]
        assert holds_page(client, held_url), "the held page is not out to the victim"
        victim.kill(signal.SIGKILL)
        gate.open()
        assert holds_page(client, held_url), "the kill did not land mid-clean"
        in_hand = client.hlen("unacked")
        began = time.monotonic()
        start_worker(queues="clean,dedupe,index", concurrency=2)
        wait_for(lambda: store.get(job.id).state in ENDED, 300, "the job to end",
                 lambda: debug(client, store, job.id))
    final = store.get(job.id)
    urls = indexed_urls(env)
    FIGURES.append(f"worker -9 mid-clean ({in_hand} pages in hand): indexed {len(set(urls))}/{len(gold)} "
                   f"(copies {len(urls)}), dead letters {dlq.size(client)}, job {final.state}, "
                   f"done {time.monotonic() - began:.0f}s after the kill")
    assert final.state == "succeeded", final.to_dict()
    assert dlq.size(client) == 0, dlq.entries(client)
    assert len(urls) == len(set(urls)) == len(gold)
    # Counted once per page: a re-delivered clean or flush never counts a page twice.
    assert adds_up(final), final.counters
    assert final.counters.get("articles_new", 0) + final.counters.get("articles_updated", 0) == len(gold)


@pytest.mark.parametrize("point", ["index.flush.taken", "index.flush.written"])
def test_worker_killed_mid_flush_loses_nothing(env, node, start_worker, tmp_path: Path, monkeypatch, point: str):
    """Killed -9 holding a batch: before its bulk request ("taken"), or after the engine took the writes and
    before their outcomes were counted ("written": the resend finds the documents there, counted once)."""
    monkeypatch.setenv("AKHBAR_VISIBILITY_TIMEOUT", "5")
    env["AKHBAR_VISIBILITY_TIMEOUT"] = "5"
    client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    gold = load_gold()
    ensure_index(SearchAdapter(node.url), env["AKHBAR_INDEX"])
    with FixtureWeb(held_back=0) as web:
        job = _queue_every_page(client, store, start_worker, web, tmp_path)
        gate = HoldPoint(client, point).close()
        victim = start_worker(queues="clean,dedupe,index", concurrency=1, env={HOLD_POINTS: point})
        batch = int(gate.wait(180)["detail"])
        assert client.zcard(INDEX_LEASES) == 1, "the held flush holds no batch"
        victim.kill(signal.SIGKILL)
        gate.open()
        before_kill = store.get(job.id).counters.get("articles_new", 0)
        assert before_kill < len(gold), "the kill came too late to prove anything"
        began = time.monotonic()
        start_worker(queues="clean,dedupe,index", concurrency=2)
        wait_for(lambda: store.get(job.id).state in ENDED, 240, "the job to end",
                 lambda: debug(client, store, job.id))
    final = store.get(job.id)
    urls = indexed_urls(env)
    FIGURES.append(f"worker -9 at {point} ({batch} operations in its batch): indexed {len(set(urls))}/{len(gold)} "
                   f"(copies {len(urls)}), dead letters {dlq.size(client)}, job {final.state}, done "
                   f"{time.monotonic() - began:.0f}s after the kill; counters {final.counters}")
    assert final.state == "succeeded", final.to_dict()
    assert dlq.size(client) == 0
    assert len(urls) == len(set(urls)) == len(gold)
    assert adds_up(final), final.counters
    assert final.counters.get("articles_new", 0) + final.counters.get("articles_updated", 0) == len(gold)


def teardown_module() -> None:
    for line in FIGURES:
        print("FIGURE", line)
