"""When each request to a fixture web started and ended being handled, per outlet: politeness tests and
bench/politeness_live.py measure gaps between requests from the server's side."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from tests.fixture_site.server import FixtureWeb


@dataclass
class Hit:
    slug: str
    target: str
    status: int
    start: float
    end: float


class TimedRequests:
    """Wraps a started FixtureWeb: when each request started and ended being handled, per outlet."""

    def __init__(self, web: FixtureWeb):
        self.web = web
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        original_record = web._record
        for site in web.sites.values():
            handle = site.handle

            def timed_handle(method, target, _handle=handle):
                self._local.start = time.monotonic()
                return _handle(method, target)

            site.handle = timed_handle

        def record(slug, method, target, status):
            with self._lock:
                self.hits.append(Hit(slug, target, status, getattr(self._local, "start", time.monotonic()),
                                     time.monotonic()))
            original_record(slug, method, target, status)

        web._record = record

    def of(self, slug: str) -> list[Hit]:
        with self._lock:
            return sorted((h for h in self.hits if h.slug == slug), key=lambda h: h.start)
