"""When the engine refuses writes for a while: flood-stage disk, write blocks, overload, outage.

Such refusals are waits, not failures: the index stage keeps the documents and retries until the engine
takes them again (within AKHBAR_INDEX_RETRY_WINDOW). This module names the reason in one line that says
what the operator can do, for the logs, `akhbar services status` and `/health`.
"""

from __future__ import annotations

from typing import Any

from akhbar.core.retry import ENGINE

FLOOD_STAGE = "index read-only (disk flood stage): free disk, then it resumes by itself"
UNREACHABLE = "search engine unreachable: start it (`akhbar services up`), then indexing resumes by itself"
OVERLOADED = "search engine overloaded (429/5xx): indexing retries by itself"


def refusal(status: int, reason: str) -> str | None:
    """The one-line reason when a bulk item's failure is a wait (retry later), None when it is final."""
    text = reason or ""
    if "cluster_block_exception" in text:
        if "read-only-allow-delete" in text or "read_only_allow_delete" in text or "flood" in text:
            return FLOOD_STAGE
        return f"index blocked ({text[:160]}): lift the block, then it resumes by itself"
    if ENGINE.retryable(status):
        return OVERLOADED
    return None


_BLOCKS = {
    "read_only_allow_delete": FLOOD_STAGE,
    "read_only": "index read-only (index.blocks.read_only): lift the block, then indexing resumes by itself",
    "write": "index write-blocked (index.blocks.write): lift the block, then indexing resumes by itself",
}


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


def write_block(adapter: Any, alias: str) -> str | None:
    """The reason the engine refuses writes to `alias` now (index or cluster blocks), or None."""
    from index.adapter import SearchRequestError

    try:
        response = adapter.request("GET", f"/{alias}/_settings/index.blocks.*")
    except SearchRequestError as exc:
        if exc.status == 404:
            response = {}  # no index yet: nothing is blocked
        else:
            raise
    for settings in (response or {}).values():
        blocks = settings.get("settings", {}).get("index", {}).get("blocks", {})
        for name, reason in _BLOCKS.items():
            if _truthy(blocks.get(name)):
                return reason
    cluster = adapter.request("GET", "/_cluster/settings", params={"flat_settings": "true"})
    for scope in ("transient", "persistent"):
        values = cluster.get(scope, {})
        if _truthy(values.get("cluster.blocks.read_only_allow_delete")):
            return FLOOD_STAGE
        if _truthy(values.get("cluster.blocks.read_only")):
            return "cluster read-only (cluster.blocks.read_only): lift the block, then indexing resumes by itself"
    return None
