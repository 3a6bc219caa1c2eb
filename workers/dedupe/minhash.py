"""MinHash signatures over word shingles of the normalised article body.

Pipeline per article (all pure, no Redis):

    body --normalize_for_hash--> tokens --k-word shingles--> set of 32-bit shingle hashes
         --MinHash, datasketch's "affine32" scheme and permutations--> num_perm uint32 values
         --keep the low 16 bits--> compact signature (2 bytes per permutation)

``minhash()`` builds the datasketch ``MinHash`` object (``update_batch``); ``signature()``, the hot
path, computes the same values with :func:`minhash_values` (one numpy expression instead of
datasketch's per-item Python conversion; a unit test checks they are identical).

Why the compact 16-bit form instead of a pickled / ``LeanMinHash`` payload: the signature is
compared *inside Redis* by the Lua script in ``store.py`` (the atomic candidate check), which wants
fixed-width bytes it can slice, and it halves the per-article state (``LeanMinHash.serialize``
stores 4 bytes a value plus a header).  Keeping b=16 low bits is b-bit MinHash: two different
minimum values collide on their low 16 bits with probability 2**-16, so the Jaccard estimate
``matches / num_perm`` is biased by at most ``(1 - J) / 65536`` — negligible next to the sampling
error ``sqrt(J (1 - J) / num_perm)``.

Why not datasketch's default sha1 per shingle string: building and hashing one string per
shingle was most of the cost of a signature.  We hash all tokens at once with numpy over the
UTF-8 bytes and combine the k token hashes of each window with vectorised arithmetic (see
:func:`shingle_hashes`); datasketch 2.x pre-mixes every input hash with the MurmurHash3 finalizer
before its affine permutations, so a cheap, well-spread 32-bit input hash is all it needs.

The parameters (shingle size, num_perm, bands) were chosen with ``bench/dedupe_bench.py``; see the
module docstring of ``workers/dedupe/__init__.py`` for the measurements.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

from akhbar.core.text import normalize_for_hash

# Chosen with bench/dedupe_bench.py; the measurements are in workers/dedupe/__init__.py.
DEFAULT_NUM_PERM = 96
DEFAULT_SHINGLE_SIZE = 5
DEFAULT_BANDS = 32  # 3 rows per band: LSH candidate probability 1 - (1 - J**3)**32 is 0.5 at J ~ 0.27
SEED = 1
_SCHEME = "affine32"
_EMPTY_HASH = hashlib.sha1(b"").hexdigest()


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int = SEED) -> np.ndarray:
    """The affine permutation parameters, built once per process (datasketch draws them from a
    seeded RandomState, which costs more than hashing a short article)."""
    return MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations


def shingles(tokens: list[str], k: int = DEFAULT_SHINGLE_SIZE) -> set[bytes]:
    """Distinct k-word shingles (utf-8 bytes), the readable twin of :func:`shingle_hashes`.
    A text shorter than k words is one shingle; no words gives the empty set."""
    if not tokens:
        return set()
    if len(tokens) <= k:
        return {" ".join(tokens).encode("utf-8")}
    return {" ".join(tokens[i : i + k]).encode("utf-8") for i in range(len(tokens) - k + 1)}


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants; uint64 arithmetic wraps mod 2**64
_BASE = np.uint64(0xC2B2AE3D27D4EB4F)


def _make_powers(n: int) -> np.ndarray:
    """BASE**0 .. BASE**(n-1) mod 2**64."""
    out = np.full(n, _BASE, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out)


_POWERS = _make_powers(256)


def _powers(n: int) -> np.ndarray:
    global _POWERS
    if n > len(_POWERS):
        _POWERS = _make_powers(max(n, 2 * len(_POWERS)))
    return _POWERS


def token_hashes(norm: str) -> np.ndarray:
    """64-bit polynomial hash of every token of a normalised text (``normalize_for_hash`` output:
    tokens separated by single spaces), all tokens at once in numpy over the UTF-8 bytes —
    the per-token Python loop was the largest cost of a signature after normalisation."""
    raw = np.frombuffer(norm.encode("utf-8"), dtype=np.uint8)
    if raw.size == 0:
        return np.empty(0, dtype=np.uint64)
    space = raw == 32
    keep = ~space
    tok = np.cumsum(space)[keep]  # token index of every non-space byte
    starts = np.flatnonzero(np.concatenate(([True], space[:-1])) & keep)  # first byte of each token
    index = np.flatnonzero(keep)
    pos = index - starts[tok]
    vals = (raw[keep].astype(np.uint64) + np.uint64(1)) * _powers(int(pos.max()) + 1)[pos]
    firsts = np.flatnonzero(np.concatenate(([True], tok[1:] != tok[:-1])))
    return np.add.reduceat(vals, firsts)


def shingle_hashes(norm: str, k: int = DEFAULT_SHINGLE_SIZE) -> np.ndarray:
    """Distinct 32-bit hashes of the k-word shingles of a normalised text, without building
    shingle strings: tokens are hashed once (:func:`token_hashes`), then the k token hashes of
    every window are combined position-dependently (h = (h * MIX) ^ t, uint64, folded to 32 bits).
    Set semantics: repeated shingles count once."""
    th = token_hashes(norm)
    if th.size == 0:
        return np.empty(0, dtype=np.uint32)
    n = max(1, th.size - k + 1)
    width = min(k, th.size)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(width):
        h = (h * _MIX) ^ th[j : j + n]
    folded = ((h >> np.uint64(32)) ^ h) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def minhash(text: str, *, num_perm: int = DEFAULT_NUM_PERM, k: int = DEFAULT_SHINGLE_SIZE) -> MinHash:
    """datasketch MinHash of the body's shingles (the LeanMinHash twin is ``LeanMinHash(m)``)."""
    m = MinHash(
        num_perm=num_perm, seed=SEED, hashfunc=int, permutations=_permutations(num_perm), scheme=_SCHEME
    )
    hashes = shingle_hashes(normalize_for_hash(text or ""), k)
    if len(hashes):
        m.update_batch(hashes.tolist())
    return m


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before its affine permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash_values(hashes: np.ndarray, num_perm: int = DEFAULT_NUM_PERM) -> np.ndarray:
    """The hash values ``MinHash(scheme="affine32").update_batch(hashes)`` computes (same
    permutations, same pre-mix; a test checks they are equal), without its per-item Python
    conversion: min over shingles of (a * fmix32(h) + b) mod 2**32, for each permutation."""
    a, b = _permutations(num_perm)
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    hv = _fmix32(hashes.astype(np.uint32)).reshape(-1, 1)
    return (hv * a + b).min(axis=0)


def compact(m: MinHash | LeanMinHash | np.ndarray) -> bytes:
    """Low 16 bits of every hash value, little endian: 2 bytes per permutation."""
    values = m if isinstance(m, np.ndarray) else m.hashvalues
    return np.asarray(values, dtype=np.uint32).astype("<u2").tobytes()


def compact_jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two compact signatures (share of equal 16-bit values)."""
    if len(a) != len(b) or not a:
        raise ValueError("signatures of different lengths")
    va = np.frombuffer(a, dtype="<u2")
    vb = np.frombuffer(b, dtype="<u2")
    return float(np.count_nonzero(va == vb)) / len(va)


def containment(jaccard: float, size_a: int, size_b: int) -> float:
    """Estimated containment of the smaller shingle set in the larger, from the Jaccard estimate
    and the exact set sizes:  |A n B| = J |A u B| and |A u B| = (|A| + |B|) / (1 + J)."""
    small = min(size_a, size_b)
    if small <= 0:
        return 0.0
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, inter / small)


def band_keys(sig: bytes, bands: int) -> list[bytes]:
    """LSH bands of a compact signature: band index byte + the band's raw bytes."""
    width = len(sig) // bands
    if width * bands != len(sig):
        raise ValueError("num_perm must be a multiple of bands")
    return [bytes([i]) + sig[i * width : (i + 1) * width] for i in range(bands)]


@dataclass(frozen=True, slots=True)
class Signature:
    """Everything the store needs about one body."""

    content_hash: str  # sha1 hex of normalize_for_hash(body) (== akhbar.core.text.content_hash)
    sig: bytes  # compact MinHash, 2 * num_perm bytes (empty when the body has no words)
    size: int  # number of distinct shingles
    n_words: int

    @property
    def empty(self) -> bool:
        return self.n_words == 0


def signature(body: str, *, num_perm: int = DEFAULT_NUM_PERM, k: int = DEFAULT_SHINGLE_SIZE) -> Signature:
    """Normalise once, then exact hash + compact MinHash of the body."""
    norm = normalize_for_hash(body or "")
    chash = hashlib.sha1(norm.encode("utf-8")).hexdigest() if norm else _EMPTY_HASH
    if not norm:
        return Signature(chash, b"", 0, 0)
    hashes = shingle_hashes(norm, k)
    return Signature(chash, compact(minhash_values(hashes, num_perm)), len(hashes), norm.count(" ") + 1)


def true_jaccard(a: str, b: str, k: int = DEFAULT_SHINGLE_SIZE) -> float:
    """Exact Jaccard of the shingle sets (for tests and the benchmark)."""
    from akhbar.core.text import words

    sa, sb = shingles(words(a), k), shingles(words(b), k)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)
