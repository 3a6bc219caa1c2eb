"""Issue 21 §4: a client-rendered app (tests/fixture_site/sites/dx_react.py) crawled from its base URL in
a real crawler process, with Debian's Chromium driven by Playwright (crawler.render).

With rendering off, no article is found (the shell has no link, no JSON state, no sitemap, no feed). With
it on, every article is sent, its body as the browser built it; and every request the browser made went
through the crawler's rules: robots.txt (the disallowed page-view beacon never reached the site), other
hosts never contacted, stylesheets not fetched, the per-host delay kept between all requests to the site,
the bundle fetched once. Rendered pages are counted apart (`pages_rendered`)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from crawler_support import TimedRequests, crawl_env  # noqa: F401

from akhbar.core.messages import Page
from tests.fixture_site.devset import body_f1
from tests.fixture_site.devweb import DevFixtureWeb
from tests.fixture_site.sites.dx_react import BUNDLE, STYLESHEET, TRACKER, WIDGET
from workers.clean.extract import extract_article

pytestmark = pytest.mark.integration

OUTLET = "dx-react"
HOST_DELAY = 0.2  # seconds between two requests to the site (fixture mode lifts the live 1 s)


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (.ci/run installs it)")


def queued_pages(client) -> list[Page]:
    """The pages the crawler handed to the clean stage (kombu's JSON envelope, base64 body)."""
    pages = []
    for raw in client.lrange("clean", 0, -1):
        envelope = json.loads(raw)
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        pages.append(Page.from_payload(args[0]))
    return pages


def crawl(crawl_env, web: DevFixtureWeb, tmp_path: Path, render: str) -> str:  # noqa: F811
    outlets_file = web.write_base_urls_yaml(tmp_path / f"outlets-{render}.yaml")
    return crawl_env.crawl(outlets_file, [OUTLET], timeout=300, scrapy_settings={
        "AKHBAR_RENDER": render, "AKHBAR_HOST_CONCURRENCY": 1, "AKHBAR_HOST_DELAY": HOST_DELAY})


def test_without_a_browser_the_app_shows_nothing(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with DevFixtureWeb() as web:
        job = crawl(crawl_env, web, tmp_path, "off")
        stored = crawl_env.store.get(job)
        assert stored.counters.get("pages_sent", 0) == 0
        assert stored.counters.get("pages_rendered", 0) == 0
        requests = web.requests(OUTLET)
        assert not [t for t in requests if t.startswith(("/article/", "/api/", "/static/"))], requests


def test_the_browser_finds_every_article_within_the_rules(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with DevFixtureWeb() as web:
        timed = TimedRequests(web)
        job = crawl(crawl_env, web, tmp_path, "auto")
        stored = crawl_env.store.get(job)
        records = web.visible(OUTLET)
        site = web.sites[OUTLET]

        pages = queued_pages(crawl_env.client)
        assert sorted(p.url for p in pages) == sorted(site.url(r["path"]) for r in records)
        assert stored.counters["pages_sent"] == len(records)
        lists = -(-len(records) // 10)
        assert stored.counters["pages_rendered"] == len(records) + lists  # every story and every list page

        # The body sent is what the browser built: the clean stage reads the story from it.
        by_url = {site.url(r["path"]): r for r in records}
        scores = []
        for page in pages:
            record = by_url[page.url]
            fields = extract_article(base64.b64decode(page.body_b64), page.url, outlet=OUTLET)
            assert fields["title"] == record["title"]
            scores.append(body_f1(fields["body"], record["body"]))
        assert min(scores) >= 0.95, sorted(scores)[:3]

        requests = web.requests(OUTLET)
        assert requests[0] == "/robots.txt"
        assert TRACKER not in requests  # robots.txt: Disallow: /api/track, asked by the page on every render
        assert STYLESHEET not in requests  # stylesheets add no link: never fetched
        assert requests.count(BUNDLE) == 1  # a script is fetched once per crawl, as a browser caches it
        assert {t for t in requests if t.startswith("/api/v1/articles/")} == {r["data_path"] for r in records}
        # Every request to the site, the browser's included, kept the host's delay: one at a time, and the
        # next one started at least HOST_DELAY after the previous one ended.
        hits = timed.of(OUTLET)
        gaps = [b.start - a.end for a, b in zip(hits, hits[1:], strict=False)]
        assert min(gaps) >= HOST_DELAY * 0.95, sorted(gaps)[:3]
        # Requests to other hosts were aborted in the browser, never made: the widget another site of the
        # fixture web serves was never asked for (nor the tag manager and web font on public hosts).
        assert not [t for t in web.requests("dx-next") if t.startswith(WIDGET)]
        errors = stored.errors
        assert not {k for k in errors if k.startswith(("render_failed", "browser_missing"))}, errors
