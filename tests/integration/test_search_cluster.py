"""Two embedded OpenSearch data nodes in one cluster (`akhbar services up --search-nodes 2`, with its small
cluster-manager-only tie-breaker): SIGKILL either data node during a search load and a crawl through the
whole pipeline. No search fails, no article is lost,
and the cluster is green again once `services up` restarted the node.

Real processes throughout: redis-server, two OpenSearch JVMs, a Celery worker, the crawler, the fixture
web. The cluster is this module's own (the session's single node is not touched). Marked `cluster`:
`make test` runs it; `-m "not cluster"` leaves it out on a hurried machine.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from akhbar import services
from akhbar.core import dlq
from akhbar.core.config import Settings, load_settings, search_node_urls
from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from index import embedded
from index.adapter import SearchAdapter
from tests.conftest import WorkerProcess, use_broker
from tests.fixture_site import FixtureWeb, load_gold

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

HEAP = "384m"  # two JVMs on a shared 2-core CI machine


def wait_for(predicate, timeout: float, what: str, on_timeout=lambda: "", interval: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}\n{on_timeout()}")


@dataclass
class Cluster:
    settings: Settings
    home: Path

    def state(self) -> dict:
        return self.settings.services_state()

    def urls(self) -> list[str]:
        return search_node_urls(self.state())

    def health(self, **params: str) -> dict:
        for url in self.urls():  # whichever node answers
            try:
                return embedded.cluster_health(url, params, timeout=70)
            except (OSError, ValueError):
                continue
        return {}

    def wait_green(self, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        health: dict = {}
        while time.monotonic() < deadline:
            health = self.health(wait_for_status="green", wait_for_nodes="3", timeout="20s")
            if health.get("status") == "green" and health.get("number_of_data_nodes") == 2 \
                    and health.get("number_of_nodes") == 3 and not health.get("timed_out"):
                return health
            time.sleep(1)
        raise AssertionError(f"cluster not green with 2 data nodes + the tie-breaker after {timeout}s: {health}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("cluster-home")
    settings = load_settings({"AKHBAR_HOME": str(home), "AKHBAR_OPENSEARCH_HEAP": HEAP})
    try:
        services.up(settings, search_nodes=2, node_timeout=600, log=lambda *_: None)
        stack = Cluster(settings, home)
        stack.wait_green()
        yield stack
    finally:
        services.down(settings, log=lambda *_: None)


@dataclass
class SearchLoad:
    """A thread sending searches through a two-URL adapter in a bounded loop; every exception counts."""

    url: str
    alias: str
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        adapter = SearchAdapter(self.url, "opensearch", timeout=20)
        body = {"query": {"match": {"body": "ليبيا"}}, "size": 5}
        for _ in range(100_000):  # bounded; stopped by the test long before
            if self.stop.is_set():
                break
            try:
                adapter.search(self.alias, body)
                self.ok += 1
            except Exception as exc:  # noqa: BLE001 - the test counts every kind
                self.failures.append(f"{type(exc).__name__}: {exc}"[:300])
            time.sleep(0.05)
        adapter.close()


@pytest.mark.parametrize("victim", [2, 1], ids=["node-2", "node-1"])
def test_kill_a_search_node_during_searches_and_a_crawl(cluster: Cluster, victim: int, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    state = cluster.state()
    assert state["search_nodes"] == 2 and len(cluster.urls()) == 2
    search_url = ",".join(cluster.urls())
    redis_url = state["redis"]["url"]
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    alias = f"cl-{uuid.uuid4().hex[:8]}"
    gold = load_gold()
    env = {
        "AKHBAR_HOME": str(cluster.home), "AKHBAR_REDIS_URL": redis_url, "AKHBAR_SEARCH_URL": search_url,
        "AKHBAR_INDEX": alias, "AKHBAR_SEARCH_ENGINE": "opensearch", "AKHBAR_VISIBILITY_TIMEOUT": "30",
    }
    use_broker(monkeypatch, redis_url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    worker = WorkerProcess(env, tmp_path / "worker.log", concurrency=2)
    load = SearchLoad(search_url, alias)
    searcher = threading.Thread(target=load.run, daemon=True)
    try:
        worker.wait_ready(120)
        adapter = SearchAdapter(search_url, "opensearch")
        from index.manage import ensure_index

        ensure_index(adapter, alias)
        settings = adapter.request("GET", f"/{alias}/_settings")
        index_settings = next(iter(settings.values()))["settings"]["index"]
        assert index_settings["auto_expand_replicas"] == "0-1"
        cluster.wait_green()  # the replica is assigned: one copy of the shard on each node
        shards = adapter.request("GET", f"/_cat/shards/{alias}", params={"format": "json"})
        assert sorted(s["prirep"] for s in shards) == ["p", "r"], shards

        searcher.start()
        store = JobStore(client)
        with FixtureWeb(held_back=0) as web:
            outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
            job = submit_crawl(store, load_registry(outlets_file), list(web.outlets), mode="fixture", recrawl=True)
            wait_for(lambda: store.get(job.id).counters.get("articles_new", 0) >= 5, 180, "first articles",
                     worker.tail)
            manager = adapter.request("GET", "/_cat/cluster_manager", params={"format": "json"})[0]["node"]
            before = cluster.state()[services.node_key(victim)]
            os.kill(before["pid"], signal.SIGKILL)
            killed_at = time.monotonic()
            done_at_kill = store.get(job.id).counters.get("articles_new", 0)
            # Searches and indexing meet the dead node: ten more searches, and an article written without it.
            tried_at_kill = load.ok + len(load.failures)
            wait_for(lambda: load.ok + len(load.failures) >= tried_at_kill + 10
                     and store.get(job.id).counters.get("articles_new", 0) > done_at_kill, 180,
                     "searches and indexing with the node dead", worker.tail)
            services.up(cluster.settings, node_timeout=600, log=lambda *_: None)  # same ports again
            wait_for(lambda: store.get(job.id).state in ("succeeded", "failed"), 300, "the job to end",
                     lambda: json.dumps(store.get(job.id).to_dict()["counters"]) + "\n" + worker.tail())
        health = cluster.wait_green()
        after = cluster.state()[services.node_key(victim)]
        assert after["pid"] != before["pid"]
        assert (after["url"], after["transport_port"]) == (before["url"], before["transport_port"])  # same ports
        recovered_s = time.monotonic() - killed_at
        load.stop.set()
        searcher.join(60)
        final = store.get(job.id)
        shards_after = adapter.request("GET", f"/_cat/shards/{alias}", params={"format": "json"})
        adapter.refresh(alias)
        indexed = int(adapter.request("GET", f"/{alias}/_count")["count"])
        adapter.request("DELETE", f"/{alias}-v*", params={"ignore_unavailable": "true"})
        adapter.close()
        print(f"\nvictim node {victim} (elected manager at the kill: {manager}): {load.ok} searches, {len(load.failures)} failed; {indexed}/{len(gold)} "
              f"articles indexed ({done_at_kill} before the kill); green with 2 data nodes {recovered_s:.0f}s "
              f"after the kill; job {final.state}")
        assert done_at_kill < len(gold), "the kill came after the crawl: it proves nothing"
        assert load.failures == [], load.failures[:5]
        assert load.ok > 20
        assert final.state == "succeeded", final.to_dict()
        assert indexed == len(gold), final.to_dict()["counters"]
        assert dlq.size(client) == 0, dlq.entries(client)[:3]
        assert health["unassigned_shards"] == 0
        assert sorted((s["prirep"], s["state"]) for s in shards_after) == [("p", "STARTED"), ("r", "STARTED")]
    finally:
        load.stop.set()
        worker.kill()
