"""When a listing chain goes on to its next page. Order-independent twin of the recrawl integration
test: there, whether a feed is read before a listing depends on timing; here it is set."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from akhbar.core.registry import Outlet
from crawler.spiders.outlet import OutletSpider

BASE = "http://news.example.ly/"


class QueuedByFeed:
    """A job frontier in which every article link was already queued by another source (the feed)."""

    known: set[str] = set()

    def known_many(self, urls: list[str]) -> list[bool]:
        return ["/2024/" in url for url in urls]


def listing_page(page: int, slugs: list[str], chain_prev: list[str] | None = None) -> HtmlResponse:
    url = f"{BASE}latest?page={page}"
    links = "".join(f'<a href="/2024/05/{slug}-story-of-the-day/">{slug}</a>' for slug in slugs)
    body = f'<html><body>{links}<a href="/latest?page={page + 1}">next</a></body></html>'
    meta = {"kind": "page", "prev_fetch": 1.0, "listing_page": page, "chain_prev": chain_prev or []}
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url, meta=meta))


def next_pages(spider: OutletSpider, response: HtmlResponse) -> list[str]:
    return [r.url for r in spider.follow_links(response, from_article=False) if "page=" in r.url]


def spider(recrawl: bool) -> OutletSpider:
    s = OutletSpider(outlet=Outlet(name="news", base_url=BASE), recrawl=recrawl)
    s.frontier = QueuedByFeed()
    return s


def test_links_a_feed_queued_first_still_carry_the_chain_on() -> None:
    response = listing_page(2, ["tripoli-port", "sabha-power", "misrata-steel"])
    assert next_pages(spider(recrawl=True), response) == [f"{BASE}latest?page=3"]


def test_a_page_repeating_the_previous_page_ends_the_chain() -> None:
    slugs = ["tripoli-port", "sabha-power", "misrata-steel"]
    previous = [f"{BASE}2024/05/{slug}-story-of-the-day/" for slug in slugs]
    assert next_pages(spider(recrawl=True), listing_page(2, slugs, chain_prev=previous)) == []


def first_page(slugs: list[str], chain_prev: list[str]) -> HtmlResponse:
    """?page=1 of a listing reached from the home page (no earlier fetch of it: prev_fetch None)."""
    response = listing_page(1, slugs, chain_prev=chain_prev)
    response.meta["prev_fetch"] = None
    return response


def test_a_first_page_repeating_the_home_page_carries_the_chain_on() -> None:
    """An ASP site's news_list.asp?page=1 shows the home page's items: the chain still goes to page 2."""
    slugs = ["tripoli-port", "sabha-power", "misrata-steel"]
    home = [f"{BASE}2024/05/{slug}-story-of-the-day/" for slug in slugs]
    assert next_pages(spider(recrawl=False), first_page(slugs, chain_prev=home)) == [f"{BASE}latest?page=2"]


class FetchedEarlierThisJob:
    """Article state in which every article was fetched ``at`` (seconds), and no entry records."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.policy = None

    def now(self) -> float:
        return self.at + 1

    def lookup(self, urls, frontier=None, entries=True):
        return [True] * len(urls), [self.at if "/2024/" in url else None for url in urls], [None] * len(urls)


def test_articles_fetched_by_another_route_of_this_job_still_carry_the_chain_on() -> None:
    slugs = ["tripoli-port", "sabha-power", "misrata-steel"]
    s = spider(recrawl=False)
    s.state = FetchedEarlierThisJob(s.opened_at + 1)  # read from related links a moment ago
    assert next_pages(s, listing_page(2, slugs)) == [f"{BASE}latest?page=3"]
    s.state = FetchedEarlierThisJob(s.opened_at - 86400)  # read by yesterday's crawl: not news
    assert next_pages(s, listing_page(2, slugs)) == []
