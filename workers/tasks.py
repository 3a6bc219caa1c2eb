"""Pipeline tasks: crawl (runs Scrapy in a child process) → clean → dedupe → index (bulk).

Each page's way ends in exactly one job outcome: new, updated, duplicate, failed or dead. A page that fails
for good goes to the dead-letter queue with its reason (`akhbar dlq list|replay`); nothing is dropped.

This module only wires the tasks: every message is read with its type's `from_payload` and sent with its
`to_payload` (akhbar.core.messages); the work itself is in the modules imported below.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from akhbar.core import dlq
from akhbar.core.celery_app import app, page_task_options
from akhbar.core.holds import hold
from akhbar.core.keys import INDEX_PROCESSING_PREFIX as INDEX_PROCESSING
from akhbar.core.keys import JOB_ARCHIVE_DOCS_SUFFIX, JOB_PREFIX
from akhbar.core.ledger import TTL_SECONDS as LEDGER_TTL
from akhbar.core.messages import (
    ALERT_WEBHOOK_TASK,
    CLEAN_TASK,
    CRAWL_TASK,
    DEDUPE_TASK,
    INDEX_FLUSH_TASK,
    INDEX_OP_TASK,
    PERCOLATE_ALERTS_TASK,
    Article,
    IndexOp,
    Page,
)
from akhbar.core.retry import FLUSH_BULK
from index.adapter import SearchAdapter, SearchUnavailable  # noqa: F401  (SearchAdapter: re-exported)
from index.blocks import UNREACHABLE
from index.bulk import BulkIndexer
from workers.clean.errors import ExtractionError
from workers.clean.extract import extract_article, extract_split_article
from workers.crawl_process import run_crawl
from workers.index_batch import bulk_actions, cluster_fields, count, sort_failures
from workers.index_wait import FLUSH_MAX_RETRIES, flush_countdown, retry_window, wait_or_dead_letter
from workers.indexbuffer import IndexBuffer
from workers.percolation import run_alerts
from workers.pipeline_task import PipelineTask, page_token
from workers.resources import (
    deduper,
    index_alias,
    job_store,
    outlet_of,
    redis_client,
    registry_for_job,
    search_adapter,
)

log = logging.getLogger("akhbar.workers")

BATCH_SIZE = 500
# date_source of an archived page without a date of its own: published_at is the capture time, an upper bound.
CAPTURE_BOUND = "capture"


# -- crawl ---------------------------------------------------------------------------------------
@app.task(name=CRAWL_TASK, bind=True, acks_late=False)
def crawl(self, job_id: str) -> str:
    """Run the crawl in a child process (Scrapy's reactor cannot restart inside a worker).

    Acked early: a crawl can outlive the broker's visibility timeout, and a lost crawl is retried with
    `akhbar jobs retry`, which is safe because fetches are deduplicated by the frontier and doc ids.
    """
    return run_crawl(job_store(), job_id)


# -- clean ---------------------------------------------------------------------------------------
@app.task(name=CLEAN_TASK, base=PipelineTask, bind=True)
def clean(self, payload: dict) -> str:
    """Fetched page → article fields. Pages that are not articles fail for good (dead letter, no retry)."""
    page = Page.from_payload(payload)
    job_id = page.job_id
    token = page_token(payload, self.request.id)
    hold(redis_client(), "clean", page.url)  # fault tests kill the worker here, mid-clean
    raw = base64.b64decode(page.body_b64)
    fetched_at = datetime.fromisoformat(page.fetched_at) if page.fetched_at else None
    headers = dict(page.headers)
    if page.feed_published:
        headers["X-Akhbar-Feed-Published"] = page.feed_published  # the date the feed/sitemap gave
    try:
        options = {"outlet": page.outlet, "headers": headers, "fetched_at": fetched_at,
                   "outlet_config": outlet_of(page.outlet_config), "registry": registry_for_job(job_id)}
        if page.parts:  # a story split over pages: one article, its pages' text joined in order
            later = [(base64.b64decode(part["body_b64"]), part["url"]) for part in page.parts]
            fields = extract_split_article(raw, page.url, later, **options)
        else:
            fields = extract_article(raw, page.url, **options)
    except ExtractionError as exc:
        reason = getattr(exc, "reason", type(exc).__name__)
        dlq.push(redis_client(), self.name, replace(page, token=token).to_payload(), reason=reason, error=str(exc))
        job_store().error(job_id, f"extract:{reason}")
        job_store().outcome(job_id, "articles_failed", token)
        return "failed"
    if page.archived_from and not fields.get("published_at"):
        # A web-archive capture whose page gives no date: it was published by the capture time at the latest.
        fields = {**fields, "published_at": page.archived_from.get("captured_at"), "date_source": CAPTURE_BOUND}
    # The stage's contract: an Article, with the envelope the later stages need.
    article = Article.from_payload({**fields, "job_id": job_id, "token": token,
                                    "crawled_at": page.fetched_at or datetime.now(UTC).isoformat(),
                                    "archived_from": page.archived_from})
    message = article.to_payload()
    dedupe.apply_async(args=[message], **page_task_options(message))
    return "cleaned"


# -- dedupe --------------------------------------------------------------------------------------
@app.task(name=DEDUPE_TASK, base=PipelineTask, bind=True)
def dedupe(self, payload: dict) -> str:
    article = Article.from_payload(payload)
    doc_id = article.doc_id
    if article.archived_from and known_before_backfill(article):
        # A backfill adds what the archive has and the index does not: a document crawled live (or by an
        # earlier backfill) stays as it was.
        job_store().outcome(article.job_id, "articles_duplicate", article.token)
        return "duplicate"
    decision = deduper().assign(doc_id, outlet=article.outlet, body=article.body, published_at=article.published_at)
    buffer = IndexBuffer(redis_client())
    if decision.status == "exact_duplicate":
        # Same outlet, same body, another URL: keep the first copy only. If this URL was indexed
        # before with a different body, its old version goes (a 404 on delete counts as done).
        buffer.push([IndexOp.delete(doc_id), *(IndexOp.cluster(m) for m in decision.changed_members)])
        index_flush.delay()
        job_store().outcome(article.job_id, "articles_duplicate", article.token)
        return "duplicate"
    buffer.push([IndexOp.index(article),
                 *(IndexOp.cluster(member) for member in decision.changed_members if member != doc_id)])
    index_flush.delay()
    return decision.status


def known_before_backfill(article: Article) -> bool:
    """The article's document existed before its backfill job gave it one: the dedupe state knows the id and
    the job did not claim it (a page the same job sends again, after a re-delivery, is not a duplicate)."""
    client = redis_client()
    claimed = JOB_PREFIX + (article.job_id or "") + JOB_ARCHIVE_DOCS_SUFFIX
    if client.sismember(claimed, article.doc_id):
        return False
    if deduper().lookup(article.doc_id) is not None:
        return True
    client.sadd(claimed, article.doc_id)
    client.expire(claimed, LEDGER_TTL)
    return False


# -- index ---------------------------------------------------------------------------------------
@app.task(name=INDEX_FLUSH_TASK, base=PipelineTask, bind=True)
def index_flush(self, *_legacy) -> int:
    """Send what the buffer holds as bulk requests. Idempotent: documents are written by id, and a
    re-delivered task first finishes the batch it had taken. Documents the engine cannot take now (down,
    read-only, overloaded) wait in the buffer while the flush backs off, up to AKHBAR_INDEX_RETRY_WINDOW.
    (`_legacy`: dead letters of older versions replay a flush with an empty payload.)"""
    client = redis_client()
    buffer = IndexBuffer(client)
    if buffer.reclaim():
        log.warning("gave back the documents of a flush that died")
    processing = INDEX_PROCESSING + (self.request.id or "local")
    if buffer.another_retries(self.request.id or "local") and not client.exists(processing):
        return 0  # indexing waits for the engine and another flush retries for every document
    entries = buffer.take(processing, BATCH_SIZE)
    if not entries:
        return 0
    hold(client, "index.flush.taken", str(len(entries)))  # fault tests: a batch taken, nothing sent yet
    ops = [IndexOp.from_json(raw) for raw in entries]
    try:
        alias = index_alias()
        clusters = cluster_fields([op.id for op in ops if op.op != "delete"])
        # Short in-task retries only: longer waits happen between task runs, not in a blocked worker.
        result = BulkIndexer(search_adapter(), alias, policy=FLUSH_BULK).run(
            bulk_actions(ops, clusters))
    except SearchUnavailable as exc:
        return wait_or_dead_letter(self, buffer, processing, entries, f"{UNREACHABLE} ({str(exc)[:200]})")
    hold(client, "index.flush.written", str(len(entries)))  # fault tests: written, no outcome recorded yet
    indexed_at = time.time()
    refused = sort_failures(ops, entries, result)
    for op, failure in refused.rejected:
        dlq.push(client, INDEX_OP_TASK, op.to_payload(), reason=f"bulk:{failure.status}", error=failure.reason)
        if op.op == "index":
            job_store().error(op.job_id, f"index:{failure.status}")
        count(op, "articles_failed")
    for op in ops:
        if op.op == "index" and op.id in result.outcomes:
            count(op, "articles_new" if result.outcomes[op.id] == "created" else "articles_updated")
    # A cluster view that changed while these documents were on their way is applied now that they exist.
    written = [op.id for op in ops if op.op == "index" and op.id in result.outcomes]
    if written:
        stale = [doc_id for doc_id, view in cluster_fields(written).items() if view != clusters.get(doc_id)]
        buffer.push(IndexOp.cluster(doc_id) for doc_id in stale)
    # Saved searches: percolate the articles this batch created (never updates: they do not re-alert).
    created = [(op.id, {**op.doc.index_doc(), **clusters[op.id]}) for op in ops
               if op.op == "index" and op.doc is not None and result.outcomes.get(op.id) == "created"]
    if created:
        alert_articles(created, indexed_at)
    if refused.later:
        return wait_or_dead_letter(self, buffer, processing, refused.later, refused.wait_reason)
    buffer.done(processing)
    buffer.clear_waiting()
    if buffer.size():
        index_flush.delay()
    return len(ops)


# -- alerts (saved searches) -------------------------------------------------------------------------
def _send_webhook(delivery: dict[str, Any]) -> None:
    alert_webhook.delay(delivery)


def alert_articles(docs: list[tuple[str, dict]], indexed_at: float) -> None:
    """Right after their bulk request. A failure here never fails the bulk (the articles are indexed):
    the batch goes to its own retried task instead."""
    try:
        run_alerts(docs, indexed_at, _send_webhook)
    except Exception as exc:  # noqa: BLE001 - only the alerts are pending; the task retries them
        log.warning("percolation of %d new articles failed (%s); retrying in a task", len(docs), exc)
        percolate_alerts.apply_async(args=[{"docs": [[d, doc] for d, doc in docs], "indexed_at": indexed_at}],
                                     countdown=2)


@app.task(name=PERCOLATE_ALERTS_TASK, base=PipelineTask, bind=True)
def percolate_alerts(self, payload: dict) -> int:
    """Alerts of articles whose percolation failed right after their bulk. An engine outage is waited out
    like the index stage's (AKHBAR_INDEX_RETRY_WINDOW); past it the dead letter carries the articles."""
    try:
        return run_alerts([(d, doc) for d, doc in payload["docs"]], payload["indexed_at"], _send_webhook)
    except SearchUnavailable as exc:
        if time.time() - float(payload["indexed_at"]) < retry_window():
            raise self.retry(countdown=flush_countdown(self.request.retries), max_retries=FLUSH_MAX_RETRIES,
                             exc=exc) from None
        raise


@app.task(name=ALERT_WEBHOOK_TASK, bind=True, acks_late=True)
def alert_webhook(self, delivery: dict) -> str:
    """POST one alert to its saved search's webhook (workers.webhook_delivery: retries, dead letters)."""
    from workers.webhook_delivery import deliver

    return deliver(self, delivery)
