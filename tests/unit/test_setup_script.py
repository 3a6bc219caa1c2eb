"""docker/setup/setup.sh (the compose `setup` service) against a local HTTPS stand-in for Elasticsearch:
it authenticates as `elastic` over TLS verified with the CA, and sends the exact users and least-privilege
roles as valid JSON. Certificates already exist in its working directory, so the elasticsearch-certutil
step (which needs the Elasticsearch image) is skipped, as on every start after the first."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest
from tls_support import RecordedRequest, make_certs, tls_server

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "setup" / "setup.sh"
SECRETS = {"ELASTIC_PASSWORD": "elastic-0123456789abcdef", "KIBANA_PASSWORD": "kibana-0123456789abcdef",
           "AKHBAR_ES_PASSWORD": "akhbar-0123456789abcdef", "EXPLORER_PASSWORD": "explorer-0123456789abcd",
           "REDIS_PASSWORD": "redis-0123456789abcdef", "AKHBAR_API_TOKEN": "token-0123456789abcdef",
           "FLOWER_PASSWORD": "flower-0123456789abcdef", "KIBANA_ENCRYPTION_KEY": "key-" + "0123456789" * 4}



@pytest.fixture(autouse=True)
def curl_tool() -> None:
    """The script runs curl, as in the Elasticsearch image; missing here, the test fails (never skips)."""
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: apt-get install -y curl (.ci/run installs it)")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certs(tmp_path_factory.mktemp("tls"))


def _workdir(tmp_path: Path, ca: Path) -> Path:
    """/usr/share/elasticsearch as the setup container sees it on a second start: certificates present."""
    certs = tmp_path / "config" / "certs"
    (certs / "ca").mkdir(parents=True)
    (certs / "es01").mkdir()
    shutil.copy(ca, certs / "ca" / "ca.crt")
    (certs / "ca" / "ca.key").write_text("not a real key\n")
    (certs / "es01" / "es01.crt").write_text("not a real certificate\n")
    # chown to root only works as root; the container is root, the test need not be.
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "chown").write_text("#!/bin/sh\nexit 0\n")
    (shims / "chown").chmod(0o755)
    return tmp_path


def _run(workdir: Path, url: str, **env: str) -> subprocess.CompletedProcess:
    full = {"PATH": f"{workdir / 'shims'}:/usr/bin:/bin", "ES_URL": url, **SECRETS, **env}
    return subprocess.run(["bash", str(SCRIPT)], cwd=workdir, env=full, capture_output=True, text=True,
                          timeout=120, check=False)


def test_setup_creates_users_and_least_privilege_roles(tmp_path: Path, certs) -> None:
    seen: list[RecordedRequest] = []

    def answer(request: RecordedRequest) -> tuple[int, dict]:
        seen.append(request)
        return 200, {"status": "green"} if request.path == "/_cluster/health" else {}

    workdir = _workdir(tmp_path, certs[0])
    with tls_server(certs, answer) as url:
        result = _run(workdir, url, AKHBAR_INDEX="news")
    assert result.returncode == 0, result.stderr
    assert "setup: done" in result.stdout
    for secret in SECRETS.values():
        assert secret not in result.stdout + result.stderr

    basic = "Basic " + base64.b64encode(f"elastic:{SECRETS['ELASTIC_PASSWORD']}".encode()).decode()
    assert all(r.authorization == basic for r in seen)
    assert [(r.method, r.path) for r in seen] == [
        ("GET", "/_cluster/health"),
        ("POST", "/_security/user/kibana_system/_password"),
        ("PUT", "/_security/role/akhbar_writer"),
        ("PUT", "/_security/user/akhbar"),
        ("PUT", "/_security/role/akhbar_explorer"),
        ("PUT", "/_security/user/explorer"),
    ]
    bodies = [json.loads(r.body) for r in seen[1:]]  # every body is valid JSON
    kibana, writer, akhbar, explorer_role, explorer = bodies
    assert kibana == {"password": SECRETS["KIBANA_PASSWORD"]}
    # No cluster-wide manage_index_templates, no delete_index (manage has it).
    assert writer["cluster"] == ["monitor", "cluster:admin/analyze"]
    assert writer["indices"] == [{"names": ["news*", "akhbar-alerts*"], "privileges": [
        "create_index", "manage", "read", "write", "view_index_metadata"]}]
    assert akhbar["password"] == SECRETS["AKHBAR_ES_PASSWORD"] and akhbar["roles"] == ["akhbar_writer"]
    assert explorer_role["indices"] == [{"names": ["news*", "akhbar-alerts*"],
                                         "privileges": ["read", "view_index_metadata"]}]
    assert "cluster" not in explorer_role
    assert all(p.endswith(".read") for a in explorer_role["applications"] for p in a["privileges"])
    assert explorer["password"] == SECRETS["EXPLORER_PASSWORD"] and explorer["roles"] == ["akhbar_explorer"]

    ca_dir = workdir / "config" / "certs" / "ca"
    assert stat.S_IMODE((ca_dir / "ca.crt").stat().st_mode) == 0o644  # the app containers read it
    assert stat.S_IMODE((ca_dir / "ca.key").stat().st_mode) == 0o600  # nobody but root
    public = workdir / "config" / "ca-public" / "ca.crt"  # the ca-cert volume: what Kibana and the app mount
    assert public.read_bytes() == (ca_dir / "ca.crt").read_bytes()
    assert sorted(p.name for p in public.parent.iterdir()) == ["ca.crt"]
    assert stat.S_IMODE((workdir / "config" / "certs" / "es01" / "es01.crt").stat().st_mode) == 0o640


def test_setup_refuses_unsafe_secrets_before_any_request(tmp_path: Path, certs) -> None:
    seen: list[RecordedRequest] = []
    workdir = _workdir(tmp_path, certs[0])
    with tls_server(certs, lambda r: (seen.append(r), (200, {}))[1]) as url:
        quoted = _run(workdir, url, KIBANA_PASSWORD='kibana"-0123456789abc')
        short = _run(workdir, url, AKHBAR_ES_PASSWORD="short")
    assert quoted.returncode == 1 and "KIBANA_PASSWORD may contain only" in quoted.stderr
    assert short.returncode == 1 and "AKHBAR_ES_PASSWORD is shorter than 12" in short.stderr
    assert seen == []


@pytest.mark.parametrize(("name", "value", "message"), [
    ("REDIS_PASSWORD", "redis pw@0123456789", "REDIS_PASSWORD may contain only"),  # goes into a URL
    ("AKHBAR_API_TOKEN", "token\n0123456789ab", "AKHBAR_API_TOKEN may contain only"),
    ("FLOWER_PASSWORD", "flower:0123456789ab", "FLOWER_PASSWORD may contain only"),
    ("KIBANA_ENCRYPTION_KEY", "0123456789abcdef", "KIBANA_ENCRYPTION_KEY is shorter than 32"),
    ("AKHBAR_INDEX", 'news*", "other', "AKHBAR_INDEX may contain only"),  # would widen the role's pattern
    ("AKHBAR_ALERTS_INDEX", "Alerts", "AKHBAR_ALERTS_INDEX may contain only"),
])
def test_setup_checks_every_secret_and_the_index_names(tmp_path: Path, certs, name: str, value: str,
                                                      message: str) -> None:
    seen: list[RecordedRequest] = []
    workdir = _workdir(tmp_path, certs[0])
    with tls_server(certs, lambda r: (seen.append(r), (200, {}))[1]) as url:
        result = _run(workdir, url, **{name: value})
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert seen == []  # refused before any request


def test_setup_stops_with_a_clear_message_when_elastic_has_another_password(tmp_path: Path, certs) -> None:
    workdir = _workdir(tmp_path, certs[0])
    with tls_server(certs, lambda r: (401, {"error": "unauthorized"})) as url:
        result = _run(workdir, url)
    assert result.returncode == 1
    assert "refused the elastic password" in result.stderr and "docs/docker.md" in result.stderr
    assert SECRETS["ELASTIC_PASSWORD"] not in result.stderr


def test_setup_without_the_right_ca_never_talks_to_elasticsearch(tmp_path: Path, certs, tmp_path_factory) -> None:
    other_ca = make_certs(tmp_path_factory.mktemp("other"))[0]
    seen: list[RecordedRequest] = []
    workdir = _workdir(tmp_path, other_ca)
    with tls_server(certs, lambda r: (seen.append(r), (200, {}))[1]) as url:
        proc = subprocess.Popen(["bash", str(SCRIPT)], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True,
                                env={"PATH": f"{workdir / 'shims'}:/usr/bin:/bin", "ES_URL": url, **SECRETS})
        try:
            proc.wait(timeout=8)  # it keeps retrying the handshake (the CA is wrong): still waiting
        except subprocess.TimeoutExpired:
            pass
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the script and its `sleep`
            proc.communicate()
    assert seen == []  # no request got past TLS, so no password was sent
