"""Every Redis key name and job state, in one place: the stages write these keys and the interfaces read
them, so a name changed here changes for all of them."""

from __future__ import annotations

# Crawl jobs (akhbar.core.jobs): one hash per job, a sorted set of ids by creation time.
JOB_PREFIX = "akhbar:job:"
JOB_INDEX = "akhbar:jobs"
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
# Page outcomes that end a page's way through the pipeline.
PAGE_OUTCOMES = ("articles_new", "articles_updated", "articles_duplicate", "articles_failed")

# Dead letters (akhbar.core.dlq).
DLQ = "akhbar:dlq"

# Index stage (workers.tasks): documents waiting for the next bulk flush, and the lists a flush is working on.
INDEX_BUFFER = "akhbar:index:buffer"
INDEX_PROCESSING_PREFIX = "akhbar:index:processing:"

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

# Celery queues, one per pipeline stage.
QUEUES = ("crawl", "clean", "dedupe", "index")
