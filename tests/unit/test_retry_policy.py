"""akhbar.core.retry: the policy values, the backoff's properties, and that every component that retries
reads its statuses and waits from the policy (no table of its own left)."""

from __future__ import annotations

import asyncio
import http.client
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar.core import retry
from akhbar.core.retry import CRAWL, ENGINE, FLUSH, FLUSH_BULK, REDIS, SLOW_DOWN, TASK, WEBHOOK, Policy

ALL_STATUSES = range(100, 600)


# -- the values (each the one its component used before the module) -------------------------------------
def test_policy_values() -> None:
    assert ENGINE.statuses == {429, 500, 502, 503, 504}
    assert (ENGINE.base, ENGINE.cap, ENGINE.attempts, ENGINE.jitter) == (0.5, 30.0, 6, (0.5, 1.0))
    assert (FLUSH_BULK.statuses, FLUSH_BULK.base, FLUSH_BULK.cap, FLUSH_BULK.attempts) == (
        ENGINE.statuses, 0.5, 2.0, 2)
    assert (FLUSH.base, FLUSH.cap, FLUSH.attempts, FLUSH.jitter) == (1.0, 30.0, 100_000, (0.5, 1.0))
    assert {502, 503, 504} == retry.NODE_FAILOVER
    assert CRAWL.statuses == {429, 500, 502, 503, 504, 522, 524, 408}
    assert (CRAWL.base, CRAWL.cap, CRAWL.attempts, CRAWL.jitter) == (0.5, 120.0, 3, (1.0, 1.0))
    assert {429, 503} == SLOW_DOWN
    assert [s for s in ALL_STATUSES if WEBHOOK.retryable(s)] == [408, 425, 429, *range(500, 600)]
    assert (WEBHOOK.base, WEBHOOK.cap, WEBHOOK.attempts, WEBHOOK.jitter) == (2.0, 300.0, 8, (0.75, 1.25))
    assert retry.celery_autoretry(TASK) == {"autoretry_for": (Exception,), "retry_backoff": 2,
                                            "retry_backoff_max": 300, "retry_jitter": True, "max_retries": 5}
    assert (REDIS.base, REDIS.cap, REDIS.attempts, REDIS.jitter) == (0.1, 2.0, None, (1.0, 1.0))


def test_every_stage_retries_the_transient_statuses() -> None:
    """One edit adds a status everywhere: each status table includes TRANSIENT."""
    for policy in (ENGINE, FLUSH_BULK, FLUSH, CRAWL, WEBHOOK):
        assert all(policy.retryable(s) for s in retry.TRANSIENT), policy.name
    assert retry.GATEWAY <= retry.TRANSIENT and retry.NODE_FAILOVER == retry.GATEWAY


def test_webhook_defaults_are_the_settings_defaults() -> None:
    from akhbar.core.config import VARIABLES

    assert float(VARIABLES["AKHBAR_WEBHOOK_BACKOFF"].default) == WEBHOOK.base
    assert int(VARIABLES["AKHBAR_WEBHOOK_RETRIES"].default) == WEBHOOK.attempts


# -- backoff ---------------------------------------------------------------------------------------------
policies = st.builds(
    Policy, name=st.just("p"), statuses=st.just(frozenset()),
    base=st.floats(0, 100, allow_nan=False), cap=st.floats(0, 1000, allow_nan=False),
    attempts=st.none(), jitter=st.sampled_from([retry.NO_JITTER, retry.HALF_JITTER, retry.FULL_JITTER, (0.75, 1.25)]))


@given(policies, st.integers(0, 200_000), st.integers(0, 200_000))
def test_backoff_is_monotonic_and_capped(policy: Policy, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert policy.ceiling(low) <= policy.ceiling(high) <= policy.cap
    assert policy.ceiling(0) == min(policy.cap, policy.base)


@given(policies, st.integers(0, 1000), st.floats(0, 1, exclude_max=True))
def test_jitter_stays_in_its_range(policy: Policy, retries: int, r: float) -> None:
    low, high = policy.jitter
    ceiling = policy.ceiling(retries)
    assert low * ceiling - 1e-9 <= policy.delay(retries, rand=lambda: r) <= high * ceiling + 1e-9


@pytest.mark.parametrize("policy", retry.POLICIES, ids=lambda p: p.name)
def test_named_policies_keep_their_formula(policy: Policy) -> None:
    """The formula each component had inline: min(cap, base * 2**n) times the jitter factor."""
    low, high = policy.jitter
    for n in range(12):
        for r in (0.0, 0.3, 0.999):
            expected = min(policy.cap, policy.base * 2**n) * (low + r * (high - low))
            assert policy.delay(n, rand=lambda r=r: r) == pytest.approx(expected)


def test_retry_after() -> None:
    assert retry.retry_after(b"7", 120) == 7.0
    assert retry.retry_after("900", 120) == 120.0
    assert retry.retry_after(b"-3", 120) == 0.0
    assert retry.retry_after(None, 120) is None and retry.retry_after(b"soon", 120) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 50 < (retry.retry_after(later.encode(), 120) or 0) <= 60


# -- each component reads the policy ---------------------------------------------------------------------
def test_engine_tables() -> None:
    from index.adapter import SearchRequestError, SearchUnavailable, _translate
    from index.blocks import OVERLOADED, refusal

    assert [s for s in ALL_STATUSES if refusal(s, "") == OVERLOADED] == sorted(ENGINE.statuses)

    class Failed(Exception):
        def __init__(self, status: int):
            super().__init__(f"HTTP {status}")
            self.status_code = status

    unavailable = [s for s in range(400, 600) if isinstance(_translate(Failed(s)), SearchUnavailable)]
    assert unavailable == sorted({s for s in range(400, 600) if s >= 500 or ENGINE.retryable(s)})
    assert isinstance(_translate(Failed(404)), SearchRequestError)


def test_bulk_retries_exactly_the_engine_statuses(monkeypatch) -> None:
    import index.bulk as bulk

    monkeypatch.setattr(bulk.time, "sleep", lambda seconds: None)
    statuses = [200, 400, 404, 409, 425, 429, 500, 501, 502, 503, 504, 507]

    class Adapter:
        calls = 0

        def bulk(self, lines: list[dict]) -> dict:
            self.calls += 1
            items = []
            for line in lines[::2]:  # action lines; documents between them
                doc_id = line["index"]["_id"]
                status = int(doc_id) if self.calls == 1 else 201
                items.append({"index": {"_id": doc_id, "status": status, "error": {"type": "x"}}})
            return {"items": items}

    indexer = bulk.BulkIndexer(Adapter(), "i")  # type: ignore[arg-type]
    assert indexer.policy == ENGINE
    result = indexer.run([bulk.BulkAction("index", str(s), {"n": s}) for s in statuses])
    assert sorted(f.status for f in result.failed) == [s for s in statuses if s >= 300 and not ENGINE.retryable(s)]
    assert result.retries == 1
    short = bulk.BulkIndexer(Adapter(), "i", max_retries=2, backoff=0.5, max_backoff=2)  # type: ignore[arg-type]
    assert short.policy == ENGINE.with_(attempts=2, base=0.5, cap=2) == FLUSH_BULK.with_(name="engine")


def test_engine_client_fails_over_on_the_policy_statuses() -> None:
    from index.adapter import SearchAdapter
    from index.auth import SearchAuth

    adapter = SearchAdapter("http://127.0.0.1:1,http://127.0.0.1:2", engine="opensearch", auth=SearchAuth())
    assert tuple(adapter._client.transport.retry_on_status) == tuple(sorted(retry.NODE_FAILOVER))


def test_crawler_settings_and_middleware() -> None:
    from scrapy import Spider
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import RetryAfterMiddleware
    from crawler.settings import FIXTURE_OVERRIDES, POLITE

    assert set(POLITE["RETRY_HTTP_CODES"]) == CRAWL.statuses and POLITE["RETRY_TIMES"] == CRAWL.attempts
    assert FIXTURE_OVERRIDES["RETRY_TIMES"] == 1  # local fixture sites: one retry is enough
    crawler = get_crawler(Spider, settings_dict=POLITE)
    crawler.spider = crawler._create_spider("t")
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    assert middleware.retry_http_codes == CRAWL.statuses and middleware.max_retry_times == CRAWL.attempts
    assert middleware.policy is CRAWL
    request = Request("http://example.com/a")
    for status in sorted(CRAWL.statuses):  # retried, at once when Retry-After says 0
        response = Response(request.url, status=status, headers={"Retry-After": "0"}, request=request)
        answer = asyncio.run(middleware.process_response(request, response))
        assert isinstance(answer, Request) and answer.meta["retry_times"] == 1, status
    response = Response(request.url, status=404, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response


def test_crawler_politeness_reads_retry_after_through_the_policy() -> None:
    from crawler.politeness import retry_after_seconds

    assert retry_after_seconds({b"Retry-After": b"30"}, 10) == 10.0
    assert retry_after_seconds({}, 10) is None


@pytest.mark.parametrize("status", [200, 302, 400, 404, 408, 410, 425, 429, 500, 503, 599])
def test_webhook_retries_the_policy_statuses(status: int, monkeypatch) -> None:
    from akhbar.core.targets import AllowList
    from workers.alerts import WebhookError, deliver_webhook

    class Connection:
        def __init__(self, *args, **kwargs):
            pass

        def request(self, *args, **kwargs) -> None:
            pass

        def getresponse(self):
            return type("Answer", (), {"status": status})()

        def close(self) -> None:
            pass

    monkeypatch.setattr(http.client, "HTTPConnection", Connection)
    url = "http://127.0.0.1:9/hook"
    if status < 300:
        assert deliver_webhook(url, {}, AllowList.parse("127.0.0.1")) == status
        return
    with pytest.raises(WebhookError) as caught:
        deliver_webhook(url, {}, AllowList.parse("127.0.0.1"))
    assert caught.value.retry == WEBHOOK.retryable(status)


def test_webhook_connection_errors_are_retried(monkeypatch) -> None:
    from akhbar.core.targets import AllowList
    from workers.alerts import WebhookError, deliver_webhook

    class Refused:
        def __init__(self, *args, **kwargs):
            pass

        def request(self, *args, **kwargs) -> None:
            raise ConnectionRefusedError("refused")

        def close(self) -> None:
            pass

    monkeypatch.setattr(http.client, "HTTPConnection", Refused)
    with pytest.raises(WebhookError) as caught:
        deliver_webhook("http://127.0.0.1:9/hook", {}, AllowList.parse("127.0.0.1"))
    assert caught.value.retry and caught.value.reason == "connection"
    assert WEBHOOK.retryable_error(ConnectionRefusedError()) and WEBHOOK.retryable_error(http.client.BadStatusLine(""))


def test_redis_clients_back_off_by_the_policy() -> None:
    from akhbar.core.redis_retry import RETRY_ON, WaitingRetry, publish_policy

    backoff = WaitingRetry(1.0)._backoff
    assert [backoff.compute(n) for n in range(8)] == [REDIS.ceiling(n) for n in range(8)]
    assert all(issubclass(error, RETRY_ON) for error in REDIS.errors)
    assert publish_policy(10)["interval_max"] == REDIS.cap


def test_pipeline_tasks_retry_by_the_task_policy(monkeypatch) -> None:
    """PipelineTask's autoretry attributes are the TASK policy; the flush's waits are FLUSH's, capped under
    the broker's visibility timeout."""
    from akhbar.core.config import load_settings
    from workers import index_wait, tasks

    assert {name: getattr(tasks.PipelineTask, name) for name in retry.celery_autoretry(TASK)} == \
        retry.celery_autoretry(TASK)
    monkeypatch.setattr(random, "random", lambda: 0.999)
    flush = FLUSH.with_(cap=max(1.0, min(FLUSH.cap, load_settings().visibility_timeout / 2)))
    assert [index_wait.flush_countdown(n) for n in range(40)] == pytest.approx([flush.delay(n) for n in range(40)])
