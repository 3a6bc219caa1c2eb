"""The adapter's credentials and TLS trust reach both clients (issue 14).

A local HTTPS server with a throwaway CA (made here with `cryptography`) stands in for a secured
Elasticsearch/OpenSearch: it records the Authorization header of every request and answers `GET /` the
way each engine does. Without the CA the TLS handshake must fail; with it the request must arrive with
the credentials.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from index.adapter import SearchAdapter, SearchUnavailable, detect_engine
from index.auth import SearchAuth, SearchAuthError

USER, PASSWORD, API_KEY = "akhbar", "pw-Secret-0123456789", "QWtoYmFyOmFwaWtleS1zZWNyZXQ="


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.crt, server.crt, server.key): a CA and a certificate for 127.0.0.1/localhost signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("akhbar test CA")).issuer_name(_name("akhbar test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


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
    ca, cert, key = certs
    engine = FakeEngine(url="", ca=ca, distribution=distribution)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            engine.seen.append({"path": self.path, "authorization": self.headers.get("authorization")})
            version = {"number": "8.15.5"} if distribution == "elasticsearch" else {
                "number": "2.19.0", "distribution": "opensearch"}
            body = json.dumps({"name": "fake", "cluster_name": "akhbar", "version": version}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("x-elastic-product", "Elasticsearch")  # the ES 8 client checks for it
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    engine.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield engine
    finally:
        server.shutdown()
        server.server_close()


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
