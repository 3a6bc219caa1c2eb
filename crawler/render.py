"""Pages only a browser can read: render them in headless Chromium (Debian's), through Playwright.

An app shell (crawler.classify.app_shell: scripts, almost no text, almost no links, no JSON state the
spider can read) or any HTML page of an outlet whose registry entry says ``render: browser`` is opened in
Chromium; the rendered DOM is then parsed like any page: its links are followed, an article is sent.

Every request the browser makes is intercepted and fetched by Scrapy's own downloader
(``engine.download_async``), so robots.txt, the address guard, the per-host lease and delay, the byte
limits, the retry policy and the WARC recorder apply to it exactly as to a page. Requests to other hosts
than the outlet's are aborted, never made, and so are images, fonts, media and stylesheets: they add no
link and no text. scrapy-playwright was not used: its browser fetches subresources itself, outside the
downloader middlewares, so none of those rules would apply to them.

The browser starts at the first page that needs it and stops with the spider: a crawl that renders
nothing launches nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawler.urls import same_site

log = logging.getLogger("akhbar.crawler")

# Resource types the browser may ask for and the renderer fetches: documents (frames), scripts and API calls.
FETCHED_RESOURCES = frozenset({"document", "script", "xhr", "fetch"})
# Scripts are fetched once per crawl process (a browser caches them too): N rendered pages of one app are
# N documents and API calls, not N copies of its bundle.
SCRIPT_CACHE_ENTRIES = 64
# Response headers the browser gets back: the body is already decoded and whole.
_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


@dataclass(frozen=True)
class RenderLimits:
    timeout: float  # seconds for one page: load, then network idle
    concurrency: int  # pages open at once in one crawl process
    max_requests: int  # requests one page may make before the rest are aborted


class BrowserMissing(RuntimeError):
    """Chromium or Playwright is not installed where the settings say."""


class Renderer:
    """One headless Chromium per crawl process, started on first use."""

    def __init__(self, crawler: Any, executable: str, limits: RenderLimits, user_agent: str) -> None:
        self.crawler = crawler
        self.executable = executable
        self.limits = limits
        self.user_agent = user_agent
        self.counts: Counter[str] = Counter()  # pages, requests, offsite, skipped, refused, failed, errors
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(limits.concurrency)
        self._playwright: Any = None
        self._browser: Any = None
        self._scripts: OrderedDict[str, tuple[int, dict[str, str], bytes]] = OrderedDict()

    async def _ready(self) -> Any:
        async with self._lock:
            if self._browser is None:
                try:
                    from playwright.async_api import async_playwright
                except ImportError as exc:
                    raise BrowserMissing("Playwright is not installed: pip install playwright") from exc
                self._playwright = await async_playwright().start()
                try:
                    self._browser = await self._playwright.chromium.launch(
                        executable_path=self.executable, headless=True, args=list(CHROMIUM_ARGS))
                except Exception as exc:
                    await self._playwright.stop()
                    self._playwright = None
                    raise BrowserMissing(f"cannot start Chromium at {self.executable} "
                                         f"(apt-get install chromium, or set AKHBAR_CHROMIUM): {exc}") from exc
                log.info("browser started for app-shell pages: %s", self.executable)
            return self._browser

    async def close(self) -> None:
        async with self._lock:
            browser, playwright = self._browser, self._playwright
            self._browser = self._playwright = None
        if browser is not None:
            await browser.close()
        if playwright is not None:
            await playwright.stop()

    async def render(self, response: Response, hosts: tuple[str, ...], path_prefix: str = "/") -> HtmlResponse:
        """The page as the browser leaves it once its scripts are done. Raises BrowserMissing, or
        RenderFailed when the page could not be loaded."""
        async with self._slots:
            browser = await self._ready()
            context = await browser.new_context(user_agent=self.user_agent, service_workers="block",
                                                locale="ar-LY")
            try:
                page = await context.new_page()
                page.set_default_timeout(self.limits.timeout * 1000)
                budget = _Budget(self.limits.max_requests)
                await page.route("**/*", lambda route: self._route(route, response, hosts, path_prefix, budget))
                try:
                    await page.goto(response.url, wait_until="load")
                    await page.wait_for_load_state("networkidle")
                except Exception as exc:  # a page that never settles: keep what it built so far
                    if "Timeout" not in type(exc).__name__:
                        raise RenderFailed(f"{type(exc).__name__}: {exc}") from exc
                    self.counts["timeouts"] += 1
                html = await page.content()
            finally:
                await context.close()
        self.counts["pages"] += 1
        request = response.request.replace(meta={**response.meta, "rendered": True, "warc_copy": None})
        headers = {k: v for k, v in response.headers.items() if k.decode("latin-1").lower() not in _DROPPED_HEADERS}
        headers[b"Content-Type"] = [b"text/html; charset=utf-8"]
        return HtmlResponse(response.url, status=response.status, headers=headers, body=html.encode("utf-8"),
                            encoding="utf-8", request=request)

    async def _route(self, route: Any, document: Response, hosts: tuple[str, ...], path_prefix: str,
                     budget: _Budget) -> None:
        request = route.request
        url = request.url
        try:
            if not budget.served_document and request.resource_type == "document" and url == document.url:
                budget.served_document = True  # the page itself: already fetched by the spider
                await route.fulfill(status=document.status, headers=_browser_headers(document.headers),
                                    body=document.body)
                return
            if request.resource_type not in FETCHED_RESOURCES:
                self.counts["skipped"] += 1
                await route.abort("blockedbyclient")
                return
            if not same_site(url, hosts, path_prefix if request.resource_type == "document" else "/"):
                self.counts["offsite"] += 1
                await route.abort("blockedbyclient")
                return
            if not budget.take():
                self.counts["over_budget"] += 1
                await route.abort("blockedbyclient")
                return
            cached = self._scripts.get(url) if request.resource_type == "script" else None
            if cached is not None:
                status, headers, body = cached
                await route.fulfill(status=status, headers=headers, body=body)
                return
            answer = await self._download(request)
            if answer is None:
                await route.abort("accessdenied")
                return
            headers = _browser_headers(answer.headers)
            if request.resource_type == "script" and answer.status == 200:
                self._scripts[url] = (answer.status, headers, answer.body)
                while len(self._scripts) > SCRIPT_CACHE_ENTRIES:
                    self._scripts.popitem(last=False)
            await route.fulfill(status=answer.status, headers=headers, body=answer.body)
        except Exception as exc:  # the page closed meanwhile, or the browser went away: nothing to answer
            self.counts["errors"] += 1
            log.debug("render route %s: %s", url, exc)

    async def _download(self, request: Any) -> Response | None:
        """The browser's request through the spider's downloader; None when a rule refused it."""
        headers = {k: v for k, v in (await request.all_headers()).items()
                   if not k.startswith(":") and k.lower() not in ("cookie", "user-agent", "host")}
        fetch = scrapy.Request(request.url, method=request.method, headers=headers,
                               body=request.post_data_buffer or b"", dont_filter=True,
                               meta={"kind": "browser", "dont_merge_cookies": True})
        self.counts["requests"] += 1
        try:
            return await self.crawler.engine.download_async(fetch)
        except IgnoreRequest as exc:  # robots.txt, the address guard, a redirect loop
            self.counts["refused"] += 1
            log.info("browser request refused (%s): %s", type(exc).__name__, request.url)
        except Exception as exc:
            self.counts["failed"] += 1
            log.info("browser request failed (%s): %s", type(exc).__name__, request.url)
        return None


class RenderFailed(RuntimeError):
    """The browser could not load the page (not a timeout: those keep what was built)."""


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.served_document = False

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _browser_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in headers.items():
        name = key.decode("latin-1")
        if name.lower() not in _DROPPED_HEADERS:
            out[name] = b", ".join(values).decode("latin-1")
    return out
