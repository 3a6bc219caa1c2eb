"""Issue 21 §5 and §7 on the whole pipeline (a real Celery worker, Redis and the OpenSearch node): a report split
over pages (dx-split) is one page sent, one outcome and one document; after its page 2 changes, a recrawl
(`akhbar crawl --recrawl`) updates that one document, also when the recrawl meets page 2 before page 1, and
page 2 never becomes a document of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from crawler_support import indexed_docs

from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import PAGE_OUTCOMES
from akhbar.core.urls import canonical_url as canonical
from tests.fixture_site.devweb import DevFixtureWeb

pytestmark = pytest.mark.integration


def crawl(env: dict, registry: Path, *options: str) -> Job:
    cmd = [sys.executable, "-m", "akhbar.cli", "crawl", "dx-split", "--outlets", str(registry), "--mode", "fixture",
           "--wait", "--timeout", "600", *options]
    result = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=700)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    job = JobStore(redis.Redis.from_url(env["AKHBAR_REDIS_URL"])).list(1)[0]
    counters = job.counters
    # §7: whatever a story's pages, sent = new + updated + duplicate + failed + dead
    assert job.state == "succeeded" and counters["pages_sent"] == sum(counters.get(k, 0) for k in PAGE_OUTCOMES), job
    return job


def test_a_recrawl_of_any_page_of_a_split_report_updates_its_one_document(pipeline_env: dict, worker,
                                                                         tmp_path: Path) -> None:
    with DevFixtureWeb() as web:
        site = web.sites["dx-split"]
        registry = web.write_base_urls_yaml(tmp_path / "devset.yaml")
        base = web.outlets["dx-split"].rstrip("/")
        records = web.visible("dx-split")
        later_pages = {canonical(base + p) for r in records for p in r["part_paths"]}

        job = crawl(pipeline_env, registry)
        # §7: one page sent and one outcome per report, however many pages it has
        assert job.counters["pages_sent"] == job.counters.get("articles_new", 0) == len(records), job.counters
        assert job.discovery["dx-split"]["story_pages"] == len(later_pages), job.discovery

        record = next(r for r in records if r["variant"] == "split-path" and len(r["part_paths"]) == 2)
        head = canonical(base + record["path"])
        page2 = record["part_paths"][0]
        donors = [r for r in web.catalog.records if r["outlet"] != "dx-split"]
        assert len(donors) >= 2  # stories of outlets this test does not crawl
        old_text = record["parts"][1][0][:60]

        def the_document() -> dict:
            docs = [d for d in indexed_docs(pipeline_env) if d["outlet"] == "dx-split"]
            assert len(docs) == len(records)
            assert not {canonical(d[k]) for d in docs for k in ("url", "canonical_url")} & later_pages
            mine = [d for d in docs if canonical(d["canonical_url"]) == head]
            assert len(mine) == 1, mine
            return mine[0]

        assert old_text in the_document()["body"]

        # Page 2 is edited; a recrawl finds the report from its page 1, as before.
        site.revise(page2, donors[0]["paragraphs"][:3])
        job = crawl(pipeline_env, registry, "--recrawl")
        assert job.counters.get("articles_updated", 0) >= 1, job.counters
        body = the_document()["body"]
        assert donors[0]["paragraphs"][0][:60] in body and old_text not in body
        assert body.index(record["parts"][0][0][:60]) < body.index(donors[0]["paragraphs"][0][:60]) \
            < body.index(record["parts"][2][0][:60])  # page 2's new text between pages 1 and 3

        # Edited again, and now listings, sitemap and feed name only its page 2: the recrawl meets page 2 first.
        site.revise(page2, donors[1]["paragraphs"][:3])
        site.list_only([page2])
        web.clear_requests("dx-split")
        job = crawl(pipeline_env, registry, "--recrawl")
        story = {canonical(base + p) for p in (record["path"], *record["part_paths"])}
        reached = [canonical(base + t) for t in web.requests("dx-split") if canonical(base + t) in story]
        assert reached[0] == canonical(base + page2), reached
        body = the_document()["body"]
        assert donors[1]["paragraphs"][0][:60] in body and donors[0]["paragraphs"][0][:60] not in body
        assert job.counters.get("articles_updated", 0) >= 1, job.counters
