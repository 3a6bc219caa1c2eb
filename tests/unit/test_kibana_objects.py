"""The Kibana saved objects: in sync with their source, consistent with the index mapping (every field
they name exists, sub-fields included), internally linked, and imported the way Kibana expects."""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from akhbar.kibana import SAVED_OBJECTS, KibanaError, load_objects, setup
from akhbar.kibana.objects import saved_objects, to_ndjson
from index.mapping import mappings

META_FIELDS = {"_id", "_index", "_score", "_source"}
KQL_FIELD = re.compile(r"(?<![\w.\"])([A-Za-z_][\w.]*)\s*:")


def mapped_fields() -> set[str]:
    out: set[str] = set()

    def walk(properties: dict, prefix: str = "") -> None:
        for name, spec in properties.items():
            path = prefix + name
            out.add(path)
            for sub in spec.get("fields", {}):
                out.add(f"{path}.{sub}")
            if "properties" in spec:
                walk(spec["properties"], path + ".")

    walk(mappings()["properties"])
    return out


def referenced_fields(obj: dict) -> set[str]:
    attrs = obj["attributes"]
    fields: set[str] = set()
    if obj["type"] == "index-pattern":
        fields.add(attrs["timeFieldName"])
        fields |= {f["value"] for f in json.loads(attrs.get("sourceFilters") or "[]")}
    if obj["type"] == "search":
        fields |= set(attrs["columns"])
        fields |= {field for field, _ in attrs["sort"]}
    if obj["type"] == "visualization":
        for agg in json.loads(attrs["visState"])["aggs"]:
            if "field" in agg["params"]:
                fields.add(agg["params"]["field"])
    if obj["type"] == "map":
        for layer in json.loads(attrs["layerListJSON"]):
            if "geoField" in layer["sourceDescriptor"]:
                fields.add(layer["sourceDescriptor"]["geoField"])
    source = (attrs.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON")
    if source:
        query = json.loads(source).get("query", {}).get("query", "")
        fields |= set(KQL_FIELD.findall(query))
    return fields


def test_file_matches_its_source() -> None:
    assert SAVED_OBJECTS.read_text(encoding="utf-8") == to_ndjson(saved_objects()), (
        "regenerate: python -m akhbar.kibana.objects > akhbar/kibana/saved_objects.ndjson")


def test_every_referenced_field_exists_in_the_mapping() -> None:
    known = mapped_fields() | META_FIELDS
    assert {"title.exact", "title.raw", "body.exact", "published_at", "job_id"} <= known  # sub-fields seen
    checked = 0
    for obj in load_objects():
        fields = referenced_fields(obj)
        missing = fields - known
        assert not missing, f"{obj['type']} {obj['id']} names unknown field(s) {sorted(missing)}"
        checked += len(fields)
    assert checked > 20


def test_kql_field_extraction_sees_fields() -> None:
    assert KQL_FIELD.findall("not published_at:* and outlet : lana or title.raw:\"x: y\"") == [
        "published_at", "outlet", "title.raw"]


def test_objects_are_linked_and_cover_the_dashboard() -> None:
    objects = load_objects()
    by_id = {(o["type"], o["id"]): o for o in objects}
    assert len(by_id) == len(objects)
    for obj in objects:
        assert obj["coreMigrationVersion"].startswith("8.")
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_id, f"{obj['id']} -> missing {ref}"
    views = {o["id"]: o["attributes"] for o in objects if o["type"] == "index-pattern"}
    assert {v["title"] for v in views.values()} == {"akhbar-articles*"}
    assert {v["timeFieldName"] for v in views.values()} == {"published_at", "crawled_at"}

    dashboard = by_id[("dashboard", "akhbar-overview")]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r for r in dashboard["references"]}
    shown = [by_id[(refs[f"{p['panelIndex']}:{p['panelRefName']}"]["type"],
                    refs[f"{p['panelIndex']}:{p['panelRefName']}"]["id"])] for p in panels]
    fields_shown = set().union(*(referenced_fields(o) for o in shown))
    # articles per outlet per day; reposts; crawl jobs; missing dates
    vis = {o["id"]: json.loads(o["attributes"]["visState"]) for o in shown if o["type"] == "visualization"}
    per_day = vis["akhbar-vis-articles-per-outlet-per-day"]["aggs"]
    assert [(a["type"], a["params"].get("field")) for a in per_day[1:]] == [
        ("date_histogram", "published_at"), ("terms", "outlet")]
    assert {"source_outlet", "also_published_by", "job_id"} <= fields_shown
    missing_date = [o for o in shown if "not published_at:*" in
                    o["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "")]
    assert missing_date and all(o["references"][0]["id"] == "akhbar-articles-crawled" for o in missing_date)
    # places: a map of `location` and a table of place names on the dashboard, a saved search per major city
    assert {"location", "places.name_ar"} <= fields_shown
    city_searches = [o for o in objects if o["id"].startswith("akhbar-search-place-")]
    assert len(city_searches) >= 8
    assert all("places.id" in referenced_fields(o) for o in city_searches)


# -- the importer ------------------------------------------------------------------------------------------
class _FakeKibana(BaseHTTPRequestHandler):
    """Answers like Kibana's POST /api/saved_objects/_import, and records what it got."""

    seen: list[dict] = []
    status = 200
    answer: dict = {}

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        payload = json.dumps(self.answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def fake_kibana():
    _FakeKibana.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeKibana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_setup_posts_multipart_with_xsrf_header(fake_kibana) -> None:
    server, url = fake_kibana
    objects = load_objects()
    _FakeKibana.status = 200
    _FakeKibana.answer = {"success": True, "successCount": len(objects), "successResults": [
        {"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"].get("title")}} for o in objects]}
    result = setup(url, space="news")
    assert result.success_count == len(objects)
    assert {o["id"] for o in result.objects} == {o["id"] for o in objects}
    request = _FakeKibana.seen[0]
    assert request["path"] == "/s/news/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="saved_objects.ndjson"' in request["body"]
    assert SAVED_OBJECTS.read_bytes() in request["body"]


def test_setup_reports_refused_objects_and_unready_kibana(fake_kibana) -> None:
    server, url = fake_kibana
    _FakeKibana.status = 200
    _FakeKibana.answer = {"success": False, "successCount": 0, "errors": [
        {"type": "visualization", "id": "x", "meta": {"title": "Akhbar · x"}, "error": {"type": "missing_references"}}]}
    with pytest.raises(KibanaError, match="missing_references"):
        setup(url)
    _FakeKibana.status = 503
    _FakeKibana.answer = {"message": "Kibana server is not ready yet"}
    with pytest.raises(KibanaError, match="not ready yet"):
        setup(url)


def test_setup_when_kibana_is_down() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(KibanaError, match="cannot reach Kibana") as info:
        setup(f"http://127.0.0.1:{port}", timeout=5)
    assert "docker compose" in str(info.value)
