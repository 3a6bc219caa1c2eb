"""The shared frontier of one crawl job and outlet: a request queue in Redis that several crawler
processes (on several machines) pull from, with a Bloom filter so each URL is fetched once per job.

Why our own and not scrapy-redis: scrapy-redis dedupes with an exact Redis SET of SHA1 fingerprints
(~100 bytes per URL, unbounded), pickles requests (code execution for whoever can write to Redis), and
closes a spider as soon as *its* view of the queue is empty, while another process may still be about to
push the links of the page it is parsing. Here requests are JSON, the seen-set is a Bloom filter sized
for the job, and a process only stops when the queue is empty and no other process is busy (see
``pending_or_busy``). Per-host politeness across processes lives in crawler.politeness.

Keys, under ``akhbar:frontier:<job>:<outlet>:``: ``q:0|q:1|q:2`` request lists by priority lane,
``seen`` (+``seen:<n>``) the Bloom filter, ``busy`` a sorted set of process tokens (score: lease expiry,
ms). Everything expires ``ttl`` seconds after the last process left.

Nothing a crashed process took is lost: a pop moves requests to that process's ``inflight:<token>`` list
in the same script, and the process removes them once they are finished (downloaded, parsed, its pages
handed off, its links pushed: see crawler.scheduler). ``owners`` holds each token's lease (ms), renewed
every half second while the process lives. ``reclaim`` puts the in-flight requests of a token whose lease
expired, or whose process is known dead (same machine, pid gone), back at the head of the queue: `kill -9`
of a crawler followed by `akhbar jobs resume ID` fetches those again, and nothing it had finished.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence

import redis

from akhbar.core.keys import FRONTIER_PREFIX as PREFIX
from crawler.bloom import BLOOM_LUA, RedisBloom, hash_pair

LANES = 3  # 0: high (articles, redirects), 1: normal (listings, feeds), 2: low (retries)
BUSY_TTL_MS = 120_000  # a crashed process stops counting as busy after this long
LEASE_MS = 60_000  # a process that has not renewed its lease this long has its in-flight requests reclaimed

# KEYS[1] bloom meta, KEYS[2] prefix. ARGV: bloom specs, then per request: claim (1/0), h1, h2, lane key
# suffix, payload. Returns 1 per request queued, 0 per duplicate. One call per batch, not per request: a URL
# pushed by its own call cost ~100 us of Redis time, ~70 us inside a batch of 64.
# Keys get their expiry when a process opens or leaves the frontier, not on every push.
_PUSH = BLOOM_LUA + """
local specs, at = bloom_specs()
local meta = KEYS[1]
local layers, count, total = bloom_state(meta)
local added = false
local out = {}
for j = at, #ARGV, 5 do
  local queued = 1
  if ARGV[j] == '1' then
    local h1, h2 = tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2])
    if bloom_has(meta, specs, layers, h1, h2) then
      queued = 0
    else
      layers, count = bloom_add(meta, specs, layers, count, h1, h2)
      total = total + 1
      added = true
    end
  end
  if queued == 1 then redis.call('RPUSH', KEYS[2] .. ARGV[j + 3], ARGV[j + 4]) end
  out[#out + 1] = queued
end
if added then bloom_save(meta, layers, count, total, 0) end
return out
"""

# KEYS[1] prefix; ARGV[1] token, ARGV[2] busy ttl ms, ARGV[3] how many, ARGV[4] lease ms. Pops up to that
# many requests, highest lane first, into this process's in-flight list, and marks it busy if it got any.
_POP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = tonumber(ARGV[3])
local out = {}
for lane = 0, LAST_LANE do
  while #out < want do
    local item = redis.call('LPOP', KEYS[1] .. 'q:' .. lane)
    if not item then break end
    out[#out + 1] = item
  end
end
if #out > 0 then
  redis.call('ZADD', KEYS[1] .. 'busy', now + tonumber(ARGV[2]), ARGV[1])
  redis.call('ZADD', KEYS[1] .. 'owners', now + tonumber(ARGV[4]), ARGV[1])
  redis.call('RPUSH', KEYS[1] .. 'inflight:' .. ARGV[1], unpack(out))
end
return out
""".replace("LAST_LANE", str(LANES - 1))

# KEYS[1] prefix; ARGV: tokens known dead. Gives the in-flight requests of dead or expired owners back to
# the head of lane 0; returns how many.
_RECLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local owners = KEYS[1] .. 'owners'
local gone = redis.call('ZRANGEBYSCORE', owners, '-inf', now)
for i = 1, #ARGV do gone[#gone + 1] = ARGV[i] end
local moved = 0
for _, token in ipairs(gone) do
  local key = KEYS[1] .. 'inflight:' .. token
  local items = redis.call('LRANGE', key, 0, -1)
  for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1] .. 'q:0', items[i]) end
  moved = moved + #items
  redis.call('DEL', key)
  redis.call('ZREM', owners, token)
  redis.call('ZREM', KEYS[1] .. 'busy', token)
end
return moved
"""

# Called when this process has nothing in flight: 1 if there is work or another process may still
# produce some, else 0. Marks this process idle.
_PENDING = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for lane = 0, LAST_LANE do
  if redis.call('LLEN', KEYS[1] .. 'q:' .. lane) > 0 then return 1 end
end
redis.call('ZREM', KEYS[1] .. 'busy', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1] .. 'busy', '-inf', now)
if redis.call('ZCARD', KEYS[1] .. 'busy') > 0 then return 1 end
return 0
""".replace("LAST_LANE", str(LANES - 1))


def lane_of(priority: int) -> int:
    return 0 if priority > 0 else 1 if priority == 0 else 2


class JobFrontier:
    def __init__(self, client: redis.Redis, job_id: str, outlet: str, capacity: int = 200_000,
                 error_rate: float = 1e-6, ttl: int = 3 * 86400):
        self.redis = client
        self.prefix = f"{PREFIX}{job_id}:{outlet}:"
        self.ttl = ttl
        self.seen = RedisBloom(client, self.prefix + "seen", capacity, error_rate, ttl=ttl)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.known = KnownUrls()
        self._push = client.register_script(_PUSH)
        self._pop = client.register_script(_POP)
        self._pending = client.register_script(_PENDING)
        self._reclaim = client.register_script(_RECLAIM)
        self.lease_ms = LEASE_MS

    def push(self, url: str, payload: str, priority: int = 0, claim: bool = True) -> bool:
        """Queue a request; with ``claim``, only if its URL is new to this job (atomic across processes)."""
        return self.push_many([(url, payload, priority, claim)])[0]

    def push_many(self, requests: Sequence[tuple[str, str, int, bool]]) -> list[bool]:
        """push() for (url, payload, priority, claim) tuples: one script call, atomic as a whole."""
        if not requests:
            return []
        args: list[int | str] = self.seen.spec_args()
        for url, payload, priority, claim in requests:
            args.extend((int(claim), *hash_pair(url), f"q:{lane_of(priority)}", payload))
        # redis-py's Script loads the script again if Redis lost it (restart, SCRIPT FLUSH).
        results = self._push(keys=[self.seen.key, self.prefix], args=args)
        for url, *_ in requests:
            self.known.add(url)  # queued now, by us or by another process
        return [bool(result) for result in results]

    def pop(self) -> str | None:
        popped = self.pop_many(1)
        return popped[0] if popped else None

    def pop_many(self, count: int) -> list[str]:
        raw = self._pop(keys=[self.prefix], args=[self.token, BUSY_TTL_MS, count, self.lease_ms])
        return [item.decode("utf-8") for item in raw]

    def pending_or_busy(self) -> bool:
        self.reclaim()  # a dead process's requests are work too
        return bool(self._pending(keys=[self.prefix], args=[self.token]))

    # -- in-flight requests -------------------------------------------------------------------------
    @property
    def inflight_key(self) -> str:
        return f"{self.prefix}inflight:{self.token}"

    def finish_many(self, payloads: Sequence[str]) -> None:
        """These popped requests are finished: a crash from now on does not give them back. Renews the lease."""
        pipe = self.redis.pipeline(transaction=False)
        for payload in payloads:
            pipe.lrem(self.inflight_key, 1, payload)
        pipe.zadd(self.prefix + "owners", {self.token: self._now_ms() + self.lease_ms})
        pipe.execute()

    def _now_ms(self) -> int:
        seconds, micros = self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    def reclaim(self) -> int:
        """Give back the in-flight requests of processes that died: lease expired, or (same machine) the
        pid is gone. Returns how many requests went back to the queue."""
        return int(self._reclaim(keys=[self.prefix], args=self._dead_here()))

    def _dead_here(self) -> list[str]:
        host = socket.gethostname()
        dead = []
        for raw in self.redis.zrange(self.prefix + "owners", 0, -1):
            token = raw.decode()
            parts = token.rsplit(":", 2)  # host:pid:random
            if (token != self.token and len(parts) == 3 and parts[0] == host and parts[1].isdigit()
                    and not _pid_alive(int(parts[1]))):
                dead.append(token)
        return dead

    def release(self) -> int:
        """This process stops (budget reached, shutdown): what it took and did not finish goes back."""
        return int(self._reclaim(keys=[self.prefix], args=[self.token]))

    def known_many(self, urls: Sequence[str]) -> list[bool]:
        """Already queued or fetched in this job (a Bloom answer: rarely True for a new URL, never False
        for a known one)."""
        unknown = [url for url in urls if url not in self.known]
        answers = dict(zip(unknown, self.seen.contains_many(unknown), strict=True)) if unknown else {}
        for url, is_known in answers.items():
            if is_known:
                self.known.add(url)
        return [answers.get(url, True) for url in urls]

    def size(self) -> int:
        return sum(int(self.redis.llen(f"{self.prefix}q:{lane}")) for lane in range(LANES))

    def touch(self) -> None:
        """Every key of the job's frontier expires ``ttl`` from now."""
        pipe = self.redis.pipeline(transaction=False)
        for suffix in [*(f"q:{lane}" for lane in range(LANES)), "busy", "owners", f"inflight:{self.token}"]:
            pipe.expire(self.prefix + suffix, self.ttl)
        pipe.execute()
        self.seen.expire(self.ttl)

    def leave(self) -> None:
        """This process is done with the job: not busy any more; keys expire ``ttl`` after the last one."""
        self.redis.zrem(self.prefix + "busy", self.token)
        self.touch()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class KnownUrls:
    """URLs this process knows are in its job's frontier (an LRU of bounded size).

    Once queued in a job, a URL stays queued-or-fetched for that job, so a local "yes" never goes stale.
    Navigation links (home, sections, related stories) appear on every page: asking Redis about them on
    every page was the largest share of the crawler's per-page round trips."""

    def __init__(self, size: int = 10_000):  # per outlet spider: ~2 MB at most
        self.size = size
        self._urls: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self._urls[key] = None
        self._urls.move_to_end(key)
        if len(self._urls) > self.size:
            self._urls.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self._urls

    def __len__(self) -> int:
        return len(self._urls)


class CrawlerProcesses:
    """The crawler processes working on one job, so the process that the job's Celery task started can
    wait for processes that joined from other machines before it declares the crawl finished."""

    def __init__(self, client: redis.Redis, job_id: str, heartbeat_ttl: float = 30.0):
        self.redis = client
        self.key = f"{PREFIX}{job_id}:processes"
        self.heartbeat_ttl = heartbeat_ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}"

    def beat(self) -> None:
        self.redis.zadd(self.key, {self.token: time.time() + self.heartbeat_ttl})
        self.redis.expire(self.key, 7 * 86400)

    def leave(self) -> None:
        self.redis.zrem(self.key, self.token)

    def others_alive(self) -> int:
        self.redis.zremrangebyscore(self.key, "-inf", time.time())
        host = socket.gethostname()
        for raw in self.redis.zrange(self.key, 0, -1):  # killed on this machine: gone now, not in 30 s
            owner, _, pid = raw.decode().rpartition(":")
            if owner == host and pid.isdigit() and not _pid_alive(int(pid)):
                self.redis.zrem(self.key, raw)
        return sum(1 for member in self.redis.zrange(self.key, 0, -1) if member.decode() != self.token)
