"""The HTTP API end to end: a crawl job submitted over HTTP, run by a real worker, found through /search,
/articles and the page; auth, SSRF refusal, malformed input, a search engine that is down, and errors
that never leak internals.

`api_stack` (tests/conftest.py) runs `akhbar api` as a subprocess with a worker, its own Redis database
and index alias, over the fixture web. Tests that need a different configuration (no token, another
allow-list, services down) build an app in-process with `create_app` and talk to it through Starlette's
TestClient, which can pretend to be a remote client."""

from __future__ import annotations

import dataclasses
import os
import select
import stat
import subprocess
import sys
import time
import warnings

import httpx
import pytest

from akhbar.api import ApiConfig, create_app
from akhbar.core.config import load_settings
from akhbar.core.procs import free_port
from akhbar.core.registry import load_registry
from akhbar.core.targets import AllowList
from index.adapter import SearchAdapter
from index.search import run_search
from tests.fixture_site import gold_by_key, load_gold
from workers.clean.places import place_names

pytestmark = pytest.mark.integration

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """A JSON error of the documented shape, without any trace of a stack."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["error"]


def local_app(tmp_path, *, redis_url: str = "redis://127.0.0.1:9/0", search_url: str = "http://127.0.0.1:9",
              **config) -> TestClient:
    settings = dataclasses.replace(load_settings(), home=tmp_path, redis_url=redis_url, search_url=search_url,
                                   search_engine="opensearch", index_alias="nothing-here", outlets_file=None,
                                   api_token=config.pop("token", None))
    return create_app(settings, ApiConfig(token=settings.api_token, **config))


def client_for(app, host: str = "127.0.0.1", *, authorized: bool = True, **kwargs) -> TestClient:
    """A client at address `host`; `authorized` sends the app's token. The Host header is a loopback name
    unless base_url says otherwise."""
    headers = dict(kwargs.pop("headers", {}))
    if authorized:
        headers["Authorization"] = f"Bearer {app.state.akhbar.config.token}"
    kwargs.setdefault("base_url", "http://127.0.0.1:8000")
    return TestClient(app, client=(host, 40000), raise_server_exceptions=False, headers=headers, **kwargs)


# -- the whole path --------------------------------------------------------------------------------------
def test_job_over_http_then_search_articles_and_page(api_stack) -> None:
    gold = load_gold()
    crawl = api_stack.crawled()
    submitted, job = crawl["submitted"], crawl["final"]
    assert submitted["state"] == "queued" and crawl["location"] == f"/jobs/{submitted['id']}"
    assert "outlet_configs" not in submitted["options"]  # internal plumbing stays internal
    assert job["state"] == "succeeded", job
    c = job["counters"]
    assert c["pages_sent"] == len(gold)
    assert c.get("articles_new", 0) + c.get("articles_duplicate", 0) == len(gold)
    assert c.get("articles_failed", 0) == 0

    with httpx.Client(base_url=api_stack.url, timeout=30) as api:
        assert submitted["id"] in [j["id"] for j in api.get("/jobs").json()["jobs"]]
        assert [j["id"] for j in api.get("/jobs", params={"state": "succeeded"}).json()["jobs"]][:1] == [submitted["id"]]

        # /search returns run_search's JSON unchanged, with the names a reader expects next to the ids.
        target = gold_by_key()["fx-wasat/maritime-search-rescue-coordination-tripoli"]
        result = api.get("/search", params={"q": "مركز مشترك", "size": 5}).json()
        adapter = SearchAdapter(api_stack.env["AKHBAR_SEARCH_URL"])
        names = load_registry(api_stack.env["AKHBAR_OUTLETS"]).display_names()
        direct = run_search(adapter, api_stack.alias, {"q": "مركز مشترك", "size": "5"}, names, place_names())
        assert result == direct
        assert result["hits"][0]["outlet_name"] == "بوابة الوسط التجريبية"
        assert set(result) == {"total", "total_relation", "hits", "facets", "facets_approximate", "next"}
        assert result["hits"][0]["title"] == target["title"]

        # Repeatable filters, and cursor paging without overlap.
        lana = api.get("/search", params=[("q", ""), ("outlet", "fx-lana"), ("outlet", "fx-marsad")]).json()
        assert lana["hits"] and {h["outlet"] for h in lana["hits"]} <= {"fx-lana", "fx-marsad"}
        first = api.get("/search", params={"sort": "date", "size": 5}).json()
        second = api.get("/search", params={"sort": "date", "size": 5, "cursor": first["next"]}).json()
        assert first["next"] and not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}

        # An article with its versions (an identical repost by the aggregator), and similar stories.
        repost = next(r for r in gold if r["outlet"] == "fx-alaan" and r["edits"] == ["identical"])
        original = gold_by_key()[repost["repost_of"]]
        hit = next(h for h in api.get("/search", params={"q": f'"{original["title"]}"'}).json()["hits"]
                   if h["title"] in (original["title"], repost["title"]))
        article = api.get(f"/articles/{hit['id']}").json()
        assert article["id"] == hit["id"] and article["body"] and article["title"] == hit["title"]
        assert {v["outlet"] for v in article["versions"]} >= {"fx-alaan", original["outlet"]}
        similar = api.get(f"/articles/{hit['id']}/similar", params={"size": 3}).json()
        assert set(similar) == {"total", "total_relation", "hits", "facets", "facets_approximate", "next"}
        assert len(similar["hits"]) <= 3
        assert hit["id"] not in [h["id"] for h in similar["hits"]]
        assert_error(api.get("/articles/0123456789abcdef01234567"), 404, "not_found")

        page = api.get("/")
        assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert api.get(f"/article/{hit['id']}").status_code == 200
        assert api.get("/docs").status_code == 200 and "/search" in api.get("/openapi.json").json()["paths"]


# -- auth -----------------------------------------------------------------------------------------------
def test_writes_need_the_bearer_token(api_stack) -> None:
    with httpx.Client(base_url=api_stack.url, timeout=30) as api:
        missing = api.post("/jobs", json={"outlets": ["fx-wasat"]})
        assert_error(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert_error(api.post("/jobs", json={"outlets": ["fx-wasat"]}, headers={"Authorization": "Bearer nope"}),
                     401, "unauthorized")
        assert_error(api.delete("/jobs/whatever"), 401, "unauthorized")
        assert_error(api.post("/jobs/whatever/retry"), 401, "unauthorized")
        assert api.get("/jobs").status_code == 200  # reads need no token
        # With the token, validation is next: an unknown outlet is a clear 400.
        error = assert_error(api.post("/jobs", json={"outlets": ["fx-wasta"]}, headers=api_stack.headers()),
                             400, "unknown_outlet")
        assert "fx-wasat" in error["message"]  # did you mean


def test_without_a_configured_token_writes_need_the_generated_one(tmp_path) -> None:
    app = local_app(tmp_path)  # no AKHBAR_API_TOKEN
    token_file = tmp_path / "api-token"
    token = token_file.read_text().strip()
    assert len(token) >= 32 and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert app.state.akhbar.config.token == token
    # Loopback is no pass any more: a proxy that adds no X-Forwarded-For made every client "local".
    for host in ("127.0.0.1", "::1", "203.0.113.9"):
        anonymous = client_for(app, host, authorized=False)
        assert_error(anonymous.post("/jobs", json={"outlets": ["lana"]}), 401, "unauthorized")
        assert_error(anonymous.delete("/jobs/abc"), 401, "unauthorized")
        assert_error(anonymous.post("/jobs/abc/retry"), 401, "unauthorized")
        assert_error(anonymous.post("/alerts", json={"name": "a", "q": "b"}), 401, "unauthorized")
        assert_error(anonymous.delete("/alerts/a"), 401, "unauthorized")
    # With the generated token, from anywhere, auth passes; validation is next (no Redis needed to show it).
    writer = client_for(app, "203.0.113.9", authorized=False, headers={"Authorization": f"Bearer {token}"})
    assert_error(writer.post("/jobs", json={"outlets": ["no-such-outlet"]}), 400, "unknown_outlet")


def test_api_prints_a_tokenised_url_and_the_cli_reads_the_token(tmp_path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "AKHBAR_API_TOKEN"}
    env.update({"AKHBAR_HOME": str(home), "AKHBAR_REDIS_URL": "redis://127.0.0.1:9/0",
                "AKHBAR_SEARCH_URL": "http://127.0.0.1:9"})
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "akhbar.cli", "api", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line, deadline = "", time.monotonic() + 30
        while "token=" not in line:  # the URL is printed before the server starts to listen
            ready, _, _ = select.select([server.stderr], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "akhbar api printed no tokenised URL"
            line = server.stderr.readline()
            assert line, "akhbar api exited without printing a tokenised URL"
        url = line[line.index("http://"):].split()[0]
        token = (home / "api-token").read_text().strip()
        assert url == f"http://127.0.0.1:{port}/?token={token}"
        assert stat.S_IMODE((home / "api-token").stat().st_mode) == 0o600
        printed = subprocess.run([sys.executable, "-m", "akhbar.cli", "api-token"], env=env, capture_output=True,
                                 text=True, timeout=60)
        assert printed.stdout.strip() == token, printed.stderr
        with httpx.Client(timeout=5, follow_redirects=True) as browser:
            deadline = time.monotonic() + 30
            while True:
                try:
                    login = browser.get(url)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None, "the API did not come up"
                    time.sleep(0.1)
            assert login.status_code == 200 and '<html lang="ar"' in login.text  # redirected to the page
            assert browser.cookies.get("akhbar_token") == token and browser.cookies.get("akhbar_csrf")
            assert_error(browser.post(f"http://127.0.0.1:{port}/jobs", json={"outlets": ["lana"]}), 403, "forbidden")
    finally:
        server.terminate()
        server.wait(15)


def test_the_tokenised_url_logs_the_page_in_and_its_writes_need_the_csrf_header(tmp_path) -> None:
    app = local_app(tmp_path, token="a-configured-token-0123456789")
    browser = client_for(app, authorized=False, follow_redirects=False)
    assert_error(browser.get("/?token=wrong"), 401, "unauthorized")
    login = browser.get("/?token=a-configured-token-0123456789")
    assert login.status_code == 303 and login.headers["location"] == "/"  # the token leaves the address bar
    cookies = login.headers.get_list("set-cookie")
    assert any(c.startswith("akhbar_token=") and "HttpOnly" in c and "SameSite=strict" in c for c in cookies)
    csrf = browser.cookies["akhbar_csrf"]
    body = {"outlets": ["no-such-outlet"]}
    # The cookie alone is what another site's form would send: refused.
    assert_error(browser.post("/jobs", json=body), 403, "forbidden")
    assert_error(browser.post("/jobs", json=body, headers={"X-Akhbar-CSRF": "a-guess"}), 403, "forbidden")
    assert_error(browser.post("/jobs", json=body, headers={"X-Akhbar-CSRF": csrf}), 400, "unknown_outlet")
    # A cookie from an older token (the server restarted with a new one) is refused.
    browser.cookies.set("akhbar_token", "an-old-token")
    assert_error(browser.post("/jobs", json=body, headers={"X-Akhbar-CSRF": csrf}), 401, "unauthorized")


def test_the_host_header_must_name_this_server(tmp_path) -> None:
    """DNS rebinding: the attacker's page reaches 127.0.0.1 under its own name; that name is refused."""
    app = local_app(tmp_path)
    rebound = client_for(app, base_url="http://attacker.example:8000")
    assert_error(rebound.get("/jobs"), 403, "host_not_allowed")
    assert_error(rebound.post("/jobs", json={"outlets": ["no-such-outlet"]}), 403, "host_not_allowed")
    assert_error(rebound.get("/"), 403, "host_not_allowed")
    for base in ("http://localhost:8000", "http://127.0.0.1", "http://[::1]:8000", "http://LOCALHOST."):
        assert client_for(app, base_url=base).get("/").status_code == 200, base
    proxied = local_app(tmp_path, allowed_hosts=("news.example.org",))
    assert client_for(proxied, base_url="https://news.example.org").get("/").status_code == 200
    assert_error(client_for(proxied, base_url="https://evil.example.org").get("/"), 403, "host_not_allowed")


def test_fixture_mode_is_refused_over_http(tmp_path) -> None:
    client = client_for(local_app(tmp_path))
    error = assert_error(client.post("/jobs", json={"outlets": ["lana"], "mode": "fixture"}), 400, "invalid_request")
    assert "akhbar crawl --mode fixture" in error["message"]


def test_the_docs_page_has_a_csp_that_allows_its_own_script_only(tmp_path) -> None:
    import base64
    import hashlib
    import re

    page = client_for(local_app(tmp_path)).get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    csp = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert inline  # Swagger UI's start-up script, allowed by its hash and nothing else inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]


# -- SSRF -----------------------------------------------------------------------------------------------
INTERNAL = ["http://127.0.0.1:8080/", "http://10.1.2.3/news", "http://169.254.169.254/latest/meta-data/",
            "http://192.168.1.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://2130706433/",
            "http://0x7f.1/", "http://localhost/", "http://user:pw@example.org/", "file:///etc/passwd"]


def test_adhoc_urls_to_internal_addresses_are_refused(tmp_path) -> None:
    local = client_for(local_app(tmp_path))
    for url in INTERNAL:
        assert_error(local.post("/jobs", json={"outlets": [url]}), 403, "target_not_allowed")
    # Allow-listing a name does not open the addresses it resolves to...
    named = client_for(local_app(tmp_path, allowed=AllowList.parse("localhost, example.org")))
    error = assert_error(named.post("/jobs", json={"outlets": ["http://localhost:9999/"]}), 403,
                         "target_not_allowed")
    assert "127.0.0.1" in error["message"] or "::1" in error["message"]
    # ...and an allow-listed network is allowed: the request gets past the check (to Redis, down here).
    network = client_for(local_app(tmp_path, allowed=AllowList.parse("10.0.0.0/8")))
    assert_error(network.post("/jobs", json={"outlets": ["http://10.1.2.3/news"]}), 503, "redis_unavailable")
    assert_error(network.post("/jobs", json={"outlets": ["http://10.1.2.3.nip.example/"]}), 403,
                 "target_not_allowed")


def test_a_backfill_source_passes_the_same_guard_as_crawl_targets(tmp_path) -> None:
    local = client_for(local_app(tmp_path))
    for url in INTERNAL[:5]:
        body = {"type": "backfill", "outlets": ["alwasat"], "source": url.rstrip("/") + "/coll/cdx"}
        assert_error(local.post("/jobs", json=body), 403, "target_not_allowed")
    assert_error(local.post("/jobs", json={"type": "backfill", "outlets": ["alwasat"], "from_month": "2014-13"}),
                 400, "invalid_request")
    assert_error(local.post("/jobs", json={"type": "backfill", "outlets": ["nope"]}), 400, "unknown_outlet")
    # An allow-listed archive gets past the check (to Redis, down here); so does the Wayback Machine.
    network = client_for(local_app(tmp_path, allowed=AllowList.parse("10.0.0.0/8")))
    body = {"type": "backfill", "outlets": ["alwasat"], "source": "http://10.1.2.3/coll/cdx", "from_month": "2011-02"}
    assert_error(network.post("/jobs", json=body), 503, "redis_unavailable")
    assert_error(network.post("/jobs", json={"type": "backfill", "outlets": ["alwasat"]}), 503, "redis_unavailable")


def test_allow_listed_adhoc_url_becomes_a_job_that_can_be_cancelled(api_stack) -> None:
    with httpx.Client(base_url=api_stack.url, timeout=30, headers=api_stack.headers()) as api:
        assert_error(api.post("/jobs", json={"outlets": ["http://10.0.0.1/"]}), 403, "target_not_allowed")
        # Fixture mode (no politeness delays) is for local test sites: refused over HTTP.
        error = assert_error(api.post("/jobs", json={"outlets": [api_stack.adhoc_url], "mode": "fixture"}), 400,
                             "invalid_request")
        assert "akhbar crawl --mode fixture" in error["message"]
        response = api.post("/jobs", json={"outlets": [api_stack.adhoc_url], "max_pages": 3})
        assert response.status_code == 202, response.text
        job = response.json()
        assert job["outlets"][0].startswith("adhoc-127-0-0-1-")
        cancelled = api.delete(f"/jobs/{job['id']}")
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] in ("cancelled", "succeeded", "failed")
        assert_error(api.delete("/jobs/no-such-job"), 404, "not_found")


# -- malformed input and failures -----------------------------------------------------------------------
def test_malformed_requests_are_400_json(api_stack) -> None:
    with httpx.Client(base_url=api_stack.url, timeout=30, headers=api_stack.headers()) as api:
        for params in ({"size": "1000"}, {"size": "abc"}, {"from": "2024-13-45"}, {"sort": "sideways"},
                       {"cursor": "not-a-cursor"}, {"from": "2024-02-01", "to": "2024-01-01"},
                       {"all_versions": "maybe"}, {"colour": "red"}, {"q": "x" * 600}):
            assert_error(api.get("/search", params=params), 400)
        assert_error(api.get("/articles/abc/similar", params={"size": 0}), 400, "invalid_request")
        for body in ({"outlets": []}, {"outlets": ["fx-wasat"], "max_pages": -1}, {"outlets": "fx-wasat"},
                     {"outlets": ["fx-wasat"], "mode": "turbo"}, {"outlets": ["fx-wasat"], "surprise": 1},
                     {"outlets": ["fx-wasat"], "since": "yesterday"}):
            assert_error(api.post("/jobs", json=body), 400)
        assert_error(api.post("/jobs", content=b"{not json", headers={"Content-Type": "application/json"}), 400)
        assert_error(api.post("/jobs", content=b"x" * 100_000, headers={"Content-Type": "application/json"}),
                     413, "payload_too_large")
        chunked = api.post("/jobs", content=iter([b"[" * 40_000, b"[" * 40_000]),
                           headers={"Content-Type": "application/json"})  # no Content-Length
        assert "content-length" not in chunked.request.headers
        assert_error(chunked, 413, "payload_too_large")
        assert_error(api.get("/no/such/endpoint"), 404, "not_found")
        assert_error(api.put("/jobs"), 405, "method_not_allowed")


def test_search_engine_down_is_503_json(tmp_path, redis_url) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    client = client_for(local_app(tmp_path, redis_url=redis_url.rsplit("/", 1)[0] + "/4", search_url=closed))
    assert_error(client.get("/search", params={"q": "ليبيا"}), 503, "search_unavailable")
    assert_error(client.get("/articles/abc"), 503, "search_unavailable")
    assert_error(client.get("/articles/abc/similar"), 503, "search_unavailable")
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json()["checks"]["search"]["status"] == "down"
    assert health.json()["checks"]["redis"]["status"] == "ok"
    outlets = client.get("/outlets").json()
    assert outlets["health_error"] and {o["name"] for o in outlets["outlets"]} >= {"lana", "alwasat"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and 'akhbar_up{service="search"} 0.0' in metrics.text
    # Redis down as well: jobs answer 503 too.
    both_down = client_for(local_app(tmp_path, redis_url=f"redis://127.0.0.1:{_closed_port()}/0", search_url=closed))
    assert_error(both_down.get("/jobs"), 503, "redis_unavailable")
    assert both_down.get("/health").json()["status"] == "down"


def test_unexpected_errors_are_a_generic_500(tmp_path, caplog) -> None:
    app = local_app(tmp_path)

    def boom() -> None:
        raise RuntimeError("secret internals at /srv/akhbar/config.py")

    app.router.add_api_route("/boom", boom)
    with caplog.at_level("ERROR", logger="akhbar.api"):
        error = assert_error(client_for(app).get("/boom"), 500, "internal_error")
    assert "secret" not in error["message"] and "request" in error["message"]
    assert "secret internals" in caplog.text  # ...but the log has it, with the request id
    assert error["message"].split("request ")[1][:12] in caplog.text


def test_rate_limit_per_client(tmp_path) -> None:
    app = local_app(tmp_path, rate_limit=60, rate_burst=3)
    one, two = client_for(app, "203.0.113.1"), client_for(app, "203.0.113.2")
    for _ in range(3):
        assert one.get("/search").status_code == 503  # engine down, but served
    limited = one.get("/search")
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert two.get("/search").status_code == 503  # another client has its own bucket
    assert one.get("/metrics").status_code == 200  # probes are not limited


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
