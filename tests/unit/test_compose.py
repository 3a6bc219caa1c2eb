"""docker-compose.yml is for users with Docker (no engine runs here): check it with `docker-compose config`
(Debian's `docker-compose` 1.29 package, installed by .ci/run; it parses, validates against its schema and
interpolates `${VAR}` without an engine) and statically: secure by default (issue 14)."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
EXAMPLE = ROOT / ".env.example"
APP_SERVICES = ("worker", "beat", "api", "crawl")
# Services that run once and exit: a health check means nothing for them.
ONE_SHOT = {"setup": "creates certificates and users, then exits",
            "crawl": "`docker compose run --rm crawl ...` one-off command (profile tools)"}

@pytest.fixture
def compose_tool() -> None:
    """Fails, never skips, where the tool is missing: `make test` names it first (tests/needs.sh)."""
    if shutil.which("docker-compose") is None:
        pytest.fail("Debian's docker-compose is missing: apt-get install -y docker-compose (.ci/run installs it)")


needs_compose = pytest.mark.usefixtures("compose_tool")


def required_secrets() -> set[str]:
    """Every variable the compose file insists on with ${VAR:?message}."""
    return set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))


def example_values() -> dict[str, str]:
    out = {}
    for line in EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            out[name.strip()] = value.strip()
    return out


def filled_env(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """.env.example with a fresh random value for every empty secret, as the instructions in it do."""
    values = {name: value or secrets.token_hex(24) for name, value in example_values().items()}
    path = tmp_path / "sample.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path, values


def compose_config(env_file: Path, *extra: Path) -> subprocess.CompletedProcess:
    # --env-file: never read a developer's real .env; an env without the secrets so only the file counts.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(env_file.parent)}
    files = [arg for path in (COMPOSE, *extra) for arg in ("-f", str(path))]
    return subprocess.run(["docker-compose", "--env-file", str(env_file), *files,
                           "--project-directory", str(ROOT), "config"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, str]]:
    """(the interpolated, merged config docker-compose prints, the secrets it was given)."""
    if shutil.which("docker-compose") is None:
        pytest.fail("Debian's docker-compose is missing: apt-get install -y docker-compose (.ci/run installs it)")
    env_file, values = filled_env(tmp_path_factory.mktemp("compose"))
    result = compose_config(env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout), values


# -- parses, interpolates, and refuses to run without secrets ---------------------------------------------
def test_every_required_secret_is_documented_in_env_example_and_empty_there() -> None:
    values = example_values()
    assert required_secrets() == {name for name, value in values.items() if value == ""}
    assert len(required_secrets()) >= 7
    text = EXAMPLE.read_text()
    for name in required_secrets():  # each secret has a line of explanation right above it
        assert re.search(rf"#[^\n]+\n{name}=", text), name


def test_compose_interpolates_a_filled_env_into_the_services(rendered) -> None:
    config, values = rendered
    services = config["services"]
    redis_url = f"redis://:{values['REDIS_PASSWORD']}@redis:6379/0"
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["AKHBAR_REDIS_URL"] == redis_url, name  # the broker URL carries the password
        assert env["AKHBAR_SEARCH_URL"].startswith("https://"), name
        assert env["AKHBAR_SEARCH_USER"] == "akhbar" and env["AKHBAR_SEARCH_PASSWORD"] == values["AKHBAR_ES_PASSWORD"]
        assert env["AKHBAR_SEARCH_CA"] == "/certs/ca/ca.crt"
        assert any(v.startswith("ca-cert:/certs/ca:ro") for v in services[name]["volumes"]), name
    assert services["api"]["environment"]["AKHBAR_API_TOKEN"] == values["AKHBAR_API_TOKEN"]
    for name in ("worker", "beat", "crawl", "flower"):  # a secret goes only where it is used
        assert "AKHBAR_API_TOKEN" not in services[name].get("environment", {}), name
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == values["REDIS_PASSWORD"]
    assert services["flower"]["environment"]["CELERY_BROKER_URL"] == redis_url
    assert values["REDIS_PASSWORD"] not in " ".join(services["flower"]["command"])
    assert services["kibana"]["environment"]["ELASTICSEARCH_PASSWORD"] == values["KIBANA_PASSWORD"]
    assert services["elasticsearch"]["environment"]["ELASTIC_PASSWORD"] == values["ELASTIC_PASSWORD"]
    setup_env = services["setup"]["environment"]
    for name in required_secrets():  # setup checks every secret's characters before the app starts
        assert setup_env[name] == values[name], name


def test_only_elasticsearch_and_setup_mount_the_node_keys(rendered) -> None:
    """The certs volume holds every node's private key. Kibana (group root, which may read them) and the
    app get the ca-cert volume, which setup fills with ca.crt alone."""
    services = rendered[0]["services"]
    for name, service in services.items():
        mounts = [str(v).split(":")[0] for v in service.get("volumes") or []]
        if name in ("setup", "elasticsearch"):
            assert "certs" in mounts, name
        else:
            assert "certs" not in mounts, f"{name} mounts the node keys"
    kibana = services["kibana"]
    assert "ca-cert:/usr/share/kibana/config/certs/ca:ro" in kibana["volumes"]
    assert kibana["environment"]["ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES"] == "config/certs/ca/ca.crt"
    setup = (ROOT / "docker" / "setup" / "setup.sh").read_text()
    assert "cp $CERTS/ca/ca.crt config/ca-public/ca.crt" in setup


def test_no_secret_is_on_a_command_line(rendered) -> None:
    """A command line shows in `ps` on the host and in `docker inspect`: secrets go in the environment or
    in files. Redis reads its password from a config file written at start, not from --requirepass."""
    config, values = rendered
    secret_values = [v for k, v in values.items() if k in required_secrets()]
    for name, service in config["services"].items():
        argv = [*(service.get("command") or []), *(service.get("entrypoint") or []),
                *((service.get("healthcheck") or {}).get("test") or [])]
        text = " ".join(argv) if isinstance(argv, list) else str(argv)
        for value in secret_values:
            assert value not in text, f"{name}: a secret on its command line"
    redis_command = " ".join(config["services"]["redis"]["command"])
    assert "--requirepass" not in redis_command
    assert "redis-server /run/redis/redis.conf" in redis_command and "$REDISCLI_AUTH" in redis_command


@needs_compose
def test_compose_refuses_to_run_without_the_secrets(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = compose_config(empty)
    assert result.returncode != 0
    assert re.search(r"[A-Z_]+ is not set - copy .env.example to .env", result.stderr), result.stderr
    # .env.example itself, unfilled, is refused as well (`:?` also rejects empty values)
    unfilled = compose_config(EXAMPLE)
    assert unfilled.returncode != 0 and "is not set" in unfilled.stderr
    # ... and so is a .env missing just one secret, naming that secret (two samples: each run costs ~3 s)
    for missing in ("REDIS_PASSWORD", "AKHBAR_API_TOKEN"):
        env_file, values = filled_env(tmp_path)
        env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items() if k != missing))
        result = compose_config(env_file)
        assert result.returncode != 0 and f"{missing} is not set" in result.stderr, missing


# -- secure by default ----------------------------------------------------------------------------------
def test_every_long_running_service_has_a_health_check(rendered) -> None:
    services = rendered[0]["services"]
    for name in ("setup", "elasticsearch", "kibana", "redis", "worker", "beat", "api", "flower", "crawl"):
        assert name in services, name
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no" or "profiles" in service, name
            continue
        assert "test" in service.get("healthcheck", {}), name
        assert not service["healthcheck"].get("disable"), name


def test_no_service_turns_elasticsearch_security_off(rendered) -> None:
    services = rendered[0]["services"]
    for name, service in services.items():
        env = service.get("environment") or {}
        for key, value in env.items():
            if key.startswith("xpack.security") and key.endswith("enabled"):
                assert str(value).lower() == "true", (name, key, value)
    es = services["elasticsearch"]["environment"]
    for key in ("xpack.security.enabled", "xpack.security.http.ssl.enabled", "xpack.security.transport.ssl.enabled"):
        assert es[key] == "true", key
    raw = COMPOSE.read_text()
    assert not re.search(r"xpack\.security\.[\w.]*enabled\W+\"?false", raw, re.IGNORECASE)


def test_services_talk_tls_and_wait_for_setup(rendered) -> None:
    services = rendered[0]["services"]
    assert services["kibana"]["environment"]["ELASTICSEARCH_HOSTS"] == '["https://elasticsearch:9200"]'
    assert services["elasticsearch"]["depends_on"]["setup"]["condition"] == "service_healthy"
    for name in ("worker", "api", "kibana"):
        assert services[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully", name
    assert "https://localhost:9200" in " ".join(services["elasticsearch"]["healthcheck"]["test"])


def test_published_ports_stay_on_loopback(rendered) -> None:
    for name, service in rendered[0]["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_the_setup_script_is_valid_bash_and_makes_the_least_privilege_roles() -> None:
    script = ROOT / "docker" / "setup" / "setup.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert "elasticsearch-certutil ca" in text and "elasticsearch-certutil cert" in text
    assert "/_security/user/kibana_system/_password" in text
    writer = text[text.index("role/akhbar_writer"):text.index("user/akhbar ")]
    assert '"cluster": ["monitor", "cluster:admin/analyze"]' in writer
    assert "manage_index_templates" not in writer and "delete_index" not in writer
    assert "ALERTS_PREFIX" in writer and "INDEX_PREFIX" in writer  # its articles and alerts indices only
    assert '"all"' not in writer and '"superuser"' not in text
    explorer = text[text.index("role/akhbar_explorer"):text.index("user/explorer")]
    assert '"privileges": ["read", "view_index_metadata"]' in explorer and "write" not in explorer


def test_dot_env_is_git_ignored() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert result.returncode == 0


@needs_compose
def test_cluster_override_makes_three_secured_nodes_with_health_checks(tmp_path: Path) -> None:
    env_file, _ = filled_env(tmp_path)
    result = compose_config(env_file, ROOT / "docker-compose.cluster.yml")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    nodes = {"es01": services["elasticsearch"], "es02": services["es02"], "es03": services["es03"]}
    for name, node in nodes.items():
        env = node["environment"]
        assert env.get("node.name", "es01") == name
        assert env.get("discovery.type", "multi-node") == "multi-node", name  # no single-node left
        assert env["cluster.initial_master_nodes"] == "es01,es02,es03", name
        for key in ("xpack.security.enabled", "xpack.security.http.ssl.enabled", "xpack.security.transport.ssl.enabled"):
            assert env[key] == "true", (name, key)
        assert env["xpack.security.transport.ssl.certificate"] == f"certs/{name}/{name}.crt"
        assert "test" in node["healthcheck"], name
        assert node["image"] == services["elasticsearch"]["image"]
    script = (ROOT / "docker" / "setup" / "setup.sh").read_text()
    assert all(f"- name: {name}" in script for name in nodes)  # setup makes every node's certificate


def test_kibana_matches_the_elasticsearch_version_and_es_gets_icu(rendered) -> None:
    services = rendered[0]["services"]
    version = services["elasticsearch"]["image"].split(":")[-1]
    assert services["kibana"]["image"].split(":")[-1] == version == services["setup"]["image"].split(":")[-1]
    dockerfile = (ROOT / "docker" / "elasticsearch" / "Dockerfile").read_text()
    assert "elasticsearch-plugin install" in dockerfile and "analysis-icu" in dockerfile
