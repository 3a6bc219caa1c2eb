"""Issue 21 §1-2: what a page is, is decided by its content once fetched; the URL only ranks the frontier.
Query-string ids and opaque slugs that extract as one story are articles; date archives and calendars are
listings, followed while they yield (a chain of pages that brings no new link stops)."""

from __future__ import annotations

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from akhbar.core.registry import Outlet
from crawler.classify import is_article, url_looks_like_article
from crawler.listing import is_date_nav, is_pagination
from crawler.spiders.outlet import OutletSpider
from tests.fixture_site.devweb import dev_offline_web

BASE = "http://news.example.ly/"


@pytest.fixture(scope="module")
def web():
    return dev_offline_web()


@pytest.mark.parametrize(
    ("url", "looks"),
    [
        (f"{BASE}?p=123", True),  # WordPress plain permalinks
        (f"{BASE}index.php?option=com_content&view=article&id=3329&catid=8", True),
        (f"{BASE}news.php?id=77", True),
        (f"{BASE}a7x2k/", None),  # an opaque slug: the content decides
        (f"{BASE}", False),
        (f"{BASE}?m=201507", False),  # plain-permalink month archive
        (f"{BASE}?paged=2", False),
        (f"{BASE}?page_id=2", False),  # a static page
        (f"{BASE}2015/07/", False),
        (f"{BASE}2015/07/21/", False),  # a day archive, not /YYYY/MM/slug
        (f"{BASE}2015/07/page/2/", False),
        (f"{BASE}2015/07/21/port-of-tripoli-reopens/", True),
        (f"{BASE}logo.png", False),
    ],
)
def test_url_only_ranks(url: str, looks: bool | None) -> None:
    assert url_looks_like_article(url) is looks


@pytest.mark.parametrize(
    ("url", "nav"),
    [
        (f"{BASE}2015/07/", True), (f"{BASE}2015/07/21/", True), (f"{BASE}2015/", True), (f"{BASE}?m=201507", True),
        (f"{BASE}calendar/2024/01/", True), (f"{BASE}events?month=7&year=2015", True),
        (f"{BASE}2015/07/page/2/", False),  # pagination of the archive: is_pagination
        (f"{BASE}2015/07/port-reopens.html", False), (f"{BASE}?p=123", False),
    ],
)
def test_date_navigation(url: str, nav: bool) -> None:
    assert is_date_nav(url) is nav
    if url.endswith("/page/2/"):
        assert is_pagination(url)


def _is_article(web, outlet: str, path: str) -> bool:
    status, raw, _ = web.fetch(outlet, path)
    assert status == 200, (outlet, path)
    return is_article(Selector(text=raw.decode("utf-8")), web.sites[outlet].url(path))


@pytest.mark.parametrize("outlet", ["dx-wpplain", "dx-wparchive", "dx-split"])
def test_every_new_template_article_is_an_article(web, outlet: str) -> None:
    missed = [r["key"] for r in web.sites[outlet].visible() if not _is_article(web, outlet, r["path"])]
    assert missed == []


@pytest.mark.parametrize(
    ("outlet", "path"),
    [
        ("dx-wpplain", "/"), ("dx-wpplain", "/?paged=2"), ("dx-wpplain", "/?m=201508"), ("dx-wpplain", "/?cat=3"),
        ("dx-wpplain", "/?page_id=2"), ("dx-wparchive", "/"), ("dx-wparchive", "/2015/08/"),
        ("dx-wparchive", "/2015/07/page/2/"), ("dx-wparchive", "/2015/06/"), ("dx-split", "/"), ("dx-split", "/reports"),
    ],
)
def test_listings_and_static_pages_are_not_articles(web, outlet: str, path: str) -> None:
    assert not _is_article(web, outlet, path)


def test_a_day_archive_is_a_listing_whatever_its_text(web) -> None:
    site = web.sites["dx-wparchive"]
    days = {r["published_at"][:10] for r in site.visible()}
    for day in sorted(days)[:5]:
        path = "/" + day.replace("-", "/") + "/"
        assert not _is_article(web, "dx-wparchive", path), path


class Frontier:
    def __init__(self, known: set[str]) -> None:
        self.known = known

    def known_many(self, urls: list[str]) -> list[bool]:
        return [url in self.known for url in urls]


def month_page(articles: list[str], barren: int) -> HtmlResponse:
    url = f"{BASE}2015/06/"
    links = "".join(f'<h2><a href="{a}">{a}</a></h2>' for a in articles)
    body = (f'<html><body>{links}<a href="/2015/05/">« الشهر السابق</a><a href="/2015/07/">الشهر التالي »</a>'
            '<table id="wp-calendar"><tr><td><a href="/2015/06/03/">3</a></td></tr></table></body></html>')
    meta = {"kind": "page", "barren": barren}
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url, meta=meta))


def followed(known: set[str], response: HtmlResponse) -> list[Request]:
    spider = OutletSpider(outlet=Outlet(name="news", base_url=BASE))
    spider.frontier = Frontier(known)
    return list(spider.follow_links(response, from_article=False))


def test_date_archives_are_followed_while_they_yield() -> None:
    story = f"{BASE}2015/06/03/port-of-tripoli-reopens/"
    known = {f"{BASE}2015/07/"}
    # a new article on the page: its previous month and day archives are followed, with no hop added
    requests = followed(known, month_page([story], barren=1))
    dates = {r.url: r.meta for r in requests if r.meta["kind"] == "page"}
    assert set(dates) == {f"{BASE}2015/05/", f"{BASE}2015/06/03/"}
    assert all(meta["barren"] == 0 and meta["hops"] == 0 for meta in dates.values())
    # nothing new: one more barren page is allowed ...
    requests = followed(known | {story}, month_page([story], barren=0))
    assert {r.meta["barren"] for r in requests} == {1} and len(requests) == 2
    # ... and a chain that brought nothing new for AKHBAR_MAX_BARREN_PAGES pages in a row stops
    assert followed(known | {story}, month_page([story], barren=1)) == []
