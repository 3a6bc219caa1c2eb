"""Incremental crawling with real Redis and the fixture web: a re-run fetches only what is new or due.

"Due" is driven by AKHBAR_CLOCK_OFFSET (the crawler's schedule clock runs that many seconds ahead), so the
test does not wait 15 minutes for feeds or 6 hours for listings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crawler_support import crawl_env, gold_targets  # noqa: F401 - crawl_env is a fixture

from tests.fixture_site import FixtureWeb

pytestmark = pytest.mark.integration

OUTLETS = ["fx-wasat", "fx-alaan", "fx-marsad", "fx-lana", "fx-observer"]


def test_second_run_fetches_only_new_articles_and_due_entry_points(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with FixtureWeb(held_back=8) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        crawl_env.crawl(outlets_file, OUTLETS)
        gold_paths = gold_targets(web.catalog.records)
        first = {slug: web.requests(slug) for slug in OUTLETS}
        visible = web.visible()
        for slug in OUTLETS:
            fetched = {t for t in first[slug] if t in gold_paths}
            assert fetched == gold_targets([r for r in visible if r["outlet"] == slug]), slug

        released = web.release(3)
        assert len({r["outlet"] for r in released}) == 3
        new_paths = gold_targets(released)

        # Right away: nothing is due, robots.txt comes from the shared cache -> not one request.
        web.clear_requests()
        crawl_env.crawl(outlets_file, OUTLETS)
        assert {slug: web.requests(slug) for slug in OUTLETS} == {slug: [] for slug in OUTLETS}

        # 20 minutes later: feeds (15m) are due, sitemaps (1h) and listings (6h) are not.
        web.clear_requests()
        job = crawl_env.crawl(outlets_file, OUTLETS, scrapy_settings={"AKHBAR_CLOCK_OFFSET": 1200})
        later = {slug: web.requests(slug) for slug in OUTLETS}
        feeds = {"fx-wasat": {"/feed/"}, "fx-alaan": {"/feed/rss"}, "fx-lana": {"/rss.php"},
                 "fx-observer": {"/rss.xml"}, "fx-marsad": set()}
        for slug in OUTLETS:
            entry_points = {t for t in later[slug] if t not in gold_paths}
            assert entry_points == feeds[slug], (slug, later[slug])
        from_feeds = {t for slug in OUTLETS for t in later[slug] if t in gold_paths}
        # The new articles that feeds list are fetched; fx-marsad has no feed, its new article waits.
        assert from_feeds == gold_targets([r for r in released if r["outlet"] in ("fx-alaan", "fx-observer")])
        assert crawl_env.store.get(job).counters["pages_sent"] == len(from_feeds)

        # 7 hours later: listings and sitemaps are due too; fx-marsad's new article is found on its
        # listing. No article fetched before is fetched again.
        web.clear_requests()
        job = crawl_env.crawl(outlets_file, OUTLETS, scrapy_settings={"AKHBAR_CLOCK_OFFSET": 7 * 3600})
        latest = {slug: web.requests(slug) for slug in OUTLETS}
        articles = {t for slug in OUTLETS for t in latest[slug] if t in gold_paths}
        assert articles == new_paths - from_feeds
        assert "/news" in latest["fx-marsad"] and "/latest" in latest["fx-alaan"]
        assert "/sitemap_index.xml" in latest["fx-wasat"] and "/sitemap.xml" in latest["fx-observer"]
        assert crawl_env.store.get(job).counters["pages_sent"] == 1
        for slug in OUTLETS:
            assert len(latest[slug]) == len(set(latest[slug])), (slug, latest[slug])
        # Listing chains stop soon after a page brings nothing new: a handful of pages, not the archive (a
        # chain's first page always goes on, since it may repeat the home page's items).
        assert len(latest["fx-marsad"]) <= 6, latest["fx-marsad"]


def test_recrawl_always_refetches_every_article(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    # Every outlet shape at once: a feed read before a listing must not make the listing's pagination
    # look "old" (it did: 12 aggregator articles on page 2+ were skipped on every recrawl).
    with FixtureWeb(held_back=0) as web:
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        crawl_env.crawl(outlets_file, list(web.outlets))
        for _ in range(2):
            web.clear_requests()
            job = crawl_env.crawl(outlets_file, list(web.outlets), recrawl=True)
            fetched = {slug: set(web.requests(slug)) for slug in web.outlets}
            missing = {slug: sorted(gold_targets(web.visible(slug)) - fetched[slug]) for slug in web.outlets}
            assert not any(missing.values()), missing
            assert crawl_env.store.get(job).counters["pages_sent"] == len(web.visible())
