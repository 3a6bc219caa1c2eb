"""Scrapy settings, every one declared here once with its default, in the style of Scrapy's
default_settings.py: components read them with no default of their own. Only what a job may set per crawl
lives here; what the process environment sets (Redis, WARC, waits) is akhbar.core.config's. Polite by default; `fixture`
mode lifts the delays for local test sites only. `akhbar crawl` jobs pass extra ones in `scrapy_settings`.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from akhbar.core.retry import CRAWL

# Scrapy 2.13 renamed DNS_RESOLVER; setting the old name there only adds a deprecation warning.
_RESOLVER = "TWISTED_DNS_RESOLVER" if hasattr(default_settings, "TWISTED_DNS_RESOLVER") else "DNS_RESOLVER"

# Akhbar's own settings (the README's configuration table lists them too).
AKHBAR_SETTINGS: dict[str, Any] = {
    # The job whose frontier this process works (set by crawler.run). Its Redis, like everything the
    # process environment sets (WARC, waits), comes from akhbar.core.config, never from these settings.
    "AKHBAR_JOB_ID": None,
    # URLs per outlet per job the frontier's Bloom filter is sized for (it grows past that, see crawler.bloom),
    # its target false-positive rate, and how long a finished job's frontier is kept.
    "AKHBAR_FRONTIER_CAPACITY": 200_000,
    "AKHBAR_FRONTIER_ERROR_RATE": 1e-6,
    "AKHBAR_FRONTIER_TTL": 3 * 86400,
    # Seconds after which the requests a crawler process took, if it stopped renewing its lease (killed on
    # another machine), go back to the job's frontier. A process killed on the same machine is seen at once.
    "AKHBAR_FRONTIER_LEASE": 60.0,
    # The same for the per-outlet "articles fetched" filter, kept across jobs.
    "AKHBAR_ARTICLE_CAPACITY": 1_000_000,
    "AKHBAR_ARTICLE_ERROR_RATE": 1e-3,
    # Per-host lease slots and delay across processes; None: CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY.
    "AKHBAR_HOST_CONCURRENCY": None,
    "AKHBAR_HOST_DELAY": None,
    "AKHBAR_POLITENESS_ENABLED": True,  # False: no cross-process host leases (one process only)
    "AKHBAR_CLOCK_OFFSET": 0,  # seconds added to "now" for schedules (tests: "pretend it is later")
    "AKHBAR_MAX_HOPS": 8,  # links followed away from an entry point (pagination is one listing, not hops)
    "AKHBAR_MAX_LISTING_PAGES": 1000,  # per listing chain; chains normally end earlier, on a repeated page
    "AKHBAR_MAX_BARREN_PAGES": 2,  # date archives and calendars stop after this many pages in a row that brought no new link
    "AKHBAR_ROBOTS_CACHE_SECONDS": 86400,  # RFC 9309 2.4: a cached robots.txt is used for at most a day
    "AKHBAR_MAX_QUEUED": 2000,  # the hand-off waits while the clean queue holds more pages than this
    "AKHBAR_IDLE_POLL": 1.0,  # seconds between frontier polls of an idle crawler process
    # App-shell pages (lists and stories built by scripts) rendered in headless Chromium (crawler.render):
    # "auto" renders a page that is an app shell, and every HTML page of an outlet whose entry says
    # `render: browser`; "off" never starts a browser. A crawl that meets no app shell starts none.
    "AKHBAR_RENDER": "auto",
    "AKHBAR_RENDER_TIMEOUT": 30.0,  # seconds per page: load, then network idle (what was built is kept)
    "AKHBAR_RENDER_CONCURRENCY": 2,  # pages open at once per crawler process (Chromium: ~100 MB each)
    "AKHBAR_RENDER_MAX_REQUESTS": 50,  # requests one rendered page may make; the rest are aborted
    # Non-public IPs/CIDRs the job's outlets allow (their `allow_addresses`; set by crawler.run), for the
    # resolver that checks the address actually connected to (crawler.resolver).
    "AKHBAR_ALLOWED_ADDRESSES": [],
}

USER_AGENT = "AkhbarBot/0.1 (+https://github.com/akhbar-archive/akhbar; Libyan news archive; polite crawler)"

POLITE: dict[str, Any] = {
    "BOT_NAME": "akhbar",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
    # Per outlet spider (one crawler per outlet, one host each): a few requests in flight beyond the
    # per-host slot. More would let one process take a host's whole queue from the shared frontier.
    "CONCURRENT_REQUESTS": 4,
    # Scrapy starts this many asyncio tasks to process each callback's output (default 100); a page yields
    # one item and a few requests.
    "CONCURRENT_ITEMS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 1.0,
    "DOWNLOAD_DELAY_JITTER": 0.5,  # +-50%, what RANDOMIZE_DOWNLOAD_DELAY did
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 1.0,
    "AUTOTHROTTLE_MAX_DELAY": 60.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 4 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 10,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": CRAWL.attempts,
    "RETRY_HTTP_CODES": sorted(CRAWL.statuses),
    # Depth is counted by the spider (AKHBAR_MAX_HOPS), where pagination does not add a hop.
    "DEPTH_LIMIT": 0,
    "DEPTH_PRIORITY": 0,
    "SCHEDULER": "crawler.scheduler.RedisFrontierScheduler",
    _RESOLVER: "crawler.resolver.GuardedResolver",
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawler.middlewares.AddressGuardMiddleware": 50,
        "crawler.robots.SharedRobotsTxtMiddleware": 100,
        "crawler.middlewares.RedirectLoopMiddleware": 650,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
        "crawler.warc.WarcMiddleware": 870,
        "crawler.politeness.PolitenessMiddleware": 950,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.HandoffPipeline": 500,
    },
    "EXTENSIONS": {"crawler.extensions.JobProgress": 500, "crawler.extensions.CrawlMetrics": 510},
    **AKHBAR_SETTINGS,
}

# Local fixture sites only: no delays, many requests at once.
FIXTURE_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CONCURRENT_REQUESTS": 16,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}


def crawl_settings(mode: str = "live", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(POLITE)
    if mode == "fixture":
        settings.update(FIXTURE_OVERRIDES)
    settings.update(overrides or {})
    return settings
