"""Saved searches run against new articles: their alerts recorded (one per story and saved search) and
webhook deliveries handed to the caller to queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.resources import alert_store, alerts_index, deduper, search_adapter


def run_alerts(
    docs: list[tuple[str, dict[str, Any]]], indexed_at: float, send_webhook: Callable[[dict[str, Any]], None]
) -> int:
    """Percolate new articles, record their alerts, send a webhook delivery per new alert that has one."""
    from workers.alerts import Story, alert_batch, delivery

    stories = {}
    for doc_id, decision in deduper().lookup_many([d for d, _ in docs]).items():
        stories[doc_id] = (
            Story(decision.cluster_id, tuple(m.doc_id for m in decision.members))
            if decision
            else Story(doc_id, ())
        )
    events = alert_batch(search_adapter(), alerts_index(), alert_store(), docs, stories, indexed_at)
    for event, search in events:
        if event.kind == "new" and search.webhook:
            send_webhook(delivery(alert_store(), search, event.alert))  # the URL stays in Redis
    return len(events)
