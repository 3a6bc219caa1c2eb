"""What the crawler remembers between runs, per outlet, in Redis: incremental crawling.

* ArticleState: every article URL fetched, with its last-fetch time. A Bloom filter answers "never seen"
  without touching the exact store; a "maybe seen" is confirmed in the exact store, so a Bloom false
  positive never makes the crawler skip a new article. The exact store is a few thousand small hashes
  (field = 8-byte digest of the canonical URL, value = last fetch): Redis keeps small hashes as compact
  listpacks, ~20-25 bytes per URL instead of ~100 for one big hash of URL strings.
* EntryState: feeds, sitemaps and listing pages with last-fetch and next-fetch times; an entry is read
  again when due (registry ``schedule``: feeds 15m, sitemaps 1h, listings 6h) or if never read.
* RecrawlPolicy: when an article already fetched is fetched again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import redis

from akhbar.core.keys import CRAWL_PREFIX as PREFIX
from akhbar.core.registry import Outlet
from crawler.bloom import BLOOM_LUA, RedisBloom, execute_loading, hash_pair, queue_script

ARTICLE_BUCKETS = 4096  # fixed for the life of the data: changing it re-buckets every URL
PROBE_MISS_INTERVAL = 86400  # a guessed /feed or /sitemap.xml that is not there: look again in a day
ERROR_INTERVAL = 1800  # an entry point that failed (5xx, timeout): try again in half an hour


class Clock:
    """Wall time plus an offset: tests (and operators) can make schedules due without waiting."""

    def __init__(self, offset: float = 0.0):
        self.offset = float(offset)

    def now(self) -> float:
        return time.time() + self.offset


# -- recrawl policy -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecrawlPolicy:
    """``never``: an article fetched once is not fetched again (default).
    ``always``: every article found is fetched again (``akhbar crawl --recrawl``); entry points are read
    whether due or not, so a recrawl is complete.
    ``if_updated_after DAYS``: fetched again when a feed or sitemap dates it (updated/lastmod) later than
    our last fetch, for changes made within the last DAYS days (an old story re-dated by a theme change
    is not worth a refetch)."""

    mode: str = "never"
    days: float = 0.0

    @classmethod
    def parse(cls, value: object) -> RecrawlPolicy:
        if value is None or value is False or value == "":
            return cls("never")
        if value is True:
            return cls("always")
        text = str(value).strip().lower().replace(":", " ").replace("=", " ")
        parts = text.split()
        if parts == ["never"] or parts == ["always"]:
            return cls(parts[0])
        if len(parts) == 2 and parts[0] in ("if_updated_after", "if-updated-after", "if_updated"):
            try:
                days = float(parts[1])
            except ValueError:
                pass
            else:
                if days > 0:
                    return cls("if_updated_after", days)
        raise ValueError(f"recrawl policy must be never, always or 'if_updated_after DAYS', not {value!r}")

    @property
    def always(self) -> bool:
        return self.mode == "always"

    def should_fetch(self, last_fetch: float | None, updated: datetime | None, now: float) -> bool:
        if last_fetch is None or self.mode == "always":
            return True
        if self.mode == "if_updated_after" and updated is not None:
            stamp = updated.timestamp()
            return stamp > last_fetch and stamp >= now - self.days * 86400
        return False

    def __str__(self) -> str:
        return f"if_updated_after {self.days:g}" if self.mode == "if_updated_after" else self.mode


# -- articles ---------------------------------------------------------------------------------------
def _digest(url: str) -> tuple[int, bytes]:
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=10).digest()
    return int.from_bytes(digest[:2], "big") % ARTICLE_BUCKETS, digest[2:]


# ARGV: bloom specs..., then (h1, h2, bucket, field) per URL. Returns per URL: -1 never seen (Bloom
# negative), -2 Bloom false positive (absent from the exact store), else the last-fetch time.
_LOOKUP = BLOOM_LUA + """
local specs, at = bloom_specs()
local meta = KEYS[1]
local layers = bloom_state(meta)
local fp = 0
local out = {}
for j = at, #ARGV, 4 do
  if bloom_has(meta, specs, layers, tonumber(ARGV[j]), tonumber(ARGV[j + 1])) then
    local last = redis.call('HGET', KEYS[2] .. ARGV[j + 2], ARGV[j + 3])
    if last then out[#out + 1] = tonumber(last) else out[#out + 1] = -2; fp = fp + 1 end
  else
    out[#out + 1] = -1
  end
end
if fp > 0 then redis.call('HINCRBY', meta, 'false_positives', fp) end
redis.call('HINCRBY', meta, 'lookups', #out)
return out
"""

# ARGV: bloom specs..., ttl (unused: 0), when, then (h1, h2, bucket, field) per URL. Returns new count.
_MARK = BLOOM_LUA + """
local specs, at = bloom_specs()
local meta = KEYS[1]
local when = ARGV[at + 1]
local layers, count, total = bloom_state(meta)
local added = 0
for j = at + 2, #ARGV, 4 do
  local h1, h2 = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
  if not bloom_has(meta, specs, layers, h1, h2) then
    layers, count = bloom_add(meta, specs, layers, count, h1, h2)
    total = total + 1
  end
  added = added + redis.call('HSET', KEYS[2] .. ARGV[j + 2], ARGV[j + 3], when)
end
bloom_save(meta, layers, count, total, 0)
return added
"""


class ArticleState:
    """Article URLs fetched per outlet and when (canonical URLs in, no URL strings stored)."""

    def __init__(self, client: redis.Redis, outlet: str, capacity: int = 1_000_000, error_rate: float = 1e-3):
        self.redis = client
        self.outlet = outlet
        self.bloom = RedisBloom(client, f"{PREFIX}{outlet}:articles:bloom", capacity, error_rate)
        self.bucket_prefix = f"{PREFIX}{outlet}:articles:"
        self._lookup = client.register_script(_LOOKUP)
        self._mark = client.register_script(_MARK)
        for script in (_LOOKUP, _MARK):  # pipelines send bare EVALSHA (see crawler.bloom.queue_script)
            client.script_load(script)

    def _args(self, urls: Sequence[str]) -> list:
        args: list = []
        for url in urls:
            bucket, field = _digest(url)
            args += [*hash_pair(url), bucket, field]
        return args

    def last_fetched_many(self, urls: Sequence[str]) -> list[float | None]:
        """Last-fetch time per URL, None if never fetched. One round trip."""
        if not urls:
            return []
        return self.parse_lookup(self._lookup(keys=[self.bloom.key, self.bucket_prefix],
                                              args=[*self.bloom.spec_args(), *self._args(urls)]))

    def queue_lookup(self, pipe, urls: Sequence[str]) -> None:
        """last_fetched_many as one command of a pipeline; read the answer with parse_lookup."""
        queue_script(pipe, self._lookup, [self.bloom.key, self.bucket_prefix],
                     [*self.bloom.spec_args(), *self._args(urls)])

    @staticmethod
    def parse_lookup(raw: Sequence[int]) -> list[float | None]:
        return [None if value < 0 else float(value) for value in raw]

    def last_fetched(self, url: str) -> float | None:
        return self.last_fetched_many([url])[0]

    def mark_fetched(self, urls: Sequence[str], when: float | None = None) -> int:
        """Record a fetch; returns how many URLs were new."""
        urls = [u for u in dict.fromkeys(urls) if u]
        if not urls:
            return 0
        stamp = int(when if when is not None else time.time())
        return int(self._mark(keys=[self.bloom.key, self.bucket_prefix],
                              args=[*self.bloom.spec_args(), 0, stamp, *self._args(urls)]))

    def queue_mark(self, pipe, urls: Sequence[str], when: float) -> None:
        """mark_fetched as one command of a pipeline."""
        urls = [u for u in dict.fromkeys(urls) if u]
        if urls:
            queue_script(pipe, self._mark, [self.bloom.key, self.bucket_prefix],
                         [*self.bloom.spec_args(), 0, int(when), *self._args(urls)])

    def forget(self, url: str) -> None:
        """Drop the exact entry (the Bloom bit stays; the exact store is the truth)."""
        bucket, field = _digest(url)
        self.redis.hdel(f"{self.bucket_prefix}{bucket}", field)

    def count(self) -> int:
        return self.bloom.count()

    def stats(self) -> dict[str, int]:
        raw = self.redis.hgetall(self.bloom.key)
        return {k.decode(): int(v) for k, v in raw.items()}


# -- entry points -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntryRecord:
    last: float
    next: float
    kind: str


class EntryState:
    """Feeds, sitemaps and listing pages of one outlet: last-fetch and next-fetch, by URL."""

    def __init__(self, client: redis.Redis, outlet: str):
        self.redis = client
        self.key = f"{PREFIX}{outlet}:entries"

    def get_many(self, urls: Sequence[str]) -> list[EntryRecord | None]:
        if not urls:
            return []
        return self.parse(self.redis.hmget(self.key, list(urls)))

    def queue_get(self, pipe, urls: Sequence[str]) -> None:
        pipe.hmget(self.key, list(urls))

    @staticmethod
    def parse(values: Sequence[bytes | None]) -> list[EntryRecord | None]:
        out: list[EntryRecord | None] = []
        for raw in values:
            if raw is None:
                out.append(None)
                continue
            last, nxt, kind = raw.decode().split(" ", 2)
            out.append(EntryRecord(float(last), float(nxt), kind))
        return out

    def get(self, url: str) -> EntryRecord | None:
        return self.get_many([url])[0]

    def record(self, url: str, kind: str, interval: float, now: float) -> None:
        self.redis.hset(self.key, url, f"{int(now)} {int(now + interval)} {kind}")

    def count(self) -> int:
        return int(self.redis.hlen(self.key))


def is_due(record: EntryRecord | None, now: float) -> bool:
    return record is None or record.next <= now


@dataclass(frozen=True)
class OutletState:
    """Everything the spider of one outlet reads and writes between runs."""

    articles: ArticleState
    entries: EntryState
    policy: RecrawlPolicy
    clock: Clock
    schedule: dict[str, float]  # seconds per kind: feeds, sitemaps, listings
    _pipe: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def open(cls, client: redis.Redis, outlet: Outlet, policy: RecrawlPolicy, clock: Clock | None = None,
             article_capacity: int = 1_000_000, article_error_rate: float = 1e-3) -> OutletState:
        schedule = {kind: float(seconds) for kind, seconds in outlet.schedule_seconds().items()}
        return cls(ArticleState(client, outlet.name, article_capacity, article_error_rate),
                   EntryState(client, outlet.name), policy, clock or Clock(), schedule)

    def scripts(self, frontier=None) -> list:
        """Every Lua script a pipeline of this state may hold (see crawler.bloom.execute_loading)."""
        found = [self.articles._lookup, self.articles._mark]
        return found + ([frontier.seen._script] if frontier is not None else [])

    def pipeline(self):
        """A pipeline of this state's Redis client, reused: redis-py copies ~300 response callbacks into
        every new Pipeline, which costs more than the round trip it saves. The crawler runs on one
        thread (the reactor) and executes each pipeline before the next use, so sharing one is safe."""
        pipe = self._pipe.get("pipe")
        if pipe is None:
            pipe = self._pipe["pipe"] = self.articles.redis.pipeline(transaction=False)
        return pipe

    def lookup(self, urls: Sequence[str], frontier=None, entries: bool = True
               ) -> tuple[list[bool], list[float | None], list[EntryRecord | None]]:
        """In one round trip: already in the job's frontier? last fetched as an article? entry record?"""
        n = len(urls)
        known: list[bool] = [False] * n
        lasts: list[float | None] = [None] * n
        records: list[EntryRecord | None] = [None] * n
        ask = list(range(n))
        if frontier is not None:  # URLs this process saw queued need no question at all
            ask = [i for i in ask if urls[i] not in frontier.known]
            for i in set(range(n)) - set(ask):
                known[i] = True
        if not ask:
            return known, lasts, records
        asked = [urls[i] for i in ask]

        def build(pipe) -> None:
            if frontier is not None:
                frontier.seen.queue_contains(pipe, asked)
            self.articles.queue_lookup(pipe, asked)
            if entries:
                self.entries.queue_get(pipe, asked)

        pipe = self.pipeline()
        build(pipe)
        raw = execute_loading(pipe, self.scripts(frontier), build)
        answers = frontier.seen.parse_contains(raw.pop(0)) if frontier is not None else [False] * len(ask)
        found = self.articles.parse_lookup(raw.pop(0))
        got = self.entries.parse(raw.pop(0)) if entries else [None] * len(ask)
        for j, i in enumerate(ask):
            known[i], lasts[i], records[i] = answers[j], found[j], got[j]
            if answers[j] and frontier is not None:
                frontier.known.add(urls[i])
        return known, lasts, records

    def interval(self, kind: str) -> float:
        key = {"feed": "feeds", "sitemap": "sitemaps"}.get(kind, "listings")
        return self.schedule[key]

    def now(self) -> float:
        return self.clock.now()
