"""The Kibana 8 saved objects shipped in `saved_objects.ndjson`, written as code so they stay readable.

    python -m akhbar.kibana.objects > akhbar/kibana/saved_objects.ndjson   # after changing this file

(tests/unit/test_kibana_objects.py fails when the file and this module disagree, and when an object
names a field the index mapping does not have.)

Two data views over the same alias: `published_at` as time field (what the news is about) and
`crawled_at` (what the crawler harvested). Articles without a date are invisible in a view whose time
field they lack, so everything about missing dates and crawl jobs uses the crawl-time view.
Visualizations are aggregation-based (`visualization` objects), which Kibana 8 imports and migrates.
"""

from __future__ import annotations

import json
from typing import Any

ALIAS_PATTERN = "akhbar-articles*"
VIEW = "akhbar-articles"  # time field published_at
VIEW_CRAWLED = "akhbar-articles-crawled"  # time field crawled_at
CORE_VERSION = "8.8.0"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def _search_source(query: str = "", filters: list | None = None) -> str:
    return json.dumps({"query": {"query": query, "language": "kuery"}, "filter": filters or [],
                       "indexRefName": INDEX_REF}, ensure_ascii=False)


def data_view(view_id: str, name: str, time_field: str) -> dict:
    return {
        "id": view_id, "type": "index-pattern", "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.0.0", "managed": False, "references": [],
        "attributes": {"title": ALIAS_PATTERN, "name": name, "timeFieldName": time_field,
                       "allowNoIndex": True, "sourceFilters": json.dumps([{"value": "content_hash"}])},
    }


def saved_search(search_id: str, title: str, view: str, query: str, columns: list[str],
                 sort: list[list[str]], description: str = "") -> dict:
    return {
        "id": search_id, "type": "search", "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.0.0", "managed": False,
        "references": [{"id": view, "name": INDEX_REF, "type": "index-pattern"}],
        "attributes": {"title": title, "description": description, "columns": columns, "sort": sort,
                       "grid": {}, "hideChart": False, "isTextBasedQuery": False, "timeRestore": False,
                       "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)}},
    }


def _agg(agg_id: str, agg_type: str, schema: str, **params: Any) -> dict:
    return {"id": agg_id, "enabled": True, "type": agg_type, "schema": schema, "params": params}


def _terms(agg_id: str, schema: str, field: str, size: int, label: str, order_by: str = "1",
           order: str = "desc") -> dict:
    return _agg(agg_id, "terms", schema, field=field, size=size, order=order, orderBy=order_by,
                otherBucket=False, otherBucketLabel="Other", missingBucket=False,
                missingBucketLabel="Missing", customLabel=label)


def _xy_params(chart: str, value_label: str, horizontal: bool = False) -> dict:
    category_position, value_position = ("left", "bottom") if horizontal else ("bottom", "left")
    return {
        "type": chart, "addTooltip": True, "addLegend": True, "legendPosition": "right",
        "times": [], "addTimeMarker": False, "labels": {"show": False},
        "grid": {"categoryLines": False},
        "thresholdLine": {"show": False, "value": 10, "width": 1, "style": "full", "color": "#E7664C"},
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": category_position,
                          "show": True, "style": {}, "scale": {"type": "linear"},
                          "labels": {"show": True, "filter": True, "truncate": 100}, "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": value_position,
                       "show": True, "style": {}, "scale": {"type": "linear", "mode": "normal"},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": value_label}}],
        "seriesParams": [{"show": True, "type": "histogram", "mode": "stacked",
                          "data": {"label": value_label, "id": "1"}, "valueAxis": "ValueAxis-1",
                          "drawLinesBetweenPoints": True, "lineWidth": 2, "showCircles": True}],
    }


def _table_params() -> dict:
    return {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": True,
            "totalFunc": "sum", "percentageCol": "", "autoFitRowToContent": False}


def visualization(vis_id: str, title: str, view: str, vis_type: str, aggs: list[dict], params: dict,
                  query: str = "", description: str = "") -> dict:
    return {
        "id": vis_id, "type": "visualization", "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.5.0", "managed": False,
        "references": [{"id": view, "name": INDEX_REF, "type": "index-pattern"}],
        "attributes": {
            "title": title, "description": description, "uiStateJSON": "{}", "version": 1,
            "visState": json.dumps({"title": title, "type": vis_type, "aggs": aggs, "params": params},
                                   ensure_ascii=False),
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)},
        },
    }


# Major Libyan cities: one saved search each (gazetteer ids, workers/clean/gazetteer.tsv).
CITIES = (("ly:tripoli", "Tripoli · طرابلس"), ("ly:benghazi", "Benghazi · بنغازي"), ("ly:misrata", "Misrata · مصراتة"),
          ("ly:sabha", "Sabha · سبها"), ("ly:zawiya", "Zawiya · الزاوية"), ("ly:derna", "Derna · درنة"),
          ("ly:sirte", "Sirte · سرت"), ("ly:kufra", "Kufra · الكفرة"), ("ly:tobruk", "Tobruk · طبرق"))


def places_map(map_id: str, title: str, view: str, description: str = "") -> dict:
    """A Kibana Maps object: articles by their main place (`location`), as a grid of counts."""
    layers = [
        {"id": "basemap", "type": "EMS_VECTOR_TILE", "visible": True, "alpha": 1, "minZoom": 0, "maxZoom": 24,
         "sourceDescriptor": {"type": "EMS_TMS", "isAutoSelect": True}, "style": {"type": "EMS_VECTOR_TILE"}},
        {"id": "articles-by-place", "type": "GEOJSON_VECTOR", "visible": True, "alpha": 0.85, "minZoom": 0,
         "maxZoom": 24, "label": "Articles by place",
         "sourceDescriptor": {"type": "ES_GEO_GRID", "id": "articles-by-place-source", "geoField": "location",
                              "requestType": "point", "resolution": "COARSE", "applyGlobalQuery": True,
                              "metrics": [{"type": "count", "label": "Articles"}],
                              "indexPatternRefName": "layer_1_source_index_pattern"},
         "style": {"type": "VECTOR", "isTimeAware": True, "properties": {
             "iconSize": {"type": "DYNAMIC", "options": {"field": {"name": "doc_count", "origin": "source"},
                                                         "minSize": 6, "maxSize": 32}}}}},
    ]
    return {
        "id": map_id, "type": "map", "coreMigrationVersion": CORE_VERSION, "typeMigrationVersion": "8.4.0",
        "managed": False,
        "references": [{"id": view, "name": "layer_1_source_index_pattern", "type": "index-pattern"}],
        "attributes": {
            "title": title, "description": description,
            "layerListJSON": json.dumps(layers, ensure_ascii=False),
            "mapStateJSON": json.dumps({"zoom": 4.6, "center": {"lat": 27.0, "lon": 17.5},
                                        "timeFilters": {"from": "now-1y", "to": "now"},
                                        "query": {"query": "", "language": "kuery"}, "filters": []}),
            "uiStateJSON": json.dumps({"isLayerTOCOpen": True, "openTOCDetails": []}),
        },
    }


def dashboard(dash_id: str, title: str, panels: list[tuple[str, str, dict]], description: str = "") -> dict:
    """panels: (saved object type, id, gridData without i)."""
    panels_json = []
    references = []
    for index, (obj_type, obj_id, grid) in enumerate(panels, 1):
        key = f"p{index}"
        panels_json.append({"version": "8.15.0", "type": obj_type, "gridData": {**grid, "i": key},
                            "panelIndex": key, "embeddableConfig": {"enhancements": {}},
                            "panelRefName": f"panel_{key}"})
        references.append({"name": f"{key}:panel_{key}", "type": obj_type, "id": obj_id})
    return {
        "id": dash_id, "type": "dashboard", "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.7.0", "managed": False, "references": references,
        "attributes": {
            "title": title, "description": description, "version": 1, "timeRestore": True,
            "timeFrom": "now-30d", "timeTo": "now", "refreshInterval": {"pause": True, "value": 60000},
            "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "syncCursor": True,
                                       "syncTooltips": False, "hidePanelTitles": False}),
            "panelsJSON": json.dumps(panels_json, ensure_ascii=False),
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                {"query": {"query": "", "language": "kuery"}, "filter": []})},
        },
    }


def saved_objects() -> list[dict]:
    count = _agg("1", "count", "metric", customLabel="Articles")
    per_day = visualization(
        "akhbar-vis-articles-per-outlet-per-day", "Akhbar · articles per outlet per day", VIEW, "histogram",
        [count,
         _agg("2", "date_histogram", "segment", field="published_at", useNormalizedEsInterval=True,
              interval="d", drop_partials=False, min_doc_count=1, extended_bounds={},
              customLabel="Published (day)"),
         _terms("3", "group", "outlet", 25, "Outlet")],
        _xy_params("histogram", "Articles"),
        description="Articles by publication day, stacked by outlet (one version per outlet).")
    repost_sources = visualization(
        "akhbar-vis-repost-sources", "Akhbar · top sources of reposts (source_outlet)", VIEW_CRAWLED,
        "horizontal_bar",
        [count, _terms("2", "segment", "source_outlet", 20, "Original outlet"),
         _terms("3", "group", "outlet", 10, "Reposted by")],
        _xy_params("histogram", "Reposts", horizontal=True), query="source_outlet:*",
        description="Articles that name another outlet as their source, by that source and the reposting outlet.")
    also_published = visualization(
        "akhbar-vis-also-published-by", "Akhbar · stories also published by", VIEW_CRAWLED, "table",
        [count, _terms("2", "bucket", "also_published_by", 20, "Also published by"),
         _agg("3", "cardinality", "metric", field="cluster_id", customLabel="Stories")],
        _table_params(), query="also_published_by:*",
        description="Outlets whose copies of a story exist alongside another outlet's (near-duplicate clusters).")
    job_harvest = visualization(
        "akhbar-vis-crawl-job-harvest", "Akhbar · crawl jobs and their harvest", VIEW_CRAWLED, "table",
        [count, _terms("2", "bucket", "job_id", 30, "Crawl job", order_by="_key"),
         _terms("3", "bucket", "outlet", 10, "Outlet"),
         _agg("4", "min", "metric", field="crawled_at", customLabel="First article"),
         _agg("5", "max", "metric", field="crawled_at", customLabel="Last article"),
         _agg("6", "cardinality", "metric", field="cluster_id", customLabel="Stories")],
        _table_params(), description="Articles indexed per crawl job (newest job first) and outlet.")
    missing_dates = visualization(
        "akhbar-vis-missing-date-by-outlet", "Akhbar · articles with a missing date, by outlet", VIEW_CRAWLED,
        "table",
        [count, _terms("2", "bucket", "outlet", 30, "Outlet"),
         _agg("3", "max", "metric", field="crawled_at", customLabel="Last seen")],
        _table_params(), query="not published_at:*",
        description="Articles the extractor found no publication date for; a jump for one outlet usually "
                    "means its page template changed.")
    latest = saved_search("akhbar-search-latest", "Akhbar · latest articles", VIEW, "",
                          ["title", "outlet", "section", "url"], [["published_at", "desc"]])
    reposts = saved_search("akhbar-search-reposts", "Akhbar · reposts", VIEW_CRAWLED,
                           "source_outlet:* or also_published_by:*",
                           ["title", "outlet", "source_outlet", "also_published_by", "cluster_id"],
                           [["crawled_at", "desc"]])
    missing = saved_search("akhbar-search-missing-date", "Akhbar · articles with a missing date", VIEW_CRAWLED,
                           "not published_at:*", ["title", "outlet", "date_source", "url", "job_id"],
                           [["crawled_at", "desc"]])
    by_job = saved_search("akhbar-search-crawl-jobs", "Akhbar · articles by crawl job", VIEW_CRAWLED, "job_id:*",
                          ["job_id", "outlet", "title", "published_at"], [["crawled_at", "desc"]])
    by_place = visualization(
        "akhbar-vis-articles-by-place", "Akhbar · articles by place", VIEW, "table",
        [count, _terms("2", "bucket", "places.name_ar", 30, "Place"),
         _agg("3", "cardinality", "metric", field="cluster_id", customLabel="Stories")],
        _table_params(), description="Articles by the places they are about (workers/clean/places.py).")
    place_map = places_map("akhbar-map-articles-by-place", "Akhbar · map of articles by place", VIEW,
                           description="Articles by their main place (the `location` point).")
    cities = [saved_search(f"akhbar-search-place-{pid.split(':')[1]}", f"Akhbar · {label}", VIEW,
                           f'places.id : "{pid}"', ["title", "outlet", "dateline", "url"], [["published_at", "desc"]])
              for pid, label in CITIES]
    overview = dashboard("akhbar-overview", "Akhbar · overview", [
        ("visualization", per_day["id"], {"x": 0, "y": 0, "w": 48, "h": 15}),
        ("visualization", repost_sources["id"], {"x": 0, "y": 15, "w": 24, "h": 15}),
        ("visualization", also_published["id"], {"x": 24, "y": 15, "w": 24, "h": 15}),
        ("visualization", job_harvest["id"], {"x": 0, "y": 30, "w": 28, "h": 16}),
        ("visualization", missing_dates["id"], {"x": 28, "y": 30, "w": 20, "h": 16}),
        ("search", missing["id"], {"x": 0, "y": 46, "w": 48, "h": 15}),
        ("map", place_map["id"], {"x": 0, "y": 61, "w": 30, "h": 20}),
        ("visualization", by_place["id"], {"x": 30, "y": 61, "w": 18, "h": 20}),
    ], description="Articles per outlet per day, reposts, crawl jobs, missing dates and places.")
    return [
        data_view(VIEW, "Akhbar articles (by publication date)", "published_at"),
        data_view(VIEW_CRAWLED, "Akhbar articles (by crawl time)", "crawled_at"),
        latest, reposts, missing, by_job,
        *cities,
        per_day, repost_sources, also_published, job_harvest, missing_dates, by_place, place_map,
        overview,
    ]


def to_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)


if __name__ == "__main__":
    import sys

    sys.stdout.write(to_ndjson(saved_objects()))
