"""Discovery and traps with real Redis and the fixture web: robots.txt -> sitemaps from a bare base URL,
robots.txt obeyed, calendar and endless pagination avoided, Retry-After honoured, bad input counted,
and --since stopping archive pagination."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from crawler_support import TimedRequests, canon, crawl_env, duplicates, gold_targets  # noqa: F401

from tests.fixture_site import FixtureWeb
from tests.fixture_site.server import fixture_addresses

pytestmark = pytest.mark.integration


def test_base_url_alone_finds_every_article(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with FixtureWeb(held_back=0) as web:
        bare = tmp_path / "bare.yaml"
        bare.write_text(f"outlets:\n  - name: fx-wasat\n    base_url: {web.outlets['fx-wasat']}\n"
                        f"    allow_addresses: {fixture_addresses(web.outlets.values())}\n")
        job = crawl_env.crawl(bare, ["fx-wasat"])
        requests = web.requests("fx-wasat")
        expected = gold_targets(web.visible("fx-wasat"))
        assert expected <= set(requests), sorted(expected - set(requests))
        assert crawl_env.store.get(job).counters["pages_sent"] == len(expected)
        assert "pages_rendered" not in crawl_env.store.get(job).counters  # no app shell: no browser
        # robots.txt -> Sitemap: line -> index -> post sitemaps; each fetched once.
        assert requests.count("/robots.txt") == 1
        assert {"/sitemap_index.xml", "/post-sitemap.xml", "/feed/"} <= set(requests)
        assert duplicates(requests) == {}


def test_traps_robots_retry_after_and_bad_input(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with FixtureWeb(held_back=0) as web:
        timed = TimedRequests(web)
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        job = crawl_env.crawl(outlets_file, ["fx-trap"])
        requests = web.requests("fx-trap")

        assert gold_targets(web.visible("fx-trap")) <= {canon(t) for t in requests}
        assert not [t for t in requests if t.startswith("/private/")]  # robots.txt: Disallow: /private/
        # The calendar (a registry listing) is a listing through time: its prev/next months are followed while
        # they bring new links. Months that bring none stop a chain after AKHBAR_MAX_BARREN_PAGES (2) in a row,
        # so the endless calendar costs a few pages: January and one month each way, two more if February's
        # article was still new when it was read.
        calendar = [t for t in requests if t.startswith("/calendar/")]
        assert calendar[0] == "/calendar/2024/01/" and len(calendar) <= 5, calendar
        assert len(set(calendar)) == len(calendar)
        # /archive?page=N repeats the same items forever: stopped once a page repeats the one before it. A
        # chain's first page always goes on (it may repeat the home page's items, as table-layout sites do),
        # so the trap costs at most three pages.
        assert len([t for t in requests if t.startswith("/archive")]) <= 3
        assert len(requests) < 40, requests
        # Only retries repeat a URL: the 429 article and the 500 page.
        assert set(duplicates(requests)) <= {"/broken", "/articles/ghadames-festival-visitors.html"}

        # Retry-After: 1 on the first answer of that article: the retry came at least a second later.
        hits = [h for h in timed.of("fx-trap") if h.target.startswith("/articles/ghadames-festival-visitors.html")]
        assert [h.status for h in hits] == [429, 200]
        assert hits[1].start - hits[0].end >= 0.95

        stored = crawl_env.store.get(job)
        assert stored.counters["pages_sent"] == len(web.visible("fx-trap"))
        errors = stored.errors
        assert errors.get("not_html") == 2, errors  # the PDF and the PNG served as text/html
        assert errors.get("too_large") == 1 and errors.get("redirect_loop") == 1, errors
        assert errors.get("http_500") == 1 and errors.get("http_404") == 1, errors
        assert errors.get("robots_forbidden") == 2, errors


def test_since_stops_archive_pagination(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    tripoli = ZoneInfo("Africa/Tripoli")
    with FixtureWeb(held_back=0) as web:
        records = web.visible("fx-marsad")  # newest first; the listing shows 6 per page
        dates = [datetime.fromisoformat(r["published_at"]).astimezone(tripoli) for r in records]
        # A cutoff in a gap of more than two days after the 8th newest article (so page 2 shows both sides).
        cut = next(i for i in range(7, len(dates) - 1) if dates[i] - dates[i + 1] > timedelta(days=2))
        since = (dates[cut + 1] + timedelta(days=1)).date()
        outlets_file = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        crawl_env.crawl(outlets_file, ["fx-marsad"], since=since.isoformat())
        requests = web.requests("fx-marsad")

        newer = gold_targets(records[: cut + 1])
        assert {t for t in requests if t.startswith("/news/details/")} == newer
        pages = sorted(int(t.split("=")[1]) for t in requests if t.startswith("/news?page="))
        last_needed = cut // 6 + 1
        # Paginated until the first page whose articles are all older than the cutoff, not further.
        assert max(pages) <= last_needed + 1 < (len(records) + 5) // 6, (pages, last_needed)
