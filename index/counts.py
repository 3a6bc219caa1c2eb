"""A page's total and facets in bounded work, whatever the size of the archive.

Counting every match costs time in proportion to the matches: at a million articles a two-word query
matches hundreds of thousands, and aggregations over all of them (or an exact total) also stop the
engine from skipping non-competitive documents when it ranks (block-max WAND). So the ranked page is
fetched without counting (`track_total_hits: false`, no aggregations), and two unscored requests go with
it in one `_msearch` (the node runs them side by side):

* **capped count**: the query in filter context, counted up to TOTAL_CAP documents
  (`track_total_hits: TOTAL_CAP`, `size: 0`: the engine stops collecting at the cap).
* **sampled facets**: the same query restricted to a uniform sample of the archive: `order_key` (60 bits of
  a hash of the document id, index.mapping) below `fraction * 2**60`, with `fraction` chosen so that the
  sample holds about SAMPLE_DOCS documents of the whole archive. The range filter is cheap (points) and
  cached by the engine, and the conjunction walks the sample, not the matches.

* **exact, with a time limit**: the query in filter context with every aggregation, stopped by the engine
  after EXACT_TIMEOUT (`timeout`). Most searches (a name, a filter, two words) match fewer than TOTAL_CAP
  documents and finish well within it; a search matching hundreds of thousands is cut off, at a bounded
  cost, and its partial answer is not used.

Past the cap, the total is "TOTAL_CAP+" (`total_relation: "gte"`, counting articles, as engines say
"10,000+") and the facet counts are the sample's counts / fraction (`approximate`). Under the cap the
exact request's counts are used; if a slow machine cut it off, one more request counts them without a
limit (at most TOTAL_CAP documents). Which counts a search gets depends only on its number of matches,
never on timing. An archive of at most SAMPLE_DOCS documents is always counted exactly, in one request.

(`terminate_after` would bound one request, but OpenSearch 2.19 still aggregates every match under it:
the integration test of this module caught that.)

SAMPLE_DOCS: on 50,000 sampled documents a facet bucket of 1 % of the matches of a query that matches
10 % of the archive holds ~50 sampled documents, so its scaled count is within ~±30 % (2 sigma); the
buckets that lead a facet are far larger and within a few per cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

TOTAL_CAP = 10_000
SAMPLE_DOCS = 50_000
# Counting 10,000 matches with the facets takes ~5 ms on 2 cores (docs/benchmarks.md, growth).
EXACT_TIMEOUT = "15ms"
ORDER_KEY_SPAN = 1 << 60  # index.mapping.order_key: 60 bits, uniform


def sample_fraction(archive_docs: int, sample_docs: int | None = None) -> float:
    """The share of the archive the sampled request reads (1.0: count everything exactly)."""
    sample_docs = SAMPLE_DOCS if sample_docs is None else sample_docs
    return 1.0 if archive_docs <= sample_docs else sample_docs / archive_docs


def count_bodies(query: dict, aggs: Mapping[str, dict], fraction: float, cap: int | None = None) -> list[dict]:
    """The request bodies that count `query`'s matches: [exact] when fraction is 1, else [capped count,
    sampled facets, exact with a time limit]. `query` is the match without scoring extras."""
    exact: dict = {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": [query]}}}
    if aggs:
        exact["aggs"] = dict(aggs)
    if fraction >= 1.0:
        return [exact]
    capped = {"size": 0, "track_total_hits": TOTAL_CAP if cap is None else cap, "query": exact["query"]}
    sample_filter = {"range": {"order_key": {"lt": int(fraction * ORDER_KEY_SPAN)}}}
    sampled = {**exact, "query": {"bool": {"filter": [query, sample_filter]}}}
    return [capped, sampled, {**exact, "timeout": EXACT_TIMEOUT}]


@dataclass(frozen=True)
class Counts:
    total: int
    relation: str  # "eq": exact; "gte": at least `total` matching articles
    aggregations: dict = field(default_factory=dict)  # facet aggregations, counts scaled when approximate
    approximate: bool = False  # facet counts estimated from the sample


def read_counts(responses: Sequence[dict], fraction: float, all_versions: bool) -> Counts | None:
    """Counts from the responses of count_bodies' requests, in order; None when the matches are under
    the cap but the exact request was cut off: then count_bodies(..., 1.0) counts them without a limit."""
    if fraction >= 1.0:
        return exact_counts(responses[0], all_versions)
    capped, sampled, exact = responses
    hits = capped["hits"]["total"]
    if hits["relation"] == "eq":
        return None if exact.get("timed_out") else exact_counts(exact, all_versions)
    return Counts(total=int(hits["value"]), relation="gte",
                  aggregations=_scaled(sampled.get("aggregations") or {}, 1.0 / fraction), approximate=True)


def exact_counts(response: dict, all_versions: bool) -> Counts:
    aggs = response.get("aggregations") or {}
    if all_versions:
        total = int(response["hits"]["total"]["value"])
    else:
        total = int(aggs.get("clusters", {}).get("value", 0)) + int(aggs.get("unclustered", {}).get("doc_count", 0))
    return Counts(total=total, relation="eq", aggregations=aggs)


def _scaled(aggs: Mapping[str, dict], factor: float) -> dict:
    """Bucket counts times `factor`, rounded (a bucket the sample holds is never scaled below 1)."""
    out: dict = {}
    for name, agg in aggs.items():
        if "buckets" in agg:
            out[name] = {**agg, "buckets": [{**b, "doc_count": max(1, round(b["doc_count"] * factor))}
                                            for b in agg["buckets"]]}
        else:
            out[name] = agg
    return out
