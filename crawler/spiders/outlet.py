"""The generic outlet spider: from a base URL (plus whatever the registry knows) to article pages.

Discovery, in order of trust: sitemaps (robots.txt `Sitemap:` lines, sitemap indexes, Google News
sitemaps), feeds (RSS/Atom, `<link rel=alternate>`, /feed, /rss), then listing pages and their
pagination. Article pages become items for the pipeline; everything else only yields links.

Incremental: entry points (feeds, sitemaps, listing pages) are read when due by the outlet's schedule or
never read before; articles already fetched are skipped unless the recrawl policy says otherwise; a
listing chain is followed only while its pages bring new links (and, with ``since``, while they show
articles from after the cutoff). State lives in Redis (crawler.state), shared by all crawler processes.
"""

from __future__ import annotations

import base64
import io
import re
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from akhbar.core.config import load_settings
from akhbar.core.messages import Page
from akhbar.core.registry import Outlet
from akhbar.core.times import parse_iso_utc
from akhbar.core.urls import canonical_url as canonical
from crawler import datalinks, discovery, listing, split
from crawler.classify import app_shell, is_article, url_looks_like_article
from crawler.content import XML_START, media_type, refusal
from crawler.errors import classify_failure
from crawler.render import BrowserMissing, Renderer, RenderFailed, RenderLimits
from crawler.robots import sitemaps_of
from crawler.settings import AKHBAR_SETTINGS
from crawler.state import ERROR_INTERVAL, PROBE_MISS_INTERVAL, OutletState, RecrawlPolicy, is_due
from crawler.urls import is_trap, same_site, site_key

FEED_PROBES = ("feed/", "rss/", "rss.xml", "feed.xml", "atom.xml")
SITEMAP_PROBES = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml", "news-sitemap.xml")
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # sitemaps.org: at most 50 MB uncompressed
KNOWN_DATES = 50_000  # article dates from feeds/sitemaps kept for --since decisions on listings
# Requests whose answer is never an app shell to render: machine-readable lists (and lists in data), robots, a
# story's later pages.
NOT_RENDERED = frozenset({"sitemap", "feed", "probe", "robots", "part", "browser", "data"})
_PAGE_NUMBER = re.compile(r"/page/(\d+)/?$|[?&](?:page|paged|p|pg|start|offset|pagenum|pageno)=(\d+)", re.I)


class OutletSpider(scrapy.Spider):
    name = "outlet"

    def __init__(self, outlet: Outlet, job_id: str | None = None, jobs=None, state: OutletState | None = None,
                 recrawl: object = None, since: datetime | None = None, **kwargs):
        super().__init__(name=f"outlet-{outlet.name}", **kwargs)
        self.outlet = outlet
        self.outlet_payload = outlet.to_payload()  # travels with every page to the clean stage
        self.tz = outlet.tz
        self.job_id = job_id
        self.jobs = jobs
        self.state = state
        self.policy = state.policy if state is not None else RecrawlPolicy.parse(recrawl)
        self.since = since
        self.frontier = None  # set by crawler.scheduler.RedisFrontierScheduler when it opens
        base = urlsplit(outlet.base_url)
        self.hosts = (site_key(outlet.base_url),)
        self.path_prefix = base.path if base.path.endswith("/") else base.path + "/"
        self.base_url = outlet.base_url
        self.founded = outlet.founded
        self.known_dates: OrderedDict[str, datetime] = OrderedDict()
        self._feeds_seen: set[str] = set()
        self._apis_seen: set[str] = set()
        self.opened_at = self.now()  # articles fetched since then came from this job's other routes
        self.discovery = discovery.DiscoveryCounts(outlet.name)  # what each discovery path brought (§6)
        self.renderer: Renderer | None = None  # set by from_crawler unless AKHBAR_RENDER is "off"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        spider.max_hops = crawler.settings.getint("AKHBAR_MAX_HOPS")
        spider.max_listing_pages = crawler.settings.getint("AKHBAR_MAX_LISTING_PAGES")
        spider.max_barren_pages = crawler.settings.getint("AKHBAR_MAX_BARREN_PAGES")
        if crawler.settings.get("AKHBAR_RENDER") != "off" and spider.outlet.render != "never":
            spider.renderer = Renderer(crawler, load_settings().chromium, RenderLimits(
                timeout=crawler.settings.getfloat("AKHBAR_RENDER_TIMEOUT"),
                concurrency=crawler.settings.getint("AKHBAR_RENDER_CONCURRENCY"),
                max_requests=crawler.settings.getint("AKHBAR_RENDER_MAX_REQUESTS")),
                user_agent=crawler.settings.get("USER_AGENT"))
            crawler.signals.connect(spider.close_browser, signal=signals.spider_closed)
        return spider

    async def close_browser(self, spider=None) -> None:
        if self.renderer is not None:
            counts = dict(self.renderer.counts)
            if counts:
                self.logger.info("browser: %s", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
                for key, value in counts.items():
                    self._count(f"render/{key}", value)
            await self.renderer.close()

    # Without a crawler (unit tests), the declared defaults.
    max_hops = AKHBAR_SETTINGS["AKHBAR_MAX_HOPS"]
    max_listing_pages = AKHBAR_SETTINGS["AKHBAR_MAX_LISTING_PAGES"]
    max_barren_pages = AKHBAR_SETTINGS["AKHBAR_MAX_BARREN_PAGES"]

    @property
    def recrawl(self) -> bool:
        return self.policy.always

    # -- helpers: time, state, counters -----------------------------------------------------------
    def now(self) -> float:
        return self.state.now() if self.state is not None else datetime.now(UTC).timestamp()

    def _count(self, key: str, n: int = 1) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and n:
            crawler.stats.inc_value(f"akhbar/{key}", n)

    def _error(self, kind: str, detail: str, url: str) -> None:
        if self.jobs is not None:
            self.jobs.error(self.job_id, kind)
        self._count(f"errors/{kind}")
        self.logger.info("%s (%s): %s", kind, detail, url)

    def _request(self, url: str, kind: str, **meta) -> scrapy.Request | None:
        url = canonical(url)
        if not same_site(url, self.hosts, self.path_prefix):
            return None
        meta.setdefault("hops", 0)
        if kind in discovery.VIA_OF_KIND:
            meta.setdefault("via", discovery.VIA_OF_KIND[kind])
        return scrapy.Request(url, callback=self.parse_any, errback=self.on_error, meta={"kind": kind, **meta},
                              priority=10 if kind == "article" else 0)

    def _remember_date(self, url: str, value: datetime | None) -> None:
        if value is None or self.since is None:  # only --since decisions on listings read them
            return
        self.known_dates[url] = value
        if len(self.known_dates) > KNOWN_DATES:
            self.known_dates.popitem(last=False)

    # -- start: entry points that are due ------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._start_requests():
            yield request

    def start_requests(self):  # Scrapy < 2.13
        yield from self._start_requests()

    def _start_requests(self) -> Iterator[scrapy.Request]:
        base = self.base_url
        entries: list[tuple[str, str]] = []
        for kind, urls in (("sitemap", self.outlet.sitemaps), ("feed", self.outlet.feeds),
                           ("listing", self.outlet.listings)):
            entries += [(_url_of(url), kind) for url in urls or []]
        entries.append((base, "listing"))
        if not self.outlet.feeds:
            entries += [(urljoin(base, probe), "probe") for probe in FEED_PROBES]
        if not self.outlet.sitemaps:
            entries += [(urljoin(base, probe), "probe") for probe in SITEMAP_PROBES]
        home = canonical(base)
        yield from (discovery.start_via(request, home) for request in self._due(entries))

    def _due(self, entries: Iterable[tuple[str, str]], hops: int = 0, **meta) -> Iterator[scrapy.Request]:
        """Requests for the entry points that are due, never read, or wanted by a full recrawl."""
        seen: dict[str, str] = {}
        for url, kind in entries:
            request = self._request(url, kind)
            if request is not None:
                seen.setdefault(request.url, kind)
        urls = list(seen)
        records = self.state.entries.get_many(urls) if self.state is not None else [None] * len(urls)
        now = self.now()
        for url, record in zip(urls, records, strict=True):
            if not self.policy.always and not is_due(record, now):
                self._count("entries_not_due")
                continue
            request = self._request(url, seen[url], hops=hops, prev_fetch=record.last if record else None, **meta)
            if request is not None:
                yield request

    def robots_parsed(self, robotparser, request) -> None:
        """robots.txt read (or taken from the shared cache): its Sitemap: lines are entry points."""
        crawler = getattr(self, "crawler", None)
        if not same_site(request.url, self.hosts, "/") or crawler is None or crawler.engine is None:
            return
        for sitemap_request in self._due((url, "sitemap") for url in sitemaps_of(robotparser)):
            self.crawler.engine.crawl(sitemap_request)

    # -- errors ---------------------------------------------------------------------------------------
    def on_error(self, failure: Failure):
        request = getattr(failure, "request", None)
        kind = request.meta.get("kind") if request is not None else None
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        if kind == "part":  # a later page of a split story failed: the story goes on with the pages it has
            self.logger.info("story page failed (%s): %s", classify_failure(failure), request.url)
            return [self._story_item(request.meta["story"])]
        if request is not None:
            self._record_failure(request, kind, status)
        if kind in ("probe", "robots"):
            return  # probing a guess that is not there is not an error
        reason = classify_failure(failure)
        if kind in discovery.PAGE_KINDS and reason not in discovery.NOT_FETCHED:
            self.discovery.not_sent(reason)
        if self.jobs is not None:
            self.jobs.error(self.job_id, reason)
        self.logger.info("fetch failed (%s): %s", reason, request.url if request is not None else None)

    def _record_failure(self, request: scrapy.Request, kind: str | None, status: int | None) -> None:
        if self.state is None:
            return
        url = request.meta.get("redirect_urls", [request.url])[0]
        if kind == "article":
            if status in (404, 410):  # gone: not worth asking again under the never policy
                self.state.articles.mark_fetched([url], self.now())
            return
        if kind in (None, "robots"):
            return
        if kind == "probe" and status is not None and status < 500:
            interval = PROBE_MISS_INTERVAL
        elif status is not None and status < 500:
            interval = self.state.interval(kind)
        else:
            interval = ERROR_INTERVAL
        self.state.entries.record(url, kind, interval, self.now())

    # -- responses ------------------------------------------------------------------------------------
    def _record_entry(self, response: Response, kind: str, interval: float | None = None) -> None:
        if self.state is None:
            return
        urls = {response.meta.get("redirect_urls", [response.url])[0], canonical(response.url)}
        now = self.now()
        for url in urls:
            self.state.entries.record(url, kind, interval if interval is not None else self.state.interval(kind), now)

    def parse_any(self, response: Response):
        """A fetched response, whatever it is. An app shell (or any page of a `render: browser` outlet) is
        rendered by the browser first, then read like any page: the only case that awaits."""
        if self.renderer is not None and self._wants_browser(response):
            return self._parse_rendered(response)
        return self._parse_fetched(response)

    def _wants_browser(self, response: Response) -> bool:
        if response.meta.get("rendered") is not None or response.meta.get("kind") in NOT_RENDERED:
            return False
        if not isinstance(response, HtmlResponse) or XML_START.match(response.body[:2048]):
            return False
        if self.outlet.render == "browser":
            return True
        return (self.outlet.render == "auto" and app_shell(response.body, response.selector)
                and not datalinks.has_data(response.text))

    async def _parse_rendered(self, response: Response) -> AsyncIterator:
        # Without a render, the page is read as fetched (meta rendered=False: it is not offered again).
        as_fetched = response.replace(request=response.request.replace(meta={**response.meta, "rendered": False}))
        try:
            rendered = await self.renderer.render(response, self.hosts, self.path_prefix)
        except BrowserMissing as exc:
            self.logger.error("%s; app-shell pages are read without it", exc)
            self._error("browser_missing", str(exc), response.url)
            self.renderer = None
            rendered = as_fetched
        except RenderFailed as exc:
            self._error("render_failed", str(exc), response.url)
            rendered = as_fetched
        else:
            self._count("pages_rendered")
            if self.jobs is not None:
                self.jobs.incr(self.job_id, "pages_rendered")
        for out in discovery.from_rendered(self._parse_fetched(rendered), rendered):
            yield out

    def _parse_fetched(self, response: Response):
        kind = response.meta.get("kind")
        if kind == "part":
            yield from self._parse_part(response)
            return
        if kind == "data":
            yield from self.parse_data(response)
            return
        if kind in ("sitemap", "probe") and response.body[:2] == b"\x1f\x8b":
            # sitemap.xml.gz: a gzip file, not a Content-Encoding, so Scrapy leaves it compressed.
            body = _gunzip(response.body, SITEMAP_MAX_BYTES)
            if body is None:
                self._error("bad_sitemap", "gzip file that does not decompress (or too large)", response.url)
                self._record_entry(response, "sitemap")
                return
            response = response.replace(body=body)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if kind in ("feed", "probe") and "json" in media_type(content_type):
            yield from self.parse_json(response)  # a JSON Feed or a WordPress REST API page
            return
        problem = refusal(response.body, content_type)
        if problem is not None:
            reason, detail = problem
            if kind != "probe":
                self._error(reason, detail, response.url)
            if kind in discovery.PAGE_KINDS:
                self.discovery.not_sent(f"refused:{reason}")
            if kind == "article" and self.state is not None:  # not worth fetching again
                requested = response.meta.get("redirect_urls", [response.url])[0]
                self.state.articles.mark_fetched([requested, canonical(response.url)], self.now())
            else:
                self._record_entry(response, kind or "page", PROBE_MISS_INTERVAL if kind == "probe" else None)
            return
        if XML_START.match(response.body[:2048]):
            yield from self.parse_xml(response)
            return
        if kind == "probe":
            self._record_entry(response, "probe", PROBE_MISS_INTERVAL)
            return  # probes are for feeds and sitemaps; a soft-404 HTML page is not a listing
        if not isinstance(response, TextResponse):
            response = TextResponse(response.url, status=response.status, headers=response.headers,
                                    body=response.body, request=response.request)
        yield from self.parse_html(response)

    def parse_xml(self, response: Response):
        head = response.body[:4096].lower()
        if b"<urlset" in head or b"<sitemapindex" in head:
            self._record_entry(response, "sitemap")
            yield from self.parse_sitemap(response)
        else:
            self._record_entry(response, "feed")
            yield from self.parse_feed(response)

    def parse_sitemap(self, response: Response):
        try:
            root = etree.fromstring(response.body, parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                                           no_network=True, huge_tree=False))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            self._error("bad_sitemap", "unparseable XML", response.url)
            return
        is_index = etree.QName(root).localname.lower() == "sitemapindex"
        children: list[tuple[str, str | None]] = []
        articles: list[tuple[str, datetime | None, str | None]] = []
        for node in root:
            loc = _child_text(node, "loc")
            if not loc:
                continue
            published = _child_text(node, "publication_date")
            date_text = published or _child_text(node, "lastmod")
            if self._too_old(date_text):
                continue
            if is_index:
                children.append((loc, date_text))
            else:
                articles.append((loc, parse_iso_utc(date_text), published))
        if is_index:
            yield from self._child_sitemaps(children, response)
        else:
            yield from self._article_requests(articles, response, "sitemap")

    def _child_sitemaps(self, children: list[tuple[str, str | None]], response: Response):
        """Sitemaps of an index, when due; a child whose <lastmod> is not newer than our last read of it
        is unchanged and skipped even when due (archive sitemaps rarely change)."""
        lastmods = {canonical(loc): parse_iso_utc(text) for loc, text in children}
        for request in self._due(((loc, "sitemap") for loc, _ in children), hops=response.meta.get("hops", 0)):
            lastmod, prev = lastmods.get(request.url), request.meta.get("prev_fetch")
            if prev is not None and lastmod is not None and lastmod.timestamp() <= prev and not self.policy.always:
                self._count("sitemaps_unchanged")
                continue
            yield request

    def parse_feed(self, response: Response):
        # A file object: given bytes, feedparser treats a body that looks like a path or URL as one to open.
        feed = feedparser.parse(io.BytesIO(response.body))
        articles: list[tuple[str, datetime | None, str | None]] = []
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            # feedparser gives UTC; show the instant in the outlet's own zone (Africa/Tripoli by default).
            iso = datetime(*parsed[:6], tzinfo=UTC).astimezone(self.tz).isoformat() if parsed else None
            if self._too_old(iso or entry.get("published") or entry.get("updated")):
                continue
            updated = entry.get("updated_parsed")
            updated_at = datetime(*updated[:6], tzinfo=UTC) if updated else parse_iso_utc(iso)
            articles.append((link, updated_at, iso))
        new = 0
        for request in self._article_requests(articles, response, "feed"):
            new += 1
            yield request
        # A paged feed (RFC 5005 rel="next"; Blogger's feeds/posts/default?start-index=N&max-results=M): its next
        # page while this one brought new articles.
        following = next((link.get("href") for link in feed.feed.get("links", []) if link.get("rel") == "next"), None)
        if following and new:
            yield from self._chain_request(response.urljoin(following), "feed", response.meta.get("hops", 0),
                                           response.meta.get("listing_page", 0) + 1)

    def parse_json(self, response: Response):
        """A JSON Feed, or a page of a WordPress REST API post list (the next page follows while it is full)."""
        items = datalinks.json_feed_urls(response.body)
        posts = datalinks.wp_posts(response.body) if items is None else None
        if items is None and posts is None:
            if response.meta.get("kind") != "probe":
                self._error("not_a_feed", "JSON that is neither a JSON Feed nor a post list", response.url)
            self._record_entry(response, "feed")
            return
        self._record_entry(response, "feed")
        entries = items if items is not None else posts
        articles = [(url, parse_iso_utc(date), date if items is not None else None) for url, date in entries or ()]
        self._count("data_feed_items", len(articles))
        yield from self._article_requests([(response.urljoin(u), d, p) for u, d, p in articles], response, "json")
        page = response.meta.get("api_page", 1)
        if posts is not None and len(posts) >= datalinks.WP_PER_PAGE and page < self.max_listing_pages:
            following = _next_api_page(response.url, page + 1)
            yield from _some(self._request(following, "feed", hops=response.meta.get("hops", 0), api_page=page + 1))

    def _article_requests(self, articles: list[tuple[str, datetime | None, str | None]], response: Response,
                          via: str):
        """Article links from a feed, a sitemap or JSON (``via``): (url, updated/lastmod, publication date for
        the cleaner)."""
        wanted = []
        for url, updated, published in articles:
            request = self._request(url, "article")
            if request is not None:
                self._remember_date(request.url, parse_iso_utc(published) or updated)
                wanted.append((request.url, updated, published))
        decisions = self._article_decisions([url for url, _, _ in wanted], [u for _, u, _ in wanted])
        for (url, _, published), fetch in zip(wanted, decisions, strict=True):
            if fetch:
                request = self._request(url, "article", feed_published=published,
                                        hops=response.meta.get("hops", 0) + 1, via=via)
                if request is not None:
                    yield request

    def _article_decisions(self, urls: list[str], updated: list[datetime | None]) -> list[bool]:
        """Fetch or not, per article URL: not yet in this job's frontier, and never fetched (or due by the
        recrawl policy)."""
        if not urls:
            return []
        known, lasts, _ = self._lookup(urls, entries=False)
        now = self.now()
        out = []
        for is_known, last, changed in zip(known, lasts, updated, strict=True):
            fetch = not is_known and self.policy.should_fetch(last, changed, now)
            if not is_known and not fetch:
                self._count("articles_already_fetched")
            out.append(fetch)
        return out

    def parse_html(self, response: TextResponse):
        kind = response.meta.get("kind")
        hops = response.meta.get("hops", 0)
        feeds = response.xpath('//link[@rel="alternate"][contains(@type,"rss") or contains(@type,"atom") or '
                               'contains(@type,"feed+json")]/@href')
        new_feeds = [url for href in feeds.getall() if (url := response.urljoin(href)) not in self._feeds_seen]
        # A WordPress site's REST API lists every post: read like a feed, page by page.
        apis = [datalinks.wp_posts_url(response.urljoin(href))
                for href in response.xpath(f'//link[@rel="{datalinks.WP_API_REL}"]/@href').getall()]
        new_feeds += [url for url in apis if url not in self._apis_seen]
        self._apis_seen.update(apis)
        self._feeds_seen.update(new_feeds)  # every page of a site names the same feed: look it up once
        yield from self._due(((url, "feed") for url in new_feeds), hops=hops)
        if kind != "listing" and is_article(response.selector, response.url):
            exclude: set[str] = set()
            if split.maybe_split(response.text, response.url):
                links = split.anchors(response.selector, response.url)
                head = split.continues(links, response.url)
                if head is not None:  # page 2 or later, reached by a link: the story is read from its page 1
                    self._count("split/later_page_reached")
                    self.discovery.not_sent("later_page")
                    if self._article_decisions([head], [None])[0]:
                        yield from _some(self._request(head, "article", hops=hops))
                    return
                after = split.next_part(links, response.url)
                if after is not None:  # page 1 of a split story: its pages, then one item
                    exclude = split.story_links(links, response.url)
                    item = self._item(response)
                    page = {k: v for k, v in item["page"].to_payload().items() if k != "outlet_config"}
                    story = {"head": {"page": page, "warc_copy": item["warc_copy"]}, "parts": [],
                             "seen": [canonical(response.url)], "via": response.meta.get("via"),
                             "found": kind == "page"}
                    yield from self._part_request(after, story, hops)
                else:
                    yield self._send(response)
            else:
                yield self._send(response)
            if not response.meta.get("follow_from_articles", True):
                return
            yield from self.follow_links(response, from_article=True, exclude=exclude)
            return
        self._record_entry(response, "listing" if kind == "listing" else "page")
        # An app shell's list may be only in its JSON state (or a JSON-LD ItemList): its links count as links. A list
        # may go on in data: a Next.js data route, a "load more" endpoint (pre-tested: free on other pages).
        extra, chains = datalinks.page_lists(response.text, response.url, response.selector.root)
        self._count("data_links", len(extra))
        yield from discovery.tag(self.follow_links(response, from_article=False, extra=extra), extra, "json")
        for chain in chains:
            yield from self._chain_request(chain.url, "data", hops, 1, data=chain.how, via="json")

    def _chain_request(self, url: str, kind: str, hops: int, depth: int, **meta) -> Iterator[scrapy.Request]:
        """The next page of a list in data or of a paged feed, unless this job has it already; a chain ends at the
        listing page limit."""
        if depth >= self.max_listing_pages:
            self._count("pagination_limit")
            return
        request = self._request(url, kind, hops=hops, listing_page=depth, **meta)
        if request is not None and not (self.frontier is not None and self.frontier.known_many([request.url])[0]):
            yield request

    def parse_data(self, response: Response):
        """A page of a list in data (a Next.js data route, a load-more endpoint's JSON or HTML fragment): its links
        are followed as a listing's, and the next page while this one brought new links (yield bounds it)."""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        page = datalinks.data_page(response.body, media_type(content_type), response.url, response.meta["data"])
        if page is None:
            if datalinks.is_document(response.body) and refusal(response.body, content_type) is None:
                if not isinstance(response, TextResponse):  # a load-more link to an ordinary page: read as one
                    response = TextResponse(response.url, status=response.status, headers=response.headers,
                                            body=response.body, request=response.request)
                yield from self.parse_html(response)
            else:
                self._error("not_a_list", "a list endpoint that answered no list", response.url)
            return
        self._count("data_list_items", len(page.links))
        new_links = yield from self.follow_links(response, from_article=False, extra=page.links, read_page=False)
        if page.next is not None and new_links:
            yield from self._chain_request(page.next.url, "data", response.meta.get("hops", 0),
                                           response.meta.get("listing_page", 0) + 1, data=page.next.how, via="json")
        elif page.next is not None:
            self._count("pagination_stopped/no_new_links")

    # -- links ------------------------------------------------------------------------------------------
    def _page_links(self, response: TextResponse) -> list[listing.Link]:
        if self.since is not None:
            return list(listing.links_with_dates(response.text, response.url))
        return [listing.Link(response.urljoin(href.strip())) for href in response.xpath("//a/@href").getall()]

    def follow_links(self, response: TextResponse, from_article: bool, exclude: set[str] | frozenset[str] = frozenset(),
                     extra: list[str] | None = None, read_page: bool = True):
        """Requests for a page's links (its <a>s unless ``read_page`` is off, and ``extra``); returns how many
        were news (the generator's value)."""
        hops = response.meta.get("hops", 0)
        articles: dict[str, listing.Link] = {}
        pages: dict[str, None] = {}
        paginations: dict[str, None] = {}
        dates: dict[str, None] = {}
        here = canonical(response.url)
        for link in [*(self._page_links(response) if read_page else ()), *(listing.Link(url) for url in extra or ())]:
            if not link.url.startswith(("http://", "https://")) or is_trap(link.url):
                continue
            url = canonical(link.url)
            if url == here or url in exclude or not same_site(url, self.hosts, self.path_prefix):
                continue
            if url_looks_like_article(url) is True:
                articles.setdefault(url, link)
            elif listing.is_pagination(url):
                paginations[url] = None
            elif listing.is_date_nav(url):
                dates[url] = None
            else:
                pages[url] = None

        urls = [*articles, *pages, *dates]
        known_list, last_list, entry_list = self._lookup(urls)
        is_known = dict(zip(urls, known_list, strict=True))
        lasts = dict(zip(urls, last_list, strict=True))
        entries = dict(zip(urls, entry_list, strict=True))
        now = self.now()
        fetched_at = datetime.fromtimestamp(now, UTC)

        new_links = 0
        dated: list[datetime] = []
        for url, link in articles.items():
            when = self.known_dates.get(url)
            if self.since is not None and when is None:
                when = listing.parse_link_date(link, fetched_at, self.founded)
            if when is not None:
                dated.append(when)
                if self.since is not None and when < self.since:
                    continue
            if is_known[url]:
                continue
            entry = entries.get(url)
            if entry is not None and lasts.get(url) is None:
                # Looked like an article, was a listing when we read it: schedule applies.
                if self.policy.always or is_due(entry, now):
                    yield from _some(self._request(url, "page", hops=hops + 1, prev_fetch=entry.last))
                continue
            if not self.policy.should_fetch(lasts.get(url), None, now):
                self._count("articles_already_fetched")
                continue
            new_links += 1
            yield from _some(self._request(url, "article", hops=hops + 1))

        for url in pages:
            if is_known[url] or hops + 1 > self.max_hops:
                continue
            if lasts.get(url) is not None:  # a page we know as an article (its URL did not tell)
                if self.policy.should_fetch(lasts[url], None, now):
                    new_links += 1
                    yield from _some(self._request(url, "article", hops=hops + 1))
                continue
            entry = entries.get(url)
            if not self.policy.always and not is_due(entry, now):
                self._count("entries_not_due")
                continue
            new_links += entry is None  # a page read before and due again is not news of the listing
            yield from _some(self._request(url, "page", hops=hops + 1, prev_fetch=entry.last if entry else None))
        if not from_article and read_page:  # an HTML page (a list in data is no page of its own)
            self.discovery.not_sent(discovery.page_reason(response.meta.get("kind"), new_links,
                                                          bool(articles or paginations or dates)))

        # Yield bounds navigation through time: a page that brought no new link passes its count of such pages
        # in a row on, and date archives and calendars stop once it passes AKHBAR_MAX_BARREN_PAGES.
        barren = 0 if from_article or new_links else response.meta.get("barren", 0) + 1
        yield from self._follow_dates(list(dates), is_known, entries, hops, barren, now)

        if from_article or not paginations:
            return new_links
        # Links another source of this job (a feed, a sitemap) queued first are still news for this
        # chain, unless an earlier run fetched them; a page that repeats the previous page is not.
        previous = set(response.meta.get("chain_prev") or ())
        fresh = [url for url in articles if url not in previous
                 and (self.policy.always or lasts.get(url) is None or self._fetched_in_this_job(lasts[url]))]
        if not self._follow_pagination(response, new_links + len(fresh), dated):
            return new_links
        depth = response.meta.get("listing_page", 0) + 1
        if depth >= self.max_listing_pages:
            self._count("pagination_limit")
            return new_links
        next_pages = _next_pages(response.url, list(paginations))
        known_pages = self.frontier.known_many(next_pages) if self.frontier is not None else [False] * len(next_pages)
        for url, is_queued in zip(next_pages, known_pages, strict=True):
            if not is_queued:
                yield from _some(self._request(url, "page", hops=hops, listing_page=depth,
                                               chain_prev=sorted(articles), barren=barren))
        return new_links

    def _follow_dates(self, urls: list[str], is_known: dict[str, bool], entries: dict, hops: int, barren: int,
                      now: float) -> Iterator[scrapy.Request]:
        """Date archives and calendar months: one listing through time, so no hop, while it yields."""
        wanted = [url for url in urls if not is_known[url]]
        if not wanted:
            return
        if barren >= self.max_barren_pages:
            self._count("date_archives_stopped/no_yield", len(wanted))
            return
        for url in wanted:
            entry = entries.get(url)
            if not self.policy.always and not is_due(entry, now):
                self._count("entries_not_due")
                continue
            yield from _some(self._request(url, "page", hops=hops, barren=barren, via="date_archive",
                                           prev_fetch=entry.last if entry else None))

    def _lookup(self, urls: list[str], entries: bool = True):
        """(in this job's frontier?, last fetch as an article, entry record) per URL, in one round trip."""
        if self.state is not None:
            return self.state.lookup(urls, self.frontier, entries=entries)
        known = self.frontier.known_many(urls) if self.frontier is not None else [False] * len(urls)
        return known, [None] * len(urls), [None] * len(urls)

    def _follow_pagination(self, response: TextResponse, new_links: int, dated: list[datetime]) -> bool:
        """Go on to the next listing page? Not when every article shown is older than ``since``; not when
        this page brought no new link (endless or repeating pagination), unless it heads a chain we have
        never read (the home page may have shown its first items already)."""
        if self.since is not None and dated and all(when < self.since for when in dated):
            self._count("pagination_stopped/since")
            return False
        if new_links:
            return True
        # the head of a chain, or its first page (news_list.asp?page=1 repeats the home page's items)
        if response.meta.get("prev_fetch") is None and (
            not listing.is_pagination(response.url) or response.meta.get("listing_page", 0) <= 1
        ):
            return True
        self._count("pagination_stopped/no_new_links")
        return False

    # -- split stories ------------------------------------------------------------------------------
    def _part_request(self, url: str, story: dict, hops: int) -> Iterator[scrapy.Request]:
        """The next page of a split story; it carries the pages read so far (the frontier stores meta as JSON,
        so any crawler process can go on with the story). Not filtered: a link may have queued it already."""
        request = self._request(url, "part", hops=hops, story=story)
        if request is None:
            yield self._story_item(story)
            return
        yield request.replace(dont_filter=True)

    def _parse_part(self, response: Response) -> Iterator:
        story = response.meta["story"]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if refusal(response.body, content_type) is not None or XML_START.match(response.body[:2048]):
            yield self._story_item(story)
            return
        if not isinstance(response, TextResponse):
            response = TextResponse(response.url, status=response.status, headers=response.headers,
                                    body=response.body, request=response.request)
        here = canonical(response.url)
        story = {**story, "parts": [*story["parts"], {"url": response.url, "body_b64": _b64(response.body)}],
                 "seen": [*story["seen"], here]}
        after = split.next_part(split.anchors(response.selector, response.url), response.url)
        if after is not None and after not in story["seen"] and len(story["seen"]) < split.MAX_PARTS:
            yield from self._part_request(after, story, response.meta.get("hops", 0))
            return
        yield self._story_item(story)

    def _story_item(self, story: dict) -> dict:
        """One item for a split story: page 1, with its later pages in order (Page.parts)."""
        head = story["head"]
        self._count("split/stories")
        self._count("split/later_pages", len(story["parts"]))
        self.discovery.sent(story.get("via"), found=bool(story.get("found")))
        self.discovery.story_pages(len(story["parts"]))
        page = Page.from_payload({**head["page"], "outlet_config": self.outlet_payload})
        return {"page": replace(page, parts=list(story["parts"]) or None), "warc_copy": head.get("warc_copy")}

    # -- helpers --------------------------------------------------------------------------------------
    def _fetched_in_this_job(self, last: object) -> bool:
        """An article another route of this crawl (related links, a feed) fetched first is still news
        for a listing chain; one fetched by an earlier crawl is not."""
        return isinstance(last, int | float) and last >= self.opened_at

    def _too_old(self, value: str | None) -> bool:
        if not self.since or not value:
            return False
        parsed = parse_iso_utc(value)
        return parsed is not None and parsed < self.since

    def _send(self, response: TextResponse) -> dict:
        """The page as an item, counted as sent under the path that found it."""
        self.discovery.sent(response.meta.get("via"), found=response.meta.get("kind") == "page")
        return self._item(response)

    def _item(self, response: TextResponse) -> dict:
        """The page for the clean stage, and where the WARC writer put its record (the ledger's copy,
        never sent: the hand-off pipeline takes it out)."""
        page = Page(
            url=response.url,
            requested_url=response.meta.get("redirect_urls", [response.url])[0],
            status=response.status,
            headers={k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()},
            body_b64=_b64(response.body),
            outlet=self.outlet.name,
            outlet_config=self.outlet_payload,
            job_id=self.job_id,
            fetched_at=datetime.now(UTC).isoformat(),
            feed_published=response.meta.get("feed_published"),
        )
        return {"page": page, "warc_copy": response.meta.get("warc_copy")}  # warc_copy: (file, offset)


def _next_api_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, str(page) if k == "page" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _b64(body: bytes) -> str:
    return base64.b64encode(body).decode("ascii")


def _gunzip(data: bytes, limit: int) -> bytes | None:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit)
    except zlib.error:
        return None
    return None if decompressor.unconsumed_tail else out


def _some(request: scrapy.Request | None) -> Iterator[scrapy.Request]:
    if request is not None:
        yield request


def _url_of(entry) -> str:
    """Registry URLs may be plain strings or mappings with a `url` key."""
    return entry["url"] if isinstance(entry, dict) else str(entry)


def _child_text(node, name: str) -> str | None:
    for child in node.iter():
        if isinstance(child.tag, str) and etree.QName(child).localname.lower() == name:
            return (child.text or "").strip() or None
    return None


def _page_number(url: str) -> int | None:
    match = _PAGE_NUMBER.search(url)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def _next_pages(current: str, candidates: list[str]) -> list[str]:
    """The next page of a listing: the smallest page number above the current one. A chain head (no
    number in its URL) may be page 0 or 1 of its pager, so pages 1 and 2 both qualify there."""
    number = _page_number(current)
    numbered = [(n, url) for url in candidates if (n := _page_number(url)) is not None]
    if number is None:
        return [url for n, url in numbered if n <= 2]
    above = [n for n, _ in numbered if n > number]
    if not above:
        return []
    return [url for n, url in numbered if n == min(above)]
