"""While the engine cannot take documents (down, read-only, overloaded): they wait in the index buffer and
the flush backs off, up to AKHBAR_INDEX_RETRY_WINDOW; past it they go to the dead letters."""

from __future__ import annotations

import logging

from celery import Task

from akhbar.core import dlq
from akhbar.core.config import load_settings
from akhbar.core.messages import INDEX_OP_TASK, IndexOp
from akhbar.core.retry import FLUSH
from workers.index_batch import count
from workers.indexbuffer import IndexBuffer
from workers.resources import job_store, redis_client

log = logging.getLogger("akhbar.workers")

FLUSH_MAX_RETRIES = FLUSH.attempts  # bounded by the retry window, not by a count


def flush_countdown(retries: int) -> float:
    """Exponential backoff with a cap, kept under the broker's visibility timeout (a countdown longer than
    it would have the broker hand the waiting task to a second worker)."""
    return FLUSH.with_(cap=max(1.0, min(FLUSH.cap, load_settings().visibility_timeout / 2))).delay(retries)


def retry_window() -> float:
    return float(load_settings().index_retry_window)


def wait_or_dead_letter(
    task: Task, buffer: IndexBuffer, processing: str, entries: list[bytes], reason: str
) -> int:
    """The engine cannot take `entries` now. Within the retry window they go back to the buffer and the
    flush (`task`) comes back later; past it they go to dead letters, each with its whole operation
    (document included), so `akhbar dlq replay` restores them."""
    waited = buffer.mark_waiting(reason)
    if waited.seconds < retry_window():
        buffer.give_back(processing, entries)
        countdown = flush_countdown(task.request.retries)
        if not buffer.own_retry(task.request.id or "local", countdown):
            return 0  # another flush retries; these documents wait in the buffer for it
        log.warning(
            "indexing waits: %s (for %.0fs; %d documents kept, retry in %.1fs)",
            reason,
            waited.seconds,
            buffer.size(),
            countdown,
        )
        raise task.retry(countdown=countdown, max_retries=FLUSH_MAX_RETRIES)
    client = redis_client()
    for raw in entries:
        op = IndexOp.from_json(raw)
        dlq.push(
            client,
            INDEX_OP_TASK,
            op.to_payload(),
            reason="index-unavailable",
            error=f"{reason}; waited {waited.seconds:.0f}s (AKHBAR_INDEX_RETRY_WINDOW={retry_window():.0f})",
        )
        if op.op == "index":
            job_store().error(op.job_id, "index:unavailable")
        count(op, "articles_dead")
    buffer.done(processing)
    buffer.release_retry()
    log.error(
        "indexing gave up after %.0fs: %s; %d documents in dead letters", waited.seconds, reason, len(entries)
    )
    if buffer.size():
        task.delay()  # the rest of the buffer meets the same fate now, not on the next page
    return 0
