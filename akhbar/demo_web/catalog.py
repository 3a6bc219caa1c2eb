"""Which articles are visible right now (the held-back mechanism behind DemoWeb.release)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from akhbar.demo_web.stories import load_stories


class Catalog:
    """Thread-safe view of the article records; the newest `held_back` pages start invisible."""

    def __init__(self, held_back: int, records: list[dict] | None = None) -> None:
        # records: another record set (the tests' gold with their trap outlet, their development set)
        self.records: list[dict] = load_stories() if records is None else records
        if not 0 <= held_back <= len(self.records):
            raise ValueError(f"held_back must be between 0 and {len(self.records)}")
        self._lock = threading.Lock()
        self._limit = len(self.records) - held_back  # release_order < limit  <=> visible
        self.by_key: dict[str, dict] = {record["key"]: record for record in self.records}

    def is_visible(self, record: Mapping) -> bool:
        with self._lock:
            return record["release_order"] < self._limit

    def visible(self, outlet: str | None = None) -> list[dict]:
        """Visible records, newest first (listing order), optionally of one outlet."""
        with self._lock:
            limit = self._limit
        chosen = [
            record for record in self.records
            if record["release_order"] < limit and (outlet is None or record["outlet"] == outlet)
        ]
        return sorted(chosen, key=lambda record: record["release_order"], reverse=True)

    def held(self) -> list[dict]:
        with self._lock:
            return [record for record in self.records if record["release_order"] >= self._limit]

    def release(self, n: int = 1) -> list[dict]:
        """Publish the next `n` held-back pages (oldest first); returns them."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            start = self._limit
            self._limit = min(len(self.records), start + n)
            return [record for record in self.records if start <= record["release_order"] < self._limit]
