"""The embedded OpenSearch node: built by Maven from Maven Central jars, run on Java 17.

`index/node/` is a tiny Maven project (pom.xml + EmbeddedNode.java). Building copies every jar to
`index/node/target/lib`; running starts `ly.akhbar.node.EmbeddedNode` with the data under a directory
of ours, bound to 127.0.0.1. The node writes its bound address to `<home>/node.json` once it serves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from akhbar.core.procs import ServiceStartError, free_port, pid_alive, spawn, terminate, wait_until

NODE_PROJECT = Path(__file__).resolve().parent / "node"
TARGET = NODE_PROJECT / "target"
MAIN_CLASS = "ly.akhbar.node.EmbeddedNode"
MIN_JAVA = 17


class MissingToolError(ServiceStartError):
    """Java or Maven is missing or too old."""


def java_major_version(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        raise MissingToolError(f"Could not read the Java version from `{java} -version`: {out.strip()}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major  # "1.8" style


def find_java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise MissingToolError(
            "Java 17 or newer is needed to run the embedded OpenSearch node, and `java` was not found. "
            "Install it (Debian: `apt-get install -y openjdk-17-jdk-headless maven`) or set JAVA_HOME, "
            "or point AKHBAR_SEARCH_URL at a running Elasticsearch/OpenSearch."
        )
    if java_major_version(java) < MIN_JAVA:
        raise MissingToolError(f"{java} is older than Java {MIN_JAVA}; set JAVA_HOME to a Java 17 JDK.")
    return java


def is_built() -> bool:
    # The percolator jar came later (saved searches): an older build is rebuilt once to get it.
    return (TARGET / "classes" / "ly" / "akhbar" / "node" / "EmbeddedNode.class").exists() and all(
        any((TARGET / "lib").glob(pattern)) for pattern in ("opensearch-2.*.jar", "percolator-client-*.jar")
    )


def build(force: bool = False, quiet: bool = True) -> Path:
    """Run Maven once: resolves OpenSearch and its plugins from Maven Central, compiles the launcher."""
    if is_built() and not force:
        return TARGET
    mvn = shutil.which("mvn")
    if not mvn:
        raise MissingToolError(
            "Maven is needed once, to build the embedded OpenSearch node from Maven Central jars, and "
            "`mvn` was not found. Install it (Debian: `apt-get install -y maven`)."
        )
    find_java()
    cmd = [mvn, "-B", "package", "-DskipTests"] + (["-q"] if quiet else [])
    result = subprocess.run(cmd, cwd=NODE_PROJECT, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout or "") + (result.stderr or "")
        raise ServiceStartError(f"Building the OpenSearch node failed (`{' '.join(cmd)}`):\n{output[-3000:]}")
    return TARGET


@dataclass
class NodeHandle:
    url: str
    pid: int
    home: Path
    name: str = "akhbar-node"
    transport_port: int | None = None


@dataclass(frozen=True)
class ClusterPeers:
    """How a node finds the others of a multi-node cluster on loopback.

    `seed_ports`: transport ports of every node (itself included); `initial_managers`: node names that
    bootstrap the cluster on its very first start (ignored by OpenSearch once a cluster state exists);
    `roles`: node.roles, None for all of them ("cluster_manager": a voting node without data)."""

    seed_ports: tuple[int, ...]
    initial_managers: tuple[str, ...]
    roles: str | None = None


def has_data(home: Path) -> bool:
    data = home / "data"
    return data.is_dir() and any(data.iterdir())


def launch(home: Path, *, http_port: int | None = None, transport_port: int | None = None,
           heap: str = "1g", name: str = "akhbar-node", peers: ClusterPeers | None = None) -> NodeHandle:
    """Spawn the node process and return at once (`wait_serving` waits); `url` is empty until then."""
    java = find_java()
    build()
    home.mkdir(parents=True, exist_ok=True)
    (home / "node.json").unlink(missing_ok=True)
    transport_port = transport_port or free_port()
    settings: dict[str, object] = {
        "path.home": home,
        "path.data": home / "data",
        "path.logs": home / "logs",
        "http.port": http_port or free_port(),
        "transport.port": transport_port,
        "cluster.name": "akhbar",
        "node.name": name,
    }
    if peers is not None:
        # "zen" replaces the launcher's single-node default: the nodes discover each other on loopback.
        settings["discovery.type"] = "zen"
        settings["discovery.seed_hosts"] = ",".join(f"127.0.0.1:{p}" for p in peers.seed_ports)
        if peers.initial_managers and not has_data(home):
            settings["cluster.initial_cluster_manager_nodes"] = ",".join(peers.initial_managers)
        if peers.roles is not None:
            settings["node.roles"] = peers.roles
    cmd = [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-Dfile.encoding=UTF-8",
        "-Dlog4j2.disable.jmx=true",
        "-Dlog4j.shutdownHookEnabled=false",
        "-cp",
        f"{TARGET / 'classes'}{os.pathsep}{TARGET / 'lib' / '*'}",
        MAIN_CLASS,
        *(f"{key}={value}" for key, value in settings.items()),
    ]
    pid = spawn(cmd, home / "logs" / "node.out")
    return NodeHandle(url="", pid=pid, home=home, name=name, transport_port=transport_port)


def wait_serving(handle: NodeHandle, timeout: float = 300.0) -> NodeHandle:
    """Wait until the node wrote its address and answers `_cluster/health` (a node without a cluster
    manager does not: a joining node is ready once it found the cluster)."""
    address_file = handle.home / "node.json"
    log_file = handle.home / "logs" / "node.out"
    began = time.monotonic()
    try:
        wait_until(address_file.exists, timeout, f"The OpenSearch node {handle.name}", pid=handle.pid,
                   log_file=log_file)
        handle.url = json.loads(address_file.read_text())["http"]
        # After a crash the node recovers its shards before it turns yellow: on a busy machine that can
        # take longer than a clean start, so the whole timeout applies, not a fixed 30 s.
        wait_until(lambda: ping(handle.url), max(30.0, timeout - (time.monotonic() - began)),
                   f"The OpenSearch node {handle.name}'s HTTP port", pid=handle.pid, log_file=log_file)
    except ServiceStartError:
        terminate(handle.pid, timeout=30)  # never leave a half-started node behind
        raise
    return handle


def start(home: Path, *, http_port: int | None = None, transport_port: int | None = None,
          heap: str = "1g", timeout: float = 300.0, name: str = "akhbar-node",
          peers: ClusterPeers | None = None) -> NodeHandle:
    """Start the node with its data under `home` (kept across restarts) and wait until it serves."""
    handle = launch(home, http_port=http_port, transport_port=transport_port, heap=heap, name=name, peers=peers)
    return wait_serving(handle, timeout)


def cluster_health(url: str, params: dict[str, str] | None = None, timeout: float = 5.0) -> dict:
    """GET /_cluster/health with `params` (e.g. wait_for_status); raises OSError/ValueError."""
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
    with urllib.request.urlopen(f"{url}/_cluster/health?{query}", timeout=timeout) as response:
        return json.load(response)


def ping(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + "/_cluster/health", timeout=timeout) as response:
            return json.load(response).get("status") in ("green", "yellow")
    except (OSError, ValueError):
        return False


def answers(url: str, timeout: float = 2.0) -> bool:
    """The node process serves HTTP (`GET /`), even while its cluster has no cluster manager."""
    try:
        with urllib.request.urlopen(url + "/", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def stop(pid: int | None) -> bool:
    return terminate(pid, timeout=60)


def alive(pid: int | None, url: str | None) -> bool:
    return pid_alive(pid) and bool(url) and ping(url or "")


def running(pid: int | None, url: str | None) -> bool:
    """Our node process is up and serving, whatever its cluster's health (do not start it twice)."""
    return pid_alive(pid) and bool(url) and answers(url or "")
