"""End to end with every real component: the fixture web → the real spider (in a crawl job run by a real
Celery worker) → clean → dedupe → bulk index into the real OpenSearch node → search."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import redis

from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from index.adapter import SearchAdapter
from index.search import run_search
from tests.fixture_site import FixtureWeb, gold_by_key, load_gold
from workers.clean.places import place_names

pytestmark = pytest.mark.integration


def crawl_cli(env: dict, outlets_file: Path, *outlets: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "akhbar.cli", "crawl", *outlets, "--outlets", str(outlets_file),
           "--mode", "fixture", "--wait", "--timeout", "300", *extra]
    return subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=400)


def search(env: dict, query: str, **params) -> dict:
    adapter = SearchAdapter(env["AKHBAR_SEARCH_URL"])
    try:
        return run_search(adapter, env["AKHBAR_INDEX"], {"q": query, "size": 20, **params})
    finally:
        adapter.close()


def count(env: dict) -> int:
    adapter = SearchAdapter(env["AKHBAR_SEARCH_URL"])
    try:
        adapter.refresh(env["AKHBAR_INDEX"])
        return adapter.request("GET", f"/{env['AKHBAR_INDEX']}/_count")["count"]
    finally:
        adapter.close()


def test_crawl_clean_dedupe_index_search(pipeline_env: dict, worker, tmp_path: Path) -> None:
    gold = load_gold()
    with FixtureWeb(held_back=0) as web:
        outlets_file = tmp_path / "outlets.yaml"
        web.write_outlets_yaml(outlets_file)
        result = crawl_cli(pipeline_env, outlets_file, *web.outlets)
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{worker.tail()}"

        store = JobStore(redis.Redis.from_url(pipeline_env["AKHBAR_REDIS_URL"]))
        job = store.list(1)[0]
        assert job.state == "succeeded"
        c = job.counters
        # Every gold article page reached the pipeline and the index; none was lost on the way.
        assert c["pages_sent"] == len(gold), job.to_dict()
        assert c.get("articles_new", 0) + c.get("articles_duplicate", 0) == len(gold)
        assert c.get("articles_failed", 0) == 0
        assert count(pipeline_env) == c["articles_new"]
        # Bad input is counted by kind, not hidden.
        assert job.errors.get("http_500", 0) >= 1
        assert job.errors.get("redirect_loop", 0) >= 1
        assert job.errors.get("too_large", 0) >= 1
        # robots.txt: nothing under /private/ was fetched.
        assert not [p for p in web.requests("fx-trap") if p.startswith("/private/")]

        # The analyzer does its job: "مركز مشترك" finds the body that says "المركز المشترك".
        target = gold_by_key()["fx-wasat/maritime-search-rescue-coordination-tripoli"]
        hits = search(pipeline_env, "مركز مشترك")["hits"]
        assert hits and hits[0]["title"] == target["title"]

        # windows-1256 pages are decoded correctly: their exact titles are searchable and shown intact.
        for record in [r for r in gold if r["outlet"] == "fx-lana"][:3]:
            found = search(pipeline_env, f'"{record["title"]}"', outlet="fx-lana")["hits"]
            assert [h["title"] for h in found][:1] == [record["title"]]

        # Places: every article is tagged; the place facet counts them, and filtering by a place keeps
        # exactly the articles about it.
        everything = search(pipeline_env, "", all_versions=True, size=100)
        facet = {b["key"]: b for b in everything["facets"]["place"]}
        assert "ly:tripoli" in facet and facet["ly:tripoli"]["count"] < everything["total"]
        for place in ("ly:tripoli", "ly:benghazi"):
            kept = search(pipeline_env, "", all_versions=True, size=100, place=[place])
            assert kept["total"] == facet[place]["count"] > 0
            assert all(place in {p["id"] for p in hit["places"]} for hit in kept["hits"])
        named = run_search(SearchAdapter(pipeline_env["AKHBAR_SEARCH_URL"]), pipeline_env["AKHBAR_INDEX"],
                           {"q": "", "place": ["ly:tripoli"]}, load_registry(outlets_file).display_names(),
                           place_names())
        assert {b["name"] for b in named["facets"]["place"]} >= {"طرابلس"}
        assert named["hits"] and all(h["outlet_name"].endswith("التجريبية") or h["outlet_name"].endswith("التجريبي")
                                     for h in named["hits"])

        # The aggregator's identical repost is not a second, separate hit: one hit for the story,
        # which names the aggregator in also_published_by; --all-versions shows both copies.
        repost = next(r for r in gold if r["outlet"] == "fx-alaan" and r["edits"] == ["identical"])
        original = gold_by_key()[repost["repost_of"]]
        story_hits = [h for h in search(pipeline_env, f'"{original["title"]}"')["hits"]
                      if h["title"] in (original["title"], repost["title"])]
        assert len(story_hits) == 1, story_hits
        assert "fx-alaan" in story_hits[0]["also_published_by"] or story_hits[0]["outlet"] == "fx-alaan"
        versions = [h for h in search(pipeline_env, f'"{original["title"]}"', all_versions=True)["hits"]
                    if h["title"] in (original["title"], repost["title"])]
        assert {h["outlet"] for h in versions} >= {"fx-alaan", original["outlet"]}
        assert len({h["cluster_id"] for h in versions}) == 1

        # Every document's sole_version agrees with its cluster as indexed (search skips counting
        # versions on that flag), whatever order the copies were cleaned and indexed in.
        engine = SearchAdapter(pipeline_env["AKHBAR_SEARCH_URL"])
        indexed = engine.search(pipeline_env["AKHBAR_INDEX"], {"size": 1000, "_source": ["cluster_id", "sole_version"],
                                                               "query": {"match_all": {}}})["hits"]["hits"]
        sizes = Counter(h["_source"]["cluster_id"] for h in indexed)
        assert max(sizes.values()) > 1 and len(indexed) == count(pipeline_env)
        assert [h["_id"] for h in indexed if h["_source"].get("sole_version") != (sizes[h["_source"]["cluster_id"]] == 1)] == []

        # A re-crawl (here by two crawler processes sharing the frontier) updates documents in place
        # instead of duplicating them, and fetches each article once.
        before = count(pipeline_env)
        web.clear_requests()
        again = crawl_cli(pipeline_env, outlets_file, "fx-wasat", extra=("--recrawl", "--processes", "2"))
        assert again.returncode == 0, f"{again.stdout}\n{again.stderr}"
        rejob = store.list(1)[0]
        assert rejob.counters.get("articles_updated", 0) == len([r for r in gold if r["outlet"] == "fx-wasat"])
        assert rejob.counters.get("articles_new", 0) == 0
        assert count(pipeline_env) == before
        article_paths = [p for p in web.requests("fx-wasat") if p.startswith("/20")]
        assert len(article_paths) == len(set(article_paths))
