"""Every process-level setting, declared once with its default and a line of doc.

Settings come from `AKHBAR_*` environment variables, and only this module reads them: everything else reads
the typed `Settings` of `load_settings()`, at the moment it needs a value (never at import, so a changed
environment is seen). `VARIABLES` is the table, in the style of Scrapy's default_settings.py: each entry
names its environment variable, its default (as one would write it in the environment), its type and the
`Settings` field it fills. An unset or blank variable takes the default; a set one is taken as it is, so
`0` means 0. The URLs of the embedded Redis and search node are written by `akhbar services up` to
``$AKHBAR_HOME/services.json``; explicit environment variables always win (production, docker-compose).
What a crawl job passes to Scrapy is declared in crawler/settings.py. The README's configuration tables
list both; tests check that they match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

# The folder the repository's benches and corpora sit beside (`../shared/corpora/...`).
_REPO = Path(__file__).resolve().parents[2]

class SettingsError(ValueError):
    """A variable set to a value its type cannot take; the message names the variable."""


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _text(name: str, raw: str) -> str:
    return raw


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _bool(name: str, raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingsError(f"{name} must be one of {'/'.join(_TRUE + _FALSE)}, not {raw!r}")


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _beside_repo(name: str, raw: str) -> Path:
    """A relative path is taken from the repository's folder (the benches run from anywhere)."""
    return _REPO / raw


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None  # as written in the environment; None: unset (the doc says what that means)
    doc: str
    field: str  # the Settings attribute it fills
    parse: Callable[[str, str], Any] = _text  # (name, raw) -> the typed value; ValueError names the variable


VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("AKHBAR_HOME", ".akhbar", "state directory of the embedded services (data, logs, WARC)", "home",
         lambda name, raw: Path(raw).resolve()),
    Variable("AKHBAR_REDIS_URL", None,
         "Redis for the broker, job state and dedupe state (default: from `services up`); a password goes "
         "in the URL (`redis://:PASSWORD@host:6379/0`) and is masked in every log line, error, `services "
         "status` and `/health`",
         "redis_url"),
    Variable("AKHBAR_SEARCH_URL", None,
         "Elasticsearch or OpenSearch URL (`https://…` for a secured cluster), or several nodes of one "
         "cluster separated by commas (a request goes to another node when one is down; default: from "
         "`services up`, every node of `--search-nodes N`)",
         "search_url"),
    Variable("AKHBAR_SEARCH_ENGINE", "auto", "`opensearch`, `elasticsearch`, or `auto` (from `GET /`)",
         "search_engine"),
    Variable("AKHBAR_SEARCH_USER", None,
         "basic-auth user of a secured Elasticsearch/OpenSearch", "search_user"),
    Variable("AKHBAR_SEARCH_PASSWORD", None, "its password (both or neither)", "search_password"),
    Variable("AKHBAR_SEARCH_API_KEY", None,
         "an Elasticsearch API key (the base64 `encoded` value) instead of user and password",
         "search_api_key"),
    Variable("AKHBAR_SEARCH_CA", None,
         "PEM file of the CA that signed the engine's certificate (Docker: `/certs/ca/ca.crt`)",
         "search_ca"),
    Variable("AKHBAR_SEARCH_VERIFY", "true", "`false` skips certificate checks (test clusters only)",
         "search_verify", _bool),
    Variable("AKHBAR_KIBANA_USER", None,
         "user:password for `akhbar kibana setup` on a secured Kibana (kept off the command line)",
         "kibana_user"),
    Variable("AKHBAR_INDEX", "akhbar-articles", "the index alias", "index_alias"),
    Variable("AKHBAR_ALERTS_INDEX", "akhbar-alerts", "the alias of the saved searches' percolator index",
         "alerts_alias"),
    Variable("AKHBAR_OUTLETS", None,
         "your outlet registry file, merged over the built-in one", "outlets_file"),
    Variable("AKHBAR_OPENSEARCH_HEAP", "1g", "heap of the embedded OpenSearch node", "opensearch_heap"),
    Variable("AKHBAR_API_TOKEN", None,
         "bearer token for the API's write endpoints (always needed); unset: `akhbar api` makes one at "
         "each start, prints a URL carrying it (it logs the search page in) and keeps it in "
         "`$AKHBAR_HOME/api-token` (mode 0600, `akhbar api-token` prints it), and refuses to listen on "
         "anything but loopback",
         "api_token"),
    Variable("AKHBAR_API_ALLOWED_HOSTS", None,
         "Host names the API answers to besides the loopback names and its `--host` address "
         "(comma-separated, like `--allow-host`; e.g. a reverse proxy's public name); any other `Host` "
         "gets 403, which stops DNS rebinding",
         "api_allowed_hosts"),
    Variable("AKHBAR_API_RATE_LIMIT", "600",
         "API requests per minute per client (0: off)", "api_rate_limit", _int),
    Variable("AKHBAR_API_RATE_BURST", "120", "API requests a client may send at once above the rate",
         "api_rate_burst", _int),
    Variable("AKHBAR_API_MAX_BODY", "65536", "largest API request body, in bytes", "api_max_body", _int),
    Variable("AKHBAR_ALLOWED_DOMAINS", None, "domains/IPs/CIDRs that HTTP-submitted jobs may crawl besides "
         "registered outlets, and that alert webhooks may target", "allowed_domains"),
    Variable("AKHBAR_LOG_JSON", "0",
         "`1`: JSON log lines (with `job_id` and `url` in worker records)", "log_json",
         _bool),
    Variable("AKHBAR_SYNONYMS", None, "your synonym files (Solr format, os.pathsep-separated), added to "
         "index/synonyms/libya.txt", "synonyms"),
    Variable("AKHBAR_VISIBILITY_TIMEOUT", "1800", "seconds before the broker re-delivers a task whose "
         "worker died, or that a worker had reserved when it lost Redis", "visibility_timeout", _int),
    Variable("AKHBAR_REDIS_WAIT", "60",
         "seconds a CLI command waits for an unreachable Redis (saying so) before "
         "it gives up with one line", "redis_wait", _int),
    Variable("AKHBAR_REDIS_WAIT_WORKERS", "600",
         "seconds workers and crawlers pause for an unreachable Redis "
         "before a task or a crawl fails", "redis_wait_workers", _int),
    Variable("AKHBAR_WORKER_MAX_MEMORY_MB", "512",
         "a worker pool process whose RSS is above this after a task "
         "is replaced by a fresh one (a guard against slow growth; the soak's pool processes peak at "
         "~180 MiB; 0: off)", "worker_max_memory_mb", _int),
    Variable("AKHBAR_INDEX_RETRY_WINDOW", "900", "seconds the index stage keeps retrying while the search "
         "engine is down or read-only before its documents go to dead letters", "index_retry_window", _int),
    Variable("AKHBAR_JOB_STALL_AFTER", "120",
         "seconds a running job may have pages pending with no work of it left anywhere, and nothing the "
         "reconciler can re-drive, before it is marked `stalled` (with the URLs it could not re-drive and "
         "why)",
         "job_stall_after", _int),
    Variable("AKHBAR_JOB_REDRIVE_AFTER", "15",
         "seconds a running job's pending pages may stay unmoved with no work of the job anywhere (queues,"
         " unacked, index buffer) before the reconciler sends them again from the job's ledger (at most 3 "
         "rounds)",
         "job_redrive_after", _int),
    Variable("AKHBAR_CRAWL_PROCESSES", "1", "crawler processes per job when the job does not say",
         "crawl_processes", _int),
    Variable("AKHBAR_RECRAWL", None,
         "recrawl policy when the job does not say (`changed`, `all`, ...)", "recrawl"),
    Variable("AKHBAR_WARC_ENABLED", "1",
         "`0`: do not write fetched responses to WARC", "warc_enabled", _bool),
    Variable("AKHBAR_WARC_DIR", None,
         "where WARC files go (default: `$AKHBAR_HOME/warc`)", "warc_dir", _path),
    Variable("AKHBAR_WARC_MAX_BYTES", "1073741824", "rotate a WARC file past this size, in bytes (1 GiB)",
         "warc_max_bytes", _int),
    Variable("AKHBAR_CORPUS_DIR", "../shared/corpora/saudinewsnet",
         "the SaudiNewsNet corpus read in place by "
         "the benches and the dev-set fixture outlets (relative: to the repository's folder)", "corpus_dir",
         _beside_repo),
    Variable("AKHBAR_AEB_DEV", "../shared/corpora/aeb-dev", "the article body extraction dev set read by "
         "bench/extract_real.py (relative: to the repository's folder)", "aeb_dev_dir", _beside_repo),
    Variable("AKHBAR_CHROMIUM", "/usr/bin/chromium", "the Chromium the crawler renders app-shell pages with "
         "(Debian's `chromium` package; Playwright drives it, no browser download)", "chromium"),
    Variable("AKHBAR_WEBHOOK_RETRIES", "8", "retries of a failed alert webhook POST before it goes to the "
         "dead letters", "webhook_retries", _int),
    Variable("AKHBAR_WEBHOOK_BACKOFF", "2", "seconds before the first alert webhook retry, doubled at each "
         "retry (at most 300)", "webhook_backoff", _int),
    Variable("AKHBAR_ARCHIVE_RATE", "60",
         "requests per minute to one web archive (index queries and page fetches alike, across the "
         "processes of every backfill; the Internet Archive blocks clients above about 60 for an hour)",
         "archive_rate", _int),
    Variable("AKHBAR_COMMONCRAWL_INDEX", "https://index.commoncrawl.org",
         "Common Crawl's CDX index server (`collinfo.json` lists its crawls) for `backfill --source "
         "commoncrawl`", "commoncrawl_index"),
    Variable("AKHBAR_COMMONCRAWL_DATA", "https://data.commoncrawl.org",
         "where Common Crawl's WARC files are read by offset and length", "commoncrawl_data"),
)}


def _value(variable: Variable, environ: Mapping[str, str]) -> Any:
    """The typed value: the variable as set, else its declared default; None when neither."""
    raw = environ.get(variable.name, "").strip() or variable.default
    return None if raw is None else variable.parse(variable.name, raw)


def default_of(name: str) -> Any:
    """The typed default of a variable, as if it were unset."""
    return _value(VARIABLES[name], {})


@dataclass(frozen=True)
class Settings:
    """The typed values of `VARIABLES` (one field each; their defaults live in the table only)."""

    home: Path
    redis_url: str | None
    search_url: str | None
    search_engine: str  # auto | opensearch | elasticsearch
    # Secured Elasticsearch/OpenSearch (index/auth.py): basic auth or an API key, and the CA to trust.
    search_user: str | None
    search_password: str | None
    search_api_key: str | None
    search_ca: str | None
    search_verify: bool
    kibana_user: str | None
    index_alias: str
    alerts_alias: str
    outlets_file: str | None
    opensearch_heap: str
    api_token: str | None
    api_allowed_hosts: str | None
    api_rate_limit: int
    api_rate_burst: int
    api_max_body: int
    allowed_domains: str | None
    log_json: bool
    synonyms: str | None
    visibility_timeout: int
    redis_wait: int
    redis_wait_workers: int
    worker_max_memory_mb: int
    index_retry_window: int
    job_stall_after: int
    job_redrive_after: int
    crawl_processes: int
    recrawl: str | None
    warc_enabled: bool
    warc_dir: Path | None  # None: `warc_root`, under the home
    warc_max_bytes: int
    corpus_dir: Path
    aeb_dev_dir: Path
    chromium: str
    webhook_retries: int
    webhook_backoff: int
    archive_rate: int
    commoncrawl_index: str
    commoncrawl_data: str

    def __repr__(self) -> str:
        """Without secrets: a repr ends up in logs, tracebacks and debuggers."""
        from akhbar.core.redact import MASK, redact_url

        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("api_token", "search_password", "search_api_key", "kibana_user"):
            if shown[name]:
                shown[name] = MASK
        for name in ("redis_url", "search_url"):
            shown[name] = redact_url(shown[name])
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def warc_root(self) -> Path:
        """Where WARC files go: AKHBAR_WARC_DIR, else `$AKHBAR_HOME/warc`."""
        return self.warc_dir if self.warc_dir is not None else self.home / "warc"

    @property
    def services_file(self) -> Path:
        return self.home / "services.json"

    def services_state(self) -> dict:
        try:
            return json.loads(self.services_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def find_redis_url(self) -> str | None:
        """AKHBAR_REDIS_URL, else the Redis `services up` started; None: neither."""
        return self.redis_url or self.services_state().get("redis", {}).get("url")

    def require_redis_url(self) -> str:
        url = self.find_redis_url()
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
    """The settings as the environment (default: this process's) says now; cheap, so read it where used."""
    environ = os.environ if environ is None else environ
    return Settings(**{v.field: _value(v, environ) for v in VARIABLES.values()})
