"""The base of the page tasks: retries, then the dead-letter queue, and each page counted once."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from akhbar.core import dlq
from akhbar.core.holds import enabled as holds_enabled
from akhbar.core.holds import hold
from akhbar.core.keys import INDEX_PROCESSING_PREFIX as INDEX_PROCESSING
from akhbar.core.messages import CLEAN_TASK, INDEX_FLUSH_TASK
from akhbar.core.retry import FULL_JITTER, TASK
from workers.indexbuffer import IndexBuffer
from workers.resources import job_store, redis_client

log = logging.getLogger("akhbar.workers")


def page_token(page: dict[str, Any], task_id: str | None) -> str | None:
    """One id per page for its whole way (clean -> dedupe -> index): the page's own, else its first clean
    task's id, which a re-delivery keeps. Outcomes are counted once per token."""
    return page.get("token") or task_id


class PipelineTask(Task):
    """Retries with exponential backoff on anything unexpected; after the last retry the payload goes to
    the dead-letter queue and the page is counted as dead in its job (`akhbar dlq replay` brings it back)."""

    autoretry_for = TASK.errors
    retry_backoff = int(TASK.base)
    retry_backoff_max = int(TASK.cap)
    retry_jitter = TASK.jitter == FULL_JITTER  # Celery's only jitter
    max_retries = TASK.attempts
    acks_late = True
    reject_on_worker_lost = True

    def apply_async(self, *args, **kwargs):  # noqa: D401 - Celery API
        # Fault tests fail a publish here (a task's retry that cannot be sent: Celery then drops the task
        # with Reject(requeue=False), and the job's ledger still has the page for the reconciler).
        if holds_enabled("task.publish"):
            hold(redis_client(), "task.publish", self.name)
        return super().apply_async(*args, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo):  # noqa: D401 - Celery hook
        if self.name == INDEX_FLUSH_TASK:
            # Its documents are in its processing list, not in its payload: give them back to the buffer
            # for the next flush instead of dead-lettering an empty task.
            IndexBuffer(redis_client()).give_back(INDEX_PROCESSING + task_id)
            log.error(
                "index flush %s failed (%s: %s); its documents went back to the buffer",
                task_id,
                type(exc).__name__,
                exc,
            )
            return
        # The payload as it came (not re-parsed): whatever made the task fail must not lose the letter.
        payload = args[0] if args else kwargs
        if isinstance(payload, dict) and self.name == CLEAN_TASK:
            payload = {**payload, "token": page_token(payload, task_id)}  # a replay counts as the same page
        dlq.push(redis_client(), self.name, payload, reason=type(exc).__name__, error=str(exc))
        job_id = payload.get("job_id") if isinstance(payload, dict) else None
        job_store().error(job_id, f"{self.name.split('.')[-1]}:{type(exc).__name__}")
        job_store().outcome(
            job_id, "articles_dead", payload.get("token") if isinstance(payload, dict) else None
        )
