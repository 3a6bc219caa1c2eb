"""The 3-node Elasticsearch profile (docker/cluster-profile.yml, docs/cluster.md) checked statically, and
the multi-node search URL plumbing (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import yaml

from akhbar.core.config import search_node_urls, split_urls
from index.adapter import SearchAdapter
from index.mapping import index_body

ROOT = Path(__file__).resolve().parents[2]
NODES = ("es01", "es02", "es03")


def profile() -> dict:
    return yaml.safe_load((ROOT / "docker" / "cluster-profile.yml").read_text())


def test_three_nodes_find_each_other_and_bootstrap_together() -> None:
    services = profile()["services"]
    for name in NODES:
        node = services[name]
        env = node["environment"]
        assert node["profiles"] == ["cluster"]
        assert env["node.name"] == name
        assert env["cluster.name"] == "akhbar"
        assert sorted(env["discovery.seed_hosts"].split(",")) == sorted(set(NODES) - {name})
        assert env["cluster.initial_master_nodes"] == ",".join(NODES)
        assert "discovery.type" not in env
        assert f"{name}-data:/usr/share/elasticsearch/data" in node["volumes"]
        assert node["depends_on"]["es-setup"]["condition"] == "service_healthy"


def test_security_is_on_with_each_nodes_own_certificate() -> None:
    services = profile()["services"]
    for name in NODES:
        env = services[name]["environment"]
        for layer in ("http", "transport"):
            assert env["xpack.security.enabled"] == "true"
            assert env[f"xpack.security.{layer}.ssl.enabled"] == "true"
            assert env[f"xpack.security.{layer}.ssl.key"] == f"certs/{name}/{name}.key"
            assert env[f"xpack.security.{layer}.ssl.certificate"] == f"certs/{name}/{name}.crt"
        assert env["ELASTIC_PASSWORD"] == "${ES_PASSWORD:-}"
    assert [p for n in NODES for p in services[n].get("ports", [])] == ["127.0.0.1:${ES_PORT:-9200}:9200"]


def test_several_search_urls_reach_both_clients() -> None:
    assert split_urls(" http://a:9200/, http://b:9201 ,") == ["http://a:9200", "http://b:9201"]
    state = {"search_nodes": 2, "opensearch": {"url": "http://127.0.0.1:1"},
             "opensearch-2": {"url": "http://127.0.0.1:2"}}
    assert search_node_urls(state) == ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    assert search_node_urls({"opensearch": {"url": "http://x:1"}}) == ["http://x:1"]
    for engine in ("opensearch", "elasticsearch"):
        adapter = SearchAdapter("http://127.0.0.1:1,http://127.0.0.1:2", engine)
        assert adapter.urls == ["http://127.0.0.1:1", "http://127.0.0.1:2"]
        adapter.close()


def test_replicas_follow_the_node_count_unless_given() -> None:
    assert index_body()["settings"]["index"]["auto_expand_replicas"] == "0-1"
    assert index_body(replicas=0)["settings"]["index"] == {"number_of_shards": 1, "number_of_replicas": 0}


def test_two_data_nodes_get_a_tie_breaker_so_the_voters_are_odd() -> None:
    from akhbar.services import node_specs

    assert [(s.key, s.roles) for s in node_specs(1)] == [("opensearch", None)]
    assert [(s.key, s.name, s.roles) for s in node_specs(2)] == [
        ("opensearch", "akhbar-node", None), ("opensearch-2", "akhbar-node-2", None),
        ("opensearch-tiebreaker", "akhbar-tiebreaker", "cluster_manager")]
    assert [s.roles for s in node_specs(3)] == [None, None, None]
