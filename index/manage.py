"""Versioned indices behind an alias: `<alias>-v<N>`. Search and writes always go through the alias.

    ensure_index(adapter, alias)            create the first index + alias if missing
    migrate(adapter, alias, delete_old=...) copy into <alias>-v<N+1> with the current settings/mapping,
                                            then move the alias in one atomic `_aliases` call
    update_synonyms(adapter, alias)         reload the search-time synonym rules (brief close/open)

    akhbar index migrate [--delete-old]
    akhbar index synonyms

Migration and concurrent writers: the pipeline writes through the alias (is_write_index), so until
the swap new documents land in the old index. After the swap a create-only `_reindex` pass copies
the documents the old index received meanwhile (it never overwrites what the new index already
has). In-place updates made to old documents between the copy and the swap (cluster fields) are not
carried over: migrate while the pipeline is quiet, or re-run the dedupe updates.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from index.adapter import SearchAdapter, SearchRequestError
from index.analysis import SYNONYM_FILTER, has_icu, synonym_filter, synonym_rules
from index.mapping import MAPPING_VERSION, ORDER_KEY_SCRIPT, index_body, mappings

log = logging.getLogger("akhbar.index")

logger = logging.getLogger("akhbar.index.manage")


class MigrationError(RuntimeError):
    """The copy did not verify; the alias was left where it was."""


def versioned_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def _version_of(name: str) -> int | None:
    match = re.search(r"-v(\d+)$", name)
    return int(match.group(1)) if match else None


def current_version(adapter: SearchAdapter, alias: str) -> int | None:
    versions = [v for t in adapter.alias_targets(alias) if (v := _version_of(t)) is not None]
    return max(versions) if versions else None


def _wait_ready(adapter: SearchAdapter, name: str) -> None:
    # (no `timeout` param: opensearch-py would take it as its own client timeout)
    adapter.request("GET", "/_cluster/health", params={"index": name, "wait_for_status": "yellow"})


def create_index(adapter: SearchAdapter, name: str, *, bulk_load: bool = False) -> None:
    body = index_body(icu=has_icu(adapter))
    if bulk_load:  # no refreshes while copying; restored by _finish_bulk_load
        body["settings"]["index"]["refresh_interval"] = "-1"
    adapter.request("PUT", f"/{name}", body=body)
    _wait_ready(adapter, name)


def _missing_fields(wanted: dict, present: dict) -> dict:
    """The properties of `wanted` that `present` lacks, descending into objects."""
    missing = {}
    for name, spec in wanted.items():
        if name not in present:
            missing[name] = spec
        elif "properties" in spec and "properties" in present[name]:
            inner = _missing_fields(spec["properties"], present[name]["properties"])
            if inner:
                missing[name] = {"properties": inner}
    return missing


def add_new_fields(adapter: SearchAdapter, index: str) -> None:
    """Add the fields a newer mapping has to an older index in place (both engines accept new fields on
    an existing mapping), so writers with new fields keep working before anyone runs `migrate`. Only the
    missing fields are sent: a changed field (v4's highlight offsets) would make the engine refuse the
    whole update. Changed fields need `akhbar index migrate`."""
    try:
        current = adapter.request("GET", f"/{index}/_mapping")
        present = next(iter(current.values()))["mappings"].get("properties", {})
        missing = _missing_fields(mappings()["properties"], present)
        if missing:
            adapter.request("PUT", f"/{index}/_mapping", body={"properties": missing})
        if "order_key" in missing:
            fill_order_keys(adapter, index)
    except SearchRequestError as exc:
        log.warning("index %s keeps its older mapping (run `akhbar index migrate`): %s", index, exc)


def fill_order_keys(adapter: SearchAdapter, index: str) -> str | None:
    """Give the documents written before `order_key` existed their key, as an engine task in the
    background (one pass, conflicts skipped: a document rewritten meanwhile already has its key). Until
    it ends, those documents sort after their ties, and pages among them may repeat or skip one; `akhbar
    index migrate` fills the keys too. Returns the task id, None if there was nothing to fill."""
    query = {"bool": {"must_not": [{"exists": {"field": "order_key"}}]}}
    if not adapter.request("POST", f"/{index}/_count", body={"query": query})["count"]:
        return None
    task = adapter.request("POST", f"/{index}/_update_by_query",
                           body={"query": query, "script": {"source": ORDER_KEY_SCRIPT, "lang": "painless"}},
                           params={"conflicts": "proceed", "wait_for_completion": "false", "refresh": "true"})["task"]
    log.warning("index %s: filling the sort key of older documents in the background (task %s)", index, task)
    return task


def ensure_index(adapter: SearchAdapter, alias: str) -> str:
    """Create `<alias>-v<MAPPING_VERSION>` and point the alias at it, unless the alias exists."""
    targets = adapter.alias_targets(alias)
    if targets:
        add_new_fields(adapter, targets[0])
        return targets[0]
    name = versioned_name(alias, MAPPING_VERSION)
    if not adapter.exists(name):
        try:
            create_index(adapter, name)
        except SearchRequestError as exc:  # another worker won the race
            if "resource_already_exists" not in str(exc):
                raise
    adapter.request(
        "POST", "/_aliases",
        body={"actions": [{"add": {"index": name, "alias": alias, "is_write_index": True}}]},
    )
    _wait_ready(adapter, name)
    return name


def count(adapter: SearchAdapter, index: str) -> int:
    return int(adapter.request("GET", f"/{index}/_count")["count"])


def _reindex(adapter: SearchAdapter, source: str, dest: str, *, create_only: bool,
             progress: Callable[[int, int], None] | None, poll: float) -> dict:
    body: dict = {"source": {"index": source, "size": 1000}, "dest": {"index": dest},
                  "script": {"source": ORDER_KEY_SCRIPT, "lang": "painless"}}  # documents from before the key
    if create_only:
        body["dest"]["op_type"] = "create"
        body["conflicts"] = "proceed"  # documents already in dest are version conflicts: skip them
    task = adapter.request("POST", "/_reindex", body=body,
                           params={"wait_for_completion": "false", "refresh": "false"})["task"]
    while True:
        state = adapter.request("GET", f"/_tasks/{task}")
        status = state.get("task", {}).get("status", {})
        if progress:
            done = status.get("created", 0) + status.get("updated", 0) + status.get("version_conflicts", 0)
            progress(done, status.get("total", 0))
        if state.get("completed"):
            break
        time.sleep(poll)
    if "error" in state:
        raise MigrationError(f"reindex {source} -> {dest} failed: {state['error']}")
    response = state.get("response", {})
    if response.get("failures"):
        raise MigrationError(f"reindex {source} -> {dest}: {len(response['failures'])} failures, "
                             f"e.g. {response['failures'][0]}")
    return response


def migrate(adapter: SearchAdapter, alias: str, *, delete_old: bool = False,
            progress: Callable[[int, int], None] | None = None, log: Callable[[str], object] | None = None,
            poll: float = 0.5, settle: float = 0.5) -> str:
    """Copy the alias's index into `<alias>-v<N+1>` (current settings + mapping), verify, and move the
    alias (search + writes) in one atomic `_aliases` call. The old index stays unless `delete_old`.
    `progress(done, total)` is called while copying; `log(message)` gets one line per step.
    Returns the new index name."""

    def say(message: str) -> None:
        logger.info(message)
        if log:
            log(message)

    targets = adapter.alias_targets(alias)
    if not targets:
        return ensure_index(adapter, alias)
    version = current_version(adapter, alias) or 0
    old = versioned_name(alias, version) if versioned_name(alias, version) in targets else targets[0]
    new = versioned_name(alias, version + 1)
    if adapter.exists(new):  # left over by an interrupted migration; never aliased (checked above)
        adapter.request("DELETE", f"/{new}")
    create_index(adapter, new, bulk_load=True)

    before = count(adapter, old)
    say(f"copying {old} ({before} documents) into {new}")
    copied = _reindex(adapter, old, new, create_only=False, progress=progress, poll=poll)
    adapter.request("PUT", f"/{new}/_settings", body={"index": {"refresh_interval": None}})
    adapter.refresh(new)
    after = count(adapter, new)
    expected = copied.get("total", before)
    if after < expected or copied.get("created", 0) + copied.get("updated", 0) < expected:
        raise MigrationError(f"{new} holds {after} documents, the copy expected {expected}; "
                             f"alias {alias} still points at {old}")

    actions: list[dict] = [{"remove": {"index": t, "alias": alias}} for t in targets]
    actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
    adapter.request("POST", "/_aliases", body={"actions": actions})
    say(f"{after} documents verified; alias {alias} moved from {', '.join(targets)} to {new}")

    # Documents written to the old index between the copy and the swap. Writes already routed to it
    # when the alias moved finish within milliseconds: give them a moment before looking.
    time.sleep(settle)
    adapter.refresh(old)
    if count(adapter, old) > expected:
        caught = _reindex(adapter, old, new, create_only=True, progress=None, poll=poll)
        adapter.refresh(new)
        say(f"caught up {caught.get('created', 0)} documents written during the copy")
    if delete_old:
        for target in targets:
            adapter.request("DELETE", f"/{target}")
        say(f"deleted {', '.join(targets)}")
    else:
        say(f"kept {', '.join(targets)} (delete it with --delete-old next time, or by hand)")
    return new


def update_synonyms(adapter: SearchAdapter, alias: str, rules: list[str] | None = None) -> list[str]:
    """Replace the search-time synonym rules (default: built-in file + AKHBAR_SYNONYMS) of the alias's
    indices. Analysis settings change only on a closed index, so each index is closed for a moment
    (searches fail meanwhile); `migrate` is the zero-downtime alternative. Elasticsearch's
    `_reload_search_analyzers` only re-reads synonym *files* / sets, not inline rules, and OpenSearch
    has no such API, hence close/open on both. Returns the indices updated."""
    rules = synonym_rules() if rules is None else rules
    targets = adapter.alias_targets(alias)
    for target in targets:
        adapter.request("POST", f"/{target}/_close", params={"wait_for_active_shards": "1"})
        try:
            adapter.request("PUT", f"/{target}/_settings",
                            body={"index": {"analysis": {"filter": {SYNONYM_FILTER: synonym_filter(rules)}}}})
        finally:
            adapter.request("POST", f"/{target}/_open", params={"wait_for_active_shards": "1"})
            _wait_ready(adapter, target)
    return targets
