"""Crawl jobs and their live progress, kept in Redis so every worker and the CLI/API see the same state.

A job hash `akhbar:job:<id>` holds counters that the crawler and the pipeline tasks increment:
pages fetched, pages sent to the pipeline, articles new/updated/duplicate/failed, errors by kind.
A job succeeds when its crawl has finished and every page sent has reached a terminal outcome.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import redis

from akhbar.core import discovery
from akhbar.core.keys import JOB_COPIES_SUFFIX, JOB_LEDGER_SUFFIX, JOB_PAGES_SUFFIX, OUTLET_LAST_CRAWL
from akhbar.core.keys import JOB_INDEX as INDEX_KEY
from akhbar.core.keys import JOB_PREFIX as PREFIX
from akhbar.core.keys import JOB_STATES as STATES
from akhbar.core.keys import PAGE_OUTCOMES as OUTCOMES
from akhbar.core.keys import TERMINAL_STATES as TERMINAL
from akhbar.core.messages import CRAWLER_MODULE
from akhbar.core.registry import BUILTIN_FILE, Outlet, Registry

# Finish atomically: two tasks finishing the last pages at once must not both miss the transition.
_MAYBE_FINISH = """
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state ~= 'running' and state ~= 'stalled' then return state end
if redis.call('HGET', key, 'crawl_done') ~= '1' then return state end
local sent = tonumber(redis.call('HGET', key, 'pages_sent') or '0')
local done = 0
for _, f in ipairs(ARGV) do done = done + tonumber(redis.call('HGET', key, f) or '0') end
if done >= sent then
  local final = 'succeeded'
  if redis.call('HGET', key, 'crawl_failed') == '1' then final = 'failed' end
  redis.call('HSET', key, 'state', final, 'finished_at', tostring(redis.call('TIME')[1]))
  local dead = tonumber(redis.call('HGET', key, 'articles_dead') or '0')
  if dead > 0 then
    redis.call('HSET', key, 'message', dead .. ' page(s) in dead letters: run `akhbar dlq replay` once the cause is fixed')
  elseif state == 'stalled' then
    redis.call('HSET', key, 'message', '')
  end
  return final
end
return state
"""

# Count a page's outcome once per page token, whatever re-delivery runs its task again. A success
# (new/updated/duplicate) is final; a failure (failed/dead) is replaced when a replay later succeeds.
# The page leaves the job's ledger and its stored copy goes (KEYS[3], KEYS[4]): it is no longer on its way.
_OUTCOME_ONCE = """
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[2])
local prev = redis.call('HGET', KEYS[2], ARGV[2])
if prev == ARGV[1] then return 0 end
if prev and prev ~= 'articles_failed' and prev ~= 'articles_dead' then return 0 end
if prev then redis.call('HINCRBY', KEYS[1], prev, -1) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""


CRAWLING_SOURCES = ("crawl", "archive")


@dataclass
class JobOptions:
    """What a job was asked to do; stored with the job, read by the crawler process and the workers.

    Built in one place (`JobOptions.for_crawl` / `for_ingest`), so every producer writes the same keys."""

    outlet_configs: list[dict[str, Any]] = field(default_factory=list)  # Outlet.to_payload() of each outlet
    since: str | None = None  # ISO date: listings are not followed past it
    max_pages: int | None = None
    recrawl: Any = False  # crawler.state.RecrawlPolicy.parse input (bool or "changed"/"all"/...)
    mode: str = "live"  # "live" (polite) or "fixture" (local test sites: no delays)
    processes: int = 1  # crawler processes sharing the job's frontier (more can `crawl-join`)
    scrapy_settings: dict[str, Any] = field(default_factory=dict)
    # The user's own outlets travel with the job: workers resolve repost sources against them too.
    registry_extra: list[dict[str, Any]] = field(default_factory=list)
    source: str = "crawl"  # "crawl", "warc" or "archive" (a backfill from a web archive)
    files: list[str] = field(default_factory=list)  # WARC files of an ingest job
    # A backfill (crawler/backfill.py): {"source": "wayback" | "commoncrawl" | a CDX URL, "from": "YYYY-MM",
    # "to": "YYYY-MM"}
    archive: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_crawl(cls, registry: Registry, outlets: Sequence[str], **options: Any) -> JobOptions:
        return cls(outlet_configs=[registry.get(name).to_payload() for name in outlets],
                   registry_extra=user_outlets(registry), **options)

    @classmethod
    def for_backfill(cls, registry: Registry, outlets: Sequence[str], *, source: str, first: str | None = None,
                     last: str | None = None) -> JobOptions:
        return cls(outlet_configs=[registry.get(name).to_payload() for name in outlets],
                   registry_extra=user_outlets(registry), source="archive",
                   archive={"source": source, "from": first, "to": last})

    @property
    def crawls(self) -> bool:
        """A job with a crawler process (a live crawl or a backfill): resumable, cancelled through it."""
        return self.source in CRAWLING_SOURCES

    @classmethod
    def for_ingest(cls, registry: Registry, files: Sequence[str]) -> JobOptions:
        return cls(source="warc", files=list(files), registry_extra=user_outlets(registry))

    def outlets(self) -> list[Outlet]:
        return [Outlet.from_payload(c, origin="<job>") for c in self.outlet_configs]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobOptions:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def crawler_command(job_id: str, *, join: bool = False) -> list[str]:
    """The command line of one crawler process for a job (the `crawl` task, `crawl-join`, local runs). The
    Redis URL, which may carry a password, goes in the environment (crawler_env): a command line is
    visible to every user of the machine in `ps`."""
    cmd = [sys.executable, "-m", CRAWLER_MODULE, "--job", job_id]
    return [*cmd, "--join"] if join else cmd


def crawler_env(redis_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a crawler process: this one's, with the job's Redis URL."""
    return {**os.environ, **(extra or {}), "AKHBAR_REDIS_URL": redis_url}


def user_outlets(registry: Registry) -> list[dict[str, Any]]:
    """The registry's outlets that are not built in, as payloads."""
    return [o.to_payload() for o in registry if str(BUILTIN_FILE) not in o.origin]


@dataclass
class Job:
    id: str
    state: str
    outlets: list[str]
    options: JobOptions = field(default_factory=JobOptions)
    counters: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    # Per outlet: what discovery found and by which path (akhbar.core.discovery.parse).
    discovery: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""

    @property
    def pending(self) -> int:
        done = sum(self.counters.get(name, 0) for name in OUTCOMES)
        return max(0, self.counters.get("pages_sent", 0) - done)

    @property
    def rate(self) -> float:
        """Pages fetched per second so far."""
        if not self.started_at:
            return 0.0
        end = self.finished_at or time.time()
        return self.counters.get("pages_fetched", 0) / max(end - self.started_at, 1e-6)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "outlets": self.outlets,
            "options": self.options.to_dict(),
            "counters": self.counters,
            "errors": self.errors,
            "discovery": self.discovery,
            "pending": self.pending,
            "rate": round(self.rate, 2),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "message": self.message,
        }


class JobStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._finish = client.register_script(_MAYBE_FINISH)
        self._outcome_once = client.register_script(_OUTCOME_ONCE)

    @staticmethod
    def key(job_id: str) -> str:
        return PREFIX + job_id

    def create(self, outlets: list[str], options: JobOptions | None = None, job_id: str | None = None) -> Job:
        job_id = job_id or time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        now = time.time()
        self.redis.hset(
            self.key(job_id),
            mapping={
                "state": "queued",
                "outlets": json.dumps(outlets),
                "options": json.dumps((options or JobOptions()).to_dict(), ensure_ascii=False),
                "created_at": now,
            },
        )
        self.redis.zadd(INDEX_KEY, {job_id: now})
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        raw = {k.decode(): v.decode() for k, v in self.redis.hgetall(self.key(job_id)).items()}
        if not raw:
            raise KeyError(f"No such job: {job_id}")
        counters = {k: int(v) for k, v in raw.items() if k.startswith(("pages_", "articles_"))}
        errors = {k[len("error:"):]: int(v) for k, v in raw.items() if k.startswith("error:")}
        return Job(
            id=job_id,
            state=raw.get("state", "queued"),
            outlets=json.loads(raw.get("outlets", "[]")),
            options=JobOptions.from_dict(json.loads(raw.get("options", "{}"))),
            counters=counters,
            errors=errors,
            discovery=discovery.parse(raw),
            created_at=float(raw.get("created_at", 0)),
            started_at=float(raw["started_at"]) if "started_at" in raw else None,
            finished_at=float(raw["finished_at"]) if "finished_at" in raw else None,
            message=raw.get("message", ""),
        )

    def list(self, limit: int = 50) -> list[Job]:
        ids = [i.decode() for i in self.redis.zrevrange(INDEX_KEY, 0, limit - 1)]
        return [self.get(i) for i in ids if self.redis.exists(self.key(i))]

    def exists(self, job_id: str) -> bool:
        return bool(self.redis.exists(self.key(job_id)))

    def set_state(self, job_id: str, state: str, message: str = "") -> None:
        assert state in STATES, state
        fields: dict[str, Any] = {"state": state}
        if message:
            fields["message"] = message
        if state == "running":
            fields["started_at"] = time.time()
        if state in TERMINAL:
            fields["finished_at"] = time.time()
        self.redis.hset(self.key(job_id), mapping=fields)

    def incr(self, job_id: str | None, counter: str, amount: int = 1) -> None:
        if job_id:
            self.redis.hincrby(self.key(job_id), counter, amount)

    def add_counts(self, job_id: str | None, counts: Mapping[str, int], outlet: str | None = None) -> None:
        """Add several counters in one round trip; with ``outlet``, the job is that outlet's last crawl."""
        if not job_id or not counts:
            return
        pipe = self.redis.pipeline(transaction=False)
        for name, amount in counts.items():
            pipe.hincrby(self.key(job_id), name, amount)
        if outlet:
            pipe.hset(OUTLET_LAST_CRAWL, outlet, job_id)
        pipe.execute()

    def last_crawls(self, outlets: Sequence[str] | None = None) -> dict[str, str]:
        """outlet -> the id of the job that crawled it last (every outlet, or the ones named)."""
        if outlets is None:
            raw = self.redis.hgetall(OUTLET_LAST_CRAWL)
            return {k.decode(): v.decode() for k, v in raw.items()}
        names = list(outlets)
        values = self.redis.hmget(OUTLET_LAST_CRAWL, names) if names else []
        return {name: value.decode() for name, value in zip(names, values, strict=True) if value is not None}

    def error(self, job_id: str | None, kind: str, amount: int = 1) -> None:
        if job_id:
            self.redis.hincrby(self.key(job_id), f"error:{kind}", amount)

    def outcome(self, job_id: str | None, outcome: str, token: str | None = None) -> None:
        """A page reached a terminal outcome; finish the job if it was the last one.

        With the page's `token`, a second report for the same page (a re-delivered task, a replayed dead
        letter) does not count it twice, so sent = new + updated + duplicate + failed + dead holds."""
        assert outcome in OUTCOMES, outcome
        if not job_id:
            return
        if token:
            key = self.key(job_id)
            self._outcome_once(keys=[key, key + JOB_PAGES_SUFFIX, key + JOB_LEDGER_SUFFIX, key + JOB_COPIES_SUFFIX],
                               args=[outcome, token])
        else:
            self.redis.hincrby(self.key(job_id), outcome, 1)
        self.maybe_finish(job_id)

    def crawl_finished(self, job_id: str, failed: bool = False, message: str = "") -> str:
        fields = {"crawl_done": 1, "crawl_failed": int(failed)}
        if message:
            fields["message"] = message
        self.redis.hset(self.key(job_id), mapping=fields)
        return self.maybe_finish(job_id)

    def maybe_finish(self, job_id: str) -> str:
        state = self._finish(keys=[self.key(job_id)], args=list(OUTCOMES))
        return state.decode() if isinstance(state, bytes) else str(state)

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.state not in TERMINAL:
            self.set_state(job_id, "cancelled", "cancelled by user")
            self.redis.set(self.key(job_id) + ":cancel", 1, ex=86400)
        return self.get(job_id)

    def cancelled(self, job_id: str) -> bool:
        return bool(self.redis.exists(self.key(job_id) + ":cancel"))
