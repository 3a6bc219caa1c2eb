"""The search filters are declared once (index/filters.py): every consumer follows the table.

A fake filter added to a copy of the table shows up in the query, the API signature (OpenAPI), the
CLI options, saved-search validation and the page's filter list; the real table's filters are exactly
what each consumer offers."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from akhbar import cli
from akhbar.alerts_api import AlertRequest, alert_request_model, request_filters
from akhbar.api import LIST_PARAMS, ApiConfig, create_app, filter_query_params
from index.filters import FILTERS, FilterSpec, public_filters
from index.percolate import SavedSearch, SavedSearchError, saved_query
from index.query import QueryError, parse_query
from index.search import SearchParams, build_search, filter_clauses, filtered_query

AUTHOR = FilterSpec("author", "terms", "authors", "Author", label_ar="الكاتب", any_ar="كل الكتّاب")
FAKE = (*FILTERS, AUTHOR)
KEYS = {s.key for s in FILTERS}
WEB = Path(cli.__file__).with_name("web")


def test_a_new_filter_is_one_table_entry() -> None:
    # The query: coerced like its kind, one terms clause on its field.
    params = SearchParams.coerce({"q": "نفط", "author": "a, b", "outlet": "x"}, FAKE)
    assert params.author == ["a", "b"]
    assert filter_clauses(params, FAKE) == [{"terms": {"outlet": ["x"]}}, {"terms": {"authors": ["a", "b"]}}]
    assert {"terms": {"authors": ["a", "b"]}} in filtered_query(parse_query("نفط"), params, FAKE)["bool"]["filter"]
    with pytest.raises(QueryError, match="unknown search parameter"):  # not in the real table
        SearchParams.coerce({"author": "a"})

    # The API: a query parameter in the OpenAPI document.
    app = FastAPI()
    app.add_api_route("/s", lambda: None, dependencies=[Depends(filter_query_params(FAKE))])
    names = {p["name"] for p in TestClient(app).get("/openapi.json").json()["paths"]["/s"]["get"]["parameters"]}
    assert names == KEYS | {"author"}

    # The CLI: a repeatable option, values as search takes them.
    seen: dict = {}

    @click.command()
    @cli.filter_options(FAKE)
    def command(**options: object) -> None:
        seen.update(cli.filter_values(options, FAKE))

    result = CliRunner().invoke(command, ["--author", "a", "--author", "b,c", "--from", "2024-01-01"])
    assert result.exit_code == 0, result.output
    assert seen == {"author": ["a", "b", "c"], "from": "2024-01-01"}

    # Saved searches: validated like search, stored by name, matched by the same query builder.
    saved = SavedSearch.create("by-author", "نفط", filters={"author": ["a", "a"]}, table=FAKE)
    assert saved.filters == {"author": ["a"]}
    assert {"terms": {"authors": ["a"]}} in saved.query(FAKE)["bool"]["filter"]
    with pytest.raises(SavedSearchError, match="unknown filter"):
        SavedSearch.create("by-author", "نفط", filters={"author": ["a"]})
    body = alert_request_model(FAKE).model_validate({"name": "n", "q": "نفط", "author": ["a"]})
    assert request_filters(body, FAKE) == {"author": ["a"]}

    # The page: the filter list it builds its form from.
    assert public_filters(FAKE)[-1] | {"choices": []} == {
        "name": "author", "kind": "terms", "multi": True, "description": "Author (repeatable)", "label": "الكاتب",
        "any": "كل الكتّاب", "choices": [], "choices_from": None, "facet": False}


def test_facets_come_from_the_table_both_place_facets_included() -> None:
    from index.search import _facets, facet_aggs

    aggs = facet_aggs()
    assert aggs["place"] == {"terms": {"field": "places.id", "size": 30}}
    assert aggs["main_place"] == {"terms": {"field": "main_place.id", "size": 30}}
    assert set(aggs) == {"outlet", "place", "main_place", "month"}
    faceted = (*FILTERS, FilterSpec("author", "terms", "authors", "Author", facet=5))
    assert facet_aggs(faceted)["author"] == {"terms": {"field": "authors", "size": 5}}
    shaped = _facets({"author": {"buckets": [{"key": "a", "doc_count": 2}]}}, faceted)
    assert shaped["author"] == [{"key": "a", "count": 2}] and shaped["month"] == []


def test_every_consumer_offers_exactly_the_tables_filters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from akhbar.core.config import load_settings

    monkeypatch.setenv("AKHBAR_HOME", str(tmp_path))
    client = TestClient(create_app(load_settings(), ApiConfig(token="t")), base_url="http://localhost")
    spec = client.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert params - {"q", "sort", "size", "cursor", "all_versions"} == KEYS and "place" in params
    assert {f["name"] for f in client.get("/search/filters").json()["filters"]} == KEYS
    assert set(spec["components"]["schemas"]["AlertRequest"]["properties"]) >= KEYS
    assert set(AlertRequest.model_json_schema(by_alias=True)["properties"]) >= KEYS
    assert {s.key for s in FILTERS if s.multi} == LIST_PARAMS
    for command in (cli.search, cli.alerts_add):
        flags = {opt for p in command.params for opt in p.opts}
        assert {s.flag for s in FILTERS} <= flags, command.name
    # The page hard-codes no filter: its controls come from /search/filters.
    html = (WEB / "index.html").read_text()
    assert not any(f'id="f-{key}"' in html for key in KEYS)


def test_saved_searches_take_every_filter_through_the_search_query_builder() -> None:
    filters = {"outlet": ["fx-lana"], "place": ["ly:tripoli"], "language": "ar", "from": "2024-01-01",
               "to": "2024-01-31"}
    saved = SavedSearch.create("tripoli", "اشتباكات", filters=filters)
    assert saved.filters == {**filters, "language": ["ar"]}
    assert saved.date_from == "2024-01-01" and saved.section == []
    searched = build_search({"q": "اشتباكات", **filters})["query"]["function_score"]["query"]
    searched["bool"].pop("should")
    assert saved.query() == searched
    assert SavedSearch.from_dict(saved.to_dict()) == saved
    with pytest.raises(SavedSearchError, match="from is after to"):
        SavedSearch.create("bad", "x", filters={"from": "2024-02-01", "to": "2024-01-01"})
    with pytest.raises(SavedSearchError, match="at most 20"):
        SavedSearch.create("many", "x", filters={"place": [f"p{i}" for i in range(21)]})


def test_saved_searches_stored_before_the_table_read_back_unchanged() -> None:
    legacy = {"name": "old", "q": "حقل الشرارة", "outlet": ["fx-wasat"], "webhook": None,
              "created_at": "2024-05-01T10:00:00+00:00"}
    search = SavedSearch.from_dict(legacy)
    assert search.outlet == ["fx-wasat"] and search.filters == {"outlet": ["fx-wasat"]}
    assert search.query() == saved_query("حقل الشرارة", ["fx-wasat"])
    assert search.to_dict() == {**legacy, **{s.key: s.empty() for s in FILTERS}, "outlet": ["fx-wasat"]}
    bare = SavedSearch.from_dict({**legacy, "outlet": []})
    assert bare.filters == {} and "filter" not in bare.query()["bool"]
