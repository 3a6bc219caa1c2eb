"""Pure pieces of the API and operations: the SSRF check, the rate limiter, outlet health verdicts,
job-aware log records and the Redis-backed histograms (no services needed)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from akhbar.api import RateLimiter
from akhbar.core.logs import JobContextFilter, JsonFormatter, TextFormatter, bind, context_from_task_args
from akhbar.core.metrics import FETCH_BUCKETS, bucket_bound
from akhbar.core.targets import AllowList, TargetNotAllowed, adhoc_name, check_target
from akhbar.health import FILL_FIELDS, _bucket_health, month_ranges
from akhbar.prometheus import _histograms


def resolver(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("Name or service not known")
        return table[host]
    return resolve


DNS = resolver({"news.example.ly": ["93.184.216.34"], "rebind.example.ly": ["93.184.216.34", "10.0.0.7"],
                "intranet.example.ly": ["192.168.4.4"], "v6.example.ly": ["2606:4700::1111"]})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]:80/", "http://0.0.0.0/",
    "http://[fe80::1%25eth0]/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "ftp://news.example.ly/", "http://a:b@news.example.ly/", "http:///nohost",
])
def test_internal_or_odd_targets_are_refused_without_an_allow_list(url: str) -> None:
    with pytest.raises(TargetNotAllowed):
        check_target(url, AllowList(), DNS)


def test_domains_must_be_listed_and_resolve_to_public_addresses() -> None:
    allow = AllowList.parse("example.ly, 192.168.4.0/24")
    assert check_target("https://news.example.ly/ar?x=1#frag", allow, DNS) == "https://news.example.ly/ar?x=1"
    assert check_target("http://v6.example.ly:8080", allow, DNS) == "http://v6.example.ly:8080/"
    with pytest.raises(TargetNotAllowed, match="10.0.0.7"):  # one private address is enough to refuse
        check_target("http://rebind.example.ly/", allow, DNS)
    assert check_target("http://intranet.example.ly/", allow, DNS)  # its network is allow-listed
    with pytest.raises(TargetNotAllowed, match="not a registered outlet nor an allow-listed"):
        check_target("http://news.example.com/", allow, DNS)
    with pytest.raises(TargetNotAllowed, match="cannot resolve"):
        check_target("http://gone.example.ly/", allow, DNS)
    assert check_target("http://192.168.4.9/", allow, DNS)
    with pytest.raises(ValueError):
        AllowList.parse("not a domain!")
    assert adhoc_name("http://news.example.ly:8080/x") == "adhoc-news-example-ly-8080"


def test_rate_limiter_refills_per_client() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.allow("a", now=0.0) for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.allow("a", now=0.0) == pytest.approx(1.0, abs=0.01)
    assert limiter.allow("b", now=0.0) == 0.0
    assert limiter.allow("a", now=1.01) == 0.0  # one token back after a second
    assert RateLimiter(per_minute=0, burst=1).allow("a") == 0.0  # off


def bucket(total: int, fills: dict, recent_total: int, recent_fills: dict, crawled_ms: float) -> dict:
    b = {"key": "x", "doc_count": total, "newest_published": {"value": crawled_ms},
         "newest_crawled": {"value": crawled_ms},
         "recent": {"doc_count": recent_total, "per_day": {"buckets": [
             {"key_as_string": f"2026-01-0{i}", "doc_count": 1} for i in range(1, 8)]}}}
    for name in FILL_FIELDS:
        b[f"fill_{name}"] = {"doc_count": fills.get(name, total)}
        b["recent"][f"fill_{name}"] = {"doc_count": recent_fills.get(name, recent_total)}
    return b


def test_outlet_health_verdicts() -> None:
    now = 1_800_000_000.0
    ok = _bucket_health(bucket(100, {}, 20, {}, (now - 3600) * 1000), now)
    assert ok["status"] == "ok" and ok["fill_rates"]["title"] == 1.0 and len(ok["per_day"]) == 7
    stale = _bucket_health(bucket(100, {}, 0, {}, (now - 5 * 86400) * 1000), now)
    assert stale["status"] == "stale" and "5.0 days" in stale["warnings"][0]
    broken = _bucket_health(bucket(100, {"published_at": 90}, 20, {"published_at": 2}, (now - 60) * 1000), now)
    assert broken["status"] == "degraded"
    assert broken["warnings"] == ["published_at filled in 10% of recent articles (usually 90%)"]


def test_outlet_health_shows_the_months_without_articles() -> None:
    now = 1_800_000_000.0
    b = bucket(10, {}, 0, {}, (now - 3600) * 1000)
    b["oldest_published"] = {"value": 1_300_000_000_000}
    b["per_month"] = {"buckets": [{"key_as_string": m, "doc_count": n} for m, n in
                                  [("2011-03", 4), ("2011-04", 0), ("2011-05", 0), ("2011-06", 2), ("2011-07", 0)]]}
    health = _bucket_health(b, now)
    assert health["oldest_published_at"].startswith("2011-03-13")
    assert health["months_without_articles"] == ["2011-04", "2011-05", "2011-07"]
    assert month_ranges(health["months_without_articles"]) == ["2011-04..2011-05", "2011-07"]
    assert month_ranges(["2011-12", "2012-01"]) == ["2011-12..2012-01"]


def test_log_records_carry_job_and_url() -> None:
    assert context_from_task_args([{"job_id": "j1", "url": "http://a/"}], {}) == ("j1", "http://a/")
    assert context_from_task_args(["j2"], {}) == ("j2", None)
    assert context_from_task_args([{"op": "index", "doc": {"job_id": "j3", "url": "u"}}], {}) == ("j3", "u")
    with bind("j9", "http://lana.gov.ly/post.php?id=1"):
        record = logging.LogRecord("akhbar.workers", logging.WARNING, __file__, 1, "slow %s", ("page",), None)
        record.data = {"args": "a whole page"}
        JobContextFilter().filter(record)
    data = json.loads(JsonFormatter().format(record))
    assert (data["job_id"], data["url"], data["message"], data["level"]) == (
        "j9", "http://lana.gov.ly/post.php?id=1", "slow page", "WARNING")
    assert "data" not in data
    text = TextFormatter("%(message)s%(context)s").format(record)
    assert text == "slow page [job=j9 url=http://lana.gov.ly/post.php?id=1]"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    assert TextFormatter("%(message)s%(context)s").format(plain) == "hello"


def test_histograms_from_redis_hash_are_cumulative() -> None:
    raw = {f"fx|le={bucket_bound(0.07, FETCH_BUCKETS)}": "2", f"fx|le={bucket_bound(3.0, FETCH_BUCKETS)}": "1",
           f"fx|le={bucket_bound(99.0, FETCH_BUCKETS)}": "1", "fx|sum": "102.14", "fx|count": "4"}
    family = _histograms("akhbar_crawl_fetch_duration_seconds", "doc", "outlet", raw, FETCH_BUCKETS)
    values = {(s.name, s.labels.get("le")): s.value for s in family.samples}
    assert values[("akhbar_crawl_fetch_duration_seconds_bucket", "0.05")] == 0
    assert values[("akhbar_crawl_fetch_duration_seconds_bucket", "0.1")] == 2
    assert values[("akhbar_crawl_fetch_duration_seconds_bucket", "5.0")] == 3
    assert values[("akhbar_crawl_fetch_duration_seconds_bucket", "+Inf")] == 4
    assert values[("akhbar_crawl_fetch_duration_seconds_count", None)] == 4
    assert values[("akhbar_crawl_fetch_duration_seconds_sum", None)] == pytest.approx(102.14)


@pytest.mark.parametrize(("value", "expected"), [(None, 512 * 1024), ("300", 300 * 1024), ("0", None)])
def test_worker_memory_guard_follows_its_variable(value, expected):
    # The Celery app reads its settings at import: a fresh interpreter per value.
    env = {k: v for k, v in os.environ.items() if k != "AKHBAR_WORKER_MAX_MEMORY_MB"}
    if value is not None:
        env["AKHBAR_WORKER_MAX_MEMORY_MB"] = value
    out = subprocess.run([sys.executable, "-c", "from akhbar.core.celery_app import app; "
                          "print(app.conf.worker_max_memory_per_child)"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(expected)
