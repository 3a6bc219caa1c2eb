"""The Celery application: broker and state in Redis, one queue per pipeline stage.

Reliability: tasks are acknowledged only after they finish (acks_late) and re-queued if the worker
process dies (reject_on_worker_lost), so `kill -9` loses nothing; every task is idempotent, so a
re-delivery is harmless. The Redis visibility timeout is longer than the longest task.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from akhbar.core.config import ServiceNotConfigured, Settings, load_settings
from akhbar.core.keys import QUEUES
from akhbar.core.messages import CLEAN_TASK, TASK_MODULES, TASK_QUEUES
from akhbar.core.redis_retry import publish_policy, worker_wait
from akhbar.core.times import DEFAULT_TIMEZONE

# A header of every task that carries one page or article: the job it serves, readable in the broker's
# message without decoding its body (kombu base64-encodes bodies; headers stay plain JSON, and Celery keeps
# them on retries). The reconciler (akhbar.core.reconcile) looks for a job's work by it.
JOB_HEADER = "akhbar_job"


def page_task_options(payload: dict) -> dict:
    """Send options for a task of one page or article: the job header, and a short argsrepr (Celery would
    otherwise walk the whole page, body included, to build one)."""
    job = payload.get("job_id") or ""
    return {"headers": {JOB_HEADER: job}, "argsrepr": f"[page {job} {payload.get('url', '')}]"}


def send_page(page: dict, via: Celery | None = None, **options) -> None:
    """Send one page (Page.to_payload()) to the clean stage, on `via` (default: this app)."""
    (via or app).send_task(CLEAN_TASK, args=[page], queue=TASK_QUEUES[CLEAN_TASK], **page_task_options(page),
                           **options)


def _broker_url(settings: Settings) -> str:
    try:
        return settings.require_redis_url()
    except ServiceNotConfigured:
        return "redis://127.0.0.1:6379/0"


def _environment_conf() -> dict:
    """What the environment sets, read when Celery first needs its configuration, not at import."""
    settings = load_settings()
    # Longest pipeline task: one bulk flush with retries (~minutes). Crawl tasks ack early (see tasks.crawl),
    # so they are not bound by it.
    visibility = settings.visibility_timeout
    return {
        "broker_url": _broker_url(settings),
        # Sending a task while Redis restarts waits for it (workers' limit; the CLI sets its own, shorter one).
        "task_publish_retry_policy": publish_policy(worker_wait()),
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # Sweep for tasks of dead workers often enough that they come back soon after the timeout
            # (kombu's default sweeps only every ~100 s).
            "unacked_restore_interval": max(1, min(60, visibility // 10)),
            "unacked_restore_throttle": 1,
            # A worker killed during a sweep leaves the sweep mutex behind; kombu's 5-minute default would
            # stop every other worker from restoring anything for that long.
            "unacked_mutex_expire": max(5, min(300, visibility // 10)),
        },
        # A pool process past this RSS after a task is replaced (Celery checks between tasks, and tasks are
        # acknowledged late, so nothing in flight is lost). The full soak found its pool processes flat
        # within ~2 % (docs/benchmarks.md); this bounds what a slow leak in a library could do over weeks.
        "worker_max_memory_per_child": max(0, settings.worker_max_memory_mb) * 1024 or None,  # 0: off
    }


# Operations: recurring crawls (workers.beat) besides the pipeline's tasks.
app = Celery("akhbar", include=list(TASK_MODULES))
app.add_defaults(_environment_conf)
app.conf.update(
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a worker waits for a restarting Redis, however long it takes
    result_backend=None,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
    task_default_queue=TASK_QUEUES[CLEAN_TASK],
    task_routes={task: {"queue": queue} for task, queue in TASK_QUEUES.items()},
    worker_hijack_root_logger=False,
    worker_send_task_events=True,
    task_send_sent_event=True,
    timezone=DEFAULT_TIMEZONE,
)

# Operations: per-task metrics in Redis (akhbar.core.metrics) and log records that carry the job id and URL
# (akhbar.core.logs), in every worker process.
from akhbar.core.logs import install_celery_logging  # noqa: E402
from akhbar.core.metrics import install_celery_metrics  # noqa: E402

install_celery_metrics()
install_celery_logging()

from akhbar.core.holds import enabled as hold_enabled  # noqa: E402
from akhbar.core.holds import install_broker_gap_hold  # noqa: E402

if hold_enabled("broker.unacked"):  # a fault test's hold point only: it needs the configuration now
    install_broker_gap_hold(app.conf.broker_url)


def _watch_jobs(sender=None, **_kwargs) -> None:
    """In each worker's main process: reconcile quiet jobs, mark stuck ones stalled (akhbar.core.stall)."""
    from akhbar.core.stall import start_watching

    start_watching(app.conf.broker_url)


from celery import signals  # noqa: E402

signals.worker_ready.connect(_watch_jobs, weak=False, dispatch_uid="akhbar.core.stall.watch")
