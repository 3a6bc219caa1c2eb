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
