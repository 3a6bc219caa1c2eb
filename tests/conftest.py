"""Shared fixtures. Integration fixtures start REAL services (redis-server, the OpenSearch node, Celery
worker processes) in a temporary AKHBAR_HOME and fail loudly if they cannot; nothing is mocked.

The OpenSearch node is started once per test session (it takes a few seconds) and shared; tests use
their own index aliases so they do not see each other's documents.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis as redis_lib

from akhbar import redis_server
from akhbar.core.procs import free_port
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


@pytest.fixture
def client(redis_url: str) -> Iterator[redis_lib.Redis]:
    """A client of the session's real redis-server (tests keep to their own key prefixes)."""
    c = redis_lib.Redis.from_url(redis_url)
    yield c
    c.close()


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



def use_broker(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point this process's Celery app (what `submit_crawl` sends with) at the broker `url`.

    Setting `broker_url` alone is not enough: the app caches its connection and producer pools on first
    use, so after an earlier test had sent a task, tasks would still go to that test's Redis. The pools
    are reset here, and monkeypatch puts the old ones back with the old URL.
    """
    from akhbar.core.celery_app import app

    monkeypatch.setattr(app.conf, "broker_url", url)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


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
    use_broker(monkeypatch, redis_url)
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

    def start(env: dict | None = None, **kwargs) -> WorkerProcess:
        """A worker on the test's pipeline; ``env`` adds variables of its own (e.g. hold points)."""
        worker = WorkerProcess({**pipeline_env, **(env or {})}, tmp_path / f"worker-{len(workers)}.log", **kwargs)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.kill()


@pytest.fixture
def worker(start_worker) -> WorkerProcess:
    return start_worker()


# -- the HTTP API over a crawled fixture web: shared by test_api*.py and test_web_ui.py -------------------
# Its own Redis database, index alias, worker and `akhbar api` process, so the function-scoped
# pipeline_env (which flushes database 0) and its workers never see it, and one crawl serves every test.

API_TOKEN = "test-token-5f1c2a"
API_REDIS_DB = 3


class _TinySite(BaseHTTPRequestHandler):
    """An ad-hoc, unregistered site on 127.0.0.1 (a job may target it only when allow-listed)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        body = b"<html><body><h1>ad hoc</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class ApiStack:
    url: str
    token: str
    env: dict
    alias: str
    outlets: dict  # fixture outlet slug -> base URL
    adhoc_url: str
    worker: WorkerProcess
    api_log: Path
    _crawl: dict | None = field(default=None, repr=False)

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def api_tail(self, n: int = 40) -> str:
        return "\n".join(self.api_log.read_text(errors="replace").splitlines()[-n:])

    def crawled(self) -> dict:
        """Crawl every fixture outlet once through the API (POST /jobs, poll GET /jobs/{id}); the final job."""
        if self._crawl is None:
            import httpx

            with httpx.Client(base_url=self.url, timeout=30) as client:
                response = client.post("/jobs", headers=self.headers(),
                                       json={"outlets": list(self.outlets)})  # live: fixture is refused
                assert response.status_code == 202, response.text
                job_id = response.json()["id"]
                deadline = time.monotonic() + 300
                job = response.json()
                while job["state"] not in ("succeeded", "failed", "cancelled"):
                    assert time.monotonic() < deadline, f"job still {job['state']}:\n{self.worker.tail()}"
                    time.sleep(0.5)
                    job = client.get(f"/jobs/{job_id}").json()
                adapter = SearchAdapter(self.env["AKHBAR_SEARCH_URL"])
                adapter.refresh(self.alias)
                adapter.close()
                self._crawl = {"submitted": response.json(), "location": response.headers.get("location"),
                               "final": job}
        return self._crawl


@pytest.fixture(scope="session")
def api_stack(redis_url: str, search_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    from tests.fixture_site import FixtureWeb

    base = tmp_path_factory.mktemp("api-stack")
    db_url = redis_url.rsplit("/", 1)[0] + f"/{API_REDIS_DB}"
    _flush_redis(db_url)
    alias = f"api-{uuid.uuid4().hex[:8]}"
    web = FixtureWeb(held_back=0).start()
    outlets_file = web.write_outlets_yaml(base / "outlets.yaml")
    tiny = ThreadingHTTPServer(("127.0.0.1", 0), _TinySite)
    threading.Thread(target=tiny.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    port = free_port()
    env = {
        "AKHBAR_HOME": str(base / "home"),
        "AKHBAR_REDIS_URL": db_url,
        "AKHBAR_SEARCH_URL": search_url,
        "AKHBAR_INDEX": alias,
        "AKHBAR_ALERTS_INDEX": f"{alias}-alerts",
        "AKHBAR_SEARCH_ENGINE": "opensearch",
        "AKHBAR_OUTLETS": str(outlets_file),
        "AKHBAR_API_TOKEN": API_TOKEN,
        "AKHBAR_ALLOWED_DOMAINS": "127.0.0.1",
        "AKHBAR_LOG_JSON": "1",
    }
    worker = WorkerProcess(env, base / "worker.log", concurrency=2)
    api_log = base / "api.log"
    with open(api_log, "ab") as log:
        api = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "api", "--port", str(port)],
                               env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        worker.wait_ready()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError as exc:
                if api.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"API did not come up: {exc}\n{api_log.read_text(errors='replace')}") from exc
                time.sleep(0.2)
        yield ApiStack(url=url, token=API_TOKEN, env=env, alias=alias, outlets=dict(web.outlets),
                       adhoc_url=f"http://127.0.0.1:{tiny.server_address[1]}/", worker=worker, api_log=api_log)
    finally:
        if api.poll() is None:
            os.killpg(api.pid, 15)
            try:
                api.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(api.pid, 9)
        worker.kill()
        tiny.shutdown()
        web.stop()
        adapter = SearchAdapter(search_url)
        for pattern in (f"/{alias}-v*", f"/{alias}-alerts-*"):
            adapter.request("DELETE", pattern, params={"ignore_unavailable": "true", "allow_no_indices": "true"})
        adapter.close()
