"""Bulk indexing: batches, retries with backoff on 429/5xx, per-document failures reported, never lost.

Each document is retried on its own status: a bulk response may accept 499 documents and reject one
with 429; only that one is sent again. Documents that fail for good (mapping errors, 4xx) come back
in `BulkResult.failed` with the engine's reason and the action's op, so the caller can dead-letter them
(one batch may hold an update and an index of the same id: the op says which of them failed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from akhbar.core.retry import ENGINE, Policy
from index.adapter import SearchAdapter, SearchUnavailable

log = logging.getLogger("akhbar.index.bulk")

UPDATE_RETRY_ON_CONFLICT = 5


@dataclass
class BulkAction:
    op: str  # index | update | delete
    doc_id: str
    doc: dict | None = None

    def lines(self, index: str) -> list[dict]:
        head = {self.op: {"_index": index, "_id": self.doc_id}}
        if self.op == "delete":
            return [head]
        if self.op == "update":
            # A cluster view update can meet a concurrent write of the same document (two flushes, one of
            # them a redelivery): the engine re-applies the partial document to the newest version instead
            # of refusing it with 409. The view was read at send time, so applying it last is right.
            head["update"]["retry_on_conflict"] = UPDATE_RETRY_ON_CONFLICT
            return [head, {"doc": self.doc}]
        return [head, self.doc or {}]


class BulkFailure(NamedTuple):
    doc_id: str
    status: int
    reason: str
    op: str  # the BulkAction's op: an id can fail as an update and succeed as an index in one batch


@dataclass
class BulkResult:
    succeeded: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # doc_id -> created | updated | noop | deleted
    failed: list[BulkFailure] = field(default_factory=list)
    retries: int = 0

    def merge(self, other: BulkResult) -> None:
        self.succeeded += other.succeeded
        self.outcomes.update(other.outcomes)
        self.failed += other.failed
        self.retries += other.retries


def _chunks(actions: Iterable[BulkAction], size: int, max_bytes: int) -> Iterator[list[BulkAction]]:
    batch: list[BulkAction] = []
    weight = 0
    for action in actions:
        cost = len(str(action.doc)) if action.doc else 64
        if batch and (len(batch) >= size or weight + cost > max_bytes):
            yield batch
            batch, weight = [], 0
        batch.append(action)
        weight += cost
    if batch:
        yield batch


class BulkIndexer:
    def __init__(self, adapter: SearchAdapter, index: str, *, batch_size: int = 500,
                 max_bytes: int = 10_000_000, policy: Policy = ENGINE, max_retries: int | None = None,
                 backoff: float | None = None, max_backoff: float | None = None):
        # max_retries/backoff/max_backoff: a caller's own numbers over the policy's (kept for old callers).
        changes = {"attempts": max_retries, "base": backoff, "cap": max_backoff}
        self.policy = policy.with_(**{k: v for k, v in changes.items() if v is not None})
        self.adapter = adapter
        self.index = index
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.max_retries = self.policy.attempts or 0

    def run(self, actions: Iterable[BulkAction], refresh: bool = False) -> BulkResult:
        total = BulkResult()
        for batch in _chunks(actions, self.batch_size, self.max_bytes):
            total.merge(self._send_with_retries(batch))
        if refresh:
            self.adapter.refresh(self.index)
        return total

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.policy.delay(attempt))

    def _send_with_retries(self, batch: list[BulkAction]) -> BulkResult:
        result = BulkResult()
        pending = batch
        for attempt in range(self.max_retries + 1):
            lines = [line for action in pending for line in action.lines(self.index)]
            try:
                response = self.adapter.bulk(lines)
            except SearchUnavailable as exc:
                if attempt == self.max_retries:
                    raise
                log.warning("bulk request failed (%s); retry %d of %d", exc, attempt + 1, self.max_retries)
                result.retries += 1
                self._sleep(attempt)
                continue
            retry: list[BulkAction] = []
            for action, item in zip(pending, response["items"], strict=True):
                outcome = next(iter(item.values()))
                status = outcome.get("status", 500)
                if status < 300 or (action.op == "delete" and status == 404):
                    result.succeeded.append(action.doc_id)
                    if action.op != "update":  # an update of a cluster view says nothing of new vs old
                        result.outcomes[action.doc_id] = outcome.get("result", "")
                elif self.policy.retryable(status) and attempt < self.max_retries:
                    retry.append(action)
                else:
                    error = outcome.get("error", {})
                    reason = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else str(error)
                    result.failed.append(BulkFailure(action.doc_id, status, reason, action.op))
            if not retry:
                return result
            result.retries += 1
            log.warning("%d of %d documents rejected with a retryable status; retrying", len(retry), len(pending))
            pending = retry
            self._sleep(attempt)
        return result
