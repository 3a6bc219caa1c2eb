"""The 3-node Elasticsearch path (docs/cluster.md) checked statically, and the multi-node search URL
plumbing (no engine needed)."""

from __future__ import annotations

from pathlib import Path

from akhbar.core.config import search_node_urls, split_urls
from index.adapter import SearchAdapter
from index.mapping import index_body

ROOT = Path(__file__).resolve().parents[2]


def test_one_cluster_path_only_as_secure_as_the_single_node() -> None:
    """docker/cluster-profile.yml described an older path (an optional `${ES_PASSWORD:-}`, the app as the
    `elastic` superuser with the password in its URLs). docker-compose.cluster.yml (tests/unit/test_compose.py)
    is the one path; the docs describe only it."""
    assert not (ROOT / "docker" / "cluster-profile.yml").exists()
    text = (ROOT / "docs" / "cluster.md").read_text()
    assert "docker-compose.cluster.yml" in text
    assert "${ES_PASSWORD" not in text and "https://elastic:" not in text and "--profile cluster" not in text
    for compose in ROOT.glob("docker-compose*.yml"):
        assert ":-}" not in compose.read_text().replace("${AKHBAR_ALLOWED_DOMAINS:-}", ""), compose.name


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
