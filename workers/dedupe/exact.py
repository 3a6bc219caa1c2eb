"""Exact duplicates: same normalised body hash (``akhbar.core.text.content_hash``).

Two kinds, told apart by the outlet:

* **exact_duplicate** — the same outlet already has a stored doc with this body under another doc
  id (another URL: print/mobile/AMP versions, tracking parameters the canonicaliser missed).  The
  new doc is *not stored*: the caller drops it; ``duplicate_of`` names the doc kept.
* **exact_repost** — another outlet (or an unknown one) published the identical body: a repost.
  It is stored and joins the cluster of the first stored copy.

An unknown outlet (``None``/empty) never makes an exact_duplicate: without an outlet we cannot
tell "same outlet, second URL" from "someone else's copy", and dropping data is the worse error.

The lookup itself runs inside the atomic Redis script (``store.py``) so that two workers storing
two identical copies at the same moment cannot both see "no copy yet".  This module holds the
pure parts: the digest the store keys on and the rule, written once in Python
(:func:`classify`) and mirrored by the Lua code (the tests check that they agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

ExactStatus = Literal["exact_duplicate", "exact_repost"]


def digest(content_hash_hex: str) -> bytes:
    """The 20 raw bytes of the sha1 content hash (half the size of the hex form in Redis)."""
    raw = bytes.fromhex(content_hash_hex)
    if len(raw) != 20:
        raise ValueError("content hash must be sha1 hex")
    return raw


def same_outlet(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a == b


def classify(
    outlet: str | None, existing: Iterable[tuple[str, str | None]]
) -> tuple[ExactStatus, str] | None:
    """Decide for a new doc whose body hash equals the bodies of ``existing`` (doc_id, outlet)
    pairs, in arrival order.  Returns (status, doc id) — the doc kept for an exact_duplicate, the
    first stored copy (whose cluster to join) for an exact_repost — or None if nothing matches."""
    first: str | None = None
    for doc_id, other in existing:
        if first is None:
            first = doc_id
        if same_outlet(outlet, other):
            return "exact_duplicate", doc_id
    return ("exact_repost", first) if first is not None else None
