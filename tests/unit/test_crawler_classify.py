"""crawler.classify.is_article over the whole fixture web: every article page is an article, and the
other HTML pages the sites link to from their home pages (sections, pagination, archives) are not."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from crawler.classify import is_article
from tests.fixture_site.offline import offline_web
from workers.clean.encoding import decode_html


@pytest.fixture(scope="module")
def web():
    return offline_web()


def _selector(web, outlet: str, path: str) -> Selector | None:
    status, raw, headers = web.fetch(outlet, path)
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if status != 200 or "html" not in ctype or len(raw) > 2_000_000:  # the crawler stops at 10 MB anyway
        return None
    return Selector(text=decode_html(raw, ctype))


def test_every_fixture_article_is_an_article(web):
    missed = []
    for record in web.catalog.records:
        sel = _selector(web, record["outlet"], record["path"])
        if sel is None or not is_article(sel, web.sites[record["outlet"]].url(record["path"])):
            missed.append(record["key"])
    assert missed == []


def test_pages_linked_from_home_that_are_not_articles(web):
    article_paths = {(r["outlet"], urlsplit(r["path"]).path, urlsplit(r["path"]).query) for r in web.catalog.records}
    checked = 0
    wrong_pages = []
    for outlet, base in web.bases.items():
        if outlet == "fx-trap":  # calendars without end and a 12 MB page: the crawler's traps, tested there
            continue
        home = _selector(web, outlet, "/")
        assert home is not None and not is_article(home, base)
        for href in set(home.xpath("//a/@href").getall()):
            url = urljoin(base, href)
            parts = urlsplit(url)
            if url.split("?")[0] == base or not url.startswith(base) or (outlet, parts.path, parts.query) in article_paths:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if any(r["outlet"] == outlet and r["path"].split("?")[0] == parts.path for r in web.catalog.records):
                continue  # an article with tracking parameters
            sel = _selector(web, outlet, path)
            if sel is None:
                continue
            checked += 1
            if is_article(sel, url):
                wrong_pages.append(url)
    assert checked >= 6
    assert wrong_pages == []


SHORT_WIRE = ("افتتحت اليوم الدورة الثامنة والعشرون لمهرجان غدامس السياحي الدولي، بمشاركة خمس عشرة فرقة.",
              "وأفاد رئيس اللجنة المنظمة بأن المهرجان يستمر ثلاثة أيام.")


def test_microdata_article_counts_alone_not_inside_a_blog_listing():
    item = (f'<div itemscope itemtype="https://schema.org/{{kind}}"><h2 itemprop="headline">مهرجان غدامس</h2>'
            f'<div itemprop="articleBody"><p>{SHORT_WIRE[0]}</p><p>{SHORT_WIRE[1]}</p></div></div>')
    article = f"<html><body><main>{item.format(kind='Article')}</main></body></html>"
    listing = ('<html><body><main><div itemscope itemtype="https://schema.org/Blog">'
               f"{item.format(kind='BlogPosting')}</div></main></body></html>")
    two = f"<html><body><main>{item.format(kind='BlogPosting') * 2}</main></body></html>"
    url = "http://joomla.test/index.php?option=com_content&id=3343"
    assert is_article(Selector(text=article), url)
    assert not is_article(Selector(text=listing), url)
    assert not is_article(Selector(text=two), url)
