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


def node_name(i: int) -> str:
    return "akhbar-node" if i == 1 else f"akhbar-node-{i}"


def node_home(settings: Settings, i: int):
    return settings.home / node_key(i)


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
    for i in range(1, count + 1):
        entry = state.setdefault(node_key(i), {})
        if i == 1 and http_port:
            entry["url"] = f"http://127.0.0.1:{http_port}"
        entry.setdefault("transport_port", free_port())
        if not entry.get("url"):
            entry["http_port"] = entry.get("http_port") or free_port()
    state["search_nodes"] = count
    peers_ports = tuple(state[node_key(i)]["transport_port"] for i in range(1, count + 1))
    launched = []
    began = time.monotonic()
    for i in range(1, count + 1):
        entry = state[node_key(i)]
        if embedded.running(entry.get("pid"), entry.get("url")):
            log(f"{node_key(i):<10} already running at {entry['url']} (pid {entry['pid']})")
            continue
        peers = None if count == 1 else embedded.ClusterPeers(
            seed_ports=peers_ports, initial_managers=(node_name(1),), manager_eligible=i == 1)
        handle = embedded.launch(
            node_home(settings, i),
            http_port=_port(entry.get("url")) or entry.get("http_port"),
            transport_port=entry["transport_port"],
            heap=settings.opensearch_heap,
            name=node_name(i),
            peers=peers,
        )
        launched.append((i, handle))
        entry["pid"] = handle.pid  # recorded at once: `services down` stops a node that never came up
        _save(settings, state)
    for i, handle in launched:  # started together, waited for together: a joining node needs the first
        embedded.wait_serving(handle, node_timeout)
        state[node_key(i)] = {"url": handle.url, "pid": handle.pid, "transport_port": handle.transport_port,
                              "name": handle.name, "started_in": time.monotonic() - began}
        _save(settings, state)
        log(f"{node_key(i):<10} started at {handle.url} (pid {handle.pid}) in {time.monotonic() - began:.1f}s")
    _save(settings, state)
    return state


def status(settings: Settings) -> list[ServiceStatus]:
    state = settings.services_state()
    red = state.get("redis", {})
    rows = [ServiceStatus("redis", redis_server.alive(red.get("pid"), red.get("url")), red.get("url"), red.get("pid"))]
    for i in range(1, int(state.get("search_nodes", 1)) + 1):
        node = state.get(node_key(i), {})
        rows.append(ServiceStatus(
            node_key(i), embedded.alive(node.get("pid"), node.get("url")), node.get("url"), node.get("pid"),
            detail="" if embedded.is_built() else "not built yet",
        ))
    return rows


def down(settings: Settings, log=print) -> None:
    stop_worker(settings, log=log)
    state = settings.services_state()
    nodes = [node_key(i) for i in range(int(state.get("search_nodes", 1)), 0, -1)]
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
