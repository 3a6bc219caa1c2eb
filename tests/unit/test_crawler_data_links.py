"""Issue 21 §3: listings that live in data. One test per source: Next.js __NEXT_DATA__, Nuxt window.__NUXT__ (IIFE
form), a Redux __INITIAL_STATE__, JSON-LD ItemList, JSON Feed, and the WordPress REST API a page announces."""

from __future__ import annotations

import json

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from akhbar.core.registry import Outlet
from crawler import datalinks
from crawler.spiders.outlet import OutletSpider

BASE = "http://shell.example.ly/"
STORIES = ["/news/tripoli-port-reopens", "/news/sabha-power-plant", "/news/misrata-steel-exports"]


class Frontier:
    def known_many(self, urls: list[str]) -> list[bool]:
        return [False] * len(urls)


def spider() -> OutletSpider:
    s = OutletSpider(outlet=Outlet(name="shell", base_url=BASE))
    s.frontier = Frontier()
    return s


def shell(script: str, url: str = BASE) -> HtmlResponse:
    """An app shell: a loading skeleton, no <a> to any story, the list in a script."""
    body = f'<html><head><title>شبكة</title></head><body><div id="app">جار التحميل...</div>{script}</body></html>'
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url, meta={"kind": "listing"}))


def followed(response) -> set[str]:
    return {r.url for r in spider().parse_any(response) if isinstance(r, Request)}


def wanted() -> set[str]:
    return {BASE.rstrip("/") + path for path in STORIES}


def test_next_data_lists_are_followed() -> None:
    data = {"props": {"pageProps": {"latest": [{"title": f"خبر {i}", "href": p} for i, p in enumerate(STORIES)]}},
            "page": "/", "buildId": "x1"}
    script = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    assert wanted() <= followed(shell(script))


def test_nuxt_iife_state_lists_are_followed() -> None:
    items = ",".join(f'{{title:"خبر",path:"{p}",views:a}}' for p in STORIES)
    script = f"<script>window.__NUXT__=(function(a,b){{return {{data:[{{list:[{items}]}}]}}}}(12,null));</script>"
    assert wanted() <= followed(shell(script))


def test_redux_initial_state_with_absolute_urls() -> None:
    state = {"home": {"cards": [{"url": BASE.rstrip("/") + p} for p in STORIES] + [{"url": "https://other.site/x"}]}}
    script = f"<script>window.__INITIAL_STATE__={json.dumps(state)};</script>"
    got = followed(shell(script))
    assert wanted() <= got and not any("other.site" in u for u in got)  # other sites: never


def test_json_ld_item_list_is_followed() -> None:
    ld = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": i + 1, "url": BASE.rstrip("/") + p} for i, p in enumerate(STORIES)]}
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    assert wanted() <= followed(shell(script))


def test_a_page_without_data_costs_no_parsing() -> None:
    assert not datalinks.has_data("<html><body><a href='/news/x'>x</a></body></html>")


def json_response(url: str, data, content_type: str = "application/json", **meta) -> TextResponse:
    request = Request(url, meta={"kind": "feed", **meta})
    return TextResponse(url, body=json.dumps(data).encode(), headers={"Content-Type": content_type},
                        request=request, encoding="utf-8")


def test_json_feed_items_become_article_requests() -> None:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "شبكة",
            "items": [{"id": str(i), "url": BASE.rstrip("/") + p, "date_published": "2015-07-21T10:00:00+02:00"}
                      for i, p in enumerate(STORIES)]}
    out = list(spider().parse_any(json_response(f"{BASE}feed.json", feed, "application/feed+json")))
    assert {r.url for r in out if r.meta["kind"] == "article"} == wanted()
    assert {r.meta["feed_published"] for r in out} == {"2015-07-21T10:00:00+02:00"}


def test_json_feeds_named_by_a_page_are_read() -> None:
    page = shell(f'<link rel="alternate" type="application/feed+json" href="{BASE}feed.json">')
    assert f"{BASE}feed.json" in followed(page)


def test_wordpress_rest_api_is_read_page_by_page() -> None:
    page = shell('<link rel="https://api.w.org/" href="http://shell.example.ly/wp-json/">')
    api = [u for u in followed(page) if "wp-json" in u]
    assert len(api) == 1 and api[0].startswith(f"{BASE}wp-json/wp/v2/posts?") and "&page=1&" in api[0]
    # plain permalinks: the API root is /?rest_route=/
    assert datalinks.wp_posts_url(f"{BASE}?rest_route=/").startswith(f"{BASE}?rest_route=%2Fwp%2Fv2%2Fposts&")
    full = [{"link": f"{BASE}?p={i}", "date_gmt": "2015-07-21T08:00:00"} for i in range(datalinks.WP_PER_PAGE)]
    out = list(spider().parse_any(json_response(api[0], full)))
    articles = [r for r in out if r.meta["kind"] == "article"]
    more = [r for r in out if r.meta["kind"] == "feed"]
    assert len(articles) == datalinks.WP_PER_PAGE and [r.meta["api_page"] for r in more] == [2]
    assert "page=2" in more[0].url
    last = list(spider().parse_any(json_response(more[0].url, full[:3], api_page=2)))
    assert len(last) == 3 and all(r.meta["kind"] == "article" for r in last)  # not full: the list ends


def test_the_app_shell_template_lists_every_article_only_in_data() -> None:
    from tests.fixture_site.devweb import dev_offline_web

    web = dev_offline_web()
    site = web.sites["dx-shell"]
    html = web.fetch("dx-shell", "/")[1].decode("utf-8")
    assert {site.url(r["path"]) for r in site.visible()} <= set(datalinks.page_data_links(html, site.url("/")))
