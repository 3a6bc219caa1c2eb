"""One bulk batch of the index buffer: the cluster view read at send time, the bulk actions the operations
become, and the sorting of the engine's refusals (wait and retry, or give up on the operation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from akhbar.core.messages import IndexOp
from index.blocks import refusal
from index.bulk import BulkAction, BulkFailure, BulkResult
from index.mapping import order_key
from workers.resources import deduper, job_store

_BULK_OP = {"index": "index", "delete": "delete", "cluster": "update"}  # buffer op -> bulk action op


def cluster_fields(doc_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Cluster id, also_published_by and sole_version per doc, read fresh from the shared dedup state at
    send time (one round trip for the batch), so a document written late never carries an older view of
    its cluster."""
    fields = {}
    for doc_id, decision in deduper().lookup_many(list(dict.fromkeys(doc_ids))).items():
        if decision is None:  # forgotten meanwhile: the document stands alone
            fields[doc_id] = {"cluster_id": doc_id, "also_published_by": [], "sole_version": True}
        else:
            fields[doc_id] = {
                "cluster_id": decision.cluster_id,
                "also_published_by": decision.also_published_by(doc_id),
                "sole_version": decision.sole_version,
            }
    return fields


def document(op: IndexOp, clusters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What an index operation writes: the article, its cluster view, its sort tiebreaker."""
    assert op.doc is not None
    return {**op.doc.index_doc(), **clusters[op.id], "order_key": order_key(op.id)}


def bulk_actions(ops: list[IndexOp], clusters: dict[str, dict[str, Any]]) -> list[BulkAction]:
    # A cluster op for a document this batch also writes is left out: the write carries the view read
    # at send time (and an update sent before the write would only meet "document missing").
    written_here = {op.id for op in ops if op.op == "index"}
    actions = []
    for op in ops:
        if op.op == "delete":
            actions.append(BulkAction("delete", op.id))
        elif op.op == "index":
            actions.append(BulkAction("index", op.id, document(op, clusters)))
        elif op.id not in written_here:
            actions.append(BulkAction("update", op.id, clusters[op.id]))
    return actions


@dataclass
class Refusals:
    """The operations of a batch the engine did not take."""

    later: list[bytes] = field(default_factory=list)  # refused for now (blocks, 429): back to the buffer
    wait_reason: str = ""
    rejected: list[tuple[IndexOp, BulkFailure]] = field(default_factory=list)  # for good: dead letters


def sort_failures(ops: list[IndexOp], entries: list[bytes], result: BulkResult) -> Refusals:
    # Keyed by op and id: one id may fail as a cluster update and be written by an index op in one batch.
    failed = {(failure.op, failure.doc_id): failure for failure in result.failed}
    out = Refusals()
    for op, raw in zip(ops, entries, strict=True):
        failure = failed.get((_BULK_OP[op.op], op.id))
        if failure is None:
            continue
        if op.op == "cluster" and failure.status == 404:
            # Not written yet (or deleted): its own index operation reads the cluster view fresh, and is
            # checked again after it lands, so there is nothing to apply now.
            continue
        why = refusal(failure.status, failure.reason)
        if why:
            out.later.append(raw)
            out.wait_reason = why
            continue
        out.rejected.append((op, failure))
    return out


def count(op: IndexOp, outcome: str) -> None:
    """Count a page's outcome in its job (index operations only: they carry the page's token)."""
    if op.op == "index":
        job_store().outcome(op.job_id, outcome, op.token)
