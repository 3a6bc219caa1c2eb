"""What the crawler has already handed to the pipeline, kept in Redis across runs and processes.

Article URLs (canonical) once sent are not fetched again unless the job's recrawl policy says so;
listings, feeds and sitemaps are always re-read, because that is where new articles appear.
"""

from __future__ import annotations

import time

import redis


class SeenArticles:
    def __init__(self, client: redis.Redis, outlet: str, prefix: str = "akhbar:seen:"):
        self.redis = client
        self.key = f"{prefix}{outlet}"

    def seen(self, url: str) -> bool:
        return bool(self.redis.hexists(self.key, url))

    def claim(self, url: str) -> bool:
        """Mark as fetched; False if another process or an earlier run already had it (atomic)."""
        return bool(self.redis.hsetnx(self.key, url, int(time.time())))

    def forget(self, url: str) -> None:
        self.redis.hdel(self.key, url)

    def count(self) -> int:
        return int(self.redis.hlen(self.key))
