"""`akhbar services up|status|down`: the embedded Redis and OpenSearch node, no Docker needed.

State (URLs, pids, ports) lives in `$AKHBAR_HOME/services.json`; data in `$AKHBAR_HOME/redis` and
`$AKHBAR_HOME/opensearch`, so a restart keeps the archive and the queues. A restart reuses the
ports it had, so URLs other tools saved stay valid.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from akhbar import redis_server
from akhbar.core.config import Settings, search_node_key
from akhbar.core.procs import free_port
from akhbar.core.redact import redact_url
from index import embedded


@dataclass
class ServiceStatus:
    name: str
    running: bool
    url: str | None
    pid: int | None
    detail: str = ""


def _save(settings: Settings, state: dict) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    tmp = settings.services_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(settings.services_file)


def _port(url: str | None) -> int | None:
    return urlparse(url).port if url else None


node_key = search_node_key  # services.json key of search node i (1-based)
TIEBREAKER = "opensearch-tiebreaker"
TIEBREAKER_HEAP = "256m"


def node_name(i: int) -> str:
    return "akhbar-node" if i == 1 else f"akhbar-node-{i}"


@dataclass(frozen=True)
class NodeSpec:
    key: str  # in services.json
    name: str  # node.name
    roles: str | None  # None: every role (cluster manager + data); "cluster_manager": the tie-breaker
    home_dir: str


def node_specs(count: int) -> list[NodeSpec]:
    """The nodes of `--search-nodes count`. A cluster manager is elected by a majority of the voting
    nodes, and a majority of two is two: with an even number of data nodes a small cluster-manager-only
    node (no data, 256 MB heap) makes the voters odd, so the cluster keeps its manager, its routing and
    its writes when any one data node dies (Elasticsearch's "tiebreaker" for two-node clusters)."""
    specs = [NodeSpec(node_key(i), node_name(i), None, node_key(i)) for i in range(1, count + 1)]
    if count >= 2 and count % 2 == 0:
        specs.append(NodeSpec(TIEBREAKER, "akhbar-tiebreaker", "cluster_manager", TIEBREAKER))
    return specs


def up(settings: Settings, *, redis_port: int | None = None, http_port: int | None = None,
       search_nodes: int | None = None, node_timeout: float = 180.0, log=print) -> dict:
    """Start whatever is not already running; idempotent. `search_nodes` (default: as last time, else 1)
    > 1 starts that many OpenSearch nodes forming one cluster on loopback (docs/cluster.md)."""
    state = settings.services_state()
    red = state.get("redis", {})
    if redis_server.alive(red.get("pid"), red.get("url")):
        log(f"redis      already running at {red['url']} (pid {red['pid']})")
    else:
        began = time.monotonic()
        handle = redis_server.start(settings.home / "redis", port=redis_port or _port(red.get("url")))
        red = {"url": handle.url, "pid": handle.pid}
        state["redis"] = red
        _save(settings, state)
        log(f"redis      started at {handle.url} (pid {handle.pid}) in {time.monotonic() - began:.1f}s")

    count = search_nodes or int(state.get("search_nodes", 1))
    if count < 1:
        raise ValueError("--search-nodes must be at least 1")
    if not embedded.is_built():
        log("opensearch building the node from Maven Central jars (first run only)...")
        embedded.build()
    # Ports are chosen once and kept in services.json: the seed list of every node names them all, and
    # URLs other tools saved stay valid across restarts.
    specs = node_specs(count)
    for spec in specs:
        entry = state.setdefault(spec.key, {})
        if spec.key == node_key(1) and http_port:
            entry["url"] = f"http://127.0.0.1:{http_port}"
        entry.setdefault("transport_port", free_port())
        if not entry.get("url"):
            entry["http_port"] = entry.get("http_port") or free_port()
    state["search_nodes"] = count
    seed_ports = tuple(state[spec.key]["transport_port"] for spec in specs)
    # Bootstrapping names every voter, and only for a brand-new cluster: nodes added to an existing
    # home join the cluster its data holds instead of founding a second one.
    fresh = not any(embedded.has_data(settings.home / spec.home_dir) for spec in specs)
    bootstrap = tuple(spec.name for spec in specs) if fresh else ()
    launched = []
    began = time.monotonic()
    for spec in specs:
        entry = state[spec.key]
        if embedded.running(entry.get("pid"), entry.get("url")):
            log(f"{spec.key:<10} already running at {entry['url']} (pid {entry['pid']})")
            continue
        peers = None if count == 1 else embedded.ClusterPeers(seed_ports=seed_ports, initial_managers=bootstrap,
                                                               roles=spec.roles)
        handle = embedded.launch(
            settings.home / spec.home_dir,
            http_port=_port(entry.get("url")) or entry.get("http_port"),
            transport_port=entry["transport_port"],
            heap=TIEBREAKER_HEAP if spec.roles == "cluster_manager" else settings.opensearch_heap,
            name=spec.name,
            peers=peers,
        )
        launched.append((spec, handle))
        entry["pid"] = handle.pid  # recorded at once: `services down` stops a node that never came up
        _save(settings, state)
    for spec, handle in launched:  # started together, waited for together: they need each other
        embedded.wait_serving(handle, node_timeout)
        state[spec.key] = {"url": handle.url, "pid": handle.pid, "transport_port": handle.transport_port,
                           "name": handle.name, "roles": spec.roles, "started_in": time.monotonic() - began}
        _save(settings, state)
        log(f"{spec.key:<10} started at {handle.url} (pid {handle.pid}) in {time.monotonic() - began:.1f}s")
    _save(settings, state)
    return state


def status(settings: Settings) -> list[ServiceStatus]:
    """What runs where; URLs are shown with their passwords masked (akhbar.core.redact)."""
    state = settings.services_state()
    red = state.get("redis", {})
    rows = [ServiceStatus("redis", redis_server.alive(red.get("pid"), red.get("url")), redact_url(red.get("url")),
                          red.get("pid"))]
    for spec in node_specs(int(state.get("search_nodes", 1))):
        node = state.get(spec.key, {})
        alive = embedded.alive(node.get("pid"), node.get("url"))
        detail = "not built yet" if not embedded.is_built() else ("no data, a vote" if spec.roles else "")
        if alive and not spec.roles:
            detail = _write_block(settings, node.get("url")) or detail  # e.g. read-only at disk flood stage
        rows.append(ServiceStatus(spec.key, alive, redact_url(node.get("url")), node.get("pid"), detail=detail))
    return rows


def _write_block(settings: Settings, url: str | None) -> str:
    """Why the node refuses writes to the index now (disk flood stage...), or ""."""
    from index.adapter import SearchAdapter
    from index.blocks import write_block

    try:
        adapter = SearchAdapter(url or "", "opensearch", timeout=5)
        try:
            return write_block(adapter, settings.index_alias) or ""
        finally:
            adapter.close()
    except Exception as exc:  # status never fails on a detail
        return f"could not read index blocks: {str(exc)[:120]}"


def down(settings: Settings, log=print) -> None:
    stop_worker(settings, log=log)
    state = settings.services_state()
    nodes = [spec.key for spec in reversed(node_specs(int(state.get("search_nodes", 1))))]
    for name, stopper in [*((n, embedded.stop) for n in nodes), ("redis", redis_server.stop)]:
        pid = state.get(name, {}).get("pid")
        if stopper(pid):
            log(f"{name:<10} stopped (pid {pid})")
        else:
            log(f"{name:<10} was not running")


def start_worker(settings: Settings, concurrency: int = 3, log=print) -> int:
    """A background `akhbar worker` tied to these services (stopped by `services down`)."""
    import os
    import sys

    from akhbar.core.procs import pid_alive, spawn

    state = settings.services_state()
    pid = state.get("worker", {}).get("pid")
    if pid_alive(pid):
        log(f"worker     already running (pid {pid})")
        return pid
    env = dict(os.environ, AKHBAR_HOME=str(settings.home))
    pid = spawn([sys.executable, "-m", "akhbar.cli", "worker", "-c", str(concurrency), "--loglevel", "WARNING"],
                settings.home / "logs" / "worker.log", env=env)
    state["worker"] = {"pid": pid, "log": str(settings.home / "logs" / "worker.log")}
    _save(settings, state)
    log(f"worker     started (pid {pid}), log: {settings.home / 'logs' / 'worker.log'}")
    return pid


def stop_worker(settings: Settings, log=print) -> None:
    from akhbar.core.procs import terminate

    pid = settings.services_state().get("worker", {}).get("pid")
    if terminate(pid, timeout=30):
        log(f"worker     stopped (pid {pid})")
