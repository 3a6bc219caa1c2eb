"""The Redis structures behind the crawler, against a real redis-server: Bloom filter (false-positive rate
measured), article and entry state, the shared frontier queue and the per-host lease."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from crawler.bloom import RedisBloom
from crawler.frontier import JobFrontier
from crawler.politeness import HostLease
from crawler.state import ArticleState, EntryState, is_due

pytestmark = pytest.mark.integration


@pytest.fixture
def client(redis_url: str):
    c = redis.Redis.from_url(redis_url)
    c.flushdb()
    yield c
    c.flushdb()


def test_bloom_false_positive_rate_is_near_its_target(client) -> None:
    bloom = RedisBloom(client, "t:bloom", capacity=20_000, error_rate=0.01)
    members = [f"https://alwasat.ly/news/libya/{i}" for i in range(20_000)]
    added = sum(sum(bloom.add_many(members[s:s + 2000])) for s in range(0, len(members), 2000))
    assert added > 0.995 * len(members)  # a few look known already: false positives while filling up
    assert not any(bloom.add_many(members[:500]))  # known now: no false negatives
    assert all(bloom.contains_many(members[-500:]))
    probes = [f"https://alwasat.ly/news/world/{i}" for i in range(50_000)]
    false_positives = sum(sum(bloom.contains_many(probes[s:s + 5000])) for s in range(0, len(probes), 5000))
    rate = false_positives / len(probes)
    assert 0.004 < rate < 0.016, rate  # 1% target
    assert bloom.count() == added
    # 9.6 bits per item at 1%: ~24 KB for 20k URLs.
    assert bloom.memory_bytes() < 26_000


def test_bloom_grows_past_its_capacity_and_keeps_its_bound(client) -> None:
    bloom = RedisBloom(client, "t:grow", capacity=1000, error_rate=0.01)
    members = [f"u{i}" for i in range(8000)]
    for start in range(0, len(members), 1000):
        bloom.add_many(members[start:start + 1000])
    assert int(client.hget("t:grow", "layers")) >= 3
    assert all(bloom.contains_many(members))
    probes = [f"v{i}" for i in range(20_000)]
    rate = sum(bloom.contains_many(probes)) / len(probes)
    assert rate < bloom.expected_error_rate() * 1.5 < 0.03, (rate, bloom.expected_error_rate())


def test_add_is_atomic_across_clients(client, redis_url: str) -> None:
    urls = [f"https://lana.gov.ly/post.php?id={i}" for i in range(3000)]
    results: list[list[bool]] = []

    def worker() -> None:
        bloom = RedisBloom(redis.Redis.from_url(redis_url), "t:race", capacity=10_000, error_rate=1e-6)
        results.append([flag for s in range(0, len(urls), 100) for flag in bloom.add_many(urls[s:s + 100])])

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every URL was "new" for exactly one of the three clients.
    assert [sum(flags) for flags in zip(*results, strict=True)] == [1] * len(urls)


def test_article_state_confirms_bloom_positives(client) -> None:
    state = ArticleState(client, "fx", capacity=100, error_rate=0.5)  # a deliberately bad filter
    fetched = [f"https://x.ly/a/{i}" for i in range(100)]
    assert state.mark_fetched(fetched, when=1_700_000_000) == 100
    lasts = state.last_fetched_many(fetched + [f"https://x.ly/b/{i}" for i in range(400)])
    assert lasts[:100] == [1_700_000_000.0] * 100
    assert lasts[100:] == [None] * 400  # Bloom false positives are caught by the exact store
    assert state.stats()["false_positives"] > 0


def test_entry_state_schedule(client) -> None:
    entries = EntryState(client, "fx")
    entries.record("https://x.ly/feed/", "feed", 900, now=1000)
    record = entries.get("https://x.ly/feed/")
    assert (record.last, record.next, record.kind) == (1000, 1900, "feed")
    assert not is_due(record, 1899) and is_due(record, 1900) and is_due(entries.get("https://x.ly/other"), 0)


def test_frontier_dedupes_and_tracks_busy_processes(client) -> None:
    a = JobFrontier(client, "job1", "fx", capacity=1000)
    b = JobFrontier(client, "job1", "fx", capacity=1000)
    assert a.push("https://x.ly/1", "one", priority=0)
    assert not b.push("https://x.ly/1", "one again")  # the job has it already
    assert b.push("https://x.ly/1", "retry", claim=False)  # retries are not deduplicated
    assert a.push("https://x.ly/2", "two", priority=10)
    assert b.pop() == "two"  # articles (priority > 0) first
    assert a.pop() == "one"
    assert a.pending_or_busy()  # work queued
    assert a.pop() == "retry"
    # The queue is empty, but b is still busy with what it popped: a must not stop yet.
    assert a.pending_or_busy()
    assert not b.pending_or_busy()  # b is idle too (and a said so): nobody can add work any more
    assert not a.pending_or_busy()
    assert a.known_many(["https://x.ly/1", "https://x.ly/3"]) == [True, False]


def test_frontier_push_many_is_one_batch_that_dedupes_grows_and_survives_a_script_flush(client) -> None:
    """A batch is one script call: repeats inside it count once, unclaimed requests always go in, the
    Bloom filter opens new layers mid-batch, and a Redis that lost its scripts gets them back."""
    a = JobFrontier(client, "job2", "fx", capacity=50)
    batch = [(f"https://x.ly/{i}", f"p{i}", 0, True) for i in range(120)]
    batch += [("https://x.ly/5", "again", 0, True), ("https://x.ly/5", "retry", -1, False)]
    assert a.push_many(batch) == [True] * 120 + [False, True]
    assert int(client.hget(a.seen.key, "layers")) == 2 and int(client.hget(a.seen.key, "total")) == 120
    b = JobFrontier(client, "job2", "fx", capacity=50)
    client.script_flush()
    assert b.push_many([("https://x.ly/7", "dup", 0, True), ("https://x.ly/new", "new", 0, True)]) == [False, True]
    popped = b.pop_many(200)
    assert len(popped) == 122 and popped[:2] == ["p0", "p1"] and popped[-1] == "retry"  # lane order kept
    assert a.seen.contains_many([f"https://x.ly/{i}" for i in range(120)]) == [True] * 120


def test_host_lease_one_at_a_time_with_delay(client, redis_url: str) -> None:
    delay = 0.15
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def worker() -> None:
        lease = HostLease(redis.Redis.from_url(redis_url), capacity=1, lease_ttl=10)
        for _ in range(4):
            while True:
                token, wait = lease.try_acquire("fx.ly:80", delay)
                if token:
                    break
                time.sleep(wait)
            start = time.monotonic()
            time.sleep(0.02)  # the request
            end = time.monotonic()
            with lock:
                spans.append((start, end))
            lease.release("fx.ly:80", token, delay)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans.sort()
    assert len(spans) == 12
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start >= end + delay - 0.01
