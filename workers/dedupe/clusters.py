"""Cluster bookkeeping and the public :class:`Deduper` API.

A *cluster* is one story: every stored copy of it (the original and other outlets' reposts).  Each
copy is indexed as its own search document with

* ``cluster_id`` — the doc id of the cluster's earliest member: smallest ``published_at`` (parsed,
  compared in UTC); members without a known date sort after dated ones; ties and undated
  members fall back to first-seen order (the store's arrival sequence);
* ``also_published_by`` — the other members' outlets, sorted, deduplicated, without the doc's own.
* ``sole_version`` — the cluster holds this document only (search then knows it has one version).

The cluster *membership* lives in Redis (``store.py``) and is changed atomically; cluster_id and
also_published_by are pure functions of the member list, computed here, so every worker derives
the same values from the same members.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from akhbar.core.keys import DEDUPE_PREFIX
from akhbar.core.times import parse_iso_utc
from workers.dedupe.minhash import DEFAULT_BANDS, DEFAULT_NUM_PERM, DEFAULT_SHINGLE_SIZE, signature
from workers.dedupe.store import DEFAULT_BUCKET_BITS, RedisStore, StoreResult

Status = Literal["new", "exact_duplicate", "near_duplicate", "exact_repost", "unchanged"]

# Chosen with bench/dedupe_bench.py (see workers/dedupe/__init__.py for the numbers).
DEFAULT_THRESHOLD = 0.4  # estimated Jaccard of the shingle sets
DEFAULT_CONTAINMENT = 0.55  # estimated containment of the smaller copy in the larger ...
DEFAULT_MIN_RATIO = 0.5  # ... when the smaller has at least half as many shingles as the larger
DEFAULT_MIN_SHINGLES = 5  # shorter bodies get exact matching only
DEFAULT_MAX_CANDIDATES = 32


@dataclass(frozen=True, slots=True)
class ClusterMember:
    doc_id: str
    outlet: str | None
    published_at: str | None


def parse_time(value: str | None) -> float | None:
    """Epoch seconds of an ISO 8601 timestamp (naive = UTC), None when absent or unparseable."""
    dt = parse_iso_utc(value)
    if dt is None:
        return None
    ts = dt.timestamp()
    return ts if math.isfinite(ts) else None


def _order_key(member: ClusterMember, seq: int) -> tuple[int, float, int]:
    ts = parse_time(member.published_at)
    return (0, ts, seq) if ts is not None else (1, 0.0, seq)


def earliest(members: Sequence[tuple[ClusterMember, int]]) -> str:
    """Doc id of the earliest member; ``members`` are (member, arrival seq) pairs."""
    return min(members, key=lambda ms: _order_key(*ms))[0].doc_id


def also_published_by(members: Iterable[ClusterMember], doc_id: str) -> list[str]:
    """Outlets of the other members, sorted and deduplicated, without doc_id's own outlet."""
    members = list(members)
    own = next((m.outlet for m in members if m.doc_id == doc_id), None)
    return sorted({m.outlet for m in members if m.doc_id != doc_id and m.outlet and m.outlet != own})


def sole_version(members: Sequence[ClusterMember]) -> bool:
    """The cluster holds one document: search knows its versions (1) without counting them."""
    return len(members) <= 1


@dataclass(slots=True)
class DedupDecision:
    """What assign() decided for one doc.

    status:  "new" (first copy of a story), "exact_duplicate" (same outlet, same body, other doc
             id: not stored, drop it), "exact_repost" (identical body from another outlet: joined
             the cluster), "near_duplicate" (joined a cluster by MinHash), "unchanged" (this doc id
             was already assigned with this body; nothing changed except maybe outlet/date).
    cluster_id: doc id of the cluster's earliest member (for exact_duplicate: the kept doc's).
    duplicate_of: for exact_duplicate, the doc id kept.
    members: the cluster's members (by arrival order).
    changed_members: *other* docs whose cluster_id, also_published_by or sole_version changed
             because of this call (the earliest member changed, a new outlet joined, a lone doc got
             its first companion, clusters merged, or the doc left its old cluster): re-index them.
             Their new values are in ``members`` when they are in this doc's cluster, else ask
             ``Deduper.lookup()``.
    """

    status: Status
    doc_id: str
    cluster_id: str
    duplicate_of: str | None = None
    members: list[ClusterMember] = field(default_factory=list)
    changed_members: list[str] = field(default_factory=list)

    def also_published_by(self, doc_id: str) -> list[str]:
        return also_published_by(self.members, doc_id)

    @property
    def sole_version(self) -> bool:
        return sole_version(self.members)

    @property
    def stored(self) -> bool:
        """False for an exact_duplicate (the doc is not in the dedup state and should be dropped)."""
        return self.status != "exact_duplicate"


def _snapshot(raw: list[tuple[str, str | None, str | None, int]]) -> tuple[list[ClusterMember], str | None]:
    ordered = sorted(raw, key=lambda r: r[3])
    members = [ClusterMember(d, o, p) for d, o, p, _ in ordered]
    cid = earliest([(ClusterMember(d, o, p), s) for d, o, p, s in ordered]) if ordered else None
    return members, cid


def _states(
    snapshots: list[list[tuple[str, str | None, str | None, int]]],
) -> dict[str, tuple[str | None, tuple[str, ...], bool]]:
    """Each member's indexed cluster view: (cluster_id, also_published_by, sole_version)."""
    out: dict[str, tuple[str | None, tuple[str, ...], bool]] = {}
    for raw in snapshots:
        members, cid = _snapshot(raw)
        for m in members:
            out[m.doc_id] = (cid, tuple(also_published_by(members, m.doc_id)), sole_version(members))
    return out


def changed_members(result: StoreResult, doc_id: str) -> list[str]:
    before = _states(result.befores)
    after = _states(result.afters)
    return sorted(d for d, state in before.items() if d != doc_id and d in after and after[d] != state)


class Deduper:
    """Exact + near-duplicate clustering with its state shared in Redis by every worker.

    ``assign`` is one atomic Redis script call (see ``store.py``): exact lookup, LSH candidate
    lookup, signature verification, insert and cluster join/merge happen with no other client's
    command in between, so concurrent copies of a story always end in one cluster.
    """

    def __init__(
        self,
        redis_client: Any,
        *,
        prefix: str = DEDUPE_PREFIX,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        containment_threshold: float = DEFAULT_CONTAINMENT,
        min_ratio: float = DEFAULT_MIN_RATIO,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        bands: int = DEFAULT_BANDS,
        min_shingles: int = DEFAULT_MIN_SHINGLES,
        max_candidates: int = DEFAULT_MAX_CANDIDATES,
        bucket_bits: int = DEFAULT_BUCKET_BITS,
    ) -> None:
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.containment_threshold = containment_threshold
        self.min_ratio = min_ratio
        self.shingle_size = shingle_size
        self.bands = bands
        self.min_shingles = min_shingles
        self.max_candidates = max_candidates
        self.store = RedisStore(redis_client, prefix=prefix, bands=bands, bucket_bits=bucket_bits)

    def params(self) -> dict[str, Any]:
        return {
            "num_perm": self.num_perm,
            "shingle_size": self.shingle_size,
            "bands": self.bands,
            "rows_per_band": self.num_perm // self.bands,
            "threshold": self.threshold,
            "containment_threshold": self.containment_threshold,
            "min_ratio": self.min_ratio,
            "min_shingles": self.min_shingles,
            "max_candidates": self.max_candidates,
            "bucket_bits": self.store.bucket_bits,
        }

    def _decision(self, result: StoreResult, doc_id: str) -> DedupDecision:
        members, cid = _snapshot(result.members)
        return DedupDecision(
            status=result.status,  # type: ignore[arg-type]
            doc_id=doc_id,
            cluster_id=cid or doc_id,
            duplicate_of=result.duplicate_of,
            members=members,
            changed_members=changed_members(result, doc_id),
        )

    def assign(
        self, doc_id: str, *, outlet: str | None, body: str, published_at: str | None
    ) -> DedupDecision:
        if not doc_id:
            raise ValueError("doc_id is required")
        sig = signature(body, num_perm=self.num_perm, k=self.shingle_size)
        result = self.store.assign(
            doc_id,
            outlet=outlet or "",
            published_at=published_at or "",
            content_hash=sig.content_hash,
            sig=sig.sig if sig.size >= self.min_shingles else b"",
            size=sig.size,
            threshold=self.threshold,
            containment_threshold=self.containment_threshold,
            min_ratio=self.min_ratio,
            max_candidates=self.max_candidates,
        )
        return self._decision(result, doc_id)

    def lookup(self, doc_id: str) -> DedupDecision | None:
        """The stored doc's current cluster (status "unchanged"), or None if it is not stored."""
        result = self.store.lookup(doc_id)
        return None if result is None else self._decision(result, doc_id)

    def lookup_many(self, doc_ids: list[str]) -> dict[str, DedupDecision | None]:
        """lookup() for many docs in one round trip."""
        results = self.store.lookup_many(doc_ids)
        return {d: None if r is None else self._decision(r, d) for d, r in zip(doc_ids, results, strict=True)}

    def forget(self, doc_id: str) -> list[str]:
        """Remove a doc from the dedup state (deleted / unpublished article).  Returns the other
        members whose cluster_id / also_published_by changed (re-index them; see lookup()).
        Forgetting an unknown doc id is a no-op returning []."""
        result = self.store.forget(doc_id)
        return [] if result is None else changed_members(result, doc_id)

    def stats(self, sample: int | None = 200) -> dict[str, Any]:
        """Key count, docs stored, multi-member clusters, and memory estimated with MEMORY USAGE
        on ``sample`` random keys (None: every key, exact)."""
        return self.store.stats(sample=sample)
