"""Versioned indices behind an alias: `<alias>-v<N>`. Search and writes always go through the alias."""

from __future__ import annotations

import re

from index.adapter import SearchAdapter
from index.mapping import MAPPING_VERSION, index_body


def versioned_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def current_version(adapter: SearchAdapter, alias: str) -> int | None:
    targets = adapter.alias_targets(alias)
    versions = [int(m.group(1)) for t in targets if (m := re.search(r"-v(\d+)$", t))]
    return max(versions) if versions else None


def ensure_index(adapter: SearchAdapter, alias: str) -> str:
    """Create `<alias>-v<MAPPING_VERSION>` and point the alias at it, unless the alias exists."""
    targets = adapter.alias_targets(alias)
    if targets:
        return targets[0]
    name = versioned_name(alias, MAPPING_VERSION)
    if not adapter.exists(name):
        adapter.request("PUT", f"/{name}", body=index_body())
    adapter.request(
        "POST", "/_aliases",
        body={"actions": [{"add": {"index": name, "alias": alias, "is_write_index": True}}]},
    )
    adapter.request("GET", "/_cluster/health", params={"index": name, "wait_for_status": "yellow"})
    return name
