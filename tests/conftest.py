"""Shared fixtures. Integration fixtures start REAL services (redis-server, the OpenSearch node, Celery
worker processes) in a temporary AKHBAR_HOME and fail loudly if they cannot; nothing is mocked.

The OpenSearch node is started once per test session (it takes a few seconds) and shared; tests use
their own index aliases so they do not see each other's documents.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from akhbar import redis_server
from index import embedded
from index.adapter import SearchAdapter


@pytest.fixture(scope="session")
def services_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("akhbar-home")


@pytest.fixture(scope="session")
def redis_url(services_home: Path) -> Iterator[str]:
    handle = redis_server.start(services_home / "redis")
    yield handle.url
    redis_server.stop(handle.pid)


@pytest.fixture(scope="session")
def search_url(services_home: Path) -> Iterator[str]:
    handle = embedded.start(services_home / "opensearch", heap=os.environ.get("AKHBAR_OPENSEARCH_HEAP", "1g"))
    yield handle.url
    embedded.stop(handle.pid)


@pytest.fixture(scope="session")
def search(search_url: str) -> Iterator[SearchAdapter]:
    adapter = SearchAdapter(search_url)
    yield adapter
    adapter.close()


@pytest.fixture
def alias(search: SearchAdapter) -> Iterator[str]:
    """A fresh index alias for one test; its indices are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    search.request("DELETE", f"/{name}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})
