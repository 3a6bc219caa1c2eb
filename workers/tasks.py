"""Pipeline tasks: crawl (runs Scrapy in a child process) → clean → dedupe → index (bulk).

Each page's way ends in exactly one job outcome: new, updated, duplicate, failed or dead. A page that fails
for good goes to the dead-letter queue with its reason (`akhbar dlq list|replay`); nothing is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import subprocess
import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

import redis
from celery import Task

from akhbar.core import dlq
from akhbar.core.celery_app import app, page_task_options
from akhbar.core.config import load_settings
from akhbar.core.holds import enabled as holds_enabled
from akhbar.core.holds import hold
from akhbar.core.jobs import JobStore, crawler_command, crawler_env
from akhbar.core.keys import INDEX_BUFFER
from akhbar.core.keys import INDEX_PROCESSING_PREFIX as INDEX_PROCESSING
from akhbar.core.redis_retry import client as retrying_client
from akhbar.core.registry import Outlet
from index.adapter import SearchAdapter, SearchUnavailable
from index.blocks import UNREACHABLE, refusal
from index.bulk import BulkAction, BulkIndexer
from index.manage import ensure_index
from index.mapping import order_key
from workers.clean.errors import ExtractionError
from workers.clean.extract import extract_article
from workers.dedupe import Deduper
from workers.indexbuffer import IndexBuffer

log = logging.getLogger("akhbar.workers")


BATCH_SIZE = 500
FLUSH_BACKOFF = 1.0  # seconds before the first retry of a flush the engine could not take
FLUSH_BACKOFF_MAX = 30.0
FLUSH_MAX_RETRIES = 100_000  # bounded by the retry window, not by a count


# -- per-process resources -----------------------------------------------------------------------
@cache
def redis_client() -> redis.Redis:
    return retrying_client(load_settings().require_redis_url())  # a Redis restart pauses tasks


@cache
def job_store() -> JobStore:
    return JobStore(redis_client())


@cache
def deduper() -> Deduper:
    return Deduper(redis_client())


@cache
def search_adapter() -> SearchAdapter:
    return SearchAdapter(load_settings().require_search_url(), load_settings().search_engine)


@cache
def index_alias() -> str:
    alias = load_settings().index_alias
    ensure_index(search_adapter(), alias)
    return alias


@cache
def _builtin_registry():
    from akhbar.core.registry import load_registry

    return load_registry()


_job_registries: dict[str, object] = {}


def registry_for_job(job_id: str | None):
    """Built-in outlets plus the ones the job's user registered (cached per job, bounded)."""
    if not job_id:
        return _builtin_registry()
    if job_id not in _job_registries:
        from akhbar.core.registry import registry_with_entries

        try:
            extra = job_store().get(job_id).options.registry_extra
        except KeyError:
            extra = []
        if len(_job_registries) > 32:
            _job_registries.clear()
        _job_registries[job_id] = registry_with_entries(extra) if extra else _builtin_registry()
    return _job_registries[job_id]


def doc_id_for(canonical_url: str) -> str:
    """Stable id from the canonical URL: a re-crawl overwrites instead of duplicating."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:24]


class PipelineTask(Task):
    """Retries with exponential backoff on anything unexpected; after the last retry the payload goes to
    the dead-letter queue and the page is counted as dead in its job (`akhbar dlq replay` brings it back)."""

    autoretry_for = (Exception,)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    acks_late = True
    reject_on_worker_lost = True

    def apply_async(self, *args, **kwargs):  # noqa: D401 - Celery API
        # Fault tests fail a publish here (a task's retry that cannot be sent: Celery then drops the task
        # with Reject(requeue=False), and the job's ledger still has the page for the reconciler).
        if holds_enabled("task.publish"):
            hold(redis_client(), "task.publish", self.name)
        return super().apply_async(*args, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo):  # noqa: D401 - Celery hook
        if self.name == "akhbar.index_flush":
            # Its documents are in its processing list, not in its payload: give them back to the buffer
            # for the next flush instead of dead-lettering an empty task.
            IndexBuffer(redis_client()).give_back(INDEX_PROCESSING + task_id)
            log.error("index flush %s failed (%s: %s); its documents went back to the buffer",
                      task_id, type(exc).__name__, exc)
            return
        payload = args[0] if args else kwargs
        if isinstance(payload, dict) and self.name == "akhbar.clean":
            payload = {**payload, "token": page_token(payload, task_id)}  # a replay counts as the same page
        dlq.push(redis_client(), self.name, payload, reason=type(exc).__name__, error=str(exc))
        job_id = payload.get("job_id") if isinstance(payload, dict) else None
        job_store().error(job_id, f"{self.name.split('.')[-1]}:{type(exc).__name__}")
        job_store().outcome(job_id, "articles_dead", payload.get("token") if isinstance(payload, dict) else None)


def page_token(page: dict, task_id: str | None) -> str | None:
    """One id per page for its whole way (clean -> dedupe -> index): the page's own, else its first clean
    task's id, which a re-delivery keeps. Outcomes are counted once per token."""
    return page.get("token") or task_id


# -- crawl ---------------------------------------------------------------------------------------
@app.task(name="akhbar.crawl", bind=True, acks_late=False)
def crawl(self, job_id: str) -> str:
    """Run the crawl in a child process (Scrapy's reactor cannot restart inside a worker).

    Acked early: a crawl can outlive the broker's visibility timeout, and a lost crawl is retried with
    `akhbar jobs retry`, which is safe because fetches are deduplicated by the frontier and doc ids.
    """
    store = job_store()
    state = store.get(job_id).state
    if state != "queued":
        return state
    store.set_state(job_id, "running")
    settings = load_settings()
    cmd = crawler_command(job_id)  # the Redis URL (and its password) goes in the environment, not in `ps`
    log_path = settings.home / "logs" / f"crawl-{job_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # The crawl logs to a file: a pipe nobody reads until the end would fill up and stall the crawl.
    with open(log_path, "ab") as crawl_log:
        proc = subprocess.Popen(cmd, env=crawler_env(settings.require_redis_url()), stdout=crawl_log,
                                stderr=subprocess.STDOUT)
        while proc.poll() is None:
            if store.cancelled(job_id):
                proc.terminate()
            time.sleep(0.5)
    if store.cancelled(job_id):
        return "cancelled"
    failed = proc.returncode != 0
    message = ""
    if failed:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-20:]
        log.error("crawl of job %s exited with %s; log %s:\n%s", job_id, proc.returncode, log_path, "\n".join(tail))
        how = f"was killed (signal {-proc.returncode})" if proc.returncode < 0 else f"exited with {proc.returncode}"
        message = (f"crawler {how}; continue the crawl with `akhbar jobs resume {job_id}` (nothing it finished is "
                   f"fetched again); log: {log_path}")
    return store.crawl_finished(job_id, failed=failed, message=message)


# -- clean ---------------------------------------------------------------------------------------
_outlets: dict[str, Outlet] = {}


def outlet_of(payload: dict | None) -> Outlet | None:
    """The typed outlet a page carries (Outlet.to_payload), parsed once per distinct payload."""
    if not payload:
        return None
    key = repr(sorted(payload.items()))
    if key not in _outlets:
        if len(_outlets) > 1000:
            _outlets.clear()
        _outlets[key] = Outlet.from_payload(payload, origin="<page>")
    return _outlets[key]

@app.task(name="akhbar.clean", base=PipelineTask, bind=True)
def clean(self, page: dict) -> str:
    """Fetched page → article fields. Pages that are not articles fail for good (dead letter, no retry)."""
    job_id = page.get("job_id")
    token = page_token(page, self.request.id)
    hold(redis_client(), "clean", page["url"])  # fault tests kill the worker here, mid-clean
    raw = base64.b64decode(page["body_b64"])
    fetched_at = datetime.fromisoformat(page["fetched_at"]) if page.get("fetched_at") else None
    headers = dict(page.get("headers") or {})
    if page.get("feed_published"):
        headers["X-Akhbar-Feed-Published"] = page["feed_published"]  # the date the feed/sitemap gave
    try:
        article = extract_article(
            raw,
            page["url"],
            outlet=page.get("outlet"),
            headers=headers,
            fetched_at=fetched_at,
            outlet_config=outlet_of(page.get("outlet_config")),
            registry=registry_for_job(job_id),
        )
    except ExtractionError as exc:
        reason = getattr(exc, "reason", type(exc).__name__)
        dlq.push(redis_client(), self.name, {**page, "token": token}, reason=reason, error=str(exc))
        job_store().error(job_id, f"extract:{reason}")
        job_store().outcome(job_id, "articles_failed", token)
        return "failed"
    meta = {"job_id": job_id, "token": token,
            "crawled_at": page.get("fetched_at") or datetime.now(UTC).isoformat()}
    dedupe.apply_async(args=[{**article, **meta}], **page_task_options(page))
    return "cleaned"


# -- dedupe --------------------------------------------------------------------------------------
@app.task(name="akhbar.dedupe", base=PipelineTask, bind=True)
def dedupe(self, article: dict) -> str:
    job_id = article.get("job_id")
    doc_id = doc_id_for(article["canonical_url"])
    decision = deduper().assign(
        doc_id, outlet=article.get("outlet"), body=article.get("body", ""), published_at=article.get("published_at")
    )
    if decision.status == "exact_duplicate":
        # Same outlet, same body, another URL: keep the first copy only. If this URL was indexed
        # before with a different body, its old version goes (a 404 on delete counts as done).
        ops = [{"op": "delete", "id": doc_id}] + [{"op": "cluster", "id": m} for m in decision.changed_members]
        redis_client().rpush(INDEX_BUFFER, *(json.dumps(op) for op in ops))
        index_flush.delay()
        job_store().outcome(job_id, "articles_duplicate", article.get("token"))
        return "duplicate"
    doc = {k: v for k, v in article.items() if k != "token"}
    ops = [{"op": "index", "id": doc_id, "doc": doc, "job_id": job_id, "token": article.get("token")}]
    ops += [{"op": "cluster", "id": member} for member in decision.changed_members if member != doc_id]
    redis_client().rpush(INDEX_BUFFER, *(json.dumps(op, ensure_ascii=False) for op in ops))
    index_flush.delay()
    return decision.status


# -- index ---------------------------------------------------------------------------------------
def cluster_fields(doc_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Cluster id, also_published_by and sole_version per doc, read fresh from the shared dedup state at
    send time (one round trip for the batch), so a document written late never carries an older view of
    its cluster."""
    fields = {}
    for doc_id, decision in deduper().lookup_many(list(dict.fromkeys(doc_ids))).items():
        if decision is None:  # forgotten meanwhile: the document stands alone
            fields[doc_id] = {"cluster_id": doc_id, "also_published_by": [], "sole_version": True}
        else:
            fields[doc_id] = {"cluster_id": decision.cluster_id,
                              "also_published_by": decision.also_published_by(doc_id),
                              "sole_version": decision.sole_version}
    return fields


def _flush_countdown(retries: int) -> float:
    """Exponential backoff with a cap, kept under the broker's visibility timeout (a countdown longer than
    it would have the broker hand the waiting task to a second worker)."""
    cap = max(1.0, min(FLUSH_BACKOFF_MAX, load_settings().visibility_timeout / 2))
    return min(cap, FLUSH_BACKOFF * 2 ** min(retries, 16)) * (0.5 + random.random() / 2)


def retry_window() -> float:
    return float(load_settings().index_retry_window)


def _count(op: dict, outcome: str) -> None:
    if op.get("op") == "index":
        job_store().outcome(op.get("job_id"), outcome, op.get("token"))


_BULK_OP = {"index": "index", "delete": "delete", "cluster": "update"}  # buffer op -> bulk action op


def _wait_or_dead_letter(task, buffer: IndexBuffer, processing: str, entries: list[bytes], reason: str) -> int:
    """The engine cannot take `entries` now. Within the retry window they go back to the buffer and the
    flush comes back later; past it they go to dead letters, each with its whole operation (document
    included), so `akhbar dlq replay` restores them."""
    waited = buffer.mark_waiting(reason)
    if waited.seconds < retry_window():
        buffer.give_back(processing, entries)
        countdown = _flush_countdown(task.request.retries)
        if not buffer.own_retry(task.request.id or "local", countdown):
            return 0  # another flush retries; these documents wait in the buffer for it
        log.warning("indexing waits: %s (for %.0fs; %d documents kept, retry in %.1fs)", reason, waited.seconds,
                    buffer.size(), countdown)
        raise task.retry(countdown=countdown, max_retries=FLUSH_MAX_RETRIES)
    client = redis_client()
    for raw in entries:
        op = json.loads(raw)
        dlq.push(client, "akhbar.index", op, reason="index-unavailable",
                 error=f"{reason}; waited {waited.seconds:.0f}s (AKHBAR_INDEX_RETRY_WINDOW={retry_window():.0f})")
        if op.get("op") == "index":
            job_store().error(op.get("job_id"), "index:unavailable")
        _count(op, "articles_dead")
    buffer.done(processing)
    buffer.release_retry()
    log.error("indexing gave up after %.0fs: %s; %d documents in dead letters", waited.seconds, reason, len(entries))
    if buffer.size():
        index_flush.delay()  # the rest of the buffer meets the same fate now, not on the next page
    return 0


@app.task(name="akhbar.index_flush", base=PipelineTask, bind=True)
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
    ops = [json.loads(raw) for raw in entries]
    try:
        alias = index_alias()
        clusters = cluster_fields([op["id"] for op in ops if op["op"] != "delete"])
        # A cluster op for a document this batch also writes is left out: the write carries the view
        # read just above (and an update sent before the write would only meet "document missing").
        written_here = {op["id"] for op in ops if op["op"] == "index"}
        actions = []
        for op in ops:
            if op["op"] == "delete":
                actions.append(BulkAction("delete", op["id"]))
            elif op["op"] == "index":
                actions.append(BulkAction("index", op["id"], {**op["doc"], **clusters[op["id"]],
                                                              "order_key": order_key(op["id"])}))
            elif op["id"] not in written_here:
                actions.append(BulkAction("update", op["id"], clusters[op["id"]]))
        # Short in-task retries only: longer waits happen between task runs, not in a blocked worker.
        result = BulkIndexer(search_adapter(), alias, max_retries=2, backoff=0.5, max_backoff=2).run(actions)
    except SearchUnavailable as exc:
        return _wait_or_dead_letter(self, buffer, processing, entries, f"{UNREACHABLE} ({str(exc)[:200]})")
    hold(client, "index.flush.written", str(len(entries)))  # fault tests: written, no outcome recorded yet
    indexed_at = time.time()
    # Keyed by op and id: one id may fail as a cluster update and be written by an index op in one batch.
    failed = {(failure.op, failure.doc_id): failure for failure in result.failed}
    later: list[bytes] = []
    wait_reason = ""
    for op, raw in zip(ops, entries, strict=True):
        failure = failed.get((_BULK_OP[op["op"]], op["id"]))
        if failure is None:
            continue
        status, reason = failure.status, failure.reason
        if op["op"] == "cluster" and status == 404:
            # Not written yet (or deleted): its own index operation reads the cluster view fresh, and is
            # checked again after it lands (below), so there is nothing to apply now.
            continue
        why = refusal(status, reason)
        if why:
            later.append(raw)
            wait_reason = why
            continue
        dlq.push(client, "akhbar.index", op, reason=f"bulk:{status}", error=reason)
        if op["op"] == "index":
            job_store().error(op.get("job_id"), f"index:{status}")
        _count(op, "articles_failed")
    for op in ops:
        if op["op"] == "index" and op["id"] in result.outcomes:
            _count(op, "articles_new" if result.outcomes[op["id"]] == "created" else "articles_updated")
    # A cluster view that changed while these documents were on their way is applied now that they exist.
    written = [op["id"] for op in ops if op["op"] == "index" and op["id"] in result.outcomes]
    if written:
        stale = [doc_id for doc_id, view in cluster_fields(written).items() if view != clusters.get(doc_id)]
        if stale:
            client.rpush(INDEX_BUFFER, *(json.dumps({"op": "cluster", "id": doc_id}) for doc_id in stale))
    # Saved searches: percolate the articles this batch created (never updates: they do not re-alert).
    created = [(op["id"], {**op["doc"], **clusters[op["id"]]}) for op in ops
               if op["op"] == "index" and result.outcomes.get(op["id"]) == "created"]
    if created:
        alert_articles(created, indexed_at)
    if later:
        return _wait_or_dead_letter(self, buffer, processing, later, wait_reason)
    buffer.done(processing)
    buffer.clear_waiting()
    if buffer.size():
        index_flush.delay()
    return len(ops)


# -- alerts (saved searches) -------------------------------------------------------------------------
@cache
def alerts_index():
    from index.percolate import ensure_alerts_index
    from workers.alerts import move_legacy_webhooks

    index = ensure_alerts_index(search_adapter(), load_settings().alerts_alias)
    moved = move_legacy_webhooks(search_adapter(), index, alert_store())  # once per worker process
    if moved:
        log.info("moved %d webhook URL(s) out of the alerts index into Redis", moved)
    return index


@cache
def alert_store():
    from workers.alerts import AlertStore

    return AlertStore(redis_client())


def run_alerts(docs: list[tuple[str, dict]], indexed_at: float) -> int:
    """Percolate new articles, record their alerts (one per story and saved search), queue webhooks."""
    from workers.alerts import Story, alert_batch, delivery

    stories = {}
    for doc_id, decision in deduper().lookup_many([d for d, _ in docs]).items():
        stories[doc_id] = (Story(decision.cluster_id, tuple(m.doc_id for m in decision.members))
                           if decision else Story(doc_id, ()))
    events = alert_batch(search_adapter(), alerts_index(), alert_store(), docs, stories, indexed_at)
    for event, search in events:
        if event.kind == "new" and search.webhook:
            alert_webhook.delay(delivery(alert_store(), search, event.alert))  # the URL stays in Redis
    return len(events)


def alert_articles(docs: list[tuple[str, dict]], indexed_at: float) -> None:
    """Right after their bulk request. A failure here never fails the bulk (the articles are indexed):
    the batch goes to its own retried task instead."""
    try:
        run_alerts(docs, indexed_at)
    except Exception as exc:  # noqa: BLE001 - only the alerts are pending; the task retries them
        log.warning("percolation of %d new articles failed (%s); retrying in a task", len(docs), exc)
        percolate_alerts.apply_async(args=[{"docs": [[d, doc] for d, doc in docs], "indexed_at": indexed_at}],
                                     countdown=2)


@app.task(name="akhbar.percolate_alerts", base=PipelineTask, bind=True)
def percolate_alerts(self, payload: dict) -> int:
    """Alerts of articles whose percolation failed right after their bulk. An engine outage is waited out
    like the index stage's (AKHBAR_INDEX_RETRY_WINDOW); past it the dead letter carries the articles."""
    try:
        return run_alerts([(d, doc) for d, doc in payload["docs"]], payload["indexed_at"])
    except SearchUnavailable as exc:
        if time.time() - float(payload["indexed_at"]) < retry_window():
            raise self.retry(countdown=_flush_countdown(self.request.retries), max_retries=FLUSH_MAX_RETRIES,
                             exc=exc) from None
        raise


@app.task(name="akhbar.alert_webhook", bind=True, acks_late=True)
def alert_webhook(self, delivery: dict) -> str:
    """POST one alert to its saved search's webhook, retried with exponential backoff
    (AKHBAR_WEBHOOK_BACKOFF x 2^n seconds, at most 300, AKHBAR_WEBHOOK_RETRIES times); after that, or at
    once for a refused target (SSRF guard, checked again here) or a 4xx answer, it goes to the dead
    letters (`akhbar dlq list`; `akhbar dlq replay` sends it again)."""
    import random

    from akhbar.core.targets import AllowList
    from workers.alerts import WebhookError, deliver_webhook, webhook_payload

    search, alert = delivery["search"], delivery["alert"]
    # Messages queued before the URL was kept apart carry it: it stays out of logs and dead letters.
    legacy = search.pop("webhook", None)
    url = alert_store().webhook(search["name"]) or legacy
    if not url:
        log.info("webhook of %s: the saved search has no webhook any more", search["name"])
        return "no_webhook"
    try:
        deliver_webhook(url, webhook_payload(search, alert),
                        AllowList.parse(load_settings().allowed_domains),
                        delivery_id=f"{search['name']}/{alert['id']}")
        return "delivered"
    except WebhookError as exc:
        retries = load_settings().webhook_retries
        if exc.retry and self.request.retries < retries:
            base = load_settings().webhook_backoff
            delay = min(300.0, base * 2 ** self.request.retries) * (0.75 + random.random() / 2)
            log.info("webhook of %s: %s; retry %d of %d in %.1f s", search["name"], exc,
                     self.request.retries + 1, retries, delay)
            raise self.retry(countdown=delay, max_retries=retries) from None
        log.warning("webhook of %s failed for good: %s", search["name"], exc)
        dlq.push(redis_client(), self.name, delivery, reason=f"webhook:{exc.reason}", error=str(exc))
        return "dead"
