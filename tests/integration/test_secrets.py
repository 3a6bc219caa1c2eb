"""A Redis with a password (a real redis-server with `requirepass`): the broker URL carries the password,
the app authenticates with it, and neither `GET /health` nor `akhbar services status` ever prints it."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_lib
from fastapi.testclient import TestClient

from akhbar import redis_server
from akhbar.api import ApiConfig, create_app
from akhbar.core.config import load_settings
from akhbar.core.logs import decorate_handlers
from akhbar.core.procs import free_port

REDIS_SECRET = "redis-Secret-0123456789abcdef"
SEARCH_SECRET = "search-Secret-0123456789abcdef"
WRONG_SECRET = "wrong-Secret-0123456789abcdef"


@dataclass
class SecuredRedis:
    url: str  # with the password
    pid: int
    port: int


@pytest.fixture(scope="module")
def secured_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredRedis]:
    handle = redis_server.start(tmp_path_factory.mktemp("redis-auth"))
    port = int(handle.url.rsplit(":", 1)[1].split("/")[0])
    client = redis_lib.Redis.from_url(handle.url)
    client.config_set("requirepass", REDIS_SECRET)  # from now on the server refuses clients without it
    client.close()
    try:
        yield SecuredRedis(url=f"redis://:{REDIS_SECRET}@127.0.0.1:{port}/0", pid=handle.pid, port=port)
    finally:
        redis_server.stop(handle.pid)


def _client(tmp_path: Path, redis_url: str) -> TestClient:
    # The search engine needs credentials too and is not there: its check fails, and must not show them.
    search_url = f"http://akhbar:{SEARCH_SECRET}@127.0.0.1:{free_port()}"
    settings = dataclasses.replace(load_settings(), home=tmp_path, redis_url=redis_url, search_url=search_url,
                                   search_engine="auto", index_alias="nothing-here", outlets_file=None,
                                   api_token=None)
    return TestClient(create_app(settings, ApiConfig()), client=("127.0.0.1", 40000), raise_server_exceptions=False,
                      base_url="http://127.0.0.1:8000")


def test_the_server_really_requires_the_password(secured_redis: SecuredRedis) -> None:
    anonymous = redis_lib.Redis(port=secured_redis.port)
    with pytest.raises(redis_lib.AuthenticationError):
        anonymous.ping()
    assert redis_lib.Redis.from_url(secured_redis.url).ping()


def test_health_authenticates_to_redis_and_prints_no_password(tmp_path: Path, secured_redis: SecuredRedis,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    with _client(tmp_path, secured_redis.url) as client:
        response = client.get("/health")
        search = client.get("/search", params={"q": "ليبيا"})  # logs "search engine unavailable: ..."
    body = response.json()
    assert body["checks"]["redis"]["status"] == "ok"  # the password in the URL was used
    assert body["checks"]["search"]["status"] == "down" and body["checks"]["search"]["error"]
    assert search.status_code == 503
    for text in (response.text, search.text, _formatted(caplog)):
        assert REDIS_SECRET not in text and SEARCH_SECRET not in text


def test_health_with_a_wrong_password_says_so_without_printing_it(tmp_path: Path, secured_redis: SecuredRedis) -> None:
    wrong = secured_redis.url.replace(REDIS_SECRET, WRONG_SECRET)
    with _client(tmp_path, wrong) as client:
        response = client.get("/health")
    assert response.status_code == 503
    redis_check = response.json()["checks"]["redis"]
    assert redis_check["status"] == "down" and "password" in redis_check["error"].lower()
    assert WRONG_SECRET not in response.text and REDIS_SECRET not in response.text


def test_services_status_shows_the_redis_url_without_its_password(tmp_path: Path, secured_redis: SecuredRedis) -> None:
    (tmp_path / "services.json").write_text(json.dumps({"redis": {"url": secured_redis.url, "pid": secured_redis.pid}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKHBAR_")}
    env.update(AKHBAR_HOME=str(tmp_path), COLUMNS="200")
    shown = []
    for args, code in ((["--json"], 0), ([], 3)):  # the table exits 3: the search node is not running
        result = subprocess.run([sys.executable, "-m", "akhbar.cli", "services", "status", *args], env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == code, result.stderr
        assert REDIS_SECRET not in result.stdout + result.stderr
        shown.append(result.stdout)
    rows = {row["name"]: row for row in json.loads(shown[0])}
    assert rows["redis"]["running"] is True  # pinged with the password from the state file
    assert rows["redis"]["url"] == f"redis://:***@127.0.0.1:{secured_redis.port}/0"
    assert f"redis://:***@127.0.0.1:{secured_redis.port}/0" in shown[1]


def _formatted(caplog: pytest.LogCaptureFixture) -> str:
    """The captured records as Akhbar's own handlers would write them."""
    handler = logging.StreamHandler()
    logger = logging.getLogger("akhbar.test.secrets")
    logger.handlers = [handler]
    decorate_handlers(logger, as_json=False)
    return "\n".join(handler.format(record) for record in caplog.records)


def test_the_crawler_process_gets_the_redis_password_from_its_environment(tmp_path: Path,
                                                                          secured_redis: SecuredRedis) -> None:
    """A command line is visible to every user in `ps`: the crawler child must not carry the Redis URL there."""
    from akhbar.core.registry import Registry
    from crawler.localrun import create_job, start_crawl

    client = redis_lib.Redis.from_url(secured_redis.url)
    job_id = create_job(client, Registry([]), [])
    proc = start_crawl(job_id, secured_redis.url, {"AKHBAR_HOME": str(tmp_path)}, log_path=tmp_path / "crawl.log")
    try:
        cmdline = " ".join(proc.args)  # what was exec'd: what `ps` shows
        assert "crawler.run" in cmdline and job_id in cmdline
        assert REDIS_SECRET not in cmdline and "redis://" not in cmdline
        assert proc.wait(60) == 0, (tmp_path / "crawl.log").read_text()  # it reached the secured Redis
    finally:
        if proc.poll() is None:
            proc.kill()
    assert REDIS_SECRET not in (tmp_path / "crawl.log").read_text()
