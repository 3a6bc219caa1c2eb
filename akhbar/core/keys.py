"""Every Redis key name and job state, in one place: the stages write these keys and the interfaces read
them, so a name changed here changes for all of them."""

from __future__ import annotations

# Crawl jobs (akhbar.core.jobs): one hash per job, a sorted set of ids by creation time.
JOB_PREFIX = "akhbar:job:"
JOB_INDEX = "akhbar:jobs"
# `stalled`: the job has no work left anywhere but pages still pending (its message says what repairs it);
# it turns `succeeded` by itself if the missing pages land later (e.g. after `akhbar dlq replay`).
JOB_STATES = ("queued", "running", "stalled", "succeeded", "failed", "cancelled")
TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
# Page outcomes that end a page's way through the pipeline. `failed`: the page was refused on its content
# (not HTML, no article, mapping rejected); `dead`: a fault outlasted every retry and the page or its
# document went to the dead-letter queue (`akhbar dlq replay` brings it back).
PAGE_OUTCOMES = ("articles_new", "articles_updated", "articles_duplicate", "articles_failed", "articles_dead")
# Per job: page token -> the outcome counted for it, so a re-delivered task never counts a page twice.
JOB_PAGES_SUFFIX = ":pages"
# Per job, until a page's outcome is counted (akhbar.core.ledger): token -> the page's envelope and where its
# durable copy is; token -> the page payload itself when no WARC record holds it.
JOB_LEDGER_SUFFIX = ":ledger"
JOB_COPIES_SUFFIX = ":copies"
# Per backfill job (crawler/backfill.py): the captures chosen from the archive's index (list of JSON), and the
# captures handled (set of capture keys), so a resumed backfill neither asks the index again nor fetches twice.
JOB_CAPTURES_SUFFIX = ":captures"
JOB_CAPTURES_DONE_SUFFIX = ":captures_done"
# Per backfill job: document ids its archive pages were given (workers.tasks.dedupe): a document that existed
# before the job (a live crawl's) stays as it was, and the job's own page, delivered again, is not a duplicate.
JOB_ARCHIVE_DOCS_SUFFIX = ":archive_docs"
# Job hash field: why a job's crawler process stopped, in one line (a backfill the archive blocked).
JOB_EXIT_MESSAGE = "exit_message"
# Per web archive: the next moment a request may go to it (crawler/archive.py's rate limit, across processes).
ARCHIVE_RATE_PREFIX = "akhbar:archive:next:"
# Hash: outlet -> the id of the job that crawled it last (its crawler writes it with the job's discovery counts,
# akhbar.core.discovery); `akhbar outlets health` reads that job's report.
OUTLET_LAST_CRAWL = "akhbar:outlets:last_crawl"
# Per job: how many times the reconciler re-drove pages, and the job's rounds of it (akhbar.core.reconcile).
JOB_REDRIVE_ROUNDS = "redrive_rounds"

# Dead letters (akhbar.core.dlq).
DLQ = "akhbar:dlq"

# Index stage (workers.tasks): documents waiting for the next bulk flush, and the lists a flush is working on.
INDEX_BUFFER = "akhbar:index:buffer"
INDEX_PROCESSING_PREFIX = "akhbar:index:processing:"
# Sorted set: processing list -> when its flush took it; a list older than the lease is given back.
INDEX_LEASES = "akhbar:index:leases"
INDEX_LEASE_SECONDS = 300  # longer than one flush holds a batch (a bulk request with its short in-task retries)
# Set while the engine refuses or cannot take documents: when it began, and why (hash: since, reason).
INDEX_WAITING = "akhbar:index:waiting"
# The one flush that retries while indexing waits (others leave their documents in the buffer to it).
INDEX_RETRY_OWNER = "akhbar:index:retry_owner"

# Metrics hashes (akhbar.core.metrics), read by akhbar.prometheus.
METRICS_PREFIX = "akhbar:metrics:"

# Crawler state (crawler/): per-host leases, the shared frontier, robots.txt cache, per-URL fetch state.
HOST_PREFIX = "akhbar:host:"
FRONTIER_PREFIX = "akhbar:frontier:"
ROBOTS_PREFIX = "akhbar:robots:"
CRAWL_PREFIX = "akhbar:crawl:"

# Recurring crawls (workers.beat).
BEAT_SLOT_PREFIX = "akhbar:beat:slot:"  # set while an outlet's interval has not elapsed since its last submission
BEAT_LAST_PREFIX = "akhbar:beat:last:"  # hash: job_id, submitted_at

# Near-duplicate clustering (workers.dedupe).
DEDUPE_PREFIX = "akhbar:dedupe"

# Saved-search alerts (workers.alerts). Per saved search NAME: `ALERTS_PREFIX + NAME + ":alerts"` (hash:
# alert id -> alert JSON), `... ":feed"` (sorted set: alert ids by first-alert time), `... ":docs"` (hash:
# document id -> the alert its story raised); one stream of alert events for `akhbar alerts tail`.
ALERTS_PREFIX = "akhbar:alerts:"
ALERTS_STREAM = "akhbar:alerts-stream"
# hash: saved search name -> its webhook URL. A secret (tokens in the path or query): kept here, away from
# the alerts index that reads, Kibana's read-only role and task arguments see (they get scheme://host).
ALERT_WEBHOOKS = "akhbar:alert-webhooks"

# Celery queues, one per pipeline stage.
QUEUES = ("crawl", "clean", "dedupe", "index")
