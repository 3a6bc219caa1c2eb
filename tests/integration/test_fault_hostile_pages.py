"""Hostile pages on a real fixture outlet (tests.fixture_site.hostile): truncated, 10,000 levels deep,
50 MB, binary served as text/html, a gzip bomb, mixed encodings. Crawled by a real crawler through a real
worker into the real OpenSearch node: no crash, no hang, each refusal counted by kind in the job, and the
outlet's good articles indexed."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from test_reliability import broker_state, cli, wait_for

from akhbar.core import dlq
from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from akhbar.core.submit import submit_crawl
from tests.fixture_site.hostile import GOOD, HOSTILE, SLUG, HostileWeb

pytestmark = pytest.mark.integration


def test_hostile_pages_are_counted_and_the_good_ones_indexed(pipeline_env, start_worker, tmp_path: Path) -> None:
    client = redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    start_worker(concurrency=2)
    with HostileWeb() as web:
        outlets_file = tmp_path / "outlets.yaml"
        outlets_file.write_text(web.registry_yaml(), encoding="utf-8")
        began = time.monotonic()
        job = submit_crawl(store, load_registry(outlets_file), [SLUG], mode="fixture")
        wait_for(lambda: store.get(job.id).state in ("succeeded", "failed", "cancelled"), 240, "the job to end",
                 lambda: json.dumps(store.get(job.id).to_dict()) + broker_state(client))
        took = time.monotonic() - began
        fetched = Counter(web.requests())
    final = store.get(job.id)
    exported = cli(pipeline_env, "export", "--jsonl")
    assert exported.returncode == 0, exported.stderr
    indexed = {json.loads(line)["url"].split("/", 3)[-1] for line in exported.stdout.splitlines()}
    print(f"\nhostile outlet: job {final.state} in {took:.0f}s, errors {final.errors}, counters {final.counters}, "
          f"indexed {sorted(indexed)}, dead letters {[e['reason'] for e in dlq.entries(client)]}")
    assert final.state == "succeeded", final.to_dict()
    assert all(fetched[path] >= 1 for path in HOSTILE), fetched  # every hostile page was really served
    # The good articles of the same outlet, and the hostile pages that still hold an article, are indexed.
    expected = {f"articles/{key}.html" for key in GOOD} | {p[1:] for p, outcome in HOSTILE.items()
                                                           if outcome == "indexed"}
    assert expected <= indexed, (expected - indexed, final.to_dict())
    # Each refusal is counted by kind.
    wanted = Counter(outcome for outcome in HOSTILE.values() if outcome != "indexed")
    for kind, count in wanted.items():
        assert final.errors.get(kind, 0) >= count, (kind, final.errors)
    # Nothing else lost: the dead letters hold exactly the pages whose extraction failed, with their reason.
    failed = {p: o.split(":", 1)[1] for p, o in HOSTILE.items() if o.startswith("extract:")}
    letters = {e["payload"]["url"].split("/", 3)[-1]: e["reason"] for e in dlq.entries(client)}
    assert letters == {p[1:]: reason for p, reason in failed.items()}, letters
    assert took < 200
