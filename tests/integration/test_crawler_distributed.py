"""Two crawler processes on one job share its frontier and per-host politeness through real Redis."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from crawler_support import TimedRequests, canon, crawl_env, create_job, gold_targets, start_crawl  # noqa: F401
from warcio.archiveiterator import ArchiveIterator

from akhbar.core.holds import ENV_VAR as HOLD_POINTS
from akhbar.core.holds import HoldPoint
from akhbar.core.registry import load_registry
from tests.fixture_site import FixtureWeb

pytestmark = pytest.mark.integration


def run_two(crawl_env, outlets_file: Path, outlets: list[str], **options) -> str:  # noqa: F811
    """Two crawler processes on one job. Each is held before its first pop from the frontier until both
    are there: otherwise a fast first process may finish the job before the second has started."""
    job_id = create_job(crawl_env.client, load_registry(outlets_file), outlets, **options)
    gate = HoldPoint(crawl_env.client, "crawler.first_pop").close()
    env = {**crawl_env.env, HOLD_POINTS: "crawler.first_pop"}
    first = start_crawl(job_id, crawl_env.redis_url, env, log_path=crawl_env.home / "first.log")
    second = start_crawl(job_id, crawl_env.redis_url, env, join=True, log_path=crawl_env.home / "second.log")
    try:
        arrived = {gate.wait(120)["pid"], gate.wait(120)["pid"]}
    finally:
        gate.open()
    assert arrived == {first.pid, second.pid}, arrived
    assert second.wait(120) == 0, (crawl_env.home / "second.log").read_text(errors="replace")[-3000:]
    assert first.wait(120) == 0, (crawl_env.home / "first.log").read_text(errors="replace")[-3000:]
    return job_id


def responses_per_process(warc_dir: Path) -> Counter:
    counts: Counter = Counter()
    for path in warc_dir.glob("*.warc.gz"):
        pid = re.search(r"-(\d+)-\d{5}\.warc\.gz$", path.name).group(1)
        with open(path, "rb") as stream:
            counts[pid] += sum(1 for r in ArchiveIterator(stream) if r.rec_type == "response")
    return counts


def test_two_processes_share_one_frontier_without_double_fetches(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        job_id = run_two(crawl_env, outlets_file, list(web.outlets))
        retried = {"/broken", "/articles/ghadames-festival-visitors.html"}  # a 500 and a 429, by design
        for slug in web.outlets:
            counts = Counter(web.requests(slug))
            assert {t: n for t, n in counts.items() if n > 1 and t not in retried} == {}, slug
            fetched = Counter(canon(t) for t in web.requests(slug))
            for target in gold_targets(web.visible(slug)):
                assert fetched[target] == (2 if target in retried else 1), (slug, target)
        assert crawl_env.store.get(job_id).counters["pages_sent"] == len(web.catalog.records)
        # Both processes did part of the work.
        per_process = responses_per_process(crawl_env.home / "warc" / job_id)
        assert len(per_process) == 2 and min(per_process.values()) >= 10, per_process


def test_host_politeness_holds_across_processes(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    delay = 0.1
    with FixtureWeb(held_back=0) as web:
        timed = TimedRequests(web)
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        job_id = run_two(crawl_env, outlets_file, ["fx-alaan"], mode="live",
                scrapy_settings={"DOWNLOAD_DELAY": delay, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "INFO"})
        hits = timed.of("fx-alaan")
        per_process = responses_per_process(crawl_env.home / "warc" / job_id)
        assert len(hits) >= 20 and len(per_process) == 2 and min(per_process.values()) >= 5, per_process
        for before, after in zip(hits, hits[1:], strict=False):
            # One request at a time for the host, and the delay between the end of one and the next.
            assert after.start >= before.end + delay - 0.03, (before, after)
