"""Structured logs: every record a worker writes while handling a page carries its job id and URL.

    AKHBAR_LOG_JSON=1   one JSON object per line: {"ts", "level", "logger", "message", "job_id", "url", ...}
    (unset)             the usual text lines, with " [job=… url=…]" appended when a task has them

The job id and URL live in context variables: the Celery `task_prerun` signal sets them from the task's
payload (pages and articles carry `job_id` and `url`; the crawl task's argument is the job id) and
they stay for the task's lifetime, Celery's own "Task … succeeded" line included. `bind()` does the
same for code outside Celery (the API, scripts).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from akhbar.core.config import load_settings
from akhbar.core.redact import redact

JOB_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("akhbar_job_id", default=None)
URL: contextvars.ContextVar[str | None] = contextvars.ContextVar("akhbar_url", default=None)
TASK: contextvars.ContextVar[str | None] = contextvars.ContextVar("akhbar_task", default=None)

TEXT_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s%(context)s"

# LogRecord attributes that are not "extra" fields. Celery's task trace passes `data` (the task's
# arguments, i.e. whole pages): left out, the message already names the task.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "context", "job_id", "url", "task",
                                                    "data", "color_message"}


def json_enabled() -> bool:
    return load_settings().log_json


@contextlib.contextmanager
def bind(job_id: str | None = None, url: str | None = None) -> Iterator[None]:
    """Attach a job id / URL to every record logged inside the block."""
    tokens = (JOB_ID.set(job_id), URL.set(url))
    try:
        yield
    finally:
        JOB_ID.reset(tokens[0])
        URL.reset(tokens[1])


def context_from_task_args(args: Any, kwargs: Any) -> tuple[str | None, str | None]:
    """(job_id, url) from a pipeline task's arguments, whatever their shape."""
    payload = args[0] if args else (kwargs or {})
    if isinstance(payload, str):  # akhbar.crawl(job_id)
        return payload, None
    if isinstance(payload, dict):
        doc = payload.get("doc") if isinstance(payload.get("doc"), dict) else {}
        job_id = payload.get("job_id") or doc.get("job_id")
        url = payload.get("url") or doc.get("url")
        return (str(job_id) if job_id else None), (str(url) if url else None)
    return None, None


class JobContextFilter(logging.Filter):
    """Adds `job_id`, `url` and a ready-made `context` suffix to every record (never filters out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job_id = getattr(record, "job_id", None) or JOB_ID.get()
        url = getattr(record, "url", None) or URL.get()
        record.job_id = job_id
        record.url = url
        record.task = getattr(record, "task", None) or TASK.get()
        parts = [f"job={job_id}"] if job_id else []
        if url:
            parts.append(f"url={url}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields are kept."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.processName,
        }
        for key in ("task", "job_id", "url"):
            value = getattr(record, key, None)
            if value:
                out[key] = value
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, ensure_ascii=False))  # no password in any log line


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "context"):
            JobContextFilter().filter(record)
        return redact(super().format(record))  # no password in any log line


def make_formatter(as_json: bool | None = None) -> logging.Formatter:
    as_json = json_enabled() if as_json is None else as_json
    return JsonFormatter() if as_json else TextFormatter(TEXT_FORMAT)


def decorate_handlers(logger: logging.Logger, as_json: bool | None = None) -> None:
    """Give the logger's handlers the job filter and our formatter (idempotent)."""
    for handler in logger.handlers:
        if not any(isinstance(f, JobContextFilter) for f in handler.filters):
            handler.addFilter(JobContextFilter())
        handler.setFormatter(make_formatter(as_json))


def configure_logging(level: str | int = "INFO", as_json: bool | None = None) -> None:
    """Root logging for the non-Celery processes (API, beat --once)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    root.setLevel(level)
    decorate_handlers(root, as_json)


# -- Celery wiring --------------------------------------------------------------------------------
def install_celery_logging() -> None:
    """Connect the signals (idempotent). Called from akhbar.core.celery_app, so every worker process has it."""
    from celery import signals

    signals.after_setup_logger.connect(_after_setup_logger, weak=False, dispatch_uid="akhbar.core.logs.setup")
    signals.after_setup_task_logger.connect(_after_setup_logger, weak=False, dispatch_uid="akhbar.core.logs.task")
    # No reset at task_postrun: Celery logs "Task … succeeded" after it, and that line should carry
    # the context too. The next task's prerun replaces it.
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="akhbar.core.logs.prerun")


def _after_setup_logger(logger: logging.Logger | None = None, **_: Any) -> None:
    if logger is not None:
        decorate_handlers(logger)


def _task_prerun(task_id: str | None = None, task: Any = None, args: Any = None, kwargs: Any = None,
                 **_: Any) -> None:
    job_id, url = context_from_task_args(args, kwargs)
    JOB_ID.set(job_id)
    URL.set(url)
    TASK.set(f"{getattr(task, 'name', '?')}[{task_id}]")

