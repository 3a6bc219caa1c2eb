"""The recurring-crawl schedule built from the outlet registry (no services needed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from akhbar.core.registry import (
    UnknownOutletError,
    load_registry,
    registry_from_entries,
    registry_with_entries,
)
from workers.beat import TASK, build_schedule, outlet_interval

ENTRIES = [
    {"name": "fast", "base_url": "https://fast.example.ly/", "feeds": ["/rss"], "sitemaps": ["/sitemap.xml"],
     "schedule": {"feeds": "5m", "sitemaps": "1h"}},
    {"name": "sitemap-only", "base_url": "https://maps.example.ly/", "feeds": ["/rss"],
     "sitemaps": ["/sitemap.xml"], "schedule": {"feeds": "2h", "sitemaps": "30m"}},
    {"name": "listings", "base_url": "https://list.example.ly/", "listings": ["/news"],
     "schedule": {"listings": "10m", "feeds": "3h"}},
    {"name": "bare", "base_url": "https://bare.example.ly/"},
    {"name": "off", "base_url": "https://off.example.ly/", "enabled": False},
]


def test_one_entry_per_enabled_outlet_at_its_shortest_interval() -> None:
    registry = registry_from_entries(ENTRIES)
    schedule = build_schedule(registry, max_pages=200)
    assert list(schedule) == ["crawl:bare", "crawl:fast", "crawl:listings", "crawl:sitemap-only"]
    assert schedule["crawl:fast"]["schedule"] == timedelta(minutes=5)
    assert schedule["crawl:sitemap-only"]["schedule"] == timedelta(minutes=30)
    # No feed declared: the spider probes for one, so the feeds interval counts too.
    assert schedule["crawl:listings"]["schedule"] == timedelta(minutes=10)
    assert schedule["crawl:bare"]["schedule"] == timedelta(minutes=15)  # the default feeds interval
    entry = schedule["crawl:fast"]
    assert entry["task"] == TASK and entry["options"]["queue"] == "clean"
    assert entry["options"]["expires"] == pytest.approx(270)  # a stale tick never runs late
    payload, seconds, options = entry["args"]
    assert payload["name"] == "fast" and payload["base_url"] == "https://fast.example.ly/" and seconds == 300
    assert options == {"max_pages": 200, "mode": "live"}


def test_only_and_unknown_names() -> None:
    registry = registry_from_entries(ENTRIES)
    assert list(build_schedule(registry, only=["fast"])) == ["crawl:fast"]
    assert list(build_schedule(registry, only=["off"])) == ["crawl:off"]  # asked for explicitly
    with pytest.raises(UnknownOutletError):
        build_schedule(registry, only=["nope"])


def test_builtin_registry_schedule_and_payload_round_trip() -> None:
    registry = load_registry(user_file=None)
    schedule = build_schedule(registry)
    assert len(schedule) == len(registry.enabled())
    for name, entry in schedule.items():
        outlet = registry.get(name.removeprefix("crawl:"))
        assert entry["schedule"] == outlet_interval(outlet) <= outlet.schedule.feeds
        # The worker rebuilds the outlet from the payload alone (as akhbar.scheduled_crawl does).
        rebuilt = registry_with_entries([entry["args"][0]], origin="<beat>").get(outlet.name)
        assert (rebuilt.base_url, rebuilt.feeds, rebuilt.schedule) == (outlet.base_url, outlet.feeds, outlet.schedule)
