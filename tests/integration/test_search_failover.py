"""Several search URLs (AKHBAR_SEARCH_URL="a,b"): a request that meets a dead node goes to the next one.
The real node of the session plus a port where nothing listens (a node that died)."""

from __future__ import annotations

import pytest

from akhbar.core.procs import free_port
from index.adapter import SearchAdapter, SearchUnavailable

pytestmark = pytest.mark.integration


def test_a_dead_node_in_the_list_fails_no_request(search_url: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for urls in (f"{dead},{search_url}", f"{search_url},{dead}"):
        adapter = SearchAdapter(urls)  # engine detection skips the dead node too
        assert adapter.engine == "opensearch"
        for _ in range(20):  # round robin: about half of these would go to the dead node first
            assert adapter.request("GET", "/_cluster/health")["cluster_name"] == "akhbar"
        adapter.close()


def test_one_dead_node_alone_is_still_unavailable(search_url: str) -> None:
    adapter = SearchAdapter(f"http://127.0.0.1:{free_port()}", "opensearch")
    with pytest.raises(SearchUnavailable):
        adapter.request("GET", "/")
    adapter.close()
