"""Scrapy settings. Polite by default; `fixture` mode lifts the delays for local test sites only.

Akhbar's own settings (all optional; `akhbar crawl` jobs pass extra ones in `scrapy_settings`):

AKHBAR_REDIS_URL / AKHBAR_JOB_ID  the shared frontier, per-host leases and crawl state (set by crawler.run)
AKHBAR_FRONTIER_CAPACITY          URLs per outlet per job the frontier's Bloom filter is sized for (it grows
AKHBAR_FRONTIER_ERROR_RATE        past that, see crawler.bloom); target false-positive rate
AKHBAR_ARTICLE_CAPACITY / _ERROR_RATE  the same for the per-outlet "articles fetched" filter
AKHBAR_HOST_CONCURRENCY / AKHBAR_HOST_DELAY  per-host lease slots and delay, across processes
                                  (default: CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY)
AKHBAR_POLITENESS_ENABLED         False: no cross-process host leases (one process only)
AKHBAR_WARC_ENABLED / AKHBAR_WARC_DIR / AKHBAR_WARC_MAX_BYTES  raw responses to WARC
AKHBAR_CLOCK_OFFSET               seconds added to "now" for schedules (tests; "pretend it is later")
AKHBAR_MAX_HOPS / AKHBAR_MAX_LISTING_PAGES  link hops from an entry point; pages per listing chain
AKHBAR_ROBOTS_CACHE_SECONDS       how long robots.txt is shared from Redis (RFC 9309: at most a day)
"""

from __future__ import annotations

from typing import Any

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
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
    # Depth is counted by the spider (AKHBAR_MAX_HOPS), where pagination does not add a hop.
    "DEPTH_LIMIT": 0,
    "DEPTH_PRIORITY": 0,
    "SCHEDULER": "crawler.scheduler.RedisFrontierScheduler",
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
