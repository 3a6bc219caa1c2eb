"""Scrapy settings. Polite by default; `fixture` mode lifts the delays for local test sites only."""

from __future__ import annotations

from typing import Any

USER_AGENT = "AkhbarBot/0.1 (+https://github.com/akhbar-archive/akhbar; Libyan news archive; polite crawler)"

POLITE: dict[str, Any] = {
    "BOT_NAME": "akhbar",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 1.0,
    "RANDOMIZE_DOWNLOAD_DELAY": True,
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
    "DEPTH_LIMIT": 8,
    "DEPTH_PRIORITY": 0,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "DOWNLOADER_MIDDLEWARES": {
        "crawler.middlewares.RedirectLoopMiddleware": 650,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.HandoffPipeline": 500,
    },
    "EXTENSIONS": {"crawler.extensions.JobProgress": 500},
}

# Local fixture sites only: no delays, many requests at once.
FIXTURE_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}


def crawl_settings(mode: str = "live", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(POLITE)
    if mode == "fixture":
        settings.update(FIXTURE_OVERRIDES)
    settings.update(overrides or {})
    return settings
