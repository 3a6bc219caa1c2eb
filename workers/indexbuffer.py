"""The index buffer's bookkeeping: documents wait in `akhbar:index:buffer`; a flush moves a batch into its
own processing list (with a lease), and every way out of that list is atomic, so no document is stranded.

- push:      the only way an operation (akhbar.core.messages.IndexOp) enters the buffer.
- take:      continue this flush's list (a re-delivered task) or move a new batch in, and stamp its lease.
- give_back: put the whole list, or the documents the engine refused for now, back at the buffer's head
             (same order, ahead of later operations on the same documents) and drop the lease.
- reclaim:   a list whose lease is older than LEASE_SECONDS belongs to a flush that died: give it back.
- waiting:   while the engine is down or refuses writes, when that began and why (for health and the
             retry window); cleared by the next successful flush.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from akhbar.core.keys import INDEX_BUFFER, INDEX_LEASE_SECONDS, INDEX_LEASES, INDEX_RETRY_OWNER, INDEX_WAITING
from akhbar.core.messages import IndexOp

LEASE_SECONDS = INDEX_LEASE_SECONDS

_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  for i = 1, tonumber(ARGV[1]) do
    if not redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') then break end
  end
end
if redis.call('LLEN', KEYS[2]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
else
  redis.call('ZREM', KEYS[3], KEYS[2])
end
return redis.call('LRANGE', KEYS[2], 0, -1)
"""

# ARGV[1] = 'all': move the whole list back; else ARGV[2..] are the entries to give back, the rest is done.
_GIVE_BACK = """
if ARGV[1] == 'all' then
  while redis.call('LMOVE', KEYS[2], KEYS[1], 'RIGHT', 'LEFT') do end
else
  for i = #ARGV, 2, -1 do redis.call('LPUSH', KEYS[1], ARGV[i]) end
  redis.call('DEL', KEYS[2])
end
redis.call('ZREM', KEYS[3], KEYS[2])
return redis.call('LLEN', KEYS[1])
"""

_RECLAIM = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local moved = 0
for _, key in ipairs(stale) do
  while redis.call('LMOVE', key, KEYS[1], 'RIGHT', 'LEFT') do moved = moved + 1 end
  redis.call('ZREM', KEYS[2], key)
end
return moved
"""


@dataclass(frozen=True)
class Waiting:
    since: float
    reason: str
    attempts: int = 1

    @property
    def seconds(self) -> float:
        return max(0.0, time.time() - self.since)


class IndexBuffer:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._take = client.register_script(_TAKE)
        self._give_back = client.register_script(_GIVE_BACK)
        self._reclaim = client.register_script(_RECLAIM)

    def push(self, ops: Iterable[IndexOp]) -> int:
        """Append operations at the buffer's tail (one round trip); how many."""
        entries = [op.to_json() for op in ops]
        if entries:
            self.redis.rpush(INDEX_BUFFER, *entries)
        return len(entries)

    def take(self, processing: str, batch: int) -> list[bytes]:
        return self._take(keys=[INDEX_BUFFER, processing, INDEX_LEASES], args=[batch, time.time()])

    def give_back(self, processing: str, entries: list[bytes] | None = None) -> None:
        """Everything (entries=None) or only `entries` back to the buffer's head; the list is gone after."""
        args = ["all"] if entries is None else ["some", *entries]
        self._give_back(keys=[INDEX_BUFFER, processing, INDEX_LEASES], args=args)

    def done(self, processing: str) -> None:
        self.give_back(processing, [])

    def reclaim(self, older_than: float = LEASE_SECONDS) -> int:
        """Documents of flushes that died (kill -9, lost task) go back to the buffer; how many."""
        return int(self._reclaim(keys=[INDEX_BUFFER, INDEX_LEASES], args=[time.time() - older_than]))

    def size(self) -> int:
        return int(self.redis.llen(INDEX_BUFFER))

    # -- the engine cannot take documents -------------------------------------------------------
    def mark_waiting(self, reason: str) -> Waiting:
        pipe = self.redis.pipeline()
        pipe.hsetnx(INDEX_WAITING, "since", time.time())
        pipe.hset(INDEX_WAITING, "reason", reason)
        pipe.hincrby(INDEX_WAITING, "attempts", 1)  # flushes the engine refused since: health and tests read it
        pipe.execute()
        found = waiting(self.redis)
        assert found is not None
        return found

    def clear_waiting(self) -> None:
        self.redis.delete(INDEX_WAITING, INDEX_RETRY_OWNER)

    # While indexing waits, one flush retries for all: a hundred flushes, one per page, each probing a
    # dead engine with its own backoff would keep the workers busy doing nothing.
    def own_retry(self, task_id: str, seconds: float) -> bool:
        """Become (or stay) the flush that retries; False when another one already is."""
        if self.redis.set(INDEX_RETRY_OWNER, task_id, nx=True, ex=int(seconds) + 30):
            return True
        if self.redis.get(INDEX_RETRY_OWNER) == task_id.encode():
            self.redis.expire(INDEX_RETRY_OWNER, int(seconds) + 30)
            return True
        return False

    def another_retries(self, task_id: str) -> bool:
        """Indexing waits and another flush holds the retry: this one can leave the buffer to it."""
        owner = self.redis.get(INDEX_RETRY_OWNER)
        return owner is not None and owner != task_id.encode() and bool(self.redis.exists(INDEX_WAITING))

    def release_retry(self) -> None:
        self.redis.delete(INDEX_RETRY_OWNER)


def waiting(client: redis.Redis) -> Waiting | None:
    """Since when, and why, indexing has been waiting for the engine (None: it is not)."""
    raw = {k.decode(): v.decode() for k, v in client.hgetall(INDEX_WAITING).items()}
    if "since" not in raw:
        return None
    return Waiting(since=float(raw["since"]), reason=raw.get("reason", ""), attempts=int(raw.get("attempts", 1)))
