"""A scalable Bloom filter kept in Redis, shared by every crawler process.

Why hand-written: the RedisBloom module (BF.ADD) is not part of the redis-server we embed or of Debian's,
and the PyPI Bloom packages either keep the bitmap in process memory (pybloom-live: not shared between
crawler processes or machines) or are unmaintained thin wrappers. The whole filter is ~60 lines of Lua over
BITFIELD, so every check-and-set is one atomic round trip.

Layout: ``<key>`` is a hash {layers, count, total}; ``<key>:<n>`` are the bitmaps of layer n. Layer n holds
``capacity * GROWTH**n`` items at error rate ``error_rate * TIGHTENING**n`` (Almeida et al., "Scalable Bloom
Filters"), so the filter keeps working past its planned size and the compound false-positive rate stays
below ``error_rate / (1 - TIGHTENING)``. Positions are double hashing (Kirsch-Mitzenmacher) of two 32-bit
halves of one BLAKE2b digest: ``(h1 + i*h2) mod m``, exact in Lua's doubles for m <= 2**32.

The scripts build layer key names from ``<key>``: fine on a single Redis server, not on Redis Cluster.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import redis

GROWTH = 2
TIGHTENING = 0.5
MAX_LAYERS = 12  # 4096x the planned capacity before the filter stops growing
MAX_BITS = 2**32  # a Redis string holds at most 512 MiB


@dataclass(frozen=True)
class LayerSpec:
    bits: int
    hashes: int
    capacity: int


def optimal_size(capacity: int, error_rate: float) -> tuple[int, int]:
    """(bits m, hashes k) for ``capacity`` items at false-positive rate ``error_rate``."""
    if capacity < 1 or not 0 < error_rate < 1:
        raise ValueError("capacity must be >= 1 and 0 < error_rate < 1")
    bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
    hashes = max(1, round(bits / capacity * math.log(2)))
    return bits, hashes


def layer_specs(capacity: int, error_rate: float, layers: int = MAX_LAYERS) -> list[LayerSpec]:
    specs = []
    for n in range(layers):
        cap = capacity * GROWTH**n
        bits, hashes = optimal_size(cap, error_rate * TIGHTENING**n)
        if bits > MAX_BITS:
            break
        specs.append(LayerSpec(bits, hashes, cap))
    if not specs:
        raise ValueError(f"a Bloom filter for {capacity} items at {error_rate} needs more than 2**32 bits")
    return specs


def hash_pair(item: str | bytes) -> tuple[int, int]:
    """Two 32-bit hashes of one BLAKE2b digest; h2 is odd so the probe sequence never repeats early."""
    data = item.encode("utf-8") if isinstance(item, str) else item
    digest = hashlib.blake2b(data, digest_size=8).digest()
    return int.from_bytes(digest[:4], "big"), int.from_bytes(digest[4:], "big") | 1


# Shared Lua: bloom_has(meta, specs, layers, h1, h2) and bloom_add(...). Every script that includes it gets
# the layer specs as ARGV[1] = "bits,hashes,capacity;bits,hashes,capacity;..." (one string: redis-py encodes
# each argument of every call, and three dozen numbers per call cost more than parsing one string here).
BLOOM_LUA = """
local function bloom_specs()
  local specs = {}
  for bits, hashes, cap in string.gmatch(ARGV[1], '(%d+),(%d+),(%d+)') do
    specs[#specs + 1] = {tonumber(bits), tonumber(hashes), tonumber(cap)}
  end
  return specs, 2
end

local function bloom_state(meta)
  local v = redis.call('HMGET', meta, 'layers', 'count', 'total')
  return tonumber(v[1] or '1'), tonumber(v[2] or '0'), tonumber(v[3] or '0')
end

local function bloom_offsets(spec, h1, h2)
  local args = {}
  for i = 0, spec[2] - 1 do
    args[#args + 1] = 'SET'
    args[#args + 1] = 'u1'
    args[#args + 1] = (h1 + i * h2) % spec[1]
    args[#args + 1] = 1
  end
  return args
end

-- GETBIT one probe at a time: a non-member usually shows a 0 bit within the first probe or two.
local function bloom_has(meta, specs, layers, h1, h2)
  for n = 1, layers do
    local key, m, k = meta .. ':' .. (n - 1), specs[n][1], specs[n][2]
    local all = true
    for i = 0, k - 1 do
      if redis.call('GETBIT', key, (h1 + i * h2) % m) == 0 then all = false break end
    end
    if all then return true end
  end
  return false
end

-- Adds to the newest layer, opening a new one when it is full; returns the new (layers, count).
local function bloom_add(meta, specs, layers, count, h1, h2)
  if count >= specs[layers][3] and layers < #specs then
    layers = layers + 1
    count = 0
  end
  redis.call('BITFIELD', meta .. ':' .. (layers - 1), unpack(bloom_offsets(specs[layers], h1, h2)))
  return layers, count + 1
end

local function bloom_save(meta, layers, count, total, ttl)
  redis.call('HSET', meta, 'layers', layers, 'count', count, 'total', total)
  if ttl > 0 then
    for n = 0, layers - 1 do redis.call('EXPIRE', meta .. ':' .. n, ttl) end
    redis.call('EXPIRE', meta, ttl)
  end
end
"""

# ARGV after the specs: ttl, add (1/0), then h1, h2 per item. Returns 1 per item that was absent.
_CHECK_ADD = BLOOM_LUA + """
local specs, at = bloom_specs()
local ttl = tonumber(ARGV[at])
local add = ARGV[at + 1] == '1'
local meta = KEYS[1]
local layers, count, total = bloom_state(meta)
local out = {}
for j = at + 2, #ARGV, 2 do
  local h1, h2 = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
  if bloom_has(meta, specs, layers, h1, h2) then
    out[#out + 1] = 0
  else
    out[#out + 1] = 1
    if add then
      layers, count = bloom_add(meta, specs, layers, count, h1, h2)
      total = total + 1
    end
  end
end
if add then bloom_save(meta, layers, count, total, ttl) end
return out
"""


class RedisBloom:
    """Set membership with no false negatives and a bounded false-positive rate, in Redis.

    ``add_many`` is an atomic test-and-set: of two processes adding the same item, exactly one is told it
    was new. Memory: about ``-ln(p) / ln(2)**2`` bits per item (1.8 bytes at p=1e-3, 3.6 bytes at 1e-6).
    """

    def __init__(self, client: redis.Redis, key: str, capacity: int = 100_000, error_rate: float = 1e-6,
                 ttl: int = 0):
        self.redis = client
        self.key = key
        self.capacity = capacity
        self.error_rate = error_rate
        self.ttl = ttl
        self.specs = layer_specs(capacity, error_rate)
        self._spec_args: list[str] = [";".join(f"{s.bits},{s.hashes},{s.capacity}" for s in self.specs)]
        self._script = client.register_script(_CHECK_ADD)
        client.script_load(_CHECK_ADD)  # pipelines send bare EVALSHA (see queue_script)

    def spec_args(self) -> list[str]:
        """The ARGV prefix that BLOOM_LUA's bloom_specs() reads (for scripts that embed the filter)."""
        return list(self._spec_args)

    def _argv(self, items: Sequence[str], add: bool) -> list[int | str]:
        args: list[int | str] = [*self._spec_args, self.ttl if add else 0, int(add)]
        for item in items:
            args.extend(hash_pair(item))
        return args

    def _run(self, items: Sequence[str], add: bool) -> list[bool]:
        if not items:
            return []
        return [bool(flag) for flag in self._script(keys=[self.key], args=self._argv(items, add))]

    def queue_contains(self, pipe, items: Sequence[str]) -> None:
        """contains_many as one command of a pipeline; read the answer with parse_contains."""
        queue_script(pipe, self._script, [self.key], self._argv(items, add=False))

    @staticmethod
    def parse_contains(raw: Sequence[int]) -> list[bool]:
        return [not absent for absent in raw]

    def expire(self, ttl: int) -> None:
        layers = int(self.redis.hget(self.key, "layers") or 1)
        pipe = self.redis.pipeline(transaction=False)
        for key in [self.key, *(f"{self.key}:{n}" for n in range(layers))]:
            pipe.expire(key, ttl)
        pipe.execute()

    def add_many(self, items: Sequence[str]) -> list[bool]:
        """Add items; True for each one that was not there before (atomic across processes)."""
        return self._run(items, add=True)

    def add(self, item: str) -> bool:
        return self.add_many([item])[0]

    def contains_many(self, items: Sequence[str]) -> list[bool]:
        return self.parse_contains(self._run(items, add=False))

    def __contains__(self, item: str) -> bool:
        return self.contains_many([item])[0]

    def count(self) -> int:
        """Items added (exact count of successful adds, not an estimate)."""
        return int(self.redis.hget(self.key, "total") or 0)

    def memory_bytes(self) -> int:
        layers = int(self.redis.hget(self.key, "layers") or 1)
        return sum(int(self.redis.strlen(f"{self.key}:{n}")) for n in range(layers))

    def clear(self) -> None:
        self.redis.delete(self.key, *(f"{self.key}:{n}" for n in range(len(self.specs))))

    def expected_error_rate(self) -> float:
        """Upper bound of the compound false-positive rate of the layers opened so far."""
        layers = int(self.redis.hget(self.key, "layers") or 1)
        return 1 - math.prod(1 - self.error_rate * TIGHTENING**n for n in range(layers))


def queue_script(pipe, script, keys: list, args: list) -> None:
    """Queue a registered Lua script in a pipeline as a bare EVALSHA.

    redis-py's Script objects make every pipeline execute() first ask SCRIPT EXISTS for each of them: one
    more round trip per pipeline. Callers run the pipeline through ``execute_loading`` instead."""
    pipe.evalsha(script.sha, len(keys), *keys, *args)


def execute_loading(pipe, scripts: Iterable, retry) -> list:
    """Execute ``pipe``; if Redis lost the scripts (restart, SCRIPT FLUSH: the constructors load them), load
    them and run what ``retry(pipe)`` queues. The other commands of a non-transactional pipeline did run,
    so ``retry`` queues only what must be redone (idempotent reads, or the scripts alone)."""
    try:
        return pipe.execute()
    except redis.exceptions.NoScriptError:
        pipe.reset()
        for script in scripts:
            pipe.script_load(script.script)
        pipe.execute()
        retry(pipe)
        return pipe.execute()


def chunks(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
