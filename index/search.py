"""Query building and result shaping for the article index.

    run_search(adapter, alias, params) -> {"total", "total_relation", "hits": [...], "facets": {...},
                                           "facets_approximate", "next"}
    similar(adapter, alias, doc_id, size) -> same envelope (more_like_this, other clusters only)
    build_search(params) -> the request body of one page fetch (plain dict, OpenSearch 2 and ES 8)

Ranking: a term-centric `cross_fields` match over title^3 / lead^2 / body (every word may sit in any
field; long queries need most but not all words), plus `should` clauses: proximity on the unstemmed
`.exact` subfields (title phrase >> body phrase), the title alone, and the exact word forms (most_fields
on `.exact`, so the typed form beats a stem-only match), all wrapped in a mild recency boost:
score x (1 + 0.25 * gauss(published_at)); undated articles get x 1.1, never zero. (A `distance_feature`
clause instead, which lets the engine skip by block maxima, was measured at 1M articles and was not
faster here: docs/benchmarks.md, growth.) The should clauses
were chosen on an earlier development query set that shared query texts with the reported one; the
development set to retune on is now `bench/relevance.py --dev` (disjoint from the report set by
construction, see docs/benchmarks.md).

Names across scripts (index.names): each query word may also match as a name in the other script (a
Latin word's Arabic-key variants, pruned to the spellings the archive holds; an Arabic word's loose key
against English articles). That per-word query is a `dis_max` alternative to the plain one at NAME_BOOST,
so an article found by the words as typed keeps its score and ranks first. Saved searches (index.percolate)
get the same clauses without the archive's counts (index.names.UNPRUNED_COST). Each hit's `matched`
(index.explain) says which form matched which query word and why, from the highlights.

Collapsing versions (default) and deep paging. OpenSearch 2.19 rejects `collapse` together with
`search_after` (ES 8 only allows it when sorting on the collapse field alone), and from/size stops at
index.max_result_window. So paging always uses `search_after` over a total order (sort + the per-document
`order_key` tiebreaker, index.mapping), and collapse is done by us, statelessly: a document is shown iff it is
the first of its cluster in that order among the matches — exactly what `collapse` would show. For
each batch of candidates one more request asks the engine, with a real `collapse` restricted to
those clusters and the same query + sort, which member heads each cluster (plus a terms agg for the
number of matching versions). Pages therefore partition the ordered clusters: no duplicates, no gaps,
any depth, one extra cheap request per page. `all_versions=True` skips the check. The first page
(no cursor) needs no collapse: its candidates are a prefix of the order, so a cluster's head is its
first member met; only the versions are counted, by an unscored, unsorted request, and only for
clusters that have other members (`sole_version`, kept by the dedupe stage, says a cluster holds one
document: that one is its only matching version). A page of lone articles makes one request.
Within one day the scores are stable across pages (the decay origin travels in the cursor); like any
search_after paging, documents indexed between two page requests may shift the order.

Totals and facets (index.counts): the ranked request counts nothing, so the engine can skip documents that
cannot reach the page; two unscored requests in the same `_msearch` count the matches in bounded work: exact
up to TOTAL_CAP matching documents, beyond that "TOTAL_CAP+" articles (`total_relation: "gte"`) and facets
estimated from a uniform sample of the archive (`facets_approximate: true`). Collapsed, `total` is the number of
clusters (cardinality, exact below 40,000 clusters) + documents without a cluster_id; with all versions,
documents. Facets count documents (all versions): terms per outlet and places, months in Africa/Tripoli time.

Date-sorted pages carry no scores (`score` null): the order does not use them, and without them the
engine skips the proximity clauses and the recency function on every matching document (date-sorted
p99 40 -> 31 ms on the whole corpus, docs/benchmarks.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from akhbar.core.outlet import add_outlet_names
from index.adapter import SearchAdapter, SearchRequestError, SearchUnavailable
from index.counts import Counts, count_bodies, exact_counts, read_counts, sample_fraction
from index.explain import current_rules, explain, query_words
from index.filters import FILTERS, TIME_ZONE, FilterSpec, coerce_filters, names_by_input
from index.filters import filter_clauses as _filter_clauses
from index.names import SUBFIELD as NAME_SUBFIELD
from index.names import is_article_word, name_clause, prune, strongest
from index.query import ParsedQuery, QueryError, Term, parse_query

__all__ = ["DocumentNotFound", "QueryError", "SearchParams", "build_search", "run_search", "similar"]

MAX_SIZE = 100
TEXT_FIELDS = ["title^3", "lead^2", "body"]
EXACT_FIELDS = {"title.exact": 3.0, "lead.exact": 2.0, "body.exact": 1.0}
# <=2 words: all required; 3-5: all but one; longer: three quarters (known-item queries copied from
# a headline rarely match every word in the stemmed form).
MINIMUM_SHOULD_MATCH = "2<-1 5<75%"
SOURCE_FIELDS = ["url", "canonical_url", "title", "outlet", "source_outlet", "published_at", "cluster_id",
                 "also_published_by", "sole_version", "places", "main_place", "archived_from"]
SORTS = ("relevance", "date")
# unmapped_type: an index from before the field (add_new_fields adds it) still sorts.
ORDER_TIEBREAK = {"order_key": {"order": "asc", "missing": "_last", "unmapped_type": "long"}}
MAX_ROUNDS = 4  # candidate batches per collapsed page before returning a short page with a cursor


class DocumentNotFound(QueryError):
    status = 404


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(value, int):
        return bool(value)
    raise QueryError(f"{name} must be true or false")


@dataclass
class SearchParams:
    """The search's options; the filters (index.filters.FILTERS) are in `filters`, by name, and read
    as attributes too (`params.outlet`, `params.date_from`)."""

    q: str = ""
    sort: str = "relevance"
    size: int = 10
    cursor: str | None = None
    all_versions: bool = False
    highlight: bool = True
    facets: bool = True
    filters: dict[str, Any] = field(default_factory=lambda: coerce_filters({}))

    ALIASES = {"outlets": "outlet", "query": "q", "next": "cursor", "after": "cursor"}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "filters":  # copy/pickle probe before __init__
            raise AttributeError(name)
        try:
            return self.filters[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_raw(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in fields(self) if f.name != "filters"}, **self.filters}

    @classmethod
    def coerce(cls, params: SearchParams | Mapping[str, Any] | None,
               table: Sequence[FilterSpec] = FILTERS) -> SearchParams:
        """Validate HTTP-style parameters (strings, lists); raises QueryError with a clear message."""
        if isinstance(params, SearchParams):
            params = params.as_raw()
        raw = dict(params or {})
        by_input = _INPUT_NAMES if table is FILTERS else {**cls.ALIASES, **names_by_input(table)}
        for alias, name in by_input.items():
            if alias in raw and alias != name:
                raw.setdefault(name, raw.pop(alias))
        known = _KNOWN if table is FILTERS else _BASE_FIELDS | {s.name for s in table}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise QueryError(f"unknown search parameter(s): {', '.join(unknown)}")
        out = cls(filters=coerce_filters(raw, table))
        q = raw.get("q")
        if q is not None and not isinstance(q, str):
            raise QueryError("q must be a string")
        out.q = q or ""
        sort = str(raw.get("sort") or "relevance").lower()
        if sort in ("newest", "recent", "date_desc"):
            sort = "date"
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        out.sort = sort
        try:
            size = int(raw.get("size", 10) if raw.get("size") not in (None, "") else 10)
        except (TypeError, ValueError):
            raise QueryError("size must be a number") from None
        if not 1 <= size <= MAX_SIZE:
            raise QueryError(f"size must be between 1 and {MAX_SIZE}")
        out.size = size
        cursor = raw.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise QueryError("cursor must be a string")
        out.cursor = cursor or None
        for name in ("all_versions", "highlight", "facets"):
            if name in raw and raw[name] is not None:
                setattr(out, name, _as_bool(raw[name], name))
        return out


# Built once: coerce runs on every request.
_BASE_FIELDS = frozenset(f.name for f in fields(SearchParams) if f.name != "filters")
_INPUT_NAMES = {**SearchParams.ALIASES, **names_by_input(FILTERS)}
_KNOWN = _BASE_FIELDS | {s.name for s in FILTERS}


# -- cursor --------------------------------------------------------------------------------------
def _mode(params: SearchParams) -> str:
    return f"{params.sort[0]}{'a' if params.all_versions else 'c'}"


def encode_cursor(sort_values: list, mode: str, origin: str) -> str:
    payload = json.dumps({"s": sort_values, "m": mode, "o": origin}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decode_cursor(cursor: str, mode: str) -> tuple[list, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        values, origin = data["s"], data["o"]
        ok = (isinstance(values, list) and len(values) == 2 and _is_number(values[1])
              and _is_number(values[0])
              and isinstance(origin, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", origin))
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        ok = False
    if not ok:
        raise QueryError("invalid cursor: pass back the `next` value of a previous result unchanged")
    if data.get("m") != mode:
        raise QueryError("this cursor belongs to a search with another sort or all_versions setting")
    return values, origin


# -- query building ------------------------------------------------------------------------------
def _word_query(text: str) -> dict:
    return {"multi_match": {"query": text, "type": "cross_fields", "fields": TEXT_FIELDS,
                            "operator": "or", "minimum_should_match": MINIMUM_SHOULD_MATCH}}


def _phrase_query(text: str, slop: int = 0) -> dict:
    return {"dis_max": {"queries": [
        {"match_phrase": {name: {"query": text, "slop": slop, "boost": boost}}}
        for name, boost in EXACT_FIELDS.items()
    ]}}


def _term_query(term: Term) -> dict:
    return _phrase_query(term.text) if term.phrase else {
        "multi_match": {"query": term.text, "type": "cross_fields", "fields": TEXT_FIELDS, "operator": "and"}}


# Names across scripts (index.names): the .translit fields and how much a cross-script match weighs.
NAME_FIELDS = {"title": 3.0, "body": 1.0}
# The per-word query (each word: itself or its name keys) is added to the exact-script query at this
# weight: an article that has the words as typed scores both, one found through a name key only this.
NAME_BOOST = 0.3


# Spellings held by the archive, per (engine, alias, key): one small request per new Latin name, kept
# a minute (a spelling that appears meanwhile is used from the next minute on).
NAME_COUNTS_TTL = 60.0
_name_counts: dict[tuple[str, str, str], tuple[float, int]] = {}


def name_counts(adapter: SearchAdapter, alias: str, keys: Sequence[str]) -> dict[str, int]:
    """Articles per name key (title or body; `title.KEY`: in the title), from one `filters`
    aggregation; cached NAME_COUNTS_TTL."""
    now = time.monotonic()
    out: dict[str, int] = {}
    missing = []
    for key in keys:
        cached = _name_counts.get((adapter.url, alias, key))
        if cached is not None and now - cached[0] < NAME_COUNTS_TTL:
            out[key] = cached[1]
        else:
            missing.append(key)
    if missing:
        first = next(iter(NAME_FIELDS))
        filters = {key: {"terms": {f"{first}.{NAME_SUBFIELD}": [key.removeprefix(f"{first}.")]}}
                   if key.startswith(f"{first}.") else
                   {"multi_match": {"query": key, "fields": [f"{n}.{NAME_SUBFIELD}" for n in NAME_FIELDS],
                                    "analyzer": "keyword"}} for key in missing}
        bare = sorted({k.removeprefix(f"{first}.") for k in missing})
        # Over the articles that hold any of the keys only (not every article): a few postings lists.
        held = {"bool": {"should": [{"terms": {f"{n}.{NAME_SUBFIELD}": bare}} for n in NAME_FIELDS],
                         "minimum_should_match": 1}}
        body = {"size": 0, "track_total_hits": False, "query": held,
                "aggs": {"keys": {"filters": {"filters": filters}}}}
        buckets = _search(adapter, alias, body)["aggregations"]["keys"]["buckets"]
        if len(_name_counts) > 20000:
            _name_counts.clear()
        for key in missing:
            out[key] = buckets.get(key, {}).get("doc_count", 0)
            _name_counts[(adapter.url, alias, key)] = (now, out[key])
    return out


def resolve_names(adapter: SearchAdapter, alias: str, parsed: ParsedQuery) -> dict[str, tuple]:
    """Each Latin word's (spelling, field, weight) clauses: its variants pruned to the spellings the
    archive holds (index.names.prune), then the weak ones cut (index.names.strongest)."""
    variants = {w: nc.variants for w in parsed.words if (nc := name_clause(w)) is not None and nc.variants}
    if not variants:
        return {}
    keys = {f for v in variants.values() for k, _ in v for f in (k, "_" + k)}
    first = next(iter(NAME_FIELDS))
    counts = name_counts(adapter, alias, sorted(keys | {f"{first}.{k}" for k in keys}))
    return {w: strongest(prune(v, counts), counts, NAME_FIELDS) for w, v in variants.items()}


def _name_query(words: list[str], resolved: Mapping[str, tuple] | None = None) -> dict | None:
    """Every word matched as itself or, for names, in the other script; None when no word has a
    cross-script form (then the plain query alone decides). `resolved`: the (spelling, field, weight) clauses per word
    (resolve_names); without it (saved searches) the variants up to index.names.UNPRUNED_COST."""
    found = [(word, name_clause(word)) for word in words]
    # A query whose only cross-script words are Arabic crosses toward Latin text alone (English-language
    # articles). Its Arabic words' own forms are then left to the plain query beside this one (the
    # dis_max of text_query): here they would only match the same Arabic articles again, which doubled
    # the cost of every Arabic search (growth bench, docs/benchmarks.md) and changed no result.
    toward_latin = all(not _LATIN_WORD.search(word) for word, names in found if names is not None)
    clauses: list[dict] = []
    crossing = False
    for word, names in found:
        alternatives: list[dict] = [_term_query(Term(word))]
        if names is not None:
            crossing = True
            if names.variants:
                targets = (resolved or {}).get(word)
                names = (replace(names, targets=targets) if targets is not None
                         else replace(names, variants=prune(names.variants, None)))
            alternatives = names.clauses(NAME_FIELDS) if toward_latin else alternatives + names.clauses(NAME_FIELDS)
        elif is_article_word(word):
            continue  # al-, el-: not required (Arabic text joins the article to the name)
        clauses.append({"dis_max": {"queries": alternatives}})
    if not crossing or not clauses:
        return None
    return {"bool": {"should": clauses, "minimum_should_match": MINIMUM_SHOULD_MATCH, "boost": NAME_BOOST}}


_LATIN_WORD = re.compile(r"[A-Za-z]")


def text_query(parsed: ParsedQuery, names_resolved: Mapping[str, tuple] | None = None) -> dict:
    """The scoring query for the text alone (no filters, no recency)."""
    must: list[dict] = []
    should: list[dict] = []
    if parsed.words:
        text = parsed.text
        names = _name_query(parsed.words, names_resolved)
        # dis_max, not a sum: an article found by the words as typed keeps the score it had without
        # name matching (the general relevance set's ranking is unchanged); one found only in the other
        # script scores the name query's (lower, NAME_BOOST) score.
        must.append(_word_query(text) if names is None else {"dis_max": {"queries": [_word_query(text), names]}})
        if len(parsed.words) > 1:  # proximity: the words close together, in the title above all
            should.append({"match_phrase": {"title.exact": {"query": text, "slop": 2, "boost": 3.0}}})
            should.append({"match_phrase": {"body.exact": {"query": text, "slop": 4, "boost": 1.0}}})
        # The title alone, best field: a headline match beats the same words spread over the body.
        should.append({"match": {"title": {"query": text, "boost": 1.0}}})
        # The word forms as typed (normalised, unstemmed) above matches of the stem only.
        should.append({"multi_match": {"query": text, "type": "most_fields", "boost": 0.5,
                                       "fields": ["title.exact^2", "lead.exact", "body.exact"]}})
    for phrase in parsed.phrases:
        must.append(_phrase_query(phrase))
    for group in parsed.any_of:
        must.append({"bool": {"should": [_term_query(t) for t in group], "minimum_should_match": 1}})
    query: dict = {"bool": {}}
    if must:
        query["bool"]["must"] = must
    else:
        query["bool"]["must"] = [{"match_all": {}}]
    if should:
        query["bool"]["should"] = should
    if parsed.excluded:
        query["bool"]["must_not"] = [_term_query(t) for t in parsed.excluded]
    return query


def filter_clauses(params: SearchParams, table: Sequence[FilterSpec] = FILTERS) -> list[dict]:
    return _filter_clauses(params.filters, table)


def filtered_query(parsed: ParsedQuery, params: SearchParams, table: Sequence[FilterSpec] = FILTERS,
                   names: Mapping[str, tuple] | None = None) -> dict:
    """The engine query of a parsed query + filters, without scoring extras: what matches. Shared by
    search (scored_query) and the saved searches of index.percolate, so both match alike."""
    query = text_query(parsed, names)
    filters = filter_clauses(params, table)
    if filters:
        query["bool"]["filter"] = filters
    return query


def scored_query(parsed: ParsedQuery, params: SearchParams, origin: str,
                 names: Mapping[str, tuple] | None = None) -> dict:
    """Text query + filters, with the mild recency boost."""
    inner = filtered_query(parsed, params, names=names)
    has_date = {"exists": {"field": "published_at"}}
    return {"function_score": {
        "query": inner,
        "functions": [
            {"weight": 1},
            {"filter": has_date, "weight": 0.25,
             "gauss": {"published_at": {"origin": origin, "scale": "180d", "offset": "7d", "decay": 0.5}}},
            {"filter": {"bool": {"must_not": [has_date]}}, "weight": 0.1},
        ],
        "score_mode": "sum",
        "boost_mode": "multiply",
    }}


def sort_clause(params: SearchParams) -> list[dict]:
    if params.sort == "date":
        return [{"published_at": {"order": "desc", "missing": "_last"}}, ORDER_TIEBREAK]
    return [{"_score": {"order": "desc"}}, ORDER_TIEBREAK]


def highlight_clause(exact: bool, names: bool = False) -> dict:
    # Quoted phrases match on the .exact fields only, so those are highlighted too (results merge them
    # into title/body); plain words are found in the stemmed fields. Each field costs a re-analysis.
    # Name keys (.translit) only when the query has a cross-script clause: they mark the Arabic form a
    # Latin name matched, which the hit shows and index.explain ties to the query word.
    fields: dict = {"title": {"number_of_fragments": 0},
                    "body": {"fragment_size": 160, "number_of_fragments": 2}}
    if exact:
        fields["title.exact"] = fields["title"]
        fields["body.exact"] = fields["body"]
    if names:
        fields[f"title.{NAME_SUBFIELD}"] = fields["title"]
        fields[f"body.{NAME_SUBFIELD}"] = fields["body"]
    return {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html", "fields": fields}


def facet_aggs(table: Sequence[FilterSpec] = FILTERS) -> dict:
    """A terms facet per filter that asks for one (outlet, place, main_place), and the months."""
    return {
        **{s.key: {"terms": {"field": s.field, "size": s.facet}} for s in table if s.facet},
        "month": {"date_histogram": {"field": "published_at", "calendar_interval": "month",
                                     "time_zone": TIME_ZONE, "format": "yyyy-MM", "min_doc_count": 1}},
    }


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def build_search(params: SearchParams | Mapping[str, Any], *, origin: str | None = None,
                 search_after: list | None = None, size: int | None = None,
                 names: Mapping[str, tuple] | None = None) -> dict:
    """The body of one page fetch: ranked hits only, nothing counted (no total, no aggregations: the
    counts are separate bounded requests, index.counts). No collapse: see the module docstring.
    `names`: resolve_names."""
    params = SearchParams.coerce(params)
    parsed = parse_query(params.q)
    body: dict[str, Any] = {
        "query": scored_query(parsed, params, origin or today(), names),
        "sort": sort_clause(params),
        "size": size or params.size,
        "_source": SOURCE_FIELDS,
        "track_total_hits": False,
    }
    if search_after is not None:
        body["search_after"] = search_after
    if params.highlight and not parsed.empty:
        body["highlight"] = highlight_clause(exact=bool(parsed.phrases)
                                             or any(t.phrase for group in parsed.any_of for t in group),
                                             names=_name_query(parsed.words, names) is not None)
    return body


def count_aggs(params: SearchParams) -> dict:
    """What the counting requests aggregate: the facets (if asked) and, collapsed, the clusters."""
    agg: dict = facet_aggs() if params.facets else {}
    if not params.all_versions:
        agg["clusters"] = {"cardinality": {"field": "cluster_id", "precision_threshold": 40000}}
        agg["unclustered"] = {"missing": {"field": "cluster_id"}}
    return agg


def build_counts(params: SearchParams | Mapping[str, Any], fraction: float = 1.0,
                 names: Mapping[str, tuple] | None = None) -> list[dict]:
    """The bodies that count a search's matches (index.counts.count_bodies)."""
    params = SearchParams.coerce(params)
    return count_bodies(filtered_query(parse_query(params.q), params, names=names), count_aggs(params), fraction)


# -- running -------------------------------------------------------------------------------------
def _shape_hit(hit: dict, versions: int | None = None, words: list[str] | None = None,
               rules: Sequence[str] | None = None) -> dict:
    """One hit as the API shows it. `rules`: the synonym rules (index.explain.current_rules), read once
    per search by the caller: reading them per hit (a settings load each) cost ~4 ms per page."""
    src = hit.get("_source", {})
    hl = hit.get("highlight", {})
    highlight = {}
    for name in ("title", "body"):
        fragments = hl.get(name) or hl.get(f"{name}.exact") or hl.get(f"{name}.{NAME_SUBFIELD}")
        if fragments:
            highlight[name] = fragments
    score = hit.get("_score")
    shaped = {
        "id": hit["_id"],
        "url": src.get("url"),
        "title": src.get("title"),
        "outlet": src.get("outlet"),
        "source_outlet": src.get("source_outlet"),
        "published_at": src.get("published_at"),
        "score": None if score is None else round(float(score), 4),
        "highlight": highlight,
        "cluster_id": src.get("cluster_id"),
        "also_published_by": src.get("also_published_by") or [],
        "places": [_place_ref(p) for p in src.get("places") or []],
        "main_place": _place_ref(src["main_place"]) if src.get("main_place") else None,
        "versions": versions if versions is not None else 1,
        "archived_from": src.get("archived_from"),  # the web-archive capture of a backfilled article, else None
        # Why it matched, where the text has another form than the query word (index.explain)
        "matched": explain(words, hl, rules) if words else [],
    }
    return shaped


def _place_ref(place: Mapping[str, Any]) -> dict:
    return {"id": place.get("id"), "name": place.get("name_ar") or place.get("name_en")}


def _facets(aggs: dict | None, table: Sequence[FilterSpec] = FILTERS) -> dict:
    aggs = aggs or {}
    return {
        **{s.key: [{"key": b["key"], "count": b["doc_count"]} for b in aggs.get(s.key, {}).get("buckets", [])]
           for s in table if s.facet},
        "month": [{"key": b["key_as_string"], "count": b["doc_count"]}
                  for b in aggs.get("month", {}).get("buckets", [])],
    }


def _counted(counts: Counts) -> dict:
    return {"total": counts.total, "total_relation": counts.relation, "facets": _facets(counts.aggregations),
            "facets_approximate": counts.approximate}


def _empty() -> dict:
    return {**_counted(Counts(0, "eq")), "hits": [], "next": None}


class _NoIndex(Exception):
    pass


def _search(adapter: SearchAdapter, alias: str, body: dict) -> dict:
    try:
        return adapter.search(alias, body)
    except SearchRequestError as exc:
        raise _request_error(alias, exc.status, str(exc)) from exc


def _request_error(alias: str, status: int, reason: str) -> Exception:
    if status == 404:
        return _NoIndex(alias)
    # Our queries are built, never parsed from user text: a 4xx here is a bad cursor value or a
    # parameter the engine refused; report it as the client's request, not a server fault.
    return QueryError(f"the search engine rejected the request: {reason}")


def _msearch(adapter: SearchAdapter, alias: str, bodies: Sequence[dict]) -> list[dict]:
    """Several searches in one round trip (the node runs them side by side); errors as _search's."""
    try:
        responses = adapter.msearch(alias, bodies)
    except SearchRequestError as exc:
        raise _request_error(alias, exc.status, str(exc)) from exc
    for n, response in enumerate(responses):
        if _cut_off(response):
            # A request's `timeout` (index.counts' exact count) may end as this error rather than partial
            # results: it was cut off, which the caller handles.
            responses[n] = {"timed_out": True}
        elif "error" in response:
            status = int(response.get("status") or 500)
            reason = json.dumps(response["error"], ensure_ascii=False)[:300]
            if status >= 500 or status == 429:
                raise SearchUnavailable(f"Search engine error {status}: {reason}")
            raise _request_error(alias, status, reason)
    return responses


def _cut_off(response: dict) -> bool:
    error = response.get("error")
    if not isinstance(error, dict):
        return False
    causes = [error, *error.get("root_cause", []), error.get("caused_by") or {}]
    return any(isinstance(c, dict) and c.get("type") == "time_exceeded_exception" for c in causes)


# The archive's size picks the share the sampled count reads (index.counts); asked once a minute.
ARCHIVE_SIZE_TTL = 60.0
_archive_size: dict[tuple[str, str], tuple[float, int]] = {}


def archive_docs(adapter: SearchAdapter, alias: str) -> int:
    now = time.monotonic()
    cached = _archive_size.get((adapter.url, alias))
    if cached is not None and now - cached[0] < ARCHIVE_SIZE_TTL:
        return cached[1]
    try:
        docs = int(adapter.request("GET", f"/{alias}/_count")["count"])
    except SearchRequestError as exc:
        raise _request_error(alias, exc.status, str(exc)) from exc
    _archive_size[(adapter.url, alias)] = (now, docs)
    return docs


def _page_and_counts(adapter: SearchAdapter, alias: str, params: SearchParams, body: dict,
                     names: Mapping[str, tuple]) -> tuple[dict, Counts]:
    """The ranked request and the counting ones (index.counts) in one round trip; a second one counts
    exactly when the matches are fewer than the cap."""
    fraction = sample_fraction(archive_docs(adapter, alias))
    responses = _msearch(adapter, alias, [body, *build_counts(params, fraction, names)])
    counted = read_counts(responses[1:], fraction, params.all_versions)
    if counted is None:
        [exact] = build_counts(params, 1.0, names)
        counted = exact_counts(_search(adapter, alias, exact), params.all_versions)
    return responses[0], counted


def _cluster_heads(adapter: SearchAdapter, alias: str, query: dict, sort: list[dict],
                   clusters: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Which document heads each cluster (same query + sort, real collapse) and how many match."""
    body = {
        "query": {"bool": {"must": [query], "filter": [{"terms": {"cluster_id": clusters}}]}},
        "sort": sort,
        "collapse": {"field": "cluster_id"},
        "size": len(clusters),
        "_source": False,
        "track_total_hits": False,
        "aggs": {"versions": {"terms": {"field": "cluster_id", "size": len(clusters)}}},
    }
    response = _search(adapter, alias, body)
    heads = {}
    for hit in response["hits"]["hits"]:
        key = (hit.get("fields", {}).get("cluster_id") or [None])[0]
        if key is not None:
            heads[key] = hit["_id"]
    counts = {b["key"]: b["doc_count"] for b in response["aggregations"]["versions"]["buckets"]}
    return heads, counts


def _clusters_shown(candidates: list[dict], heads: Mapping[str, str], room: int) -> list[str]:
    """The clusters of the heads among `candidates` that fit in the `room` left on the page."""
    out: list[str] = []
    for hit in candidates:
        if room <= 0:
            break
        cluster = hit["_source"].get("cluster_id")
        if cluster is None:
            room -= 1
        elif heads.get(cluster) == hit["_id"]:
            out.append(cluster)
            room -= 1
    return sorted(out)


def _cluster_counts(adapter: SearchAdapter, alias: str, query: dict, clusters: list[str]) -> dict[str, int]:
    """How many matching versions each cluster has: the query in filter context (no scores, no sort)."""
    body = {
        "query": {"bool": {"filter": [query, {"terms": {"cluster_id": clusters}}]}},
        "size": 0,
        "track_total_hits": False,
        "aggs": {"versions": {"terms": {"field": "cluster_id", "size": len(clusters)}}},
    }
    response = _search(adapter, alias, body)
    return {b["key"]: b["doc_count"] for b in response["aggregations"]["versions"]["buckets"]}


def run_search(adapter: SearchAdapter, alias: str, params: SearchParams | Mapping[str, Any],
               outlet_names: Mapping[str, str] | None = None, place_names: Mapping[str, str] | None = None) -> dict:
    """One page of results: {"total", "hits", "facets", "next"} (see the module docstring).
    `outlet_names` (Registry.display_names) puts readable names next to outlet ids in hits and facets.
    Raises QueryError (HTTP 400) for bad parameters/cursors, SearchUnavailable when the engine is down;
    an index that does not exist yet gives an empty result."""
    params = SearchParams.coerce(params)
    try:
        result = _run_search(adapter, alias, params)
    except _NoIndex:
        result = _empty()
    return _named(result, outlet_names, place_names)


def _named(result: dict, names: Mapping[str, str] | None, place_names: Mapping[str, str] | None = None) -> dict:
    for hit in result["hits"]:
        add_outlet_names(hit, names)
    by_kind = {"outlet": names or {}, "place": place_names or {}}
    for spec in FILTERS:
        for bucket in result.get("facets", {}).get(spec.key, []) if spec.names else ():
            bucket["name"] = by_kind[spec.names].get(bucket["key"], bucket["key"])
    return result


def _run_search(adapter: SearchAdapter, alias: str, params: SearchParams) -> dict:
    mode = _mode(params)
    parsed = parse_query(params.q)
    words = query_words(parsed.positive_texts()) if params.highlight else []
    rules = current_rules() if words else ()
    names = resolve_names(adapter, alias, parsed)
    after: list | None = None
    origin = today()
    if params.cursor:
        after, origin = decode_cursor(params.cursor, mode)

    if params.all_versions:
        body = build_search(params, origin=origin, search_after=after, size=params.size + 1, names=names)
        response, counted = _page_and_counts(adapter, alias, params, body, names)
        raw = response["hits"]["hits"]
        page = raw[: params.size]
        more = len(raw) > params.size
        return {
            **_counted(counted),
            "hits": [_shape_hit(h, words=words, rules=rules) for h in page],
            "next": encode_cursor(page[-1]["sort"], mode, origin) if more and page else None,
        }

    # Candidates per round: a few spare for versions hidden behind their cluster's head.
    batch = params.size + max(5, params.size // 2)
    shown: list[dict] = []
    counted = Counts(0, "eq")
    next_cursor: list | None = None
    exhausted = False
    # Without a cursor every round's candidates continue a prefix of the whole order, so a cluster's head
    # is simply its first member met: no engine request is needed to find it, only to count versions.
    first_met: dict[str, str] | None = {} if after is None else None
    for round_no in range(MAX_ROUNDS):
        body = build_search(params, origin=origin, search_after=after, size=batch, names=names)
        if round_no == 0:
            response, counted = _page_and_counts(adapter, alias, params, body, names)
        else:
            response = _search(adapter, alias, body)
        candidates = response["hits"]["hits"]
        if first_met is not None:
            for hit in candidates:
                if cluster := hit["_source"].get("cluster_id"):
                    first_met.setdefault(cluster, hit["_id"])
            heads = first_met
            page_clusters = _clusters_shown(candidates, heads, params.size - len(shown))
            alone = {h["_source"].get("cluster_id") for h in candidates if h["_source"].get("sole_version") is True}
            to_count = [c for c in page_clusters if c not in alone]
            counts = _cluster_counts(adapter, alias, body["query"], to_count) if to_count else {}
        else:
            clusters = sorted({c for h in candidates if (c := h["_source"].get("cluster_id"))})
            heads, counts = (_cluster_heads(adapter, alias, body["query"], body["sort"], clusters)
                             if clusters else ({}, {}))
        for hit in candidates:
            after = hit["sort"]
            cluster = hit["_source"].get("cluster_id")
            if cluster is None:
                shown.append(_shape_hit(hit, words=words, rules=rules))
            elif heads.get(cluster, hit["_id"]) == hit["_id"]:
                shown.append(_shape_hit(hit, counts.get(cluster, 1), words, rules))
            if len(shown) == params.size:
                break
        exhausted = len(candidates) < batch and (not candidates or after == candidates[-1]["sort"])
        if len(shown) == params.size or exhausted:
            break
    if not exhausted and after is not None:
        next_cursor = after
    return {
        **_counted(counted),
        "hits": shown,
        "next": encode_cursor(next_cursor, mode, origin) if next_cursor is not None else None,
    }


def similar(adapter: SearchAdapter, alias: str, doc_id: str, size: int = 10,
            outlet_names: Mapping[str, str] | None = None) -> dict:
    """Articles like `doc_id` (more_like_this on title/body), other stories only: its own cluster
    (the same story from other outlets) is excluded, and one version per cluster is listed."""
    if not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        raise QueryError(f"size must be between 1 and {MAX_SIZE}")
    try:
        found = _search(adapter, alias, {"query": {"ids": {"values": [doc_id]}}, "size": 1,
                                         "_source": ["cluster_id"]})
    except _NoIndex:
        found = {"hits": {"hits": []}}
    if not found["hits"]["hits"]:
        raise DocumentNotFound(f"no article with id {doc_id!r}")
    hit = found["hits"]["hits"][0]
    cluster = hit["_source"].get("cluster_id")
    must_not: list[dict] = [{"ids": {"values": [doc_id]}}]
    if cluster:
        must_not.append({"term": {"cluster_id": cluster}})
    body = {
        "query": {"bool": {
            "must": [{"more_like_this": {
                "fields": ["title", "body"],
                "like": [{"_index": hit["_index"], "_id": doc_id}],
                "min_term_freq": 1, "min_doc_freq": 2, "max_query_terms": 30,
                "minimum_should_match": "20%",
            }}],
            "must_not": must_not,
        }},
        # Over-fetch and keep the first of each cluster here: `collapse` would lump every document
        # without a cluster_id into one group.
        "size": size * 3,
        "_source": SOURCE_FIELDS,
        "sort": [{"_score": {"order": "desc"}}, ORDER_TIEBREAK],
        "track_total_hits": True,
    }
    response = _search(adapter, alias, body)
    seen: set[str] = set()
    hits = []
    for candidate in response["hits"]["hits"]:
        key = candidate["_source"].get("cluster_id") or candidate["_id"]
        if key not in seen:
            seen.add(key)
            hits.append(_shape_hit(candidate))
    return _named({**_counted(Counts(response["hits"]["total"]["value"], "eq")), "hits": hits[:size],
                   "next": None}, outlet_names)
