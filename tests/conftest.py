"""Shared fixtures. Integration fixtures start REAL services (redis-server, the OpenSearch node, Celery
worker processes) in a temporary AKHBAR_HOME and fail loudly if they cannot; nothing is mocked.

The OpenSearch node is started once per test session (it takes a few seconds) and shared; tests use
their own index aliases so they do not see each other's documents.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from akhbar import redis_server
from index import embedded
from index.adapter import SearchAdapter


@pytest.fixture(scope="session")
def services_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("akhbar-home")


@pytest.fixture(scope="session")
def redis_url(services_home: Path) -> Iterator[str]:
    handle = redis_server.start(services_home / "redis")
    yield handle.url
    redis_server.stop(handle.pid)


@pytest.fixture(scope="session")
def search_url(services_home: Path) -> Iterator[str]:
    handle = embedded.start(services_home / "opensearch", heap=os.environ.get("AKHBAR_OPENSEARCH_HEAP", "1g"))
    yield handle.url
    embedded.stop(handle.pid)


@pytest.fixture(scope="session")
def search(search_url: str) -> Iterator[SearchAdapter]:
    adapter = SearchAdapter(search_url)
    yield adapter
    adapter.close()


@pytest.fixture
def alias(search: SearchAdapter) -> Iterator[str]:
    """A fresh index alias for one test; its indices are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    search.request("DELETE", f"/{name}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})


# -- the pipeline: env + real Celery worker processes ------------------------------------------------
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import redis as redis_lib  # noqa: E402


def _flush_redis(url: str) -> None:
    redis_lib.Redis.from_url(url).flushdb()


@pytest.fixture
def pipeline_env(redis_url: str, search_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """Environment for one pipeline test: the shared services, an empty Redis db, a fresh index alias."""
    _flush_redis(redis_url)
    index_alias = f"e2e-{uuid.uuid4().hex[:8]}"
    env = {
        "AKHBAR_HOME": str(tmp_path / "home"),
        "AKHBAR_REDIS_URL": redis_url,
        "AKHBAR_SEARCH_URL": search_url,
        "AKHBAR_INDEX": index_alias,
        "AKHBAR_SEARCH_ENGINE": "opensearch",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from workers.app import app

    monkeypatch.setattr(app.conf, "broker_url", redis_url)
    yield env
    adapter = SearchAdapter(search_url)
    adapter.request("DELETE", f"/{index_alias}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    adapter.close()


class WorkerProcess:
    """A real `akhbar worker` (Celery prefork) in a child process."""

    def __init__(self, env: dict, log_path: Path, queues: str = "crawl,clean,dedupe,index", concurrency: int = 2):
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "akhbar.cli", "worker", "-Q", queues, "-c", str(concurrency), "--loglevel", "INFO"],
            env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def kill(self, sig: int = 15) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(10)
        self.log.close()


@pytest.fixture
def start_worker(pipeline_env: dict, tmp_path: Path) -> Iterator:
    workers: list[WorkerProcess] = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(pipeline_env, tmp_path / f"worker-{len(workers)}.log", **kwargs)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.kill()


@pytest.fixture
def worker(start_worker) -> WorkerProcess:
    return start_worker()
