"""Issue 21 §3, lists that go on in data: one test per source beyond test_crawler_data_links' (Apollo's normalised
cache, Nuxt 3's __NUXT_DATA__ payload, Next.js data routes, "load more" endpoints answering JSON or an HTML
fragment, the WordPress REST API as the dx-wpyoast template answers it), with inputs in the shapes the platforms
serve: a Next.js page's __NEXT_DATA__ and its /_next/data/<buildId>/... answer, Laravel's paginator JSON, an htmx
button and its fragment, WordPress's post objects and headers."""

from __future__ import annotations

import json

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from akhbar.core.registry import Outlet
from akhbar.core.urls import canonical_url as canonical
from crawler import datalinks
from crawler.spiders.outlet import OutletSpider
from tests.spider_fakes import BASE, Frontier, spider

STORIES = ["/posts/tripoli-port-reopens/", "/posts/sabha-power-plant/", "/posts/misrata-steel-exports/"]


def page(body: str, url: str = BASE, kind: str = "listing") -> HtmlResponse:
    html = f'<!DOCTYPE html><html lang="ar"><head><title>أخبار</title></head><body>{body}</body></html>'
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", request=Request(url, meta={"kind": kind}))


def answer(url: str, body: str, content_type: str, how: dict, **meta) -> TextResponse:
    request = Request(url, meta={"kind": "data", "data": how, "via": "json", **meta})
    return TextResponse(url, body=body.encode(), headers={"Content-Type": content_type}, request=request,
                        encoding="utf-8")


def requests(response, known: set[str] = frozenset()) -> list[Request]:
    return [r for r in spider(known).parse_any(response) if isinstance(r, Request)]


def urls(out: list[Request], kind: str) -> set[str]:
    return {r.url for r in out if r.meta["kind"] == kind}


def stories(paths=STORIES) -> set[str]:
    return {BASE.rstrip("/") + p for p in paths}


# -- state blobs ---------------------------------------------------------------------------------------
def test_apollo_normalised_cache_is_followed() -> None:
    state = {"ROOT_QUERY": {"__typename": "Query", 'posts({"first":3})': {
        "__typename": "RootQueryToPostConnection", "nodes": [{"__ref": f"Post:{i}"} for i in range(3)]}}}
    state |= {f"Post:{i}": {"__typename": "Post", "id": f"cG9zdDo{i}", "title": "خبر", "uri": p,
                            "featuredImage": {"node": {"sourceUrl": f"{BASE}wp-content/uploads/{i}.jpg"}}}
              for i, p in enumerate(STORIES)}
    out = requests(page(f"<div id='root'></div><script>window.__APOLLO_STATE__={json.dumps(state)};</script>"))
    assert stories() <= urls(out, "article") | urls(out, "page")
    assert not any(u.endswith(".jpg") for u in urls(out, "article") | urls(out, "page"))  # an image is no page


def test_nuxt3_payload_is_followed() -> None:
    """Nuxt 3 writes its state as a devalue payload in <script id="__NUXT_DATA__">: indices, not nesting."""
    payload = [["ShallowReactive", 1], {"data": 2, "state": 3}, ["ShallowReactive", 4], {}, {"latest": 5},
               [6, 7, 8], *({"title": 9, "path": 10 + i} for i in range(3)), "خبر", *STORIES]
    script = f'<script type="application/json" id="__NUXT_DATA__" data-ssr="true">{json.dumps(payload)}</script>'
    out = requests(page(f'<div id="__nuxt"></div>{script}'))
    assert stories() <= urls(out, "article") | urls(out, "page")


# -- Next.js data routes ----------------------------------------------------------------------------------
def next_page(props: dict, route: str = "/", url: str = BASE, query: dict | None = None, **extra) -> HtmlResponse:
    data = {"props": {"pageProps": props, "__N_SSP": True}, "page": route, "query": query or {}, "buildId": "b1X",
            "isFallback": False, "gssp": True, "scriptLoader": [], **extra}
    return page(f'<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>',
                url)


def posts(paths: list[str], page_no: int, total: int) -> dict:
    return {"posts": {"nodes": [{"databaseId": i, "title": "خبر", "uri": p} for i, p in enumerate(paths)]},
            "pagination": {"page": page_no, "perPage": len(paths), "totalPages": total}}


def test_next_data_route_of_the_next_list_page() -> None:
    out = requests(next_page(posts(STORIES[:1], 1, 3)))
    assert stories(STORIES[:1]) <= urls(out, "article") | urls(out, "page")
    data = [r for r in out if r.meta["kind"] == "data"]
    assert [r.url for r in data] == [f"{BASE}_next/data/b1X/index.json?page=2"]
    assert data[0].meta["via"] == "json" and data[0].meta["listing_page"] == 1
    # its answer: the items, then the route of page 3
    body = json.dumps({"pageProps": posts(STORIES[1:2], 2, 3), "__N_SSP": True})
    out = requests(answer(data[0].url, body, "application/json", data[0].meta["data"], listing_page=1))
    assert stories(STORIES[1:2]) <= urls(out, "article") | urls(out, "page")
    assert urls(out, "data") == {f"{BASE}_next/data/b1X/index.json?page=3"}
    # the last page: the chain ends
    body = json.dumps({"pageProps": posts(STORIES[2:], 3, 3), "__N_SSP": True})
    out = requests(answer(f"{BASE}_next/data/b1X/index.json?page=3", body, "application/json", data[0].meta["data"]))
    assert stories(STORIES[2:]) <= urls(out, "article") | urls(out, "page") and not urls(out, "data")


def test_next_data_route_shapes() -> None:
    # a page number in a dynamic segment
    out = requests(next_page({"items": [], "currentPage": 1, "hasNextPage": True}, route="/news/page/[page]",
                             url=f"{BASE}news/page/1", query={"page": "1"}))
    assert urls(out, "data") == {f"{BASE}_next/data/b1X/news/page/2.json"}
    # i18n: the data route names the locale; a query of its own is kept
    out = requests(next_page({"list": {"current_page": 2, "last_page": 4}}, route="/[section]",
                             url=f"{BASE}en/local?sort=new&page=2", query={"section": "local", "sort": "new"},
                             locale="en", locales=["ar", "en"], defaultLocale="ar"))
    assert urls(out, "data") == {f"{BASE}_next/data/b1X/en/local.json?page=3&sort=new"}  # canonical: sorted query
    # no pagination in the props (a home page's fixed list), or no next page: no data route
    assert not urls(requests(next_page({"latest": [{"href": STORIES[0]}], "total": 1})), "data")
    assert not urls(requests(next_page(posts(STORIES, 3, 3))), "data")


def test_the_next_data_template_goes_on_in_data_routes() -> None:
    from tests.fixture_site.devweb import dev_offline_web

    web = dev_offline_web()
    site = web.sites["dx-nextdata"]
    home = web.fetch("dx-nextdata", "/")[1].decode("utf-8")
    links, chains = datalinks.page_lists(home, site.url("/"))
    assert len({site.url(r["path"]) for r in site.visible()} - set(links)) >= 10  # most stories are not on it
    path = chains[0].url.split("8080", 1)[1]
    status, body, headers = web.fetch("dx-nextdata", path)
    assert status == 200 and path.startswith("/_next/data/") and path.endswith("index.json?page=2")
    listed = datalinks.data_page(body, headers["Content-Type"], chains[0].url, chains[0].how)
    assert listed.links and listed.next.url.endswith("index.json?page=3")


# -- "load more" endpoints ------------------------------------------------------------------------------------
def laravel(page_no: int, last: int, paths: list[str]) -> str:
    api = f"{BASE}api/sections/local/articles"
    at = lambda n: f"{api}?page={n}" if n and 1 <= n <= last else None  # noqa: E731
    return json.dumps({
        "current_page": page_no, "data": [{"id": i, "title": "خبر", "url": BASE.rstrip("/") + p,
                                           "image": f"{BASE}storage/{i}.jpg"} for i, p in enumerate(paths)],
        "first_page_url": at(1), "from": 1, "last_page": last, "last_page_url": at(last),
        "links": [{"url": at(page_no - 1), "label": "&laquo; السابق", "active": False},
                  *({"url": at(n), "label": str(n), "active": n == page_no} for n in range(1, last + 1)),
                  {"url": at(page_no + 1), "label": "التالي &raquo;", "active": False}],
        "next_page_url": at(page_no + 1), "path": api, "per_page": 6, "prev_page_url": at(page_no - 1),
        "to": 6, "total": 13})


def test_load_more_button_with_a_json_endpoint() -> None:
    button = (f'<div id="list"><a href="{STORIES[0]}">خبر</a></div><button type="button" class="btn load-more" '
              f'data-url="{BASE}api/sections/local/articles?page=2">عرض المزيد</button>')
    data = [r for r in requests(page(button)) if r.meta["kind"] == "data"]
    assert [r.url for r in data] == [f"{BASE}api/sections/local/articles?page=2"] and data[0].meta["via"] == "json"
    out = requests(answer(data[0].url, laravel(2, 3, STORIES[1:]), "application/json", data[0].meta["data"],
                          listing_page=1))
    followed = urls(out, "article") | urls(out, "page")
    assert stories(STORIES[1:]) <= followed
    assert not any("/api/" in u or u.endswith(".jpg") for u in followed)  # the pager's own pages are no stories
    assert urls(out, "data") == {f"{BASE}api/sections/local/articles?page=3"}
    last = requests(answer(f"{BASE}api/sections/local/articles?page=3", laravel(3, 3, STORIES[2:]),
                           "application/json", {"more": True}))
    assert not urls(last, "data")  # next_page_url: null


def test_htmx_button_and_its_fragment() -> None:
    button = ('<div id="news-list"><a href="/posts/a/">خبر</a><button class="btn load-more" '
              'hx-get="/section/economy/more?offset=6" hx-target="this" hx-swap="outerHTML">تحميل المزيد</button></div>')
    assert urls(requests(page(button)), "data") == {f"{BASE}section/economy/more?offset=6"}
    fragment = ("".join(f'<div class="news-card"><a href="{p}"><h3>خبر</h3></a></div>' for p in STORIES)
                + '<button class="btn load-more" hx-get="/section/economy/more?offset=12" hx-swap="outerHTML">'
                "تحميل المزيد</button>")
    out = requests(answer(f"{BASE}section/economy/more?offset=6", fragment, "text/html; charset=utf-8",
                          {"more": True}))
    assert stories() <= urls(out, "article") | urls(out, "page")
    assert urls(out, "data") == {f"{BASE}section/economy/more?offset=12"}
    # infinite scroll: an htmx sentinel loaded when revealed, no words
    sentinel = '<div hx-get="/latest?page=2" hx-trigger="revealed" hx-swap="afterend"></div>'
    assert urls(requests(page(sentinel)), "data") == {f"{BASE}latest?page=2"}


def test_json_with_an_html_fragment_and_a_next_page_number() -> None:
    body = json.dumps({"success": True, "html": "".join(f"<article><a href='{p}'>خبر</a></article>" for p in STORIES),
                       "has_more": True, "next_page": 3})
    out = requests(answer(f"{BASE}ajax/more-news?cat=2&page=2", body, "application/json", {"more": True}))
    assert stories() <= urls(out, "article") | urls(out, "page")
    assert urls(out, "data") == {f"{BASE}ajax/more-news?cat=2&page=3"}
    done = json.dumps({"html": "<article><a href='/posts/z/'>خبر</a></article>", "has_more": False, "next": None})
    assert not urls(requests(answer(f"{BASE}ajax/more-news?page=4", done, "application/json", {"more": True})), "data")


def test_a_chain_that_brings_nothing_new_stops() -> None:
    known = stories() | {BASE.rstrip("/") + p for p in STORIES}
    out = requests(answer(f"{BASE}api/sections/local/articles?page=2", laravel(2, 3, STORIES), "application/json",
                          {"more": True}), known=known)
    assert not urls(out, "data") and not urls(out, "article")


def test_what_is_not_a_load_more_control() -> None:
    share = (f'<a class="share-button" data-url="{BASE}posts/x/">شارك على فيسبوك</a>'
             f'<a class="read-more" data-href="{BASE}posts/y/">اقرأ المزيد</a>'
             '<input hx-get="/search" hx-trigger="keyup changed delay:500ms" name="q">'
             '<button data-next="2" class="more">المزيد</button>')  # a number, not an endpoint
    assert datalinks.page_lists(share, BASE) == ([], [])
    assert datalinks.page_lists('<div data-id="5" data-toggle="tab">x</div>', BASE) == ([], [])  # pre-test: no parse


def test_a_load_more_link_to_an_ordinary_page_is_read_as_a_page() -> None:
    story = ("<!DOCTYPE html><html><head><title>خبر</title><script type='application/ld+json'>"
             '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "خبر"}</script></head><body>'
             "<article><h1>خبر</h1>" + "<p>" + "كلمة " * 300 + "</p></article></body></html>")
    out = list(spider().parse_any(answer(f"{BASE}posts/older/", story, "text/html", {"more": True})))
    assert any(isinstance(item, dict) and item["page"].url == f"{BASE}posts/older/" for item in out)


# -- the WordPress REST API, as WordPress answers it ----------------------------------------------------------
def test_wordpress_rest_api_of_the_yoast_template() -> None:
    """The API root a page announces, the post list the spider asks for (full post objects or _fields), its headers."""
    from tests.fixture_site.devweb import dev_offline_web

    web = dev_offline_web()
    site = web.sites["dx-wpyoast"]
    home = web.fetch("dx-wpyoast", "/")[1]
    response = HtmlResponse(site.url("/"), body=home, encoding="utf-8", request=Request(site.url("/"),
                                                                                         meta={"kind": "listing"}))
    s = OutletSpider(outlet=Outlet(name="dx-wpyoast", base_url=site.url("/")))
    s.frontier = Frontier()
    api = [r for r in s.parse_any(response) if isinstance(r, Request) and "/wp-json/" in r.url]
    assert len(api) == 1 and api[0].meta["kind"] == "feed"
    for target in (api[0].url.split("8080", 1)[1], "/wp-json/wp/v2/posts?page=1&per_page=50"):  # _fields or not
        status, body, headers = web.fetch("dx-wpyoast", target)
        assert status == 200 and headers["X-WP-Total"] == "25"
        answer_ = TextResponse(site.url(target), body=body, headers={"Content-Type": headers["Content-Type"]},
                               request=Request(site.url(target), meta={"kind": "feed"}), encoding="utf-8")
        out = [r for r in s.parse_any(answer_) if isinstance(r, Request)]
        assert {r.url for r in out if r.meta["kind"] == "article"} == {canonical(site.url(r["path"])) for r in site.visible()}
        assert not [r for r in out if r.meta["kind"] == "feed"]  # 25 posts < 50 a page: no page 2
        s.frontier = Frontier()


# -- a paged feed -----------------------------------------------------------------------------------------------
def test_blogger_feed_pages_are_followed_while_they_bring_new_posts() -> None:
    """Blogger's /search is disallowed: its lists are feeds/posts/default?start-index=N&max-results=M (rel="next")."""
    from tests.fixture_site.devweb import dev_offline_web

    web = dev_offline_web()
    site = web.sites["dx-blogger"]
    s = OutletSpider(outlet=Outlet(name="dx-blogger", base_url=site.url("/")))

    def read(target: str, known: set[str] = frozenset()) -> list[Request]:
        status, body, headers = web.fetch("dx-blogger", target)
        s.frontier = Frontier(known)
        response = TextResponse(site.url(target), body=body, headers={"Content-Type": headers["Content-Type"]},
                                request=Request(site.url(target), meta={"kind": "feed"}), encoding="utf-8")
        return [r for r in s.parse_any(response) if isinstance(r, Request)]

    first = read("/feeds/posts/default")
    assert len(urls(first, "article")) == 10
    assert urls(first, "feed") == {canonical(site.url("/feeds/posts/default?start-index=11&max-results=10"))}
    last = read("/feeds/posts/default?start-index=21&max-results=10")
    assert len(urls(last, "article")) == 5 and not urls(last, "feed")  # no rel="next" on the last page
    seen = {canonical(site.url(r["path"])) for r in site.visible()}
    assert not read("/feeds/posts/default", known=seen)  # nothing new: the feed's pages are not read on
