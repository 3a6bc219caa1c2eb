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
from akhbar.core.config import Settings
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


def up(settings: Settings, *, redis_port: int | None = None, http_port: int | None = None,
       log=print) -> dict:
    """Start whatever is not already running; idempotent."""
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

    node = state.get("opensearch", {})
    if embedded.alive(node.get("pid"), node.get("url")):
        log(f"opensearch already running at {node['url']} (pid {node['pid']})")
    else:
        if not embedded.is_built():
            log("opensearch building the node from Maven Central jars (first run only)...")
            embedded.build()
        began = time.monotonic()
        handle = embedded.start(
            settings.home / "opensearch",
            http_port=http_port or _port(node.get("url")),
            transport_port=node.get("transport_port"),
            heap=settings.opensearch_heap,
        )
        state["opensearch"] = {"url": handle.url, "pid": handle.pid, "started_in": time.monotonic() - began}
        _save(settings, state)
        log(f"opensearch started at {handle.url} (pid {handle.pid}) in {time.monotonic() - began:.1f}s")
    return state


def status(settings: Settings) -> list[ServiceStatus]:
    state = settings.services_state()
    red = state.get("redis", {})
    node = state.get("opensearch", {})
    search_alive = embedded.alive(node.get("pid"), node.get("url"))
    return [
        ServiceStatus("redis", redis_server.alive(red.get("pid"), red.get("url")), red.get("url"), red.get("pid")),
        ServiceStatus(
            "opensearch", search_alive, node.get("url"), node.get("pid"),
            detail=(_write_block(settings, node.get("url")) if search_alive
                    else "" if embedded.is_built() else "not built yet"),
        ),
    ]


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
    for name, stopper in (("opensearch", embedded.stop), ("redis", redis_server.stop)):
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
