"""Issue 21 §5/§7: an article split over pages is one story. The crawler tells page 1 from its later pages
(crawler.split), walks them and hands over one Page; the clean stage joins their text in order under page 1's
canonical URL (workers.clean.extract.extract_split_article). Checked on the dx-split template and on the
other templates, none of whose articles may look split."""

from __future__ import annotations

import base64
from collections import Counter

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from akhbar.core.registry import Outlet
from akhbar.core.urls import canonical_url as canonical
from crawler import split
from crawler.spiders.outlet import OutletSpider
from tests.fixture_site.devset import body_f1
from tests.fixture_site.devweb import dev_offline_web
from tests.fixture_site.offline import offline_web
from workers.clean.extract import extract_split_article


@pytest.fixture(scope="module")
def web():
    return dev_offline_web()


def links_of(web, outlet: str, path: str) -> tuple[str, list[split.Anchor], str]:
    status, raw, _ = web.fetch(outlet, path)
    assert status == 200, path
    url = web.sites[outlet].url(path)
    html = raw.decode("utf-8")
    return url, split.anchors(Selector(text=html), url), html


def test_part_urls() -> None:
    assert split.part_of("http://x.ly/reports/slug/2/") == ("http://x.ly/reports/slug/", 2)
    assert split.part_of("http://x.ly/?p=12&page=3") == ("http://x.ly/?p=12", 3)
    assert split.part_of("http://x.ly/report.php?id=7&page=2")[0] == "http://x.ly/report.php?id=7"
    assert split.part_of("http://x.ly/news/123") == ("http://x.ly/news/123", 1)  # an id, not a page number
    # /news/12 may be page 12 of /news by its URL: only a link that says so makes it one (continues())
    assert split.part_of("http://x.ly/news/2024/") == ("http://x.ly/news/2024/", 1)
    assert "http://x.ly/reports/slug/2/" in split.part_url("http://x.ly/reports/slug/", 2)
    assert "http://x.ly/?p=12&page=2" in split.part_url("http://x.ly/?p=12", 2)


def test_every_page_of_every_split_report_is_told_apart(web) -> None:
    site = web.sites["dx-split"]
    variants = Counter()
    for record in site.visible():
        pages = [record["path"], *record["part_paths"]]
        variants[record["variant"]] += 1
        for number, path in enumerate(pages, start=1):
            url, links, html = links_of(web, "dx-split", path)
            assert split.maybe_split(html, url), path
            head = split.continues(links, url)
            assert head == (None if number == 1 else canonical(site.url(record["path"]))), (path, head)
            after = split.next_part(links, url)
            want = canonical(site.url(pages[number])) if number < len(pages) else None
            assert after == want, (path, after)
        url, links, _ = links_of(web, "dx-split", record["path"])
        own = split.story_links(links, url)
        assert canonical(site.url(record["part_paths"][0])) in own
        assert {u for u in own if "view=all" not in u} <= {canonical(site.url(p)) for p in pages}
    assert set(variants) == {"split-path", "split-query", "split-all"}


@pytest.mark.parametrize("which", ["dev", "fixture"])
def test_no_other_article_looks_split(web, which: str) -> None:
    """Joomla's rel="next" to the next article, WordPress's post navigation, /page/2/ pagers: never a part.
    And the cheap look (maybe_split) lets most articles through without parsing their links."""
    pool = web if which == "dev" else offline_web()
    looked = total = 0
    wrong = []
    for record in pool.catalog.records:
        if record["outlet"] in ("dx-split", "dx-table") or record["outlet"] == "fx-trap":
            continue
        status, raw, _ = pool.fetch(record["outlet"], record["path"])
        if status != 200:
            continue
        url = pool.sites[record["outlet"]].url(record["path"])
        html = raw.decode("utf-8", errors="replace")
        total += 1
        if not split.maybe_split(html, url):
            continue
        looked += 1
        links = split.anchors(Selector(text=html), url)
        if split.next_part(links, url) or split.continues(links, url):
            wrong.append(record["key"])
    assert wrong == []
    assert looked <= total // 2, (looked, total)


def test_split_reports_join_in_order(web) -> None:
    site = web.sites["dx-split"]
    scores = []
    for record in site.visible():
        raw = web.fetch("dx-split", record["path"])[1]
        later = [(web.fetch("dx-split", p)[1], site.url(p)) for p in record["part_paths"]]
        fields = extract_split_article(raw, site.url(record["path"]), later, outlet="dx-split")
        assert fields["canonical_url"] == canonical(site.url(record["path"]))
        assert fields["title"] == record["title"]
        body = fields["body"]
        # in order: each page's first paragraph comes after the previous page's
        starts = [body.find(part[0][:40]) for part in record["parts"]]
        assert -1 not in starts and starts == sorted(starts), record["key"]
        scores.append(body_f1(body, record["body"]))
    assert min(scores) >= 0.97, sorted(scores)[:3]


def response_of(web, path: str, kind: str = "article", **meta) -> HtmlResponse:
    site = web.sites["dx-split"]
    status, raw, headers = web.fetch("dx-split", path)
    url = site.url(path)
    request = Request(url, meta={"kind": kind, "hops": 1, **meta})
    return HtmlResponse(url, body=raw, encoding="utf-8", request=request, headers={"Content-Type": "text/html"})


class Frontier:
    def known_many(self, urls: list[str]) -> list[bool]:
        return [False] * len(urls)


def test_the_spider_walks_a_story_and_hands_over_one_page(web) -> None:
    site = web.sites["dx-split"]
    record = next(r for r in site.visible() if len(r["part_paths"]) == 2)
    spider = OutletSpider(outlet=Outlet(name="dx-split", base_url=site.url("/")))
    spider.frontier = Frontier()
    out = list(spider.parse_any(response_of(web, record["path"])))
    assert not [o for o in out if isinstance(o, dict)]  # no item for page 1 alone
    parts = [o for o in out if isinstance(o, Request) and o.meta["kind"] == "part"]
    assert [p.url for p in parts] == [canonical(site.url(record["part_paths"][0]))] and parts[0].dont_filter
    followed = {o.url for o in out if isinstance(o, Request)} - {parts[0].url}
    assert not followed & {canonical(site.url(p)) for p in record["part_paths"]}
    story = parts[0].meta["story"]
    out = list(spider.parse_any(response_of(web, record["part_paths"][0], kind="part", story=story)))
    assert len(out) == 1 and out[0].meta["kind"] == "part"
    out = list(spider.parse_any(response_of(web, record["part_paths"][1], kind="part", story=out[0].meta["story"])))
    assert len(out) == 1 and isinstance(out[0], dict)
    page = out[0]["page"]
    assert page.url == site.url(record["path"]) and page.outlet_config == spider.outlet_payload
    assert [p["url"] for p in page.parts] == [site.url(p) for p in record["part_paths"]]
    assert base64.b64decode(page.parts[1]["body_b64"]) == web.fetch("dx-split", record["part_paths"][1])[1]


def test_a_later_page_reached_by_a_link_asks_for_its_first_page(web) -> None:
    site = web.sites["dx-split"]
    record = next(r for r in site.visible() if r["variant"] == "split-path")
    spider = OutletSpider(outlet=Outlet(name="dx-split", base_url=site.url("/")))
    spider.frontier = Frontier()
    out = list(spider.parse_any(response_of(web, record["part_paths"][0])))
    assert [o.url for o in out if isinstance(o, Request) and o.meta["kind"] != "feed"] == [
        canonical(site.url(record["path"]))]
    assert not [o for o in out if isinstance(o, dict)]


def test_ingest_of_a_warc_joins_split_stories(web, tmp_path) -> None:
    """`akhbar ingest`: page 1 carries its later pages (in any order in the files); page 2+ never alone."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from crawler.ingest import iter_pages

    site = web.sites["dx-split"]
    records = site.visible()[:4]
    paths = [p for r in records for p in reversed([r["path"], *r["part_paths"]])]  # later pages first
    path = tmp_path / "split.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for page_path in paths:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            body = web.fetch("dx-split", page_path)[1]
            writer.write_record(writer.create_warc_record(site.url(page_path), "response", payload=BytesIO(body),
                                                          http_headers=http))
    skipped: Counter = Counter()
    pages = [page for page, _ in iter_pages([path], lambda url, named: {"name": "dx-split"}, skipped)]
    assert sorted(p.url for p in pages) == sorted(site.url(r["path"]) for r in records)
    # a later page is not sent: skipped as such, or before that as no article (a short last page)
    assert set(skipped) <= {"later_page_of_a_story", "not_an_article"}
    assert sum(skipped.values()) == sum(len(r["part_paths"]) for r in records) and skipped["later_page_of_a_story"]
    for page in pages:
        record = next(r for r in records if site.url(r["path"]) == page.url)
        assert [p["url"] for p in page.parts] == [canonical(site.url(p)) for p in record["part_paths"]]
