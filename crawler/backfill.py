"""One backfill job's process: an outlet's past from a web archive, through the same pipeline as a crawl.

A backfill is a job whose options say ``source: archive`` (akhbar.core.submit.submit_backfill); the crawl task
starts its process as for any crawl (crawler.run hands it here), so cancel, `akhbar jobs resume` after a kill,
the ledger and the reconciler work as they do for a crawl.

1. The captures: the archive's index is asked once per outlet domain and month range (crawler.archive.select:
   one capture per canonical URL, the earliest 200 HTML one; images, feeds and scripts left by their URL).
   The list is kept in Redis with the job, so a resumed job does not ask the index again.
2. Each capture: its original bytes (never the archive's rewritten page) into the job's WARC, under the
   original URL as WARC-Target-URI, with the archive, its URL of the capture and the capture time in Akhbar-*
   headers (so `akhbar ingest` of the file gives the same documents); then, if content says it is an article
   (crawler.ingest.skip_reason, as for a WARC ingest), a Page with the original URL, `archived_from` and the
   capture time as its fetch time, recorded in the job's ledger under a token derived from the capture and
   marked done in the same round trip, then sent to the clean stage. A capture marked done is never fetched
   again; one killed in flight is fetched again under the same token, so it is counted once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sys
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from akhbar.core import ledger, redis_retry
from akhbar.core.celery_app import app, send_page
from akhbar.core.config import load_settings
from akhbar.core.holds import hold
from akhbar.core.jobs import Job, JobStore
from akhbar.core.keys import JOB_CAPTURES_DONE_SUFFIX, JOB_CAPTURES_SUFFIX, JOB_EXIT_MESSAGE
from akhbar.core.ledger import WarcCopy
from akhbar.core.messages import Page
from akhbar.core.outlet import Outlet
from crawler.archive import (
    USER_AGENT,
    Archive,
    ArchiveBlocked,
    ArchiveClient,
    ArchiveError,
    Capture,
    RateLimiter,
    Response,
    archived_from,
    decoded_body,
    month_bounds,
    select,
)
from crawler.ingest import skip_reason
from crawler.warc import Exchange, RotatingWarcWriter, plain_head

log = logging.getLogger("akhbar.crawler")

LISTED = "captures_listed"  # job hash field: the captures are listed (and kept under JOB_CAPTURES_SUFFIX)


def archive_for(source: str) -> Archive:
    settings = load_settings()
    return Archive.from_source(source, commoncrawl_index=settings.commoncrawl_index,
                               commoncrawl_data=settings.commoncrawl_data)


def capture_token(job_id: str, capture: Capture) -> str:
    """The page token of a capture in a job: the same when a killed process's capture is fetched again, so
    the ledger and the outcome count it once."""
    return hashlib.sha1(f"{job_id} {capture.key}".encode()).hexdigest()[:32]


class Backfill:
    def __init__(self, client: Any, job: Job):
        self.client = client
        self.store = JobStore(client)
        self.job = job
        self.key = self.store.key(job.id)
        spec = job.options.archive or {}
        self.spec = spec
        self.archive = archive_for(spec.get("source") or "wayback")
        settings = load_settings()
        self.http = ArchiveClient(self.archive, RateLimiter(client, self.archive.host, settings.archive_rate),
                                  on_request=lambda _url: self._count("pages_archive_requests"),
                                  on_backoff=lambda _status, _wait: self._count("pages_archive_backoffs"))
        self.outlets: dict[str, Outlet] = {o.name: o for o in job.options.outlets()}
        self.writer = (RotatingWarcWriter(settings.warc_root / job.id, f"akhbar-{job.id}",
                                          info={"isPartOf": f"akhbar job {job.id}",
                                                "operator": "Akhbar Libyan news archive",
                                                "description": f"backfill from {self.archive.name}"})
                       if settings.warc_enabled else None)
        self.skipped: Counter = Counter()

    def _count(self, counter: str, amount: int = 1) -> None:
        self.client.hincrby(self.key, counter, amount)

    # -- 1. the captures ----------------------------------------------------------------------------------
    def captures(self) -> list[tuple[str, Capture]]:
        listed = self.key + JOB_CAPTURES_SUFFIX
        client = self.client
        if client.hget(self.key, LISTED) == b"1":
            rows = [json.loads(raw) for raw in client.lrange(listed, 0, -1)]
            return [(row["outlet"], Capture.from_payload(row["capture"])) for row in rows]
        client.delete(listed)  # a listing a killed process left half done
        start, end = month_bounds(self.spec.get("from"), self.spec.get("to"))
        chosen: list[tuple[str, Capture]] = []
        skipped: Counter = Counter()
        for outlet in self.outlets.values():
            selection = select(self.http, outlet, start, end)
            skipped.update(selection.skipped)
            chosen += [(outlet.name, capture) for capture in selection.captures()]
            log.info("%s: %d captures of %s to fetch (index rows left: %s)", self.archive.name,
                     len(selection.chosen), outlet.name, dict(selection.skipped))
        pipe = client.pipeline(transaction=False)
        for i in range(0, len(chosen), 1000):
            pipe.rpush(listed, *[json.dumps({"outlet": name, "capture": c.to_payload()})
                                 for name, c in chosen[i:i + 1000]])
        pipe.expire(listed, ledger.TTL_SECONDS)
        pipe.hset(self.key, mapping={LISTED: 1, "pages_captures": len(chosen),
                                     "archive_index_skipped": json.dumps(dict(skipped))})
        pipe.execute()
        return chosen

    # -- 2. fetching them ---------------------------------------------------------------------------------
    def run(self) -> int:
        captures = self.captures()
        done_key = self.key + JOB_CAPTURES_DONE_SUFFIX
        done = {m.decode() for m in self.client.smembers(done_key)}
        for name, capture in captures:
            if capture.key in done:
                continue
            if self.store.cancelled(self.job.id):
                log.warning("job %s was cancelled: the backfill stops", self.job.id)
                return 0
            self.one(self.outlets[name], capture, done_key)
        if self.skipped:
            log.info("captures not sent: %s", dict(self.skipped))
        return 0

    def one(self, outlet: Outlet, capture: Capture, done_key: str) -> None:
        answer = self.http.fetch(capture)
        body, headers = decoded_body(answer)
        copy = self._write(outlet, capture, answer)
        reason = (f"status_{answer.status}" if answer.status != 200
                  else skip_reason(body, _header(headers, "Content-Type"), capture.url))
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(self.key, "pages_fetched", 1)
        if reason is not None:
            self.skipped[reason] += 1
            pipe.hincrby(self.key, "pages_skipped", 1)
            pipe.sadd(done_key, capture.key)
            pipe.expire(done_key, ledger.TTL_SECONDS)
            pipe.execute()
            return
        page = Page(url=capture.url, requested_url=capture.url, status=200, headers=headers,
                    body_b64=base64.b64encode(body).decode("ascii"), outlet=outlet.name,
                    outlet_config=outlet.to_payload(), job_id=self.job.id,
                    fetched_at=capture.captured_at.isoformat(), token=capture_token(self.job.id, capture),
                    archived_from=archived_from(self.archive, capture))
        # In the ledger (with its WARC record as the durable copy) and done in one round trip, before the send:
        # a process killed after it leaves the page to the reconciler, which sends it from the record.
        ledger.record(pipe, self.job.id, page, copy, counters=("pages_sent",))
        pipe.sadd(done_key, capture.key)
        pipe.expire(done_key, ledger.TTL_SECONDS)
        pipe.execute()
        send_page(page.to_payload(), via=app)
        hold(self.client, "backfill.sent", capture.url)  # fault tests kill the process here

    def _write(self, outlet: Outlet, capture: Capture, answer: Response) -> WarcCopy | None:
        if self.writer is None:
            return None
        parts = urlsplit(capture.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        fields = (("Akhbar-Outlet", outlet.name), ("Akhbar-Job", self.job.id), ("Akhbar-Kind", "archive"),
                  ("Akhbar-Archive", self.archive.name), ("Akhbar-Archive-URL", self.archive.capture_url(capture)),
                  ("Akhbar-Capture-Time", capture.captured_at.isoformat()))
        exchange = Exchange(
            request_uri=capture.url,
            request_head=plain_head(f"GET {target} HTTP/1.1", [("Host", parts.netloc), ("User-Agent", USER_AGENT)]),
            request_body=b"", response_uri=capture.url,
            response_head=plain_head(f"HTTP/1.1 {answer.status} {answer.reason or 'Unknown'}", answer.headers),
            response_body=answer.body, fields=fields)
        try:
            path, offset = self.writer.write_pair(exchange, date=capture.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        except OSError:
            log.error("could not write the WARC record of %s", capture.url, exc_info=True)
            return None  # the ledger keeps the page's body in Redis instead
        return WarcCopy.here(path, offset)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def run(job_id: str, redis_url: str) -> int:
    """The backfill of a job, to its end; the process's exit status (the crawl task reads it)."""
    client = redis_retry.client(redis_url)
    store = JobStore(client)
    job = store.get(job_id)
    backfill = Backfill(client, job)
    try:
        return backfill.run()
    except ArchiveError as exc:
        # One line for the job's message (workers.crawl_process shows it), also in the process's log.
        client.hset(store.key(job_id), JOB_EXIT_MESSAGE, str(exc))
        print(f"backfill stopped: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, ArchiveBlocked) else 2
    finally:
        backfill.close()
