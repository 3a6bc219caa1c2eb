"""docker-compose.yml is for users with Docker (no engine runs here): check its shape statically.
(`docker compose config -q` passes where the compose plugin is installed; CI machines lack it.)"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_the_design_needs_is_there_with_health_checks() -> None:
    services = load()["services"]
    for name in ("elasticsearch", "kibana", "redis", "worker", "api", "flower"):
        assert name in services, name
    for name in ("elasticsearch", "kibana", "redis", "api"):
        assert "healthcheck" in services[name], name


def test_kibana_matches_the_elasticsearch_version_and_es_gets_icu() -> None:
    services = load()["services"]
    assert services["elasticsearch"]["image"].split(":")[-1] == services["kibana"]["image"].split(":")[-1]
    dockerfile = (ROOT / "docker" / "elasticsearch" / "Dockerfile").read_text()
    assert "elasticsearch-plugin install" in dockerfile and "analysis-icu" in dockerfile


def test_app_services_point_at_elasticsearch_and_redis() -> None:
    services = load()["services"]
    env = services["worker"].get("environment", {})
    text = str(env)
    assert "redis://redis:6379" in text and "elasticsearch:9200" in text

