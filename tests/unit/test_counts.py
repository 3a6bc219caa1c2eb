"""index.counts: the counting requests' shape and how their responses become a total and facets."""

from __future__ import annotations

from index.counts import EXACT_TIMEOUT, ORDER_KEY_SPAN, count_bodies, read_counts, sample_fraction

QUERY = {"match": {"body": "x"}}
AGGS = {"outlet": {"terms": {"field": "outlet"}}, "clusters": {"cardinality": {"field": "cluster_id"}},
        "unclustered": {"missing": {"field": "cluster_id"}}}


def test_a_small_archive_is_counted_exactly_in_one_request() -> None:
    assert sample_fraction(50_000) == 1.0
    [body] = count_bodies(QUERY, AGGS, 1.0)
    assert body == {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": [QUERY]}}, "aggs": AGGS}


def test_a_large_archive_gets_a_capped_count_and_a_uniform_sample() -> None:
    fraction = sample_fraction(1_000_000)
    assert fraction == 0.05
    capped, sampled, exact = count_bodies(QUERY, AGGS, fraction, cap=10_000)
    assert capped == {"size": 0, "track_total_hits": 10_000, "query": {"bool": {"filter": [QUERY]}}}
    assert exact == {**count_bodies(QUERY, AGGS, 1.0)[0], "timeout": EXACT_TIMEOUT}
    [query, sample] = sampled["query"]["bool"]["filter"]
    assert query == QUERY and sample == {"range": {"order_key": {"lt": int(0.05 * ORDER_KEY_SPAN)}}}
    assert sampled["aggs"] == AGGS


def _response(outlets: dict[str, int], clusters: int, unclustered: int, docs: int, relation: str = "eq") -> dict:
    return {"hits": {"total": {"value": docs, "relation": relation}},
            "aggregations": {"outlet": {"buckets": [{"key": k, "doc_count": n} for k, n in outlets.items()]},
                             "clusters": {"value": clusters}, "unclustered": {"doc_count": unclustered}}}


def test_a_small_archive_reads_exact_counts() -> None:
    counts = read_counts([_response({"a": 7}, 5, 1, 7)], 1.0, all_versions=False)
    assert (counts.total, counts.relation, counts.approximate) == (6, "eq", False)
    assert counts.aggregations["outlet"]["buckets"] == [{"key": "a", "doc_count": 7}]
    assert read_counts([_response({"a": 7}, 5, 1, 7)], 1.0, all_versions=True).total == 7


def test_under_the_cap_the_exact_request_counts_unless_it_was_cut_off() -> None:
    capped = {"hits": {"total": {"value": 7, "relation": "eq"}}}
    sampled = _response({"a": 1}, 1, 0, 1)
    exact = _response({"a": 7}, 5, 1, 7)
    counts = read_counts([capped, sampled, exact], 0.05, all_versions=False)
    assert (counts.total, counts.relation, counts.approximate) == (6, "eq", False)
    assert counts.aggregations["outlet"]["buckets"] == [{"key": "a", "doc_count": 7}]
    assert read_counts([capped, sampled, {**exact, "timed_out": True}], 0.05, all_versions=False) is None


def test_past_the_cap_the_total_is_a_lower_bound_and_facets_are_scaled_from_the_sample() -> None:
    capped = {"hits": {"total": {"value": 10_000, "relation": "gte"}}}
    sampled = _response({"a": 2_000, "b": 1}, 1_900, 0, 2_001)
    cut_off = {**_response({"a": 9_000}, 8_000, 0, 9_000), "timed_out": True}
    for exact in (cut_off, _response({"a": 90_000}, 80_000, 0, 90_000)):  # timing never decides
        counts = read_counts([capped, sampled, exact], 0.05, all_versions=False)
        assert (counts.total, counts.relation, counts.approximate) == (10_000, "gte", True)
    assert counts.aggregations["outlet"]["buckets"] == [{"key": "a", "doc_count": 40_000},
                                                        {"key": "b", "doc_count": 20}]
