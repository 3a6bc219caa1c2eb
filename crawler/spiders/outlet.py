"""The generic outlet spider: from a base URL (plus whatever the registry knows) to article pages.

Discovery, in order of trust: sitemaps (robots.txt `Sitemap:` lines, sitemap indexes, Google News
sitemaps), feeds (RSS/Atom, `<link rel=alternate>`, /feed, /rss), then listing pages and their
pagination. Article pages become items for the pipeline; everything else only yields links.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.classify import is_article, url_looks_like_article
from crawler.errors import classify_failure
from crawler.urls import canonical, is_trap, same_site

FEED_PROBES = ("feed/", "rss/", "rss.xml", "feed.xml", "atom.xml")
SITEMAP_PROBES = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml", "news-sitemap.xml")
MAX_LISTING_PAGES = 50  # per listing chain; endless pagination stops here
_XML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(urlset|sitemapindex|rss|feed|rdf:RDF)\b", re.S | re.I)


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, outlet: dict, job_id: str | None = None, jobs=None, seen=None, recrawl: bool = False,
                 since: datetime | None = None, **kwargs):
        super().__init__(name=f"outlet-{outlet['name']}", **kwargs)
        self.outlet = outlet
        self.job_id = job_id
        self.jobs = jobs
        self.seen = seen
        self.recrawl = recrawl
        self.since = since
        base = urlsplit(outlet["base_url"])
        host = (base.hostname or "").lower().removeprefix("www.")
        self.hosts = (host, f"{host}:{base.port}") if base.port else (host,)
        self.path_prefix = base.path if base.path.endswith("/") else base.path + "/"
        self.base_url = outlet["base_url"]
        self.listing_pages = 0

    # -- requests ----------------------------------------------------------------------------------
    def _request(self, url: str, kind: str, **meta) -> scrapy.Request | None:
        url = canonical(url)
        if not same_site(url, self.hosts, self.path_prefix):
            return None
        return scrapy.Request(url, callback=self.parse_any, errback=self.on_error, meta={"kind": kind, **meta},
                              priority=10 if kind == "article" else 0)

    async def start(self) -> Iterator[scrapy.Request]:
        for request in self._start_requests():
            yield request

    def start_requests(self):  # Scrapy < 2.13
        yield from self._start_requests()

    def _start_requests(self):
        base = self.base_url
        yield scrapy.Request(urljoin(base, "/robots.txt"), callback=self.parse_robots, errback=self.on_error,
                             meta={"kind": "robots", "dont_obey_robotstxt": True, "handle_httpstatus_all": True})
        for kind, urls in (("sitemap", self.outlet.get("sitemaps")), ("feed", self.outlet.get("feeds")),
                           ("listing", self.outlet.get("listings"))):
            for url in urls or []:
                if (request := self._request(_url_of(url), kind)) is not None:
                    yield request
        if (request := self._request(base, "listing")) is not None:
            yield request
        if not self.outlet.get("feeds"):
            for probe in FEED_PROBES:
                if (request := self._request(urljoin(base, probe), "probe")) is not None:
                    yield request
        if not self.outlet.get("sitemaps"):
            for probe in SITEMAP_PROBES:
                if (request := self._request(urljoin(base, probe), "probe")) is not None:
                    yield request

    def parse_robots(self, response: Response):
        if response.status != 200 or not isinstance(response, TextResponse):
            return
        for line in response.text.splitlines():
            key, _, value = line.partition(":")
            is_sitemap = key.strip().lower() == "sitemap" and value.strip()
            if is_sitemap and (request := self._request(value.strip(), "sitemap")) is not None:
                yield request

    def on_error(self, failure: Failure):
        kind = failure.request.meta.get("kind") if hasattr(failure, "request") else None
        if kind in ("probe", "robots"):
            return  # probing a guess that is not there is not an error
        reason = classify_failure(failure)
        if self.jobs is not None:
            self.jobs.error(self.job_id, reason)
        self.logger.info("fetch failed (%s): %s", reason, getattr(failure, "request", None) and failure.request.url)

    # -- responses ---------------------------------------------------------------------------------
    def parse_any(self, response: Response):
        if not isinstance(response, TextResponse):
            return  # counted as not_html by the JobProgress extension
        if _XML_START.match(response.body[:2048]):
            yield from self.parse_xml(response)
            return
        if response.meta.get("kind") == "probe":
            return  # probes are for feeds and sitemaps; a soft-404 HTML page is not a listing
        yield from self.parse_html(response)

    def parse_xml(self, response: Response):
        head = response.body[:4096].lower()
        if b"<urlset" in head or b"<sitemapindex" in head:
            yield from self.parse_sitemap(response)
        else:
            yield from self.parse_feed(response)

    def parse_sitemap(self, response: Response):
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                                           no_network=True, huge_tree=False))
        except etree.XMLSyntaxError:
            if self.jobs is not None:
                self.jobs.error(self.job_id, "bad_sitemap")
            return
        if root is None:
            return
        is_index = etree.QName(root).localname.lower() == "sitemapindex"
        for node in root:
            loc = _child_text(node, "loc")
            if not loc:
                continue
            date = _child_text(node, "publication_date") or _child_text(node, "lastmod")
            if self._too_old(date):
                continue
            if is_index:
                request = self._request(loc, "sitemap")
            else:
                request = self._article_request(loc, feed_published=_child_text(node, "publication_date"))
            if request is not None:
                yield request

    def parse_feed(self, response: Response):
        feed = feedparser.parse(response.body)
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            published = entry.get("published") or entry.get("updated")
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            iso = datetime(*parsed[:6], tzinfo=UTC).isoformat() if parsed else None
            if self._too_old(iso or published):
                continue
            if (request := self._article_request(link, feed_published=iso)) is not None:
                yield request

    def parse_html(self, response: TextResponse):
        for href in response.xpath('//link[@rel="alternate"][contains(@type,"rss") or contains(@type,"atom")]/@href').getall():
            if (request := self._request(response.urljoin(href), "feed")) is not None:
                yield request
        if response.meta.get("kind") != "listing" and is_article(response.selector, response.url):
            yield self._item(response)
            if not response.meta.get("follow_from_articles", True):
                return
        yield from self.follow_links(response)

    def follow_links(self, response: TextResponse):
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href.strip())
            if not url.startswith(("http://", "https://")):
                continue
            if is_trap(url):
                continue
            looks = url_looks_like_article(canonical(url))
            if looks is True:
                request = self._article_request(url)
            else:
                if _is_pagination(url):
                    if self.listing_pages >= MAX_LISTING_PAGES:
                        continue
                    self.listing_pages += 1
                request = self._request(url, "page")
            if request is not None:
                yield request

    # -- helpers -----------------------------------------------------------------------------------
    def _article_request(self, url: str, feed_published: str | None = None) -> scrapy.Request | None:
        url = canonical(url)
        if not self.recrawl and self.seen is not None and self.seen.seen(url):
            return None
        return self._request(url, "article", feed_published=feed_published)

    def _too_old(self, date: str | None) -> bool:
        if not self.since or not date:
            return False
        try:
            value = datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
        except ValueError:
            return False
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value < self.since

    def _item(self, response: TextResponse) -> dict:
        return {
            "url": response.url,
            "requested_url": response.meta.get("redirect_urls", [response.url])[0],
            "status": response.status,
            "headers": {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()},
            "body_b64": base64.b64encode(response.body).decode("ascii"),
            "outlet": self.outlet["name"],
            "outlet_config": self.outlet,
            "job_id": self.job_id,
            "fetched_at": datetime.now(UTC).isoformat(),
            "feed_published": response.meta.get("feed_published"),
        }


def _url_of(entry) -> str:
    """Registry URLs may be plain strings or mappings with a `url` key."""
    return entry["url"] if isinstance(entry, dict) else str(entry)


def _child_text(node, name: str) -> str | None:
    for child in node.iter():
        if isinstance(child.tag, str) and etree.QName(child).localname.lower() == name:
            return (child.text or "").strip() or None
    return None


def _is_pagination(url: str) -> bool:
    return bool(re.search(r"/page/\d+|[?&](page|paged|p|start|offset)=\d+", url, re.I))
