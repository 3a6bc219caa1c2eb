"""Crawler faults on a fixture crawl, for before/after figures (no worker, no search engine needed):

    python bench/fault_crawl.py kill      # kill -9 the crawler after 7 pages, continue the job with another process
    python bench/fault_crawl.py redis     # stop redis-server for 8 s after 5 pages, start it again (same port, data)

Prints one line: articles handed off to the clean queue of the expected, lost, fetched twice, seconds.
Runs whatever code is on PYTHONPATH, so the same script measures an older commit too.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/fault_crawl.py` from the repo root: make `tests.` importable
    sys.path.insert(0, str(ROOT))

from akhbar import redis_server  # noqa: E402 - after the sys.path line above
from akhbar.core.jobs import JobStore  # noqa: E402
from akhbar.core.registry import load_registry  # noqa: E402
from akhbar.core.urls import canonical_url  # noqa: E402
from crawler.localrun import create_job, start_crawl  # noqa: E402
from tests.fixture_site import FixtureWeb  # noqa: E402

OUTLETS = ["fx-wasat", "fx-lana"]


def main(fault: str) -> None:
    with tempfile.TemporaryDirectory() as home, FixtureWeb(held_back=0) as web:
        handle = redis_server.start(Path(home) / "redis")
        port = int(handle.url.rsplit(":", 1)[1].split("/")[0])
        try:
            client = redis.Redis.from_url(handle.url)
            env = {"AKHBAR_HOME": home, "AKHBAR_REDIS_URL": handle.url}
            outlets_file = web.write_outlets_yaml(Path(home) / "outlets.yaml")
            gold = [r for r in web.visible() if r["outlet"] in OUTLETS]
            job = create_job(client, load_registry(outlets_file), OUTLETS, scrapy_settings={"DOWNLOAD_DELAY": 0.1})
            store = JobStore(client)
            first = start_crawl(job, handle.url, env, log_path=Path(home) / "first.log")
            while store.get(job).counters.get("pages_sent", 0) < (7 if fault == "kill" else 5):
                time.sleep(0.05)
            began = time.monotonic()
            if fault == "kill":
                os.kill(first.pid, signal.SIGKILL)
                first.wait()
                second = start_crawl(job, handle.url, env, join=True, log_path=Path(home) / "second.log")
                code = second.wait(900)
            else:
                redis_server.stop(handle.pid)
                time.sleep(8)
                handle = redis_server.start(Path(home) / "redis", port=port)
                client = redis.Redis.from_url(handle.url)
                code = first.wait(900)
            took = time.monotonic() - began
            urls = {canonical_url(json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0]["url"])
                    for raw in client.lrange("clean", 0, -1)}
            fetched = Counter(t for slug in OUTLETS for t in web.requests(slug))
            want = {canonical_url(web.url(r)) for r in gold}
            twice = sum(1 for r in gold if fetched[r["path"]] > 1)
            print(f"{fault}: crawl exit {code}, {took:.1f}s to the end; articles handed off {len(urls & want)} of "
                  f"{len(want)}, lost {len(want - urls)}, fetched twice {twice}")
        finally:
            redis_server.stop(handle.pid)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "kill")
