"""Service health (`GET /health`) and per-outlet health (`GET /outlets`, `akhbar outlets health`).

Per outlet, from one aggregation request over the index:
  oldest and newest article (published_at; crawled_at too) and its age, and the months between them with no
  article (the holes a backfill from web archives should fill); articles per day over the last 7 days
  (by crawl day: what the crawler harvested); extraction fill rates per field, over all the outlet's
  articles and over the ones crawled in the last 7 days. A site redesign that breaks extraction shows as
  a recent fill rate far below the usual one ("degraded"); an outlet that stopped yielding articles
  shows as "stale".

Per outlet, from Redis: what its last crawl's discovery found by path (akhbar.core.discovery), and a warning
when that crawl fetched more than twice as many HTML pages as it sent articles, with the top reasons pages
were not sent (listings, pages that are not articles, refused content, fetch errors, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from akhbar.core.discovery import assess, missed_articles
from akhbar.core.times import DEFAULT_TIMEZONE

FILL_FIELDS = ("title", "body", "published_at", "authors", "dateline", "section")
RECENT_DAYS = 7
STALE_AFTER = 2 * 86400  # seconds without a newly crawled article
DROP_WARNING = 0.3  # recent fill rate this far below the all-time rate: extraction probably broke
MIN_RECENT = 5  # fewer recent articles than this say nothing about fill rates


def check_services(redis_factory: Callable[[], Any], search_factory: Callable[[], Any], alias: str) -> dict:
    """{"status": "ok"|"down", "checks": {"redis": {...}, "search": {...}}}: every check is run."""
    checks: dict[str, dict] = {}
    started = time.perf_counter()
    try:
        redis_factory().ping()
        checks["redis"] = {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:
        checks["redis"] = {"status": "down", "error": _short(exc)}
    started = time.perf_counter()
    try:
        adapter = search_factory()
        health = adapter.request("GET", "/_cluster/health")
        index_ok = adapter.exists(alias)
        checks["search"] = {
            "status": "ok" if health.get("status") in ("green", "yellow") else "down",
            "engine": adapter.engine,
            "cluster_status": health.get("status"),
            "index": alias,
            "index_exists": bool(index_ok),
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    except Exception as exc:
        checks["search"] = {"status": "down", "error": _short(exc)}
    checks["indexing"] = indexing_check(redis_factory, search_factory, alias, checks)
    if any(c["status"] == "down" for c in checks.values()):
        status = "down"
    else:
        status = "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"
    return {"status": status, "checks": checks}


def indexing_check(redis_factory: Callable[[], Any], search_factory: Callable[[], Any], alias: str,
                   checks: dict[str, dict]) -> dict:
    """Can documents reach the index? "waiting" with a reason an operator can act on (disk flood stage,
    write block, engine unreachable) and for how long; indexing resumes by itself once it is fixed."""
    from index.blocks import write_block
    from workers.indexbuffer import waiting

    out: dict[str, Any] = {"status": "ok"}
    try:
        if checks["search"]["status"] == "ok":
            reason = write_block(search_factory(), alias)
            if reason:
                out = {"status": "waiting", "reason": reason}
        if checks["redis"]["status"] == "ok":
            waited = waiting(redis_factory())
            if waited is not None:
                out = {"status": "waiting", "reason": out.get("reason") or waited.reason,
                       "waiting_seconds": round(waited.seconds)}
    except Exception as exc:  # health never fails on its own checks
        out = {"status": "unknown", "error": _short(exc)}
    return out


def _short(exc: Exception) -> str:
    """One line, no internals beyond the exception's own message, and no password."""
    from akhbar.core.redact import redact

    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact(text)[:300]


def health_aggs(now_ms: int | None = None) -> dict:
    recent = {"range": {"crawled_at": {"gte": f"now-{RECENT_DAYS}d/d"}}}
    fills = {f"fill_{name}": {"filter": {"exists": {"field": name}}} for name in FILL_FIELDS}
    return {"outlet": {
        "terms": {"field": "outlet", "size": 1000},
        "aggs": {
            "newest_published": {"max": {"field": "published_at"}},
            "oldest_published": {"min": {"field": "published_at"}},
            # Every month from the oldest article to the newest, empty ones included (min_doc_count 0).
            "per_month": {"date_histogram": {"field": "published_at", "calendar_interval": "month",
                                             "time_zone": DEFAULT_TIMEZONE, "format": "yyyy-MM",
                                             "min_doc_count": 0}},
            "newest_crawled": {"max": {"field": "crawled_at"}},
            **fills,
            "recent": {"filter": recent, "aggs": {
                **fills,
                "per_day": {"date_histogram": {"field": "crawled_at", "calendar_interval": "day",
                                               "time_zone": DEFAULT_TIMEZONE, "format": "yyyy-MM-dd",
                                               "min_doc_count": 0,
                                               "extended_bounds": {"min": f"now-{RECENT_DAYS - 1}d/d",
                                                                   "max": "now/d"}}},
            }},
        },
    }}


def month_ranges(months: list[str]) -> list[str]:
    """["2012-01", "2012-02", "2012-05"] -> ["2012-01..2012-02", "2012-05"]: holes, shortly."""
    def index(month: str) -> int:
        year, number = month.split("-")
        return int(year) * 12 + int(number) - 1

    ranges: list[list[str]] = []
    for month in months:
        if ranges and index(month) == index(ranges[-1][-1]) + 1:
            ranges[-1] = [ranges[-1][0], month]
        else:
            ranges.append([month])
    return ["..".join(r) for r in ranges]


def _iso(ms: float | None) -> str | None:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat() if ms is not None else None


def outlet_health(adapter: Any, alias: str, names: Iterable[str] = (), now: float | None = None) -> dict[str, dict]:
    """Health per outlet name (every name in `names`, plus any outlet found in the index)."""
    from index.adapter import SearchRequestError

    now = time.time() if now is None else now
    try:
        response = adapter.search(alias, {"size": 0, "aggs": health_aggs()})
        buckets = response["aggregations"]["outlet"]["buckets"]
    except SearchRequestError as exc:
        if exc.status != 404:
            raise
        buckets = []  # no index yet
    out: dict[str, dict] = {name: _empty_health() for name in names}
    for bucket in buckets:
        out[bucket["key"]] = _bucket_health(bucket, now)
    return out


def discovery_warning(assessment: dict) -> str | None:
    """One line when a crawl fetched more than twice as many HTML pages as it sent articles, with the top
    reasons pages were not sent; None otherwise."""
    if not missed_articles(assessment):
        return None
    reasons = ", ".join(f"{r['reason']} {r['pages']}" for r in assessment["top_reasons"]) or "-"
    return (f"last crawl fetched {assessment['counted_pages']} HTML pages but sent "
            f"{assessment['articles_sent']} articles; not sent: {reasons}")


def outlet_discovery(store: Any, names: Iterable[str] | None = None) -> dict[str, dict]:
    """Per outlet (every outlet crawled, or the ones named): its last crawl's discovery report by path, the
    numbers the warning reads (akhbar.core.discovery.assess) and the warning line or None."""
    jobs: dict[str, Any] = {}
    out: dict[str, dict] = {}
    for outlet, job_id in store.last_crawls(None if names is None else list(names)).items():
        if job_id not in jobs:
            try:
                jobs[job_id] = store.get(job_id)
            except KeyError:  # the job's record expired or was removed
                jobs[job_id] = None
        job = jobs[job_id]
        report = job.discovery.get(outlet) if job is not None else None
        if report is None:
            continue
        numbers = assess(report)
        out[outlet] = {"job_id": job_id, "job_state": job.state, **numbers, "by_path": report,
                       "warning": discovery_warning(numbers)}
    return out


def with_discovery(rows: dict[str, dict], found: dict[str, dict]) -> dict[str, dict]:
    """Health rows with each outlet's last-crawl discovery (``discovery``, null without a crawl) and its
    warning among the warnings; an outlet with a discovery report but no row (no article indexed) gets one."""
    for name in found:
        rows.setdefault(name, _empty_health())
    for name, row in rows.items():
        row["discovery"] = found.get(name)
        if row["discovery"] and row["discovery"]["warning"]:
            row["warnings"] = [*row["warnings"], row["discovery"]["warning"]]
    return rows


def _empty_health() -> dict:
    return {"status": "no_data", "articles": 0, "oldest_published_at": None, "months_without_articles": [],
            "newest_published_at": None, "newest_crawled_at": None,
            "newest_crawled_age_seconds": None, "newest_published_age_seconds": None,
            "per_day": [], "fill_rates": {}, "recent_fill_rates": {}, "warnings": []}


def _bucket_health(bucket: dict, now: float) -> dict:
    total = bucket["doc_count"]
    recent = bucket["recent"]
    recent_total = recent["doc_count"]
    published_ms = bucket["newest_published"].get("value")
    crawled_ms = bucket["newest_crawled"].get("value")
    fill = {name: round(bucket[f"fill_{name}"]["doc_count"] / total, 3) if total else None for name in FILL_FIELDS}
    recent_fill = {name: round(recent[f"fill_{name}"]["doc_count"] / recent_total, 3) if recent_total else None
                   for name in FILL_FIELDS}
    warnings = []
    degraded = False  # a field is filled much less often than it used to be: extraction broke somewhere
    crawled_age = now - crawled_ms / 1000 if crawled_ms is not None else None
    if crawled_age is not None and crawled_age > STALE_AFTER:
        warnings.append(f"no new article crawled for {crawled_age / 86400:.1f} days")
    if recent_total >= MIN_RECENT and total > recent_total:
        for name in FILL_FIELDS:
            before, after = fill[name], recent_fill[name]
            if before is not None and after is not None and before - after >= DROP_WARNING:
                warnings.append(f"{name} filled in {after:.0%} of recent articles (usually {before:.0%})")
                degraded = True
    status = "ok"
    if crawled_age is not None and crawled_age > STALE_AFTER:
        status = "stale"
    if degraded:
        status = "degraded"
    months = (bucket.get("per_month") or {}).get("buckets", [])
    return {
        "status": status,
        "articles": total,
        "oldest_published_at": _iso((bucket.get("oldest_published") or {}).get("value")),
        "months_without_articles": [b["key_as_string"] for b in months if not b["doc_count"]],
        "newest_published_at": _iso(published_ms),
        "newest_crawled_at": _iso(crawled_ms),
        "newest_published_age_seconds": round(now - published_ms / 1000) if published_ms is not None else None,
        "newest_crawled_age_seconds": round(crawled_age) if crawled_age is not None else None,
        "per_day": [{"day": b["key_as_string"], "articles": b["doc_count"]}
                    for b in recent["per_day"]["buckets"]][-RECENT_DAYS:],
        "fill_rates": fill,
        "recent_fill_rates": recent_fill,
        "warnings": warnings,
    }
