"""Issue 21 §6: the per-outlet discovery report. Every request carries the path that found it (meta "via"), the
spider counts what each path brought and why fetched HTML pages were not sent, and `akhbar outlets health` warns
when a crawl fetched more than twice as many HTML pages as it sent articles."""

from __future__ import annotations

import asyncio
import json

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from akhbar.core import discovery as report_fields
from akhbar.core.registry import Outlet
from akhbar.core.urls import canonical_url as canonical
from akhbar.health import discovery_warning, with_discovery
from crawler import discovery
from crawler.spiders.outlet import OutletSpider
from tests.fixture_site.devweb import dev_offline_web
from tests.spider_fakes import BASE, Frontier, spider

STORY = "<p>" + "نص الخبر الطويل الذي يكفي ليكون فقرة من مقال حقيقي في موقع إخباري ليبي. " * 3 + "</p>"


def html(url: str, body: str, **meta) -> HtmlResponse:
    return HtmlResponse(url, body=f"<html><body>{body}</body></html>".encode(), encoding="utf-8",
                        request=Request(url, meta=meta), headers={"Content-Type": "text/html; charset=utf-8"})


def middleware_output(response, outputs: list) -> list:
    """Run DiscoveryMiddleware over a callback's output, as Scrapy does (an async chain)."""
    async def result():
        for out in outputs:
            yield out

    async def collect():
        mw = discovery.DiscoveryMiddleware.from_crawler(None)
        return [out async for out in mw.process_spider_output(response, result())]

    return asyncio.run(collect())


# -- counts in memory, fields in the job hash, the report read back -----------------------------------------
def test_counts_are_taken_as_job_fields_and_start_again() -> None:
    counts = discovery.DiscoveryCounts("news")
    counts.fetched("sitemap")
    counts.fetched(None)  # a request no path found: an entry
    counts.found("sitemap")
    counts.sent("listing", found=True)  # a page whose URL did not say article: found when its content did
    counts.not_sent("listing")
    counts.not_sent("listing")
    counts.story_pages(2)
    counts.story_pages(0)
    taken = counts.take()
    assert taken == {"discovery:news:fetched:sitemap": 1, "discovery:news:fetched:entry": 1,
                     "discovery:news:found:sitemap": 1, "discovery:news:found:listing": 1,
                     "discovery:news:sent:listing": 1, "discovery:news:not_sent:listing": 2,
                     "discovery:news:story_pages:all": 2}
    assert counts.take() == {}
    raw = {**{k: str(v) for k, v in taken.items()}, "discovery:news:sent:listing": "3", "pages_sent": "9",
           "discovery:other:not_sent:http_404": "1", "discovery:other:not_sent:other_page": "4", "state": "running"}
    parsed = report_fields.parse(raw)
    assert list(parsed) == ["news", "other"]
    assert parsed["news"] == {"fetched": {"entry": 1, "sitemap": 1}, "found": {"sitemap": 1, "listing": 1},
                              "sent": {"listing": 3}, "not_sent": {"listing": 2}, "story_pages": 2}
    assert list(parsed["news"]["found"]) == ["sitemap", "listing"]  # paths in PATHS order
    assert list(parsed["other"]["not_sent"]) == ["other_page", "http_404"]  # reasons most frequent first


def report(sent: int, **not_sent: int) -> dict:
    return {"fetched": {}, "found": {}, "sent": {"sitemap": sent} if sent else {}, "not_sent": not_sent,
            "story_pages": 0}


def test_the_warning_is_more_than_twice_as_many_pages_as_articles_with_the_top_three_reasons() -> None:
    assert discovery_warning(report_fields.assess(report(10, listing=10))) is None  # 20 pages for 10: fine
    numbers = report_fields.assess(report(10, listing=8, not_article=2, http_404=1, nothing_new=50))
    assert numbers["html_pages"] == 71 and numbers["counted_pages"] == 21 and numbers["articles_sent"] == 10
    line = discovery_warning(numbers)
    assert line == "last crawl fetched 21 HTML pages but sent 10 articles; not sent: listing 8, not_article 2, http_404 1"
    # pages read again for news that brought nothing new are the cost of an incremental crawl, not a miss
    assert discovery_warning(report_fields.assess(report(1, nothing_new=40))) is None
    # an app shell whose articles were never found: one page, nothing sent
    assert discovery_warning(report_fields.assess(report(0, other_page=1))) is not None
    # article pages fetched and none sent (issue 21: plain permalinks in a sitemap): the reasons say why
    line = discovery_warning(report_fields.assess(report(0, not_article=25, listing=3, **{"refused:not_html": 2},
                                                         timeout=1)))
    assert line.endswith("not sent: not_article 25, listing 3, refused:not_html 2") and "\n" not in line
    assert discovery_warning(report_fields.assess(report(0))) is None  # nothing fetched: nothing to say


def test_health_rows_carry_the_discovery_and_its_warning() -> None:
    warned = {**report_fields.assess(report(0, not_article=5)), "job_id": "j1", "job_state": "succeeded"}
    warned["warning"] = discovery_warning(warned)
    fine = {**report_fields.assess(report(30, listing=5)), "job_id": "j1", "job_state": "succeeded", "warning": None}
    rows = {"indexed": {"articles": 30, "warnings": ["no new article crawled for 3.0 days"]}}
    rows = with_discovery(rows, {"indexed": fine, "shell": warned})
    assert rows["indexed"]["discovery"] is fine and rows["indexed"]["warnings"] == ["no new article crawled for 3.0 days"]
    # an outlet with no article in the index but a crawl: it gets a row, with the warning
    assert rows["shell"]["articles"] == 0 and rows["shell"]["warnings"] == [warned["warning"]]
    json.dumps(rows)


# -- which path found a request --------------------------------------------------------------------------
def test_requests_inherit_the_path_of_the_page_that_found_them() -> None:
    home = html(BASE, "", kind="listing", via="entry")
    out = middleware_output(home, [
        Request(f"{BASE}news/1001", meta={"kind": "article"}),
        Request(f"{BASE}section/", meta={"kind": "page"}),
        Request(f"{BASE}2015/06/", meta={"kind": "page", "via": "date_archive"}),
        Request(f"{BASE}feed/", meta={"kind": "feed", "via": "feed"}),
        {"page": None},
    ])
    assert [o.meta["via"] for o in out if isinstance(o, Request)] == ["listing", "listing", "date_archive", "feed"]
    # an article on a date archive's page 2 was found by the date archive; a story's next page by its path
    archive = html(f"{BASE}2015/06/page/2/", "", kind="page", via="date_archive")
    out = middleware_output(archive, [Request(f"{BASE}news/1002", meta={"kind": "article"}),
                                      Request(f"{BASE}news/1002/2/", meta={"kind": "part"})])
    assert [o.meta["via"] for o in out] == ["date_archive", "date_archive"]
    # links on a page a browser rendered are the rendered path's, whatever the spider said; and what the
    # browser fetched to render it is counted under that path
    rendered = html(BASE, "", kind="listing", via="entry", rendered=True)
    out = list(discovery.from_rendered([Request(f"{BASE}news/1003", meta={"kind": "article", "via": "json"}),
                                        Request(f"{BASE}other/", meta={"kind": "page"}),
                                        Request(f"{BASE}feed/", meta={"kind": "feed", "via": "feed"})], rendered))
    assert [o.meta["via"] for o in out] == ["rendered", "rendered", "feed"]
    assert [o.meta["via"] for o in discovery.from_rendered(out, home)] == ["rendered", "rendered", "feed"]
    assert discovery.fetched_via({"kind": "browser"}) == "rendered"
    assert discovery.fetched_via({"kind": "article", "via": "sitemap"}) == "sitemap"


def test_entry_points_say_their_path() -> None:
    s = OutletSpider(outlet=Outlet(name="news", base_url=BASE, feeds=[f"{BASE}rss.xml"], listings=[f"{BASE}latest/"]))
    vias = {r.url: r.meta["via"] for r in s.start_requests()}
    assert vias[BASE] == "entry" and vias[f"{BASE}rss.xml"] == "feed" and vias[f"{BASE}latest/"] == "listing"
    assert vias[f"{BASE}sitemap.xml"] == "entry"  # a probe


def test_articles_read_from_a_sitemap_a_feed_or_json_are_found_by_it() -> None:
    s = spider()
    sitemap = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>{BASE}news/2001</loc></url></urlset>").encode()
    out = list(s.parse_any(TextResponse(f"{BASE}sitemap.xml", body=sitemap, request=Request(
        f"{BASE}sitemap.xml", meta={"kind": "probe", "via": "entry"}), headers={"Content-Type": "application/xml"})))
    assert [(r.url, r.meta["via"]) for r in out] == [(f"{BASE}news/2001", "sitemap")]
    rss = (f'<?xml version="1.0"?><rss version="2.0"><channel><item><link>{BASE}news/2002</link></item>'
           "</channel></rss>").encode()
    out = list(s.parse_any(TextResponse(f"{BASE}feed/", body=rss, request=Request(
        f"{BASE}feed/", meta={"kind": "probe", "via": "entry"}), headers={"Content-Type": "application/rss+xml"})))
    assert [(r.url, r.meta["via"]) for r in out] == [(f"{BASE}news/2002", "feed")]
    feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [{"url": f"{BASE}news/2003"}]})
    out = list(s.parse_any(TextResponse(f"{BASE}feed.json", body=feed.encode(), request=Request(
        f"{BASE}feed.json", meta={"kind": "feed", "via": "feed"}), headers={"Content-Type": "application/feed+json"})))
    assert [(r.url, r.meta["via"]) for r in out] == [(f"{BASE}news/2003", "json")]


def test_links_in_a_pages_json_state_and_date_archives_say_so() -> None:
    state = {"props": {"pageProps": {"items": [{"url": f"/news/{n}", "title": "خبر"} for n in (3001, 3002, 3003)]}}}
    body = (f'<a href="/section/">قسم</a><a href="/2015/06/">يونيو 2015</a>'
            f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script>')
    out = list(spider().parse_any(html(BASE, body, kind="listing", via="entry")))
    vias = {r.url: r.meta.get("via") for r in out if r.meta["kind"] != "feed"}
    assert vias == {f"{BASE}news/3001": "json", f"{BASE}news/3002": "json", f"{BASE}news/3003": "json",
                    f"{BASE}section/": None, f"{BASE}2015/06/": "date_archive"}  # None: the middleware's to inherit


# -- what was sent, and why the other HTML pages were not ---------------------------------------------------
def test_pages_not_sent_are_counted_with_their_reason() -> None:
    s = spider()
    cards = "".join(f'<h2><a href="/news/{n}">خبر {n}</a></h2>' for n in range(4001, 4004))
    list(s.parse_any(html(BASE, cards + '<a href="/news?page=2">التالي</a>', kind="listing", via="entry")))
    list(s.parse_any(html(f"{BASE}contact-page/", '<a href="/team/">الفريق</a>', kind="page", via="listing")))
    # asked for as an article (a sitemap named it), and only a teaser: the mark of articles missed
    list(s.parse_any(html(f"{BASE}?p=4005", '<p>قريباً</p><a href="/team/">الفريق</a>', kind="article", via="sitemap")))
    list(s.parse_any(html(f"{BASE}news/4001", f"<article><h1>عنوان</h1>{STORY}{STORY}</article>", kind="article",
                          via="sitemap")))
    list(s.parse_any(html(f"{BASE}opaque-x/", f"<h1>عنوان</h1>{STORY}{STORY}{STORY}", kind="page", via="listing")))
    pdf = TextResponse(f"{BASE}news/4002", body=b"%PDF-1.4 ...", request=Request(
        f"{BASE}news/4002", meta={"kind": "article", "via": "listing"}), headers={"Content-Type": "application/pdf"})
    list(s.parse_any(pdf))
    # a listing read again whose links were all queued or fetched already
    s.frontier = Frontier({canonical(f"{BASE}news/{n}") for n in range(4001, 4004)} | {f"{BASE}news?page=2"})
    list(s.parse_any(html(f"{BASE}news", cards, kind="page", via="listing")))
    # ... but an article link that is no article counts whatever it links to
    list(s.parse_any(html(f"{BASE}news/4003", cards, kind="article", via="listing")))
    parsed = report_fields.parse(s.discovery.take())["news"]
    assert parsed["sent"] == {"sitemap": 1, "listing": 1}
    assert parsed["found"] == {"listing": 1}  # the opaque slug, an article by its content
    assert parsed["not_sent"] == {"not_article": 2, "listing": 1, "other_page": 1, "nothing_new": 1,
                                  "refused:not_html": 1}


@pytest.fixture(scope="module")
def web():
    return dev_offline_web()


def dev_response(web, path: str, kind: str, **meta) -> HtmlResponse:
    site = web.sites["dx-split"]
    url = site.url(path)
    return HtmlResponse(url, body=web.fetch("dx-split", path)[1], encoding="utf-8",
                        request=Request(url, meta={"kind": kind, "hops": 1, **meta}),
                        headers={"Content-Type": "text/html"})


def test_a_split_story_is_one_article_sent_under_its_first_pages_path(web) -> None:
    site = web.sites["dx-split"]
    record = next(r for r in site.visible() if len(r["part_paths"]) == 2)
    s = OutletSpider(outlet=Outlet(name="dx-split", base_url=site.url("/")))
    s.frontier = Frontier()
    counts = s.discovery
    head = dev_response(web, record["path"], "article", via="sitemap")
    out = middleware_output(head, list(s.parse_any(head)))
    part = next(o for o in out if isinstance(o, Request) and o.meta["kind"] == "part")
    assert part.meta["via"] == "sitemap"
    response = dev_response(web, record["part_paths"][0], "part", story=part.meta["story"], via=part.meta["via"])
    part = list(s.parse_any(response))[0]
    items = list(s.parse_any(dev_response(web, record["part_paths"][1], "part", story=part.meta["story"])))
    assert len(items) == 1 and isinstance(items[0], dict)
    parsed = report_fields.parse(counts.take())["dx-split"]
    assert parsed["sent"] == {"sitemap": 1} and parsed["story_pages"] == 2 and parsed["not_sent"] == {}
    # page 2 reached by a link: not sent, its first page asked for
    later = next(r for r in site.visible() if r["variant"] == "split-path")
    list(s.parse_any(dev_response(web, later["part_paths"][0], "article", via="listing")))
    assert report_fields.parse(counts.take())["dx-split"]["not_sent"] == {"later_page": 1}
