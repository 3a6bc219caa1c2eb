"""Per-process resources of the pipeline tasks: clients and stores, made once per worker process (on first
use, not at import: the settings are read when a task first needs them)."""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Any

import redis

from akhbar.core.config import load_settings
from akhbar.core.jobs import JobStore
from akhbar.core.redis_retry import client as retrying_client
from akhbar.core.registry import Outlet, Registry
from index.adapter import SearchAdapter
from index.manage import ensure_index
from workers.dedupe import Deduper

if TYPE_CHECKING:
    from index.percolate import AlertsIndex
    from workers.alerts import AlertStore

log = logging.getLogger("akhbar.workers")


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
def _builtin_registry() -> Registry:
    from akhbar.core.registry import load_registry

    return load_registry()


_job_registries: dict[str, Registry] = {}


def registry_for_job(job_id: str | None) -> Registry:
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


_outlets: dict[str, Outlet] = {}


def outlet_of(payload: dict[str, Any] | None) -> Outlet | None:
    """The typed outlet a page carries (Outlet.to_payload), parsed once per distinct payload."""
    if not payload:
        return None
    key = repr(sorted(payload.items()))
    if key not in _outlets:
        if len(_outlets) > 1000:
            _outlets.clear()
        _outlets[key] = Outlet.from_payload(payload, origin="<page>")
    return _outlets[key]


@cache
def alert_store() -> AlertStore:
    from workers.alerts import AlertStore

    return AlertStore(redis_client())


@cache
def alerts_index() -> AlertsIndex:
    from index.percolate import ensure_alerts_index
    from workers.alerts import move_legacy_webhooks

    index = ensure_alerts_index(search_adapter(), load_settings().alerts_alias)
    moved = move_legacy_webhooks(search_adapter(), index, alert_store())  # once per worker process
    if moved:
        log.info("moved %d webhook URL(s) out of the alerts index into Redis", moved)
    return index
