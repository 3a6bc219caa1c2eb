"""Helpers for the fault tests: a redis-server of the test's own that can be stopped and started again on
the same port and data directory, and a WARC of the fixture web's article pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import redis
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from akhbar import redis_server
from akhbar.core.procs import free_port, pid_alive
from tests.fixture_site import FixtureWeb


@dataclass
class RedisProcess:
    """A real redis-server (AOF on, as `akhbar services up` runs it) that a test may stop and restart."""

    home: Path
    port: int = 0
    pid: int | None = None

    def start(self) -> RedisProcess:
        self.port = self.port or free_port()
        self.pid = redis_server.start(self.home, port=self.port).pid
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis writes its AOF and exits, as in a restart; SIGKILL: a crash."""
        if self.pid and pid_alive(self.pid):
            os.kill(self.pid, sig)
            deadline = time.monotonic() + 20
            while pid_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.pid = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def write_fixture_warc(web: FixtureWeb, outlets: list[str], path: Path) -> list[dict]:
    """Fetch every visible article of ``outlets`` from the running fixture web into one WARC file (as
    another crawler would have written it); returns the gold records written."""
    records = [r for r in web.visible() if r["outlet"] in outlets]
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in records:
            url = web.url(record)
            for _ in range(3):  # some fixture pages answer 429 once, by design
                try:
                    with urllib.request.urlopen(url, timeout=30) as response:
                        body = response.read()
                        headers = [(k, v) for k, v in response.getheaders()
                                   if k.lower() not in ("transfer-encoding", "content-length", "connection")]
                        status = response.status
                    break
                except urllib.error.HTTPError:
                    time.sleep(0.2)
            else:
                raise AssertionError(f"fixture page {url} does not answer 200")
            http = StatusAndHeaders(f"{status} OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                          http_headers=http))
    return records


def cli_process(env: dict, *args: str, log: Path) -> subprocess.Popen:
    out = open(log, "wb")  # noqa: SIM115 - closed by the caller via the process
    return subprocess.Popen([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                            stdout=out, stderr=subprocess.STDOUT)


def wait_for_line(log: Path, text: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until ``text`` is in the process's log: a fault lasts until the process met it and said so."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.1)
