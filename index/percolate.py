"""Saved searches as percolator queries: the engine tells, for a batch of new articles, which saved
searches each one matches. No polling: the index stage percolates every bulk batch it wrote.

    ensure_alerts_index(adapter, alias)          the percolator index behind `alias` (created/upgraded)
    SavedSearch.create(name, q, outlet, webhook, filters=...)  a validated saved search (any search filter)
    save / get / list_saved / delete             saved searches, stored in that index (one doc each)
    percolate(adapter, alias, docs)              names of the saved searches each document matches

One query builder for both. A saved search is stored as `index.search.filtered_query(parse_query(q),
filters)`, the query search runs minus its scoring extras (recency, ranking-only `should`), so `"phrases"`, `-exclusions`, `a OR b`,
the Arabic analysis chain and the Libyan synonyms match alike in both. The percolator index carries
the article mapping's fields with the SAME analyzers (index.mapping, index.analysis): the engine
indexes each percolated document in memory with that mapping and runs the stored queries on it.

Versioning. The index is `<alias>-<fingerprint>`, the fingerprint a hash of its settings + mapping
(article fields, analyzers, synonym rules). When they change (a new article field, new synonyms),
the next `ensure_alerts_index` creates the new index, copies the saved searches into it (the engine
re-parses each query against the new mapping) and moves the alias: stored percolator queries are
only valid for the mapping they were parsed with. Works on Elasticsearch 8 and OpenSearch 2 alike:
plain dicts through index.adapter.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from index.adapter import SearchAdapter, SearchRequestError
from index.analysis import has_icu
from index.filters import FILTERS, FilterSpec, coerce_filters, names_by_input
from index.mapping import KEYWORD, index_body
from index.query import QueryError, parse_query
from index.search import SearchParams, filtered_query

log = logging.getLogger("akhbar.index.percolate")

NAME_RE = re.compile(r"^[\w-]{1,64}$", re.UNICODE)  # letters (Arabic too), digits, _ and -
MAX_QUERY_CHARS = 500
MAX_FILTER_VALUES = 20  # per list filter of a saved search
MAX_OUTLETS = MAX_FILTER_VALUES
PAGE = 1000  # saved searches per percolate page


class SavedSearchError(QueryError):
    """A saved search that cannot be stored as given (bad name, empty query...). HTTP 400."""


class SavedSearchNotFound(SavedSearchError):
    status = 404


class SavedSearchExists(SavedSearchError):
    status = 409


@dataclass(frozen=True)
class SavedSearch:
    name: str
    q: str
    # Search filters by public name (index.filters: "outlet", "from"...), only those set. Stored searches
    # from before hold `outlet` alone: the same key, so they read back unchanged.
    filters: dict[str, Any] = field(default_factory=dict)
    webhook: str | None = None
    created_at: str = ""

    def __getattr__(self, name: str) -> Any:
        """A filter's value by name (`search.outlet`, `search.date_from`): [] or None when unset."""
        spec = _SPECS.get(name)
        if spec is None or name.startswith("__"):
            raise AttributeError(name)
        return self.__dict__.get("filters", {}).get(spec.key, spec.empty())

    @classmethod
    def create(cls, name: str, q: str, outlet: list[str] | tuple[str, ...] | None = None,
               webhook: str | None = None, created_at: str | None = None, *,
               filters: Mapping[str, Any] | None = None, table: Sequence[FilterSpec] = FILTERS) -> SavedSearch:
        """Validate; raises SavedSearchError with a message meant for the user. `filters`: any search
        filter, by its public name, as search takes it. The webhook URL is checked against the SSRF
        guard by the caller (it needs the deployment's allow-list)."""
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise SavedSearchError("name: 1-64 letters, digits, '_' or '-' (no spaces or dots)")
        if not isinstance(q, str) or not q.strip():
            raise SavedSearchError("the query is empty")
        if len(q) > MAX_QUERY_CHARS:
            raise SavedSearchError(f"the query is too long (at most {MAX_QUERY_CHARS} characters)")
        if parse_query(q).empty:
            raise SavedSearchError("the query has nothing to match (only exclusions or punctuation)")
        return cls(name=name, q=q.strip(), filters=saved_filters({**(filters or {}), **({"outlet": outlet} if outlet
                                                                                         else {})}, table),
                   webhook=(webhook or "").strip() or None,
                   created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"))

    def query(self, table: Sequence[FilterSpec] = FILTERS) -> dict:
        """The engine query: exactly what `search` matches for the same q and filters."""
        return saved_query(self.q, filters=self.filters, table=table)

    def to_dict(self) -> dict:
        """Every filter of the table (empty ones too: readers see one shape) plus any other set."""
        empty = {spec.key: spec.empty() for spec in FILTERS}
        return {"name": self.name, "q": self.q, **empty, **self.filters, "webhook": self.webhook,
                "created_at": self.created_at}

    @classmethod
    def from_dict(cls, data: dict) -> SavedSearch:
        filters = {k: v for k, v in data.items() if k not in _NOT_FILTERS and v not in (None, "", [])}
        return cls(name=data["name"], q=data["q"], filters=filters, webhook=data.get("webhook"),
                   created_at=data.get("created_at") or "")


_SPECS = {**{s.name: s for s in FILTERS}, **{s.key: s for s in FILTERS}}
_NOT_FILTERS = frozenset(f.name for f in fields(SavedSearch)) - {"filters"}


def saved_filters(raw: Mapping[str, Any], table: Sequence[FilterSpec] = FILTERS) -> dict[str, Any]:
    """Validated filters by public name, the set ones only; lists without repeats, MAX_FILTER_VALUES each."""
    by_input = names_by_input(table)
    unknown = sorted(set(raw) - set(by_input))
    if unknown:
        raise SavedSearchError(f"unknown filter(s): {', '.join(unknown)} (known: {', '.join(s.key for s in table)})")
    named = {by_input[k]: list(dict.fromkeys(str(x).strip() for x in v)) if isinstance(v, list | tuple) else v
             for k, v in raw.items()}
    try:
        values = coerce_filters(named, table, limit=MAX_FILTER_VALUES)
    except QueryError as exc:
        raise SavedSearchError(str(exc)) from None
    return {spec.key: values[spec.name] for spec in table if values[spec.name]}


def saved_query(q: str, outlet: list[str] | None = None, *, filters: Mapping[str, Any] | None = None,
                table: Sequence[FilterSpec] = FILTERS) -> dict:
    """search's filtered_query without its optional `should` clauses: they only rank (the `must`
    clauses decide what matches), and each would cost the percolator a verification per document."""
    raw = {**(filters or {}), **({"outlet": list(outlet)} if outlet else {})}
    params = SearchParams.coerce({"q": q, **raw}, table)
    query = filtered_query(parse_query(params.q), params, table)
    query["bool"].pop("should", None)
    return query


# -- the index -------------------------------------------------------------------------------------
def alerts_body(icu: bool) -> dict:
    """Settings (the article analysis) + mapping: every article field, the percolator, the saved search."""
    body = index_body(icu=icu)
    mapping = body["mappings"]
    mapping["properties"] = {
        **mapping["properties"],
        "query": {"type": "percolator"},
        # The saved search itself: its name (sorting, listing) and the rest, stored, not indexed.
        "saved": {"properties": {"name": KEYWORD, "spec": {"type": "object", "enabled": False}}},
    }
    return body


def _fingerprint(body: dict) -> str:
    return hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:10]


def article_fields(body: dict) -> frozenset[str]:
    return frozenset(body["mappings"]["properties"]) - {"query", "saved"}


@dataclass(frozen=True)
class AlertsIndex:
    alias: str
    name: str
    fields: frozenset[str]  # article fields a percolated document may carry


def ensure_alerts_index(adapter: SearchAdapter, alias: str) -> AlertsIndex:
    """The percolator index behind `alias`, created, or upgraded when settings/mapping changed."""
    body = alerts_body(has_icu(adapter))
    name = f"{alias}-{_fingerprint(body)}"
    fields = article_fields(body)
    targets = adapter.alias_targets(alias)
    if targets == [name]:
        return AlertsIndex(alias, name, fields)
    if not adapter.exists(name):
        try:
            adapter.request("PUT", f"/{name}", body=body)
        except SearchRequestError as exc:  # another process won the race
            if "resource_already_exists" not in str(exc):
                raise
    adapter.request("GET", "/_cluster/health", params={"index": name, "wait_for_status": "yellow"})
    if targets:
        # Copy the saved searches: the engine parses each stored query again, against the new mapping.
        for old in targets:
            adapter.request("POST", "/_reindex", params={"refresh": "true"},
                            body={"source": {"index": old}, "dest": {"index": name}})
        log.info("saved searches moved from %s to %s", ", ".join(targets), name)
    actions: list[dict] = [{"remove": {"index": t, "alias": alias}} for t in targets if t != name]
    actions.append({"add": {"index": name, "alias": alias, "is_write_index": True}})
    adapter.request("POST", "/_aliases", body={"actions": actions})
    for old in targets:
        if old != name:  # saved between the copy and the swap: carried over, existing ones kept
            adapter.request("POST", "/_reindex", params={"refresh": "true"},
                            body={"source": {"index": old}, "dest": {"index": name, "op_type": "create"},
                                  "conflicts": "proceed"})
            adapter.request("DELETE", f"/{old}")
    return AlertsIndex(alias, name, fields)


# -- saved searches ----------------------------------------------------------------------------------
def save(adapter: SearchAdapter, alias: str, search: SavedSearch, *, replace: bool = False) -> SavedSearch:
    """Store the saved search (searchable by the next percolation, refresh included). The engine
    validates the query against the mapping here, so a query it cannot run is refused at once."""
    doc = {"query": search.query(), "saved": {"name": search.name, "spec": search.to_dict()}}
    params = {"refresh": "true"}
    if not replace:
        params["op_type"] = "create"
    try:
        adapter.request("PUT", f"/{alias}/_doc/{_doc_id(search.name)}", body=doc, params=params)
    except SearchRequestError as exc:
        if exc.status == 409:
            raise SavedSearchExists(f"a saved search named {search.name!r} exists already") from None
        raise
    return search


def _doc_id(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def get(adapter: SearchAdapter, alias: str, name: str) -> SavedSearch:
    try:
        doc = adapter.request("GET", f"/{alias}/_doc/{_doc_id(name)}")
    except SearchRequestError as exc:
        if exc.status == 404:
            raise SavedSearchNotFound(f"no saved search named {name!r}") from None
        raise
    if not doc.get("found"):
        raise SavedSearchNotFound(f"no saved search named {name!r}")
    return SavedSearch.from_dict(doc["_source"]["saved"]["spec"])


def list_saved(adapter: SearchAdapter, alias: str) -> list[SavedSearch]:
    out: list[SavedSearch] = []
    after: list | None = None
    while True:
        body: dict[str, Any] = {"query": {"match_all": {}}, "size": PAGE, "sort": [{"saved.name": "asc"}],
                                "_source": ["saved.spec"]}
        if after is not None:
            body["search_after"] = after
        try:
            hits = adapter.search(alias, body)["hits"]["hits"]
        except SearchRequestError as exc:
            if exc.status == 404:
                return out
            raise
        out += [SavedSearch.from_dict(h["_source"]["saved"]["spec"]) for h in hits]
        if len(hits) < PAGE:
            return out
        after = hits[-1]["sort"]


def delete(adapter: SearchAdapter, alias: str, name: str) -> None:
    try:
        result = adapter.request("DELETE", f"/{alias}/_doc/{_doc_id(name)}", params={"refresh": "true"})
    except SearchRequestError as exc:
        if exc.status == 404:
            raise SavedSearchNotFound(f"no saved search named {name!r}") from None
        raise
    if result.get("result") == "not_found":
        raise SavedSearchNotFound(f"no saved search named {name!r}")


# -- percolation ---------------------------------------------------------------------------------------
def percolate(adapter: SearchAdapter, index: AlertsIndex, docs: list[dict]) -> list[list[SavedSearch]]:
    """For each document (article dicts, extra keys ignored), the saved searches it matches, in one
    percolate request per page of saved searches (documents: [...], filter context, no scoring)."""
    matches: list[list[SavedSearch]] = [[] for _ in docs]
    if not docs:
        return matches
    documents = [{k: v for k, v in doc.items() if k in index.fields and v is not None} for doc in docs]
    after: list | None = None
    while True:
        body: dict[str, Any] = {
            "query": {"constant_score": {"filter": {"percolate": {"field": "query", "documents": documents}}}},
            "size": PAGE, "sort": [{"saved.name": "asc"}], "_source": ["saved.spec"],
            "track_total_hits": False,
        }
        if after is not None:
            body["search_after"] = after
        hits = adapter.search(index.alias, body)["hits"]["hits"]
        for hit in hits:
            search = SavedSearch.from_dict(hit["_source"]["saved"]["spec"])
            for slot in hit.get("fields", {}).get("_percolator_document_slot", []):
                matches[slot].append(search)
        if len(hits) < PAGE:
            return matches
        after = hits[-1]["sort"]


__all__ = ["AlertsIndex", "SavedSearch", "SavedSearchError", "SavedSearchExists", "SavedSearchNotFound",
           "delete", "ensure_alerts_index", "get", "list_saved", "percolate", "save", "saved_query"]
