"""Pure crawler logic: recrawl policy, listing snippet dates, pagination, Bloom sizing."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from crawler.bloom import hash_pair, layer_specs, optimal_size
from crawler.listing import Link, date_from_url, is_pagination, links_with_dates, parse_link_date
from crawler.spiders.outlet import _next_pages
from crawler.state import RecrawlPolicy

NOW = datetime(2025, 5, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("value", "mode", "days"), [
    (None, "never", 0), (False, "never", 0), (True, "always", 0), ("always", "always", 0),
    ("never", "never", 0), ("if_updated_after 7", "if_updated_after", 7), ("if_updated_after:3", "if_updated_after", 3),
])
def test_recrawl_policy_parse(value, mode, days) -> None:
    policy = RecrawlPolicy.parse(value)
    assert (policy.mode, policy.days) == (mode, days)


@pytest.mark.parametrize("value", ["sometimes", "if_updated_after", "if_updated_after -1", "if_updated_after x"])
def test_recrawl_policy_rejects_nonsense(value) -> None:
    with pytest.raises(ValueError):
        RecrawlPolicy.parse(value)


def test_recrawl_policy_decisions() -> None:
    day = 86400
    never, always = RecrawlPolicy.parse(None), RecrawlPolicy.parse(True)
    updated = RecrawlPolicy.parse("if_updated_after 7")
    assert never.should_fetch(None, None, NOW) and not never.should_fetch(NOW - day, None, NOW)
    assert always.should_fetch(NOW - day, None, NOW)
    recent_change = datetime.fromtimestamp(NOW - day / 2, UTC)
    assert updated.should_fetch(NOW - day, recent_change, NOW)  # changed after our fetch
    assert not updated.should_fetch(NOW - day / 4, recent_change, NOW)  # we fetched after the change
    assert not updated.should_fetch(NOW - 30 * day, datetime.fromtimestamp(NOW - 20 * day, UTC), NOW)  # too old
    assert not updated.should_fetch(NOW - day, None, NOW)  # nothing says it changed


def test_listing_snippet_dates() -> None:
    page = """<html><body>
      <article><h2><a href="/2024/03/a-story/">A</a></h2><div class="entry-meta">
        <time datetime="2024-03-05T10:00:00+02:00">5 مارس 2024</time></div></article>
      <article><h2><a href="/2024/02/b-story/">B</a></h2><div class="entry-meta">
        <time datetime="2024-02-01T10:00:00+02:00">1 فبراير 2024</time></div></article>
      <div class="news-item"><a href="/news/780474"><h3>C</h3></a><span class="news-date">22/04/2025 10:35</span></div>
      <table><tr><td class="list_item"><a href="post.php?id=7">D</a> <span class="list_date">(الثلاثاء 22 أبريل 2025)</span>
      </td></tr></table>
      <a href="/about">about</a>
    </body></html>"""
    links = {link.url: link for link in links_with_dates(page, "http://x.ly/news/")}
    fetched = datetime(2025, 5, 1, tzinfo=UTC)
    dates = {url: parse_link_date(link, fetched) for url, link in links.items()}
    assert dates["http://x.ly/2024/03/a-story/"].date().isoformat() == "2024-03-05"
    assert dates["http://x.ly/2024/02/b-story/"].date().isoformat() == "2024-02-01"
    assert dates["http://x.ly/news/780474"].date().isoformat() == "2025-04-22"
    assert dates["http://x.ly/news/post.php?id=7"].date().isoformat() == "2025-04-22"
    assert dates["http://x.ly/about"] is None


def test_url_dates_are_the_latest_moment_the_path_allows() -> None:
    assert date_from_url("https://x.ly/2019/05/slug/") == datetime(2019, 5, 31, 23, 59, 59, tzinfo=UTC)
    assert date_from_url("https://x.ly/2019/05/07/slug") == datetime(2019, 5, 7, 23, 59, 59, tzinfo=UTC)
    assert date_from_url("https://x.ly/news/2019") is None
    assert parse_link_date(Link("https://x.ly/2019/05/slug/"), datetime.now(UTC)).month == 5


def test_pagination() -> None:
    assert is_pagination("https://x.ly/news?page=2") and is_pagination("https://x.ly/category/a/page/3/")
    assert not is_pagination("https://x.ly/news/details/5100")
    pager = ["https://x.ly/news?page=1", "https://x.ly/news?page=2", "https://x.ly/news?page=3"]
    assert _next_pages("https://x.ly/news", pager) == pager[:2]  # a chain head may be page 0 or 1
    assert _next_pages("https://x.ly/news?page=2", pager) == pager[2:]
    assert _next_pages("https://x.ly/news?page=3", pager) == []
    assert _next_pages("https://x.ly/c/page/2/", ["https://x.ly/c/", "https://x.ly/c/page/3/"]) == ["https://x.ly/c/page/3/"]


def test_bloom_sizing_matches_the_textbook() -> None:
    bits, hashes = optimal_size(1_000_000, 0.001)
    assert bits == math.ceil(-1_000_000 * math.log(0.001) / math.log(2) ** 2)  # ~1.8 MB
    assert hashes == 10
    specs = layer_specs(1000, 0.01, layers=3)
    assert [s.capacity for s in specs] == [1000, 2000, 4000]
    assert specs[1].hashes > specs[0].hashes  # tighter error rate per layer
    h1, h2 = hash_pair("https://x.ly/a")
    assert 0 <= h1 < 2**32 and h2 % 2 == 1
