"""The development set of issue 11 (tests.fixture_site.devset + sites/dx_*.py): gold well formed and
reproducible, every page shows its gold (in HTML or in its JSON state), discovery paths list every
article, AMP twins point at each other, the table layout is windows-1256, and the web serves over HTTP."""

from __future__ import annotations

import gzip
import html
import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta

import pytest
from protego import Protego

from akhbar.core.registry import load_registry
from tests.fixture_site.devset import (
    AGENCIES,
    BYLINE_STYLES,
    DEV_OUTLETS,
    PER_OUTLET,
    load_dev_gold,
    per_outlet,
    text_source,
)
from tests.fixture_site.devweb import DevFixtureWeb, dev_offline_web

ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
SLUGS = [spec.slug for spec in DEV_OUTLETS]


@pytest.fixture(scope="module")
def web():
    return dev_offline_web()


def page_text(web, outlet: str, path: str) -> str:
    status, raw, _ = web.fetch(outlet, path)
    assert status == 200, (outlet, path)
    return raw.decode("cp1256" if outlet == "dx-table" else "utf-8")


def readable(text: str) -> str:
    """Page text with JSON string escapes and HTML entities undone (JSON states hold the article)."""
    return html.unescape(text.replace("\\u003c", "<").replace("\\u003C", "<").replace('\\"', '"'))


def test_dev_gold_is_well_formed_and_reproducible():
    gold = load_dev_gold()
    assert text_source() in ("saudinewsnet", "fixture-data")  # fixture-data: no corpus on this machine
    assert per_outlet() == PER_OUTLET if text_source() == "saudinewsnet" else per_outlet() >= 6
    assert Counter(r["outlet"] for r in gold) == {slug: per_outlet() for slug in SLUGS}
    assert len({r["key"] for r in gold}) == len(gold)
    assert len({(r["outlet"], r["path"]) for r in gold}) == len(gold)
    assert len({r["title"] for r in gold}) == len(gold)  # distinct stories
    for record in gold:
        published = datetime.fromisoformat(record["published_at"])
        assert published.utcoffset() == timedelta(hours=2) and published.second == 0, record["key"]
        assert record["body"] == "\n\n".join(record["paragraphs"]) and record["lead"] == record["paragraphs"][0]
        assert not ENTITY.search(record["title"] + record["body"]), record["key"]
        byline = record["byline"]
        if record["authors"]:
            assert record["authors"][0] in byline["text"]
        if record["dateline"]:
            assert record["dateline"] in byline["text"]
        if byline["placement"] == "dateline":
            assert record["paragraphs"][0].startswith(byline["prefix"])
        if record["source_outlet"]:
            assert record["source_outlet"] in record["paragraphs"][-1]
    assert gold == load_dev_gold()  # the same draw every time
    if text_source() != "saudinewsnet":
        return  # the mix below is that of the corpus draw (25 pages per template), not of the smaller fallback
    styles = Counter(r["byline"]["style"] for r in gold)
    assert len(styles) == len(BYLINE_STYLES) and min(styles.values()) >= 3, styles
    # agency bylines of many agencies, the Libyan one among them (which ones the seeded draw picks moved
    # when issue 22 added six byline styles: واس is no longer among the 28 agency bylines)
    agencies = {a for r in gold for a in r["authors"]} & set(AGENCIES)
    assert len(agencies) >= 5 and "وال" in agencies, agencies
    # two credit styles of six: about a third of the records, whatever the number of templates
    assert 0.2 * len(gold) <= sum(bool(r["source_outlet"]) for r in gold) <= 0.45 * len(gold)
    variants = {r["variant"] for r in gold}
    assert {"next-html-body", "next-paragraph-list", "next-jsonld", "nuxt-function", "nuxt-object", "initial-state",
            "amp-bolt", "amp-word", "table-one-cell", "table-rows"} <= variants


def test_every_dev_page_shows_its_gold(web):
    for record in web.catalog.records:
        # A client-rendered page (dx-react) is a shell: its story is served by the site's JSON API.
        paths = [record.get("data_path") or record["path"]] + ([record["amp_path"]] if record.get("amp_path") else [])
        if record.get("parts"):  # a split report: each page shows its part (issue 21)
            pages = list(zip([record["path"], *record["part_paths"]], record["parts"], strict=True))
            assert sum(record["parts"], []) == record["paragraphs"]
        else:
            pages = [(path, record["paragraphs"]) for path in paths]
        for path, paragraphs in pages:
            text = readable(page_text(web, record["outlet"], path))
            assert record["title"] in text, (record["key"], path)
            for paragraph in paragraphs:
                assert paragraph in text, (record["key"], path, paragraph[:40])


def test_json_rendered_pages_hold_the_article_only_in_their_state(web):
    for record in web.catalog.records:
        if record["outlet"] not in ("dx-next", "dx-nuxt"):
            continue
        text = page_text(web, record["outlet"], record["path"])
        body_html = text.split("<body>", 1)[1].split("<script", 1)[0]
        assert record["paragraphs"][0][:30] not in body_html  # a loading skeleton only
        assert f"<title>{web.sites[record['outlet']].spec.name_ar}</title>" in text
        if record["outlet"] == "dx-next":
            raw = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', text, re.S)[1]
            article = json.loads(raw)["props"]["pageProps"]["article"]
            assert article["title"] == record["title"]
            body = article["body"]
            if record["variant"] == "next-jsonld":  # only JSON-LD articleBody carries the text
                ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)[1])
                assert body is None and ld["articleBody"] == "\n".join(record["paragraphs"])
            elif record["variant"] == "next-paragraph-list":
                assert body == record["paragraphs"]
            else:
                assert html.unescape(body) == "".join(f"<p>{p}</p>" for p in record["paragraphs"])
            assert article["publishedAt"].endswith("Z")
        elif record["variant"] == "nuxt-function":
            assert re.search(r"window\.__NUXT__=\(function\(a,b,c,d\)\{return \{", text)
        else:
            name = "__NUXT__" if record["variant"] == "nuxt-object" else "__INITIAL_STATE__"
            state = json.loads(re.search(rf"window\.{name}=(\{{.*?\}});</script>", text, re.S)[1])
            assert record["title"] in json.dumps(state, ensure_ascii=False)


def _locs(xml_bytes: bytes) -> list[str]:
    root = ET.fromstring(xml_bytes)
    return [el.text for el in root.iter() if el.tag.split("}")[-1] in ("loc", "link") and el.text] + [
        el.get("href") for el in root.iter() if el.tag.split("}")[-1] == "link" and el.get("rel") == "alternate"
    ]


def test_discovery_paths_list_every_article(web):
    def urls(outlet: str, path: str) -> set[str]:
        status, body, _ = web.fetch(outlet, path)
        return set(_locs(body)) if status == 200 else set()  # past the last page: 404

    def links(outlet: str, path: str) -> set[str]:
        if web.fetch(outlet, path)[0] != 200:
            return set()
        text = html.unescape(page_text(web, outlet, path))
        return {web.sites[outlet].url("/" + h.lstrip("/")) for h in re.findall(r'href="([^"#]+)"', text)}

    def article_urls(outlet: str, amp: bool = False) -> set[str]:
        site = web.sites[outlet]
        return {site.url(r["amp_path"] if amp else r["path"]) for r in site.visible()}

    for slug in SLUGS:
        robots = Protego.parse(page_text(web, slug, "/robots.txt"))
        for record in web.sites[slug].visible():
            assert robots.can_fetch(web.sites[slug].url(record["path"]), "akhbar"), record["key"]
    assert urls("dx-next", "/sitemap.xml") == article_urls("dx-next")
    assert "Sitemap:" in page_text(web, "dx-next", "/robots.txt")
    assert article_urls("dx-nuxt") <= urls("dx-nuxt", "/rss.xml")
    assert article_urls("dx-amp", amp=True) <= urls("dx-amp", "/rss")
    blogger = set().union(*(urls("dx-blogger", f"/sitemap.xml?page={n}") for n in (1, 2, 3)))
    assert blogger == article_urls("dx-blogger")
    drupal = set().union(*(links("dx-drupal", f"/ar/news?page={n}") for n in (0, 1, 2)))
    assert article_urls("dx-drupal") <= drupal
    joomla = set().union(*(links("dx-joomla", f"/index.php?option=com_content&view=category&layout=blog&id=8"
                                              f"&Itemid=101&limitstart={n}") for n in (0, 8, 16, 24)))
    assert article_urls("dx-joomla") <= joomla
    table = set().union(*(links("dx-table", f"/news_list.asp?cat=1&page={n}") for n in (1, 2, 3)))
    assert article_urls("dx-table") <= table
    # issue 21: plain permalinks in a sitemap index's children, plain and gzipped
    index = urls("dx-wpplain", "/sitemap.xml")
    assert any(u.endswith(".xml.gz") for u in index) and any(u.endswith(".xml") for u in index)
    children = set()
    for child in index:
        status, body, headers = web.fetch("dx-wpplain", child.split("8080", 1)[1])
        children |= set(_locs(gzip.decompress(body) if child.endswith(".gz") else body))
    assert article_urls("dx-wpplain") <= children
    # date archives: every month's pages list every article of the archive outlet
    months = {r["published_at"][:7].replace("-", "/") for r in web.sites["dx-wparchive"].visible()}
    archived = set().union(*(links("dx-wparchive", f"/{m}/" + (f"page/{n}/" if n > 1 else "")) for m in months
                             for n in (1, 2, 3, 4, 5)))
    assert article_urls("dx-wparchive") <= archived
    assert not article_urls("dx-wparchive") <= links("dx-wparchive", "/") | urls("dx-wparchive", "/feed/")
    split = set().union(*(links("dx-split", f"/reports?page={n}") for n in (1, 2, 3, 4)))
    assert article_urls("dx-split") <= split
    # the app shell: no link to any article anywhere, the list only in __NEXT_DATA__
    assert not article_urls("dx-shell") & links("dx-shell", "/")
    home = page_text(web, "dx-shell", "/")
    assert all(f'"href": "{r["path"]}"' in home for r in web.sites["dx-shell"].visible())
    assert web.fetch("dx-shell", "/sitemap.xml")[0] == 404


def test_platform_lists_of_the_fourth_block(web):
    """Ghost, WordPress with Yoast and the REST API, Next.js data routes, "load more": each platform's own lists
    name every article, and the home page alone names only a few (so those lists matter)."""
    def fetch(outlet: str, url_or_path: str) -> tuple[int, bytes, dict]:
        return web.fetch(outlet, "/" + url_or_path.split("8080/", 1)[-1].lstrip("/"))

    def hrefs(outlet: str, text: str) -> set[str]:
        return {web.sites[outlet].url("/" + h.split("8080/", 1)[-1].lstrip("/"))
                for h in re.findall(r'href="([^"#]+)"', html.unescape(text))}

    def article_urls(outlet: str) -> set[str]:
        return {web.sites[outlet].url(r["path"]) for r in web.sites[outlet].visible()}

    for slug in ("dx-ghost", "dx-wpyoast", "dx-nextdata", "dx-loadmore"):
        home = hrefs(slug, page_text(web, slug, "/"))
        assert len(article_urls(slug) & home) <= 10, slug
    # Ghost: robots.txt names /sitemap.xml, an index of sitemap-posts.xml (and pages, authors, tags); /rss/
    assert "Sitemap: " in page_text(web, "dx-ghost", "/robots.txt")
    index = _locs(fetch("dx-ghost", "/sitemap.xml")[1])
    assert {u.rsplit("/", 1)[1] for u in index} == {"sitemap-pages.xml", "sitemap-posts.xml", "sitemap-authors.xml",
                                                     "sitemap-tags.xml"}
    assert set(_locs(fetch("dx-ghost", "/sitemap-posts.xml")[1])) >= article_urls("dx-ghost")
    assert fetch("dx-ghost", "/page/1/")[0] == 301 and '<link rel="next"' in page_text(web, "dx-ghost", "/")
    # Yoast: sitemap_index.xml -> post-sitemap.xml (plain) and post-sitemap2.xml.gz; /sitemap.xml redirects
    index = _locs(fetch("dx-wpyoast", "/sitemap_index.xml")[1])
    posts = [u for u in index if "/post-sitemap" in u]
    assert [u.rsplit("/", 1)[1] for u in posts] == ["post-sitemap.xml", "post-sitemap2.xml.gz"]
    listed = set()
    for url in posts:
        status, body, headers = fetch("dx-wpyoast", url)
        listed |= {u for u in _locs(gzip.decompress(body) if url.endswith(".gz") else body) if not u.endswith(".jpg")}
    assert listed == article_urls("dx-wpyoast") and fetch("dx-wpyoast", "/sitemap.xml")[0] == 301
    # ... and the REST API the pages announce lists every post, page by page, then answers 400
    assert '<link rel="https://api.w.org/"' in page_text(web, "dx-wpyoast", "/")
    status, body, headers = fetch("dx-wpyoast", "/wp-json/wp/v2/posts?per_page=10&page=3&_fields=link,modified_gmt")
    assert status == 200 and headers["X-WP-TotalPages"] == "3" and set(json.loads(body)[0]) == {"link", "modified_gmt"}
    rest = {p["link"] for n in (1, 2, 3) for p in json.loads(fetch("dx-wpyoast", f"/wp-json/wp/v2/posts?page={n}")[1])}
    assert rest == article_urls("dx-wpyoast") and fetch("dx-wpyoast", "/wp-json/wp/v2/posts?page=4")[0] == 400
    # Next.js: the home page's props and the data routes after it list every post; /_next/data of another build 404s
    home = page_text(web, "dx-nextdata", "/")
    build = json.loads(re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', home)[1])["buildId"]
    routed = set()
    for n in (2, 3, 4, 5):
        status, body, headers = fetch("dx-nextdata", f"/_next/data/{build}/index.json?page={n}")
        assert status == 200 and headers["Content-Type"] == "application/json"
        routed |= {web.sites["dx-nextdata"].url(i["uri"]) for i in json.loads(body)["pageProps"]["posts"]["nodes"]}
    assert article_urls("dx-nextdata") <= routed | hrefs("dx-nextdata", home)
    assert fetch("dx-nextdata", "/_next/data/old-build/index.json?page=2")[0] == 404
    # load more: the Laravel JSON pages and the htmx fragments name the rest of each section
    more = set()
    page_no, url = 2, re.search(r'data-url="([^"]+)"', page_text(web, "dx-loadmore", "/section/local"))[1]
    while url:
        data = json.loads(fetch("dx-loadmore", html.unescape(url))[1])
        more |= {item["url"] for item in data["data"]}
        url, page_no = data["next_page_url"], page_no + 1
    target = re.search(r'hx-get="([^"]+)"', page_text(web, "dx-loadmore", "/section/economy"))
    while target:
        fragment = fetch("dx-loadmore", html.unescape(target[1]))[1].decode("utf-8")
        more |= hrefs("dx-loadmore", fragment)
        target = re.search(r'hx-get="([^"]+)"', fragment)
    sections = hrefs("dx-loadmore", page_text(web, "dx-loadmore", "/section/local") + page_text(web, "dx-loadmore",
                                                                                                 "/section/economy"))
    assert article_urls("dx-loadmore") <= more | sections and not article_urls("dx-loadmore") <= sections
    # Blogger: the Atom feed pages by start-index and max-results (rel="next"), /search is disallowed
    status, body, _ = fetch("dx-blogger", "/feeds/posts/default?start-index=21&max-results=20")
    assert status == 200 and len(ET.fromstring(body).findall("{http://www.w3.org/2005/Atom}entry")) == 5
    assert "Disallow: /search" in page_text(web, "dx-blogger", "/robots.txt")


def test_amp_twins_point_at_each_other(web):
    site = web.sites["dx-amp"]
    markers = set()
    for record in site.records:
        normal = page_text(web, "dx-amp", record["path"])
        amp = page_text(web, "dx-amp", record["amp_path"])
        assert f'<link rel="amphtml" href="{site.url(record["amp_path"])}">' in normal
        assert f'<link rel="canonical" href="{site.url(record["path"])}">' in amp
        assert "<amp-img " in amp and '"@type": "NewsArticle"' in amp
        markers.add(re.match(r"<!doctype html><html (\S+) ", amp)[1])
    assert markers == {"⚡", "amp"}


def test_table_layout_is_windows_1256(web):
    no_charset = 0
    for record in web.sites["dx-table"].records:
        _, raw, headers = web.fetch("dx-table", record["path"])
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("cp1256")
        assert "طباعة</a> | <a" in text and "إرسال لصديق" in text and "<br>" in text
        no_charset += headers["Content-Type"] == "text/html"
    assert 3 <= no_charset < len(web.sites["dx-table"].records)  # some pages name the charset only in <meta>


def test_dev_web_serves_over_http_with_a_base_url_registry(tmp_path):
    with DevFixtureWeb() as web:
        assert list(web.outlets) == SLUGS
        registry = load_registry(web.write_base_urls_yaml(tmp_path / "dev.yaml"))
        for slug, base in web.outlets.items():
            entry = registry.get(slug)
            assert entry.base_url == base and not entry.feeds and not entry.sitemaps and not entry.listings
            record = web.visible(slug)[0]
            with urllib.request.urlopen(base.rstrip("/") + record["path"], timeout=10) as response:
                assert response.status == 200
        assert web.requests("dx-next")
