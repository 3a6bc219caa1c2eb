"""The adapter's credentials and TLS trust reach both clients (issue 14).

A local HTTPS server with a throwaway CA (made here with `cryptography`) stands in for a secured
Elasticsearch/OpenSearch: it records the Authorization header of every request and answers `GET /` the
way each engine does. Without the CA the TLS handshake must fail; with it the request must arrive with
the credentials.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tls_support import RecordedRequest, make_certs, tls_server

from index.adapter import SearchAdapter, SearchUnavailable, detect_engine
from index.auth import SearchAuth, SearchAuthError

USER, PASSWORD, API_KEY = "akhbar", "pw-Secret-0123456789", "QWtoYmFyOmFwaWtleS1zZWNyZXQ="


@dataclass
class FakeEngine:
    url: str
    ca: Path
    distribution: str = "elasticsearch"
    seen: list[dict] = field(default_factory=list)  # one {path, authorization} per request


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certs(tmp_path_factory.mktemp("tls"))


def _serve(certs: tuple[Path, Path, Path], distribution: str) -> Iterator[FakeEngine]:
    engine = FakeEngine(url="", ca=certs[0], distribution=distribution)
    version = {"number": "8.15.5"} if distribution == "elasticsearch" else {"number": "2.19.0",
                                                                            "distribution": "opensearch"}

    def answer(request: RecordedRequest) -> tuple[int, dict]:
        engine.seen.append({"path": request.path, "authorization": request.authorization})
        return 200, {"name": "fake", "cluster_name": "akhbar", "version": version}

    with tls_server(certs, answer) as url:
        engine.url = url
        yield engine


@pytest.fixture(params=["elasticsearch", "opensearch"])
def engine(request: pytest.FixtureRequest, certs) -> Iterator[FakeEngine]:
    yield from _serve(certs, request.param)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_user_and_password_arrive_over_tls_verified_with_the_ca(engine: FakeEngine) -> None:
    adapter = SearchAdapter(engine.url, engine.distribution,
                            auth=SearchAuth(user=USER, password=PASSWORD, ca_file=str(engine.ca)))
    try:
        assert adapter.info()["cluster_name"] == "akhbar"
    finally:
        adapter.close()
    assert engine.seen[-1]["authorization"] == _basic(USER, PASSWORD)


def test_api_key_arrives_as_an_apikey_header(engine: FakeEngine) -> None:
    adapter = SearchAdapter(engine.url, engine.distribution, auth=SearchAuth(api_key=API_KEY, ca_file=str(engine.ca)))
    try:
        adapter.info()
    finally:
        adapter.close()
    assert engine.seen[-1]["authorization"] == f"ApiKey {API_KEY}"


def test_without_the_ca_the_certificate_is_refused_and_no_request_is_served(engine: FakeEngine) -> None:
    adapter = SearchAdapter(engine.url, engine.distribution, auth=SearchAuth(user=USER, password=PASSWORD))
    try:
        with pytest.raises(SearchUnavailable) as caught:
            adapter.info()
    finally:
        adapter.close()
    assert engine.seen == []  # the handshake failed before any HTTP request
    assert "certificate" in str(caught.value).lower() or "ssl" in str(caught.value).lower()
    assert PASSWORD not in str(caught.value)


def test_verify_off_connects_without_the_ca(engine: FakeEngine) -> None:
    adapter = SearchAdapter(engine.url, engine.distribution,
                            auth=SearchAuth(user=USER, password=PASSWORD, verify=False))
    try:
        adapter.info()
    finally:
        adapter.close()
    assert engine.seen[-1]["authorization"] == _basic(USER, PASSWORD)


def test_engine_detection_authenticates_and_trusts_the_ca(engine: FakeEngine) -> None:
    auth = SearchAuth(user=USER, password=PASSWORD, ca_file=str(engine.ca))
    assert detect_engine(engine.url, auth=auth) == engine.distribution
    assert engine.seen[-1] == {"path": "/", "authorization": _basic(USER, PASSWORD)}
    with pytest.raises(SearchUnavailable):
        detect_engine(engine.url, auth=SearchAuth(user=USER, password=PASSWORD))


def test_settings_from_the_environment_reach_the_client(engine: FakeEngine, monkeypatch) -> None:
    """Workers and the API make `SearchAdapter(url, engine)` without auth: the AKHBAR_SEARCH_* settings apply."""
    monkeypatch.setenv("AKHBAR_SEARCH_USER", USER)
    monkeypatch.setenv("AKHBAR_SEARCH_PASSWORD", PASSWORD)
    monkeypatch.setenv("AKHBAR_SEARCH_CA", str(engine.ca))
    adapter = SearchAdapter(engine.url, "auto")
    try:
        assert adapter.engine == engine.distribution
        adapter.request("GET", "/_cluster/health")
    finally:
        adapter.close()
    assert [s["authorization"] for s in engine.seen] == [_basic(USER, PASSWORD)] * 2


def test_credentials_in_the_url_are_used_and_taken_out_of_it(engine: FakeEngine) -> None:
    url = engine.url.replace("https://", f"https://{USER}:{PASSWORD}@")
    adapter = SearchAdapter(url, engine.distribution, auth=SearchAuth(ca_file=str(engine.ca)))
    try:
        adapter.info()
    finally:
        adapter.close()
    assert engine.seen[-1]["authorization"] == _basic(USER, PASSWORD)
    assert PASSWORD not in adapter.url and PASSWORD not in repr(adapter.auth)


def test_contradicting_or_missing_settings_fail_with_one_clear_message(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(SearchAuthError, match="go together"):
        SearchAuth(user=USER)
    with pytest.raises(SearchAuthError, match="not both"):
        SearchAuth(user=USER, password=PASSWORD, api_key=API_KEY)
    monkeypatch.setenv("AKHBAR_SEARCH_CA", str(tmp_path / "missing.crt"))
    with pytest.raises(SearchUnavailable, match="AKHBAR_SEARCH_CA: no such file"):
        SearchAdapter("https://127.0.0.1:9", "elasticsearch")
