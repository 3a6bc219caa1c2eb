"""Every process-level setting, declared once with its default and a line of doc.

Settings come from `AKHBAR_*` environment variables. The URLs of the embedded Redis and search node are
written by `akhbar services up` to ``$AKHBAR_HOME/services.json``; explicit environment variables always
win (production, docker-compose). Settings of the Scrapy crawler are declared in crawler/settings.py, in
the style of Scrapy's default_settings.py. The README's configuration table lists both; a test checks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    doc: str


VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("AKHBAR_HOME", ".akhbar", "state directory of the embedded services (data, logs, WARC)"),
    Variable("AKHBAR_REDIS_URL", None, "Redis for the broker, job state and dedupe state (default: from "
             "`services up`)"),
    Variable("AKHBAR_SEARCH_URL", None, "Elasticsearch or OpenSearch URL (default: from `services up`)"),
    Variable("AKHBAR_SEARCH_ENGINE", "auto", "`opensearch`, `elasticsearch`, or `auto` (from `GET /`)"),
    Variable("AKHBAR_INDEX", "akhbar-articles", "the index alias"),
    Variable("AKHBAR_OUTLETS", None, "your outlet registry file, merged over the built-in one"),
    Variable("AKHBAR_OPENSEARCH_HEAP", "1g", "heap of the embedded OpenSearch node"),
    Variable("AKHBAR_API_TOKEN", None, "bearer token for the API's write endpoints; unset: writes only "
             "from this machine"),
    Variable("AKHBAR_API_RATE_LIMIT", "600", "API requests per minute per client (0: off)"),
    Variable("AKHBAR_API_RATE_BURST", "120", "API requests a client may send at once above the rate"),
    Variable("AKHBAR_API_MAX_BODY", "65536", "largest API request body, in bytes"),
    Variable("AKHBAR_ALLOWED_DOMAINS", None, "domains/IPs/CIDRs that HTTP-submitted jobs may crawl besides "
             "registered outlets"),
    Variable("AKHBAR_LOG_JSON", "0", "`1`: JSON log lines (with `job_id` and `url` in worker records)"),
    Variable("AKHBAR_SYNONYMS", None, "your synonym files (Solr format, os.pathsep-separated), added to "
             "index/synonyms/libya.txt"),
    Variable("AKHBAR_VISIBILITY_TIMEOUT", "1800", "seconds before the broker re-delivers a task whose "
             "worker died"),
    Variable("AKHBAR_INDEX_RETRY_WINDOW", "900", "seconds the index stage keeps retrying while the search "
             "engine is down or read-only before its documents go to dead letters"),
    Variable("AKHBAR_JOB_STALL_AFTER", "120", "seconds a running job may have pages pending with no work "
             "left anywhere before it is marked `stalled`"),
    Variable("AKHBAR_CRAWL_PROCESSES", "1", "crawler processes per job when the job does not say"),
    Variable("AKHBAR_RECRAWL", None, "recrawl policy when the job does not say (`changed`, `all`, ...)"),
    Variable("AKHBAR_WARC_ENABLED", "1", "`0`: do not write fetched responses to WARC"),
    Variable("AKHBAR_WARC_DIR", None, "where WARC files go (default: `$AKHBAR_HOME/warc`)"),
    Variable("AKHBAR_WARC_MAX_BYTES", None, "rotate a WARC file past this size (default: 1 GB)"),
)}

_TRUE = ("1", "true", "yes", "on")


def env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value, or its declared default when unset or blank."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    return raw or VARIABLES[name].default


def env_int(name: str, environ: Mapping[str, str] | None = None) -> int | None:
    raw = env(name, environ)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def env_bool(name: str, environ: Mapping[str, str] | None = None) -> bool:
    return (env(name, environ) or "").lower() in _TRUE


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


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    def get(name: str) -> str | None:
        return env(name, environ)

    return Settings(
        home=Path(get("AKHBAR_HOME") or ".akhbar").resolve(),
        redis_url=get("AKHBAR_REDIS_URL"),
        search_url=get("AKHBAR_SEARCH_URL"),
        search_engine=get("AKHBAR_SEARCH_ENGINE") or "auto",
        index_alias=get("AKHBAR_INDEX") or "akhbar-articles",
        outlets_file=get("AKHBAR_OUTLETS"),
        opensearch_heap=get("AKHBAR_OPENSEARCH_HEAP") or "1g",
        api_token=get("AKHBAR_API_TOKEN"),
    )
