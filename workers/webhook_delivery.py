"""One alert POSTed to its saved search's webhook, from the alert_webhook task: retried with exponential
backoff (AKHBAR_WEBHOOK_BACKOFF x 2^n seconds, at most 300, AKHBAR_WEBHOOK_RETRIES times); after that, or
at once for a refused target (SSRF guard, checked again here) or a 4xx answer, a dead letter."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from akhbar.core import dlq
from akhbar.core.config import load_settings
from akhbar.core.retry import WEBHOOK
from akhbar.core.targets import AllowList
from workers.alerts import WebhookError, deliver_webhook, webhook_payload
from workers.resources import alert_store, redis_client

log = logging.getLogger("akhbar.workers")


def deliver(task: Task, delivery: dict[str, Any]) -> str:
    """Deliver `delivery` (workers.alerts.delivery) for `task`, whose retry this raises when one is due."""
    search, alert = delivery["search"], delivery["alert"]
    # Messages queued before the URL was kept apart carry it: it stays out of logs and dead letters.
    legacy = search.pop("webhook", None)
    url = alert_store().webhook(search["name"]) or legacy
    if not url:
        log.info("webhook of %s: the saved search has no webhook any more", search["name"])
        return "no_webhook"
    try:
        deliver_webhook(
            url,
            webhook_payload(search, alert),
            AllowList.parse(load_settings().allowed_domains),
            delivery_id=f"{search['name']}/{alert['id']}",
        )
        return "delivered"
    except WebhookError as exc:
        settings = load_settings()
        policy = WEBHOOK.with_(attempts=settings.webhook_retries, base=float(settings.webhook_backoff))
        retries = policy.attempts or 0
        if exc.retry and task.request.retries < retries:
            delay = policy.delay(task.request.retries)
            log.info(
                "webhook of %s: %s; retry %d of %d in %.1f s",
                search["name"],
                exc,
                task.request.retries + 1,
                retries,
                delay,
            )
            raise task.retry(countdown=delay, max_retries=retries) from None
        log.warning("webhook of %s failed for good: %s", search["name"], exc)
        dlq.push(redis_client(), task.name, delivery, reason=f"webhook:{exc.reason}", error=str(exc))
        return "dead"
