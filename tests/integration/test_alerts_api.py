"""The `/alerts` endpoints of the running `akhbar api` (api_stack in tests/conftest.py): writes need the
bearer token like POST /jobs, webhooks pass the SSRF guard, the Atom feed parses, errors are JSON."""

from __future__ import annotations

import json

import feedparser
import httpx
import pytest
import redis

from index.adapter import SearchAdapter
from workers.alerts import AlertStore

pytestmark = pytest.mark.integration


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """A JSON error of the documented shape (as in test_api.py), without any trace of a stack."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    if code:
        assert body["error"]["code"] == code, body
    assert "Traceback" not in response.text
    return body["error"]


def test_saved_searches_over_http(api_stack) -> None:
    url, auth = api_stack.url, api_stack.headers()
    body = {"name": "سرت-api", "q": "حقل الشرارة", "outlet": ["fx-wasat"],
            "webhook": api_stack.adhoc_url + "hooks/secret-path?token=T0K3N-s3cr3t"}
    origin = api_stack.adhoc_url.rstrip("/")
    with httpx.Client(base_url=url, timeout=30) as http:
        assert_error(http.post("/alerts", json=body), 401, "unauthorized")
        assert_error(http.post("/alerts", json=body, headers={"Authorization": "Bearer wrong"}), 401)
        # The SSRF guard of crawl targets: private, link-local and non-allow-listed hosts are refused.
        for webhook in ("http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data",
                        "http://example.com/hook", "file:///etc/passwd"):
            error = assert_error(http.post("/alerts", json={**body, "webhook": webhook}, headers=auth), 403,
                                 "target_not_allowed")
            assert "webhook refused" in error["message"]
        assert_error(http.post("/alerts", json={**body, "name": "a b"}, headers=auth), 400, "invalid_request")
        assert_error(http.post("/alerts", json={**body, "q": "-الشرارة"}, headers=auth), 400, "invalid_request")
        assert_error(http.post("/alerts", json={**body, "extra": 1}, headers=auth), 400)

        created = http.post("/alerts", json=body, headers=auth)
        assert created.status_code == 201, created.text
        saved = created.json()
        assert saved["name"] == body["name"] and saved["outlet"] == ["fx-wasat"]
        assert saved["webhook"] == origin  # scheme and host only: the path and query hold secrets
        assert created.headers["location"] == saved["feed"].removesuffix(".atom")
        assert_error(http.post("/alerts", json=body, headers=auth), 409, "conflict")
        assert http.post("/alerts", json={**body, "replace": True, "q": "الشرارة"}, headers=auth).status_code == 201

        listed = http.get("/alerts")
        mine = [a for a in listed.json()["alerts"] if a["name"] == body["name"]]
        assert len(mine) == 1 and mine[0]["q"] == "الشرارة" and mine[0]["alerts"] == 0
        assert mine[0]["webhook"] == origin
        one = http.get(saved["feed"].removesuffix(".atom"))
        assert one.status_code == 200 and one.json()["recent"] == [] and one.json()["webhook"] == origin
        for response in (created, listed, one):
            assert "T0K3N" not in response.text and "secret-path" not in response.text
        # The index (what Kibana's read-only role can read) keeps the origin only; Redis keeps the URL.
        engine = SearchAdapter(api_stack.env["AKHBAR_SEARCH_URL"])
        stored = json.dumps(engine.search(api_stack.env["AKHBAR_ALERTS_INDEX"], {"query": {"match_all": {}}}),
                            ensure_ascii=False)
        engine.close()
        assert body["name"] in stored and "T0K3N" not in stored and "secret-path" not in stored
        store = AlertStore(redis.Redis.from_url(api_stack.env["AKHBAR_REDIS_URL"]))
        assert store.webhook(body["name"]) == body["webhook"]

        feed = http.get(saved["feed"])
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(feed.content)
        assert parsed.bozo == 0 and parsed.version == "atom10" and parsed.entries == []
        assert parsed.feed.links[0].href == f"{url}{saved['feed']}"

        assert_error(http.delete(saved["feed"].removesuffix(".atom")), 401)
        assert http.delete(saved["feed"].removesuffix(".atom"), headers=auth).json() == {"deleted": body["name"]}
        assert store.webhook(body["name"]) is None
        assert_error(http.get(saved["feed"]), 404, "not_found")
        assert_error(http.delete(saved["feed"].removesuffix(".atom"), headers=auth), 404, "not_found")


def test_webhook_urls_saved_before_move_out_of_the_index(api_stack) -> None:
    """A saved search stored by the code before kept its whole webhook URL in the index (readable by
    Kibana's read-only role); the worker moves it to Redis once and leaves the origin."""
    from index.percolate import SavedSearch, delete, ensure_alerts_index, save
    from workers.alerts import move_legacy_webhooks

    engine = SearchAdapter(api_stack.env["AKHBAR_SEARCH_URL"])
    store = AlertStore(redis.Redis.from_url(api_stack.env["AKHBAR_REDIS_URL"]))
    index = ensure_alerts_index(engine, api_stack.env["AKHBAR_ALERTS_INDEX"])
    legacy = SavedSearch.create("legacy-hook", "الشرارة", webhook=api_stack.adhoc_url + "hook?token=L3GACY-s3cr3t")
    save(engine, index.alias, legacy)  # as it was stored before
    try:
        assert move_legacy_webhooks(engine, index, store) == 1
        stored = json.dumps(engine.search(index.alias, {"query": {"match_all": {}}}), ensure_ascii=False)
        assert "legacy-hook" in stored and "L3GACY" not in stored
        assert store.webhook("legacy-hook") == legacy.webhook
        assert move_legacy_webhooks(engine, index, store) == 0  # once
    finally:
        delete(engine, index.alias, "legacy-hook")
        store.forget("legacy-hook")
        engine.close()
