"""Issue 21 §4: which fetched pages the spider hands to the browser (crawler.classify.app_shell and
OutletSpider._wants_browser), and the registry's `render` key. Rendering itself, with Chromium and the
crawler's rules on every browser request, is tests/integration/test_crawler_render.py."""

from __future__ import annotations

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from akhbar.core.registry import Outlet, RegistryError, registry_from_entries
from crawler.classify import app_shell
from crawler.spiders.outlet import OutletSpider
from tests.fixture_site.devweb import dev_offline_web

CRA_SHELL = (b'<!doctype html><html lang="ar"><head><title>News</title>'
             b'<script defer src="/static/js/main.1a2b.js"></script></head><body>'
             b'<noscript>You need to enable JavaScript to run this app. ' + b"x" * 500 + b'</noscript>'
             b'<div id="root"></div></body></html>')
NAV_SHELL = (b'<html><body><header>' + b"".join(b'<a href="/s/%d">section %d</a>' % (i, i) for i in range(12))
             + b'</header><div id="app"></div><script src="/app.js"></script></body></html>')


@pytest.fixture(scope="module")
def web():
    return dev_offline_web()


def linked_paths(site, url: str, raw: bytes) -> set[str]:
    """Same-site paths (with their query) an article page links to."""
    from urllib.parse import urljoin, urlsplit

    out = set()
    for href in Selector(text=raw.decode("utf-8", "replace")).xpath("//a/@href").getall():
        target = urlsplit(urljoin(url, href.strip()))
        if target.scheme.startswith("http") and target.netloc == urlsplit(url).netloc:
            out.add(target.path + (f"?{target.query}" if target.query else ""))
    return out


def response(url: str, body: bytes, **meta) -> HtmlResponse:
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta=meta))


@pytest.mark.parametrize("body", [CRA_SHELL, NAV_SHELL])
def test_a_shell_of_scripts_with_no_text_is_one(body: bytes) -> None:
    assert app_shell(body, Selector(text=body.decode()))


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><div id='root'></div></body></html>",  # no script: nothing would ever fill it
        b"<html><body><p>" + "نص ".encode() * 200 + b"</p><script src='/a.js'></script></body></html>",  # text
        b"<html><body><script src='/a.js'></script>" + b"<a href='/n/1'>x</a>" * 40 + b"</body></html>",  # links
        b"<html><body><div id='root'></div><script>gtag('js', new Date());</script></body></html>",  # analytics only
        # a "send to a friend" form of an old table layout, with its font-size script: no mount point
        b"<html><head><script src='js/fonts.js'></script></head><body><table><tr><td><a href='default.asp'>home</a>"
        b"</td></tr><tr><td><form method='post'>mail: <input name='to'><input type='submit'></form></td></tr>"
        b"</table></body></html>",
    ],
)
def test_a_page_with_text_links_or_no_code_is_not(body: bytes) -> None:
    assert not app_shell(body, Selector(text=body.decode()))


def test_of_the_dev_set_only_the_client_rendered_app_goes_to_the_browser(web) -> None:
    """Every page of every dev-set template (JSON-state apps included) is read as served, except dx-react's:
    home pages, articles and every same-site page an article links to (lists, print and send-to-a-friend pages)."""
    wants = {}
    for record in web.catalog.records:
        site = web.sites[record["outlet"]]
        spider = OutletSpider(outlet=Outlet(name=record["outlet"], base_url=site.url("/")))
        article = web.fetch(record["outlet"], record["path"])[1]
        # the pages around an article are alike for every article of a template: two articles' worth
        linked = linked_paths(site, site.url(record["path"]), article) if record["n"] < 2 else set()
        for path in ("/", record["path"], *sorted(linked)):
            status, raw, headers = web.fetch(record["outlet"], path)
            if status != 200:
                continue
            url = site.url(path)
            wants[(record["outlet"], path)] = spider._wants_browser(
                HtmlResponse(url, body=raw, headers=headers, request=Request(url)))
    chosen = {outlet for (outlet, _), yes in wants.items() if yes}
    assert chosen == {"dx-react"}
    assert all(yes for (outlet, _), yes in wants.items() if outlet == "dx-react")


def test_render_modes_and_what_is_never_rendered(web) -> None:
    site = web.sites["dx-wpplain"]
    record = site.visible()[0]
    raw = web.fetch("dx-wpplain", record["path"])[1]
    url = site.url(record["path"])
    always = OutletSpider(outlet=Outlet(name="dx-wpplain", base_url=site.url("/"), render="browser"))
    assert always._wants_browser(response(url, raw))
    assert not always._wants_browser(response(url, raw, rendered=True))  # once rendered, read as is
    assert not always._wants_browser(response(url, raw, kind="feed"))
    react = web.sites["dx-react"]
    never = OutletSpider(outlet=Outlet(name="dx-react", base_url=react.url("/"), render="never"))
    assert not never._wants_browser(response(react.url("/"), web.fetch("dx-react", "/")[1]))


def test_the_registry_takes_a_render_mode() -> None:
    registry = registry_from_entries([{"name": "app", "base_url": "https://app.example.ly/", "render": "browser"}])
    outlet = registry.get("app")
    assert outlet.render == "browser"
    assert Outlet.from_payload(outlet.to_payload()).render == "browser"
    assert Outlet.from_payload({"name": "old", "base_url": "https://old.example.ly/"}).render == "auto"
    with pytest.raises(RegistryError, match="render 'chrome' must be one of auto, browser, never"):
        registry_from_entries([{"name": "app", "base_url": "https://app.example.ly/", "render": "chrome"}])
