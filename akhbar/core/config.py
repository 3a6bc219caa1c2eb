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
    Variable("AKHBAR_SEARCH_URL", None, "Elasticsearch or OpenSearch URL, or several nodes of one cluster "
             "separated by commas (a request goes to another node when one is down; default: from "
             "`services up`)"),
    Variable("AKHBAR_SEARCH_ENGINE", "auto", "`opensearch`, `elasticsearch`, or `auto` (from `GET /`)"),
    Variable("AKHBAR_SEARCH_USER", None, "basic-auth user of a secured Elasticsearch/OpenSearch"),
    Variable("AKHBAR_SEARCH_PASSWORD", None, "its password (both or neither)"),
    Variable("AKHBAR_SEARCH_API_KEY", None, "an Elasticsearch API key (the base64 `encoded` value) instead"),
    Variable("AKHBAR_SEARCH_CA", None, "PEM file of the CA that signed the engine's certificate"),
    Variable("AKHBAR_SEARCH_VERIFY", "true", "`false` skips certificate checks (test clusters only)"),
    Variable("AKHBAR_KIBANA_USER", None, "user:password for `akhbar kibana setup` on a secured Kibana"),
    Variable("AKHBAR_INDEX", "akhbar-articles", "the index alias"),
    Variable("AKHBAR_ALERTS_INDEX", "akhbar-alerts", "the alias of the saved searches' percolator index"),
    Variable("AKHBAR_OUTLETS", None, "your outlet registry file, merged over the built-in one"),
    Variable("AKHBAR_OPENSEARCH_HEAP", "1g", "heap of the embedded OpenSearch node"),
    Variable("AKHBAR_API_TOKEN", None, "bearer token for the API's write endpoints; unset: `akhbar api` "
             "makes one at each start, prints a URL carrying it and keeps it in `$AKHBAR_HOME/api-token` "
             "(mode 0600; `akhbar api-token` prints it)"),
    Variable("AKHBAR_API_ALLOWED_HOSTS", None, "Host names the API answers to besides the loopback names "
             "and its `--host` address (comma-separated; e.g. a reverse proxy's public name): any other "
             "Host header gets 403, which stops DNS rebinding"),
    Variable("AKHBAR_API_RATE_LIMIT", "600", "API requests per minute per client (0: off)"),
    Variable("AKHBAR_API_RATE_BURST", "120", "API requests a client may send at once above the rate"),
    Variable("AKHBAR_API_MAX_BODY", "65536", "largest API request body, in bytes"),
    Variable("AKHBAR_ALLOWED_DOMAINS", None, "domains/IPs/CIDRs that HTTP-submitted jobs may crawl besides "
             "registered outlets, and that alert webhooks may target"),
    Variable("AKHBAR_LOG_JSON", "0", "`1`: JSON log lines (with `job_id` and `url` in worker records)"),
    Variable("AKHBAR_SYNONYMS", None, "your synonym files (Solr format, os.pathsep-separated), added to "
             "index/synonyms/libya.txt"),
    Variable("AKHBAR_VISIBILITY_TIMEOUT", "1800", "seconds before the broker re-delivers a task whose "
             "worker died, or that a worker had reserved when it lost Redis"),
    Variable("AKHBAR_REDIS_WAIT", "60", "seconds a CLI command waits for an unreachable Redis (saying so) before "
             "it gives up with one line"),
    Variable("AKHBAR_REDIS_WAIT_WORKERS", "600", "seconds workers and crawlers pause for an unreachable Redis "
             "before a task or a crawl fails"),
    Variable("AKHBAR_WORKER_MAX_MEMORY_MB", "512", "a worker pool process whose RSS is above this after a task "
             "is replaced by a fresh one (a guard against slow growth; the soak's pool processes peak at "
             "~180 MiB; 0: off)"),
    Variable("AKHBAR_INDEX_RETRY_WINDOW", "900", "seconds the index stage keeps retrying while the search "
             "engine is down or read-only before its documents go to dead letters"),
    Variable("AKHBAR_JOB_STALL_AFTER", "120", "seconds a running job may have pages pending with no work "
             "left anywhere before it is marked `stalled`"),
    Variable("AKHBAR_JOB_REDRIVE_AFTER", "15", "seconds a running job's pending pages may stay unmoved with no "
             "work of the job anywhere before the reconciler sends them again from the job's ledger"),
    Variable("AKHBAR_CRAWL_PROCESSES", "1", "crawler processes per job when the job does not say"),
    Variable("AKHBAR_RECRAWL", None, "recrawl policy when the job does not say (`changed`, `all`, ...)"),
    Variable("AKHBAR_WARC_ENABLED", "1", "`0`: do not write fetched responses to WARC"),
    Variable("AKHBAR_WARC_DIR", None, "where WARC files go (default: `$AKHBAR_HOME/warc`)"),
    Variable("AKHBAR_WARC_MAX_BYTES", None, "rotate a WARC file past this size (default: 1 GB)"),
    Variable("AKHBAR_CORPUS_DIR", "../shared/corpora/saudinewsnet", "the SaudiNewsNet corpus read in place by "
             "the benches and the dev-set fixture outlets"),
    Variable("AKHBAR_WEBHOOK_RETRIES", "8", "retries of a failed alert webhook POST before it goes to the "
             "dead letters"),
    Variable("AKHBAR_WEBHOOK_BACKOFF", "2", "seconds before the first alert webhook retry, doubled at each "
             "retry (at most 300)"),
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
    # Secured Elasticsearch/OpenSearch (index/auth.py): basic auth or an API key, and the CA to trust.
    search_user: str | None = None
    search_password: str | None = None
    search_api_key: str | None = None
    search_ca: str | None = None
    search_verify: bool = True
    alerts_alias: str = "akhbar-alerts"

    def __repr__(self) -> str:
        """Without secrets: a repr ends up in logs, tracebacks and debuggers."""
        from dataclasses import fields

        from akhbar.core.redact import MASK, redact_url

        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("api_token", "search_password", "search_api_key"):
            if shown[name]:
                shown[name] = MASK
        for name in ("redis_url", "search_url"):
            shown[name] = redact_url(shown[name])
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

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
        """The search URL, or the comma-separated URLs of every node (`services up --search-nodes N`)."""
        url = self.search_url or ",".join(search_node_urls(self.services_state()))
        if not url:
            raise ServiceNotConfigured(
                "No search engine configured: run `akhbar services up` or set AKHBAR_SEARCH_URL."
            )
        return url


def search_node_key(i: int) -> str:
    """services.json key of embedded search node i (1-based): `opensearch` for the first."""
    return "opensearch" if i == 1 else f"opensearch-{i}"


def search_node_urls(state: dict) -> list[str]:
    """URLs of the embedded search nodes recorded in services.json, the first node first."""
    count = int(state.get("search_nodes", 1))
    return [url for i in range(1, count + 1) if (url := state.get(search_node_key(i), {}).get("url"))]


def split_urls(value: str) -> list[str]:
    """`AKHBAR_SEARCH_URL` may list several nodes: "http://a:9200,http://b:9200"."""
    return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]


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
        search_user=get("AKHBAR_SEARCH_USER"),
        search_password=get("AKHBAR_SEARCH_PASSWORD"),
        search_api_key=get("AKHBAR_SEARCH_API_KEY"),
        search_ca=get("AKHBAR_SEARCH_CA"),
        search_verify=(get("AKHBAR_SEARCH_VERIFY") or "true").lower() not in ("0", "false", "no", "off"),
        alerts_alias=get("AKHBAR_ALERTS_INDEX") or "akhbar-alerts",
    )
