"""Settings from the environment, with defaults that make the embedded services just work.

The URLs of the embedded Redis and search node are written by `akhbar services up` to
``$AKHBAR_HOME/services.json``; explicit environment variables always win (production, docker-compose).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    redis_url: str | None
    search_url: str | None
    search_engine: str  # auto | opensearch | elasticsearch
    index_alias: str
    outlets_file: str | None
    opensearch_heap: str
    api_token: str | None
    # Secured Elasticsearch/OpenSearch (index/auth.py): basic auth or an API key, and the CA to trust.
    search_user: str | None = None
    search_password: str | None = None
    search_api_key: str | None = None
    search_ca: str | None = None
    search_verify: bool = True

    @property
    def services_file(self) -> Path:
        return self.home / "services.json"

    def services_state(self) -> dict:
        try:
            return json.loads(self.services_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def require_redis_url(self) -> str:
        url = self.redis_url or self.services_state().get("redis", {}).get("url")
        if not url:
            raise ServiceNotConfigured(
                "No Redis configured: run `akhbar services up` or set AKHBAR_REDIS_URL."
            )
        return url

    def require_search_url(self) -> str:
        url = self.search_url or self.services_state().get("opensearch", {}).get("url")
        if not url:
            raise ServiceNotConfigured(
                "No search engine configured: run `akhbar services up` or set AKHBAR_SEARCH_URL."
            )
        return url


class ServiceNotConfigured(RuntimeError):
    """A service URL is neither configured nor started by `akhbar services up`."""


def load_settings() -> Settings:
    env = os.environ
    return Settings(
        home=Path(env.get("AKHBAR_HOME", ".akhbar")).resolve(),
        redis_url=env.get("AKHBAR_REDIS_URL") or None,
        search_url=env.get("AKHBAR_SEARCH_URL") or None,
        search_engine=env.get("AKHBAR_SEARCH_ENGINE", "auto"),
        index_alias=env.get("AKHBAR_INDEX", "akhbar-articles"),
        outlets_file=env.get("AKHBAR_OUTLETS") or None,
        opensearch_heap=env.get("AKHBAR_OPENSEARCH_HEAP", "1g"),
        api_token=env.get("AKHBAR_API_TOKEN") or None,
        search_user=env.get("AKHBAR_SEARCH_USER") or None,
        search_password=env.get("AKHBAR_SEARCH_PASSWORD") or None,
        search_api_key=env.get("AKHBAR_SEARCH_API_KEY") or None,
        search_ca=env.get("AKHBAR_SEARCH_CA") or None,
        search_verify=env.get("AKHBAR_SEARCH_VERIFY", "true").strip().lower() not in ("0", "false", "no", "off"),
    )
