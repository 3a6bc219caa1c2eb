"""Dedup state in Redis, shared by every worker, changed only by atomic Lua scripts.

Why our own store and not datasketch's ``MinHashLSH(storage_config={'type': 'redis'})``
------------------------------------------------------------------------------------------
The hard requirement is that two workers processing two copies of one story at the same moment
end with one cluster.  With datasketch's Redis LSH a worker does ``query()`` (read) and then
``insert()`` (write) as separate round trips: both workers query, both see no candidate, both
insert, and the story is split in two clusters forever.  Here the whole decision — exact-hash
lookup, LSH candidate lookup, verification of the candidates' signatures, insert, cluster
join/merge — is ONE Lua script.  Redis runs a script to completion with no other client's command
in between, so the second worker's script necessarily sees the first worker's insert.  (WATCH/MULTI
would need retry loops under contention, and per-band locks would need 32+ lock round trips and
lock-expiry handling; one script is simpler and cheaper.)  The per-doc work in the script is small
and bounded: <= ``max_candidates`` signature comparisons of ``num_perm`` 16-bit values and one read
per cluster member.

Key layout (all keys share the ``{prefix}`` hash tag so that they live in one Redis Cluster slot)
------------------------------------------------------------------------------------------------
``P:seq``            counter: arrival sequence number of each stored doc (also cluster tokens)
``P:n``              number of stored docs
``P:d:<seq>``        the doc record, msgpack [doc_id, outlet, published_at, digest, n_shingles,
                     compact signature, cluster token, seq, indexed]
``P:i:<bucket>``     hash  doc_id -> seq                      (bucket: sha1(doc_id) prefix)
``P:x:<bucket>``     hash  sha1 digest (20 bytes) -> "seq seq ..." docs with that exact body
``P:b:<bucket>``     hash  band index byte + band bytes -> "seq seq ..."  (the LSH buckets)
``P:c:<token>``      hash  seq -> 1, members of a cluster of >= 2 docs.  A doc alone is its own
                     implicit cluster (token == its seq, no key): most docs are singletons and
                     this saves a key each.

The index/exact/band entries are *bucketed* into ``2**bucket_bits`` small Redis hashes instead
of one key per entry: Redis stores a hash of <= 128 short entries as a compact ziplist/listpack
(~20-60 bytes an entry) where a key costs ~60-100 bytes of overhead before its value.  With the
default 16 bits that stays compact up to ~250k docs (bands) / ~8M docs (ids, hashes); bigger
archives still work, the buckets just switch to Redis' regular hash encoding.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from workers.dedupe.exact import digest

DEFAULT_BUCKET_BITS = 16

_PRELUDE = r"""
local P = ARGV[1]
local HEXD = tonumber(ARGV[2])
local NB = tonumber(ARGV[3])

local function tohex(s, n)
  local out = {}
  for i = 1, math.ceil(n / 2) do out[#out + 1] = string.format('%02x', string.byte(s, i) or 0) end
  return string.sub(table.concat(out), 1, n)
end
local function id_bucket(doc_id) return P .. ':i:' .. string.sub(redis.sha1hex(doc_id), 1, HEXD) end
local function x_bucket(dig) return P .. ':x:' .. tohex(dig, HEXD) end
local function b_bucket(f) return P .. ':b:' .. tohex(string.sub(f, 2), HEXD) end
local function rec_key(seq) return P .. ':d:' .. seq end
local function c_key(tok) return P .. ':c:' .. tok end

-- record: {doc_id, outlet, published_at, digest, size, sig, token, seq, indexed}
local function load(seq)
  local raw = redis.call('GET', rec_key(seq))
  if not raw then return nil end
  return cmsgpack.unpack(raw)
end
local function save(r) redis.call('SET', rec_key(r[8]), cmsgpack.pack(r)) end

local function list_get(key, field)
  local v = redis.call('HGET', key, field)
  local out = {}
  if v then for s in string.gmatch(v, '%S+') do out[#out + 1] = s end end
  return out
end
local function list_add(key, field, seq)
  local v = redis.call('HGET', key, field)
  if v then redis.call('HSET', key, field, v .. ' ' .. seq) else redis.call('HSET', key, field, seq) end
end
local function list_del(key, field, seq)
  local keep = {}
  for _, s in ipairs(list_get(key, field)) do if s ~= seq then keep[#keep + 1] = s end end
  if #keep == 0 then redis.call('HDEL', key, field) else redis.call('HSET', key, field, table.concat(keep, ' ')) end
end

local function band_fields(sig)
  local out = {}
  local w = #sig / NB
  for i = 0, NB - 1 do out[#out + 1] = string.char(i) .. string.sub(sig, i * w + 1, (i + 1) * w) end
  return out
end

local function members(tok)
  local ck = c_key(tok)
  if redis.call('EXISTS', ck) == 1 then return redis.call('HKEYS', ck) end
  return {tok}
end
local function snapshot(tok)
  local out = {}
  for _, s in ipairs(members(tok)) do
    local r = load(s)
    if r then out[#out + 1] = {r[1], r[2], r[3], r[8]} end
  end
  return out
end

-- Remove a stored doc from every structure; returns the token of what is left of its cluster
-- (nil when it was alone).
local function remove(r)
  local seq = r[8]
  list_del(x_bucket(r[4]), r[4], seq)
  if r[9] == 1 then
    for _, f in ipairs(band_fields(r[6])) do list_del(b_bucket(f), f, seq) end
  end
  local left = nil
  local ck = c_key(r[7])
  if redis.call('EXISTS', ck) == 1 then
    redis.call('HDEL', ck, seq)
    local rest = redis.call('HKEYS', ck)
    if #rest <= 1 then
      -- back to an implicit singleton: its token must be its own seq
      redis.call('DEL', ck)
      for _, s in ipairs(rest) do
        local o = load(s)
        if o then o[7] = o[8]; save(o); left = o[8] end
      end
    else
      left = r[7]
    end
  end
  redis.call('DEL', rec_key(seq))
  redis.call('HDEL', id_bucket(r[1]), r[1])
  redis.call('DECR', P .. ':n')
  return left
end
"""

# ARGV[4..]: doc_id, outlet, published_at, digest, sig, size, jaccard threshold,
# containment threshold, min size ratio, max candidates
_ASSIGN = (
    _PRELUDE
    + r"""
local doc_id, outlet, published, dig, sig = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local size = tonumber(ARGV[9])
local JT, CT, RMIN, MAXC = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local befores, afters = {}, {}
local ib = id_bucket(doc_id)

-- 1. Already stored under this doc id?
local old = redis.call('HGET', ib, doc_id)
if old then
  local r = load(old)
  if r and r[4] == dig then
    local before = snapshot(r[7])
    if r[2] ~= outlet or r[3] ~= published then r[2] = outlet; r[3] = published; save(r) end
    return {'unchanged', '', snapshot(r[7]), {before}, {}}
  end
  if r then
    -- the body changed (article edited): leave the old cluster, then assign afresh
    befores[#befores + 1] = snapshot(r[7])
    local left = remove(r)
    if left then afters[#afters + 1] = snapshot(left) end
  else
    redis.call('HDEL', ib, doc_id)
  end
end

-- 2. Exact: same body hash (mirrors workers.dedupe.exact.classify)
local xb = x_bucket(dig)
local join = nil
local status = 'new'
local first = nil
for _, s in ipairs(list_get(xb, dig)) do
  local o = load(s)
  if o then
    if first == nil then first = o end
    if outlet ~= '' and o[2] == outlet then
      return {'exact_duplicate', o[1], snapshot(o[7]), befores, afters}
    end
  end
end
if first then status = 'exact_repost'; join = first[7] end

-- 3. Near: LSH candidates, verified by estimated Jaccard / containment
local fields = {}
local indexed = 0
if #sig > 0 then fields = band_fields(sig); indexed = 1 end
local merges = {}

-- estimated Jaccard with a stored record and whether the pair passes the rule; nil when the
-- record has no comparable signature
local function verify(o)
  local osig = o[6]
  if #osig ~= #sig or #sig == 0 then return nil, false end
  local m = 0
  for p = 1, #sig, 2 do
    local a1, a2 = string.byte(sig, p, p + 1)
    local b1, b2 = string.byte(osig, p, p + 1)
    if a1 == b1 and a2 == b2 then m = m + 1 end
  end
  local j = m / (#sig / 2)
  local small, large = math.min(size, o[5]), math.max(size, o[5])
  local c = 0
  if small > 0 then c = math.min(1, j * (size + o[5]) / ((1 + j) * small)) end
  return j, (j >= JT or (c >= CT and small / large >= RMIN))
end

if join == nil and indexed == 1 then
  local hits, order = {}, {}
  for _, f in ipairs(fields) do
    for _, s in ipairs(list_get(b_bucket(f), f)) do
      if hits[s] == nil then hits[s] = 0; order[#order + 1] = s end
      hits[s] = hits[s] + 1
    end
  end
  table.sort(order, function(a, b)
    if hits[a] ~= hits[b] then return hits[a] > hits[b] end
    return tonumber(a) < tonumber(b)
  end)
  local best, resemble, toks = {}, {}, {}
  for i = 1, math.min(#order, MAXC) do
    local o = load(order[i])
    if o then
      local j, ok = verify(o)
      if ok then
        local t = o[7]
        if best[t] == nil then toks[#toks + 1] = t; best[t] = j end
        if j > best[t] then best[t] = j end
        if j >= JT then resemble[t] = true end
      end
    end
  end
  table.sort(toks, function(a, b)
    if best[a] ~= best[b] then return best[a] > best[b] end
    return tonumber(a) < tonumber(b)
  end)
  for _, t in ipairs(toks) do
    if join == nil then
      join = t
    elseif resemble[t] then
      -- the new doc also resembles (Jaccard, not mere containment) another cluster: both are
      -- this story, split because its copies arrived in an unlucky order; merge them.  Not on
      -- containment alone: a compilation article ("news in brief", two cables in one piece)
      -- contains each of its parts, and merging through it would chain separate stories.
      merges[#merges + 1] = t
    end
  end
  if join then status = 'near_duplicate' end
end

-- 4. Insert, join / merge clusters
local seq = tostring(redis.call('INCR', P .. ':seq'))
local tok = seq
if join then
  tok = join
  befores[#befores + 1] = snapshot(join)
  local ck = c_key(join)
  if redis.call('EXISTS', ck) == 0 then redis.call('HSET', ck, join, 1) end
  for _, t in ipairs(merges) do
    befores[#befores + 1] = snapshot(t)
    for _, s in ipairs(members(t)) do
      local o = load(s)
      if o then o[7] = join; save(o); redis.call('HSET', ck, s, 1) end
    end
    redis.call('DEL', c_key(t))
  end
  redis.call('HSET', ck, seq, 1)
end
save({doc_id, outlet, published, dig, size, sig, tok, seq, indexed})
redis.call('HSET', ib, doc_id, seq)
list_add(xb, dig, seq)
for _, f in ipairs(fields) do list_add(b_bucket(f), f, seq) end
redis.call('INCR', P .. ':n')
return {status, '', snapshot(tok), befores, afters}
"""
)

_FORGET = (
    _PRELUDE
    + r"""
local doc_id = ARGV[4]
local ib = id_bucket(doc_id)
local old = redis.call('HGET', ib, doc_id)
if not old then return false end
local r = load(old)
if not r then redis.call('HDEL', ib, doc_id); return false end
local before = snapshot(r[7])
local left = remove(r)
local afters = {}
if left then afters[1] = snapshot(left) end
return {'forgotten', '', {}, {before}, afters}
"""
)

_LOOKUP = (
    _PRELUDE
    + r"""
local doc_id = ARGV[4]
local old = redis.call('HGET', id_bucket(doc_id), doc_id)
if not old then return false end
local r = load(old)
if not r then return false end
return {'unchanged', '', snapshot(r[7]), {}, {}}
"""
)

Member = tuple[str, str | None, str | None, int]  # doc_id, outlet, published_at, arrival seq


@dataclass(slots=True)
class StoreResult:
    """What a script returned: the doc's cluster (``members``; for an exact duplicate, the kept
    doc's) and, to find the other docs whose cluster values changed, snapshots of the affected
    clusters before the call and after it (``afters`` ends with ``members``)."""

    status: str
    duplicate_of: str | None
    members: list[Member]
    befores: list[list[Member]]
    afters: list[list[Member]]


def _text(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _members(raw: list[Any]) -> list[Member]:
    out: list[Member] = []
    for doc_id, outlet, published, seq in raw:
        o, p = _text(outlet), _text(published)
        out.append((_text(doc_id), o or None, p or None, int(_text(seq))))
    return out


def _result(raw: Any) -> StoreResult | None:
    if not raw:
        return None
    status, dup, members, befores, afters = raw
    final = _members(members)
    return StoreResult(
        status=_text(status),
        duplicate_of=_text(dup) or None,
        members=final,
        befores=[_members(b) for b in befores],
        # the scripts do not send the final cluster twice
        afters=[_members(a) for a in afters] + ([final] if final else []),
    )


class RedisStore:
    """Thin wrapper around the three scripts.  ``redis_client`` is a ``redis.Redis`` (either
    ``decode_responses`` setting works; binary arguments are sent as bytes)."""

    def __init__(
        self, redis_client: Any, *, prefix: str, bands: int, bucket_bits: int = DEFAULT_BUCKET_BITS
    ) -> None:
        if bucket_bits % 4 or not 4 <= bucket_bits <= 24:
            raise ValueError("bucket_bits must be a multiple of 4 between 4 and 24")
        if not 1 <= bands <= 255:
            raise ValueError("bands must be 1..255")
        self.client = redis_client
        self.prefix = prefix
        # The hash tag keeps every key of this store in one Redis Cluster slot (the scripts
        # build key names at run time).
        self.key_prefix = prefix if "{" in prefix else "{" + prefix + "}"
        self.bands = bands
        self.bucket_bits = bucket_bits
        self._assign = redis_client.register_script(_ASSIGN)
        self._forget = redis_client.register_script(_FORGET)
        self._lookup = redis_client.register_script(_LOOKUP)

    def _head(self) -> list[Any]:
        return [self.key_prefix, self.bucket_bits // 4, self.bands]

    def assign(
        self,
        doc_id: str,
        *,
        outlet: str,
        published_at: str,
        content_hash: str,
        sig: bytes,
        size: int,
        threshold: float,
        containment_threshold: float,
        min_ratio: float,
        max_candidates: int,
    ) -> StoreResult:
        if sig and len(sig) % (2 * self.bands):
            raise ValueError("signature length must be a multiple of 2 * bands")
        raw = self._assign(
            keys=[],
            args=[
                *self._head(),
                doc_id,
                outlet,
                published_at,
                digest(content_hash),
                sig,
                size,
                repr(float(threshold)),
                repr(float(containment_threshold)),
                repr(float(min_ratio)),
                max_candidates,
            ],
        )
        result = _result(raw)
        assert result is not None
        return result

    def forget(self, doc_id: str) -> StoreResult | None:
        return _result(self._forget(keys=[], args=[*self._head(), doc_id]))

    def lookup(self, doc_id: str) -> StoreResult | None:
        return _result(self._lookup(keys=[], args=[*self._head(), doc_id]))

    def lookup_many(self, doc_ids: list[str]) -> list[StoreResult | None]:
        """lookup() for a batch in one round trip (the index stage reads a whole bulk batch's clusters)."""
        pipe = self.client.pipeline(transaction=False)
        for doc_id in doc_ids:
            self._lookup(keys=[], args=[*self._head(), doc_id], client=pipe)
        return [_result(raw) for raw in pipe.execute()]

    def keys(self) -> list[str]:
        return [_text(k) for k in self.client.scan_iter(match=self.key_prefix + ":*", count=1000)]

    def stats(self, sample: int | None = 200) -> dict[str, Any]:
        keys = self.keys()
        docs = int(self.client.get(self.key_prefix + ":n") or 0)
        head = len(self.key_prefix) + 1
        kinds = {"d": "docs", "i": "id_index", "x": "exact_index", "b": "lsh_bands", "c": "clusters"}

        def kind(key: str) -> str:
            return kinds.get(key[head:].split(":", 1)[0], "counters")

        clusters = sum(1 for k in keys if kind(k) == "clusters")
        picked = keys if sample is None or sample >= len(keys) else random.sample(keys, sample)
        scale = len(keys) / max(1, len(picked))
        by_kind: dict[str, float] = {}
        for k in picked:
            # SAMPLES 0: measure every element of a hash, not an extrapolation from 5.
            used = int(self.client.memory_usage(k, samples=0) or 0)
            by_kind[kind(k)] = by_kind.get(kind(k), 0.0) + used * scale
        total = int(sum(by_kind.values()))
        return {
            "keys": len(keys),
            "docs": docs,
            "multi_member_clusters": clusters,
            "sampled_keys": len(picked),
            "memory_bytes": total,
            "bytes_per_doc": round(total / docs, 1) if docs else 0.0,
            "memory_by_kind": {k: int(v) for k, v in sorted(by_kind.items())},
        }

    def id_bucket(self, doc_id: str) -> str:
        """Python twin of the scripts' id_bucket (for tests)."""
        return (
            f"{self.key_prefix}:i:{hashlib.sha1(doc_id.encode('utf-8')).hexdigest()[: self.bucket_bits // 4]}"
        )
