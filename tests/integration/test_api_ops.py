"""Operations against the running stack: /health, /metrics, per-outlet health (API and CLI), job-aware
JSON logs from the worker, and recurring crawls (Celery beat's own scheduler tick, then our due check)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from akhbar.core.jobs import JobStore
from akhbar.core.registry import load_registry
from tests.conftest import use_broker
from workers.beat import LAST_KEY, build_schedule, tick

pytestmark = pytest.mark.integration


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(metrics: dict, name: str, **labels) -> float | None:
    return metrics.get((name, tuple(sorted(labels.items()))))


def cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **stack.env},
                          capture_output=True, text=True, timeout=120)


def test_health_and_metrics_after_a_crawl(api_stack) -> None:
    job = api_stack.crawled()["final"]
    with httpx.Client(base_url=api_stack.url, timeout=30) as api:
        health = api.get("/health").json()
        assert health["status"] == "ok"
        assert health["checks"]["search"]["index_exists"] is True
        assert health["checks"]["redis"]["status"] == "ok"

        api.get("/search", params={"q": "ليبيا"})
        deadline = time.monotonic() + 15
        while True:  # task_postrun runs just after a task's outcome is counted in the job
            m = samples(api.get("/metrics").text)
            done = value(m, "akhbar_tasks_total", task="akhbar.clean", state="success") or 0
            if done >= job["counters"]["pages_sent"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert done == job["counters"]["pages_sent"]
    assert value(m, "akhbar_task_duration_seconds_count", task="akhbar.clean") == done
    assert value(m, "akhbar_task_duration_seconds_bucket", task="akhbar.clean", le="+Inf") == done
    assert value(m, "akhbar_tasks_total", task="akhbar.crawl", state="success") >= 1
    # The crawler's own counters: every fetch by outlet and status class, with latencies.
    fetched = sum(v for (name, labels), v in m.items() if name == "akhbar_crawl_fetches_total")
    assert fetched >= job["counters"]["pages_fetched"]
    assert value(m, "akhbar_crawl_fetches_total", outlet="fx-wasat", status="2xx") > 0
    assert value(m, "akhbar_crawl_fetch_duration_seconds_count", outlet="fx-wasat") > 0
    assert value(m, "akhbar_index_operations_total") >= job["counters"]["articles_new"]
    assert value(m, "akhbar_index_documents", alias=api_stack.alias) == job["counters"]["articles_new"]
    for queue in ("crawl", "clean", "dedupe", "index", "index_buffer"):
        assert value(m, "akhbar_queue_depth", queue=queue) == 0
    assert value(m, "akhbar_jobs", state="succeeded") >= 1
    assert value(m, "akhbar_dead_letters") == 0  # nothing failed for good
    assert value(m, "akhbar_up", service="redis") == 1 and value(m, "akhbar_up", service="search") == 1
    assert value(m, "akhbar_outlet_last_crawled_timestamp_seconds", outlet="fx-wasat") > time.time() - 3600
    assert value(m, "akhbar_api_requests_total", method="GET", route="/search", status="200") >= 1


def test_outlet_health_api_and_cli(api_stack) -> None:
    api_stack.crawled()
    with httpx.Client(base_url=api_stack.url, timeout=30) as api:
        outlets = {o["name"]: o for o in api.get("/outlets").json()["outlets"]}
        counts = {b["key"]: b["count"] for b in api.get("/search", params={"all_versions": "true"}).json()
                  ["facets"]["outlet"]}
    wasat = outlets["fx-wasat"]
    assert wasat["registered"] and wasat["base_url"] == api_stack.outlets["fx-wasat"]
    assert set(wasat["schedule"]) == {"feeds", "sitemaps", "listings"}
    health = wasat["health"]
    assert health["status"] == "ok", health
    assert health["articles"] == counts["fx-wasat"]
    assert 0 <= health["newest_crawled_age_seconds"] < 3600
    assert len(health["per_day"]) == 7 and health["per_day"][-1]["articles"] == counts["fx-wasat"]
    assert health["fill_rates"]["title"] == 1.0 and health["fill_rates"]["body"] == 1.0
    assert 0 < health["fill_rates"]["published_at"] <= 1.0
    assert set(health["fill_rates"]) == {"title", "body", "published_at", "authors", "dateline", "section"}
    assert outlets["lana"]["health"]["status"] == "no_data"  # a built-in outlet never crawled here
    # its last crawl's discovery report (issue 21 §6): articles sent by path, no warning for a normal outlet
    found = health["discovery"]
    assert found["articles_sent"] == sum(found["by_path"]["sent"].values()) > 0 and found["warning"] is None, found
    assert outlets["lana"]["health"]["discovery"] is None

    result = cli(api_stack, "outlets", "health", "--json", "fx-wasat", "fx-lana")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert set(rows) == {"fx-wasat", "fx-lana"} and rows["fx-wasat"]["articles"] == counts["fx-wasat"]


def test_worker_logs_carry_job_id_and_url(api_stack) -> None:
    job_id = api_stack.crawled()["final"]["id"]
    records = []
    for line in api_stack.worker.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))  # AKHBAR_LOG_JSON=1: every logging line is JSON
    cleaned = [r for r in records if r.get("job_id") == job_id and r["message"].startswith("Task akhbar.clean[")]
    assert cleaned, records[-5:]
    assert all(r["url"].startswith(tuple(api_stack.outlets.values())) for r in cleaned)
    assert all("data" not in r for r in cleaned)  # not the whole page again
    crawl = [r for r in records if r.get("job_id") == job_id and r["message"].startswith("Task akhbar.crawl[")]
    assert crawl and "url" not in crawl[0]


def test_beat_schedule_tick_submits_due_crawls_once(api_stack, monkeypatch, tmp_path) -> None:
    from celery.beat import Scheduler

    from akhbar.core.celery_app import app

    client = redis.Redis.from_url(api_stack.env["AKHBAR_REDIS_URL"])
    store = JobStore(client)
    registry = load_registry(api_stack.env["AKHBAR_OUTLETS"], include_builtin=False)
    schedule = build_schedule(registry, only=["fx-observer"], mode="fixture", max_pages=50)
    assert list(schedule) == ["crawl:fx-observer"]
    before = {j.id for j in store.list(200)}

    # Celery beat's own scheduler, one tick, its entry made due: it sends akhbar.scheduled_crawl to the
    # real broker, the stack's worker runs it, and that submits the crawl job.
    use_broker(monkeypatch, api_stack.env["AKHBAR_REDIS_URL"])
    monkeypatch.setitem(app.conf, "beat_schedule", schedule)
    scheduler = Scheduler(app=app)
    entry = scheduler.schedule["crawl:fx-observer"]
    entry.last_run_at = entry.last_run_at - timedelta(hours=1)
    scheduler.tick()
    scheduler.close()
    deadline = time.monotonic() + 60
    while True:
        new = [j for j in store.list(200) if j.id not in before]
        if new and new[0].state in ("succeeded", "failed"):
            break
        assert time.monotonic() < deadline, f"no scheduled job finished: {new}\n{api_stack.worker.tail()}"
        time.sleep(0.5)
    assert len(new) == 1 and new[0].outlets == ["fx-observer"] and new[0].state == "succeeded"
    assert new[0].options.mode == "fixture" and new[0].options.max_pages == 50
    assert client.hget(LAST_KEY + "fx-observer", "job_id").decode() == new[0].id

    # Our tick (what `akhbar beat --once` runs): within the interval nothing is due, so nothing is sent.
    assert tick(client, registry, only=["fx-observer"], mode="fixture") == []
    result = cli(api_stack, "beat", "--once", "--only", "fx-observer", "--mode", "fixture")
    assert result.returncode == 0 and "0 of 1 scheduled crawls were due" in result.stdout, result.stderr
    # Once the interval has passed it is due again: the CLI submits exactly one job.
    client.delete("akhbar:beat:slot:fx-observer")
    result = cli(api_stack, "beat", "--once", "--only", "fx-observer", "--mode", "fixture")
    assert "1 of 1 scheduled crawls were due" in result.stdout, result.stdout + result.stderr
    assert len([j for j in store.list(200) if j.id not in before]) == 2
    shown = cli(api_stack, "beat", "--show")
    assert shown.returncode == 0 and "crawl:fx-wasat" in shown.stdout

    # `akhbar beat` itself: submits what is due at start, then runs Celery beat until stopped. Due means
    # the last scheduled job has finished too.
    deadline = time.monotonic() + 60
    while store.get(client.hget(LAST_KEY + "fx-observer", "job_id").decode()).state not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, api_stack.worker.tail()
        time.sleep(0.3)
    client.delete("akhbar:beat:slot:fx-observer")
    log_path = tmp_path / "beat.log"
    with open(log_path, "wb") as log:
        beat = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "beat", "--only", "fx-observer", "--mode",
                                 "fixture"], env={**os.environ, **api_stack.env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while len([j for j in store.list(200) if j.id not in before]) < 3 or b"beat: Starting" not in log_path.read_bytes():
            assert beat.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.3)
    finally:
        beat.terminate()
        beat.wait(20)
