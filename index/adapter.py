"""One thin adapter over the two clients: `elasticsearch` for Elasticsearch, `opensearch-py` for OpenSearch.

Mappings, settings and queries are plain dicts shared by both engines; only the transport differs.
The engine is taken from config (`AKHBAR_SEARCH_ENGINE`) or detected from `GET /`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable
from typing import Any

from akhbar.core.redact import redact
from akhbar.core.retry import ENGINE, NODE_FAILOVER
from index.auth import SearchAuth, SearchAuthError, settings_auth

ENGINES = ("opensearch", "elasticsearch")


class SearchUnavailable(RuntimeError):
    """The search engine could not be reached or answered with a server error."""


class SearchRequestError(ValueError):
    """The engine rejected a request (bad query, mapping conflict...). `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400, info: Any = None):
        super().__init__(message)
        self.status = status
        self.info = info


def detect_engine(url: str, timeout: float = 5.0, auth: SearchAuth | None = None) -> str:
    """`url` may list several nodes of one cluster separated by commas: the first that answers decides."""
    auth = auth or SearchAuth()
    urls = [u.strip() for u in url.split(",") if u.strip()]
    info: dict = {}
    for i, one in enumerate(urls):
        one, node_auth = auth.with_url_credentials(one)
        request = urllib.request.Request(one.rstrip("/") + "/")
        if node_auth.authorization():
            request.add_header("Authorization", node_auth.authorization())
        context = node_auth.ssl_context() if one.startswith("https:") else None
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                info = json.load(response)
            break
        except (OSError, ValueError) as exc:
            if i == len(urls) - 1:
                raise SearchUnavailable(
                    redact(f"Search engine at {url} is not reachable: {exc}{_tls_hint(str(exc))}")) from exc
    distribution = info.get("version", {}).get("distribution", "elasticsearch")
    return "opensearch" if distribution == "opensearch" else "elasticsearch"


class SearchAdapter:
    """`request()` is the only engine-specific method; everything else is built on it."""

    def __init__(self, url: str, engine: str = "auto", timeout: float = 30.0, auth: SearchAuth | None = None):
        """`url`: one node, or several nodes of one cluster ("http://a:9200,http://b:9200", AKHBAR_SEARCH_URL).
        `auth`: credentials and TLS trust; None reads the AKHBAR_SEARCH_* settings (index/auth.py)."""
        try:
            auth = settings_auth() if auth is None else auth
        except SearchAuthError as exc:  # a settings mistake: one clear line wherever the adapter is made
            raise SearchUnavailable(f"Search engine settings: {exc}") from None
        urls = []
        for one in (u.strip() for u in url.split(",") if u.strip()):
            one, auth = auth.with_url_credentials(one)
            urls.append(one.rstrip("/"))  # never holds a password, so it can be logged and shown
        if not urls:
            raise ValueError("No search engine URL given")
        self.auth = auth
        self.urls = urls
        self.url = urls[0]
        self.engine = detect_engine(",".join(urls), auth=self.auth) if engine == "auto" else engine
        if self.engine not in ENGINES:
            raise ValueError(f"Unknown search engine {engine!r}: use one of {ENGINES} or 'auto'")
        # One node: no client retries, the callers own the retry policy (SearchUnavailable). Several
        # nodes: a request that meets a dead node (connection refused, timeout, 502/503/504) is sent
        # again to the next one, each node at most twice. Sniffing stays off (the default): nodes
        # publish addresses a client in another container or network may not reach.
        retries = 0 if len(self.urls) == 1 else 2 * len(self.urls)
        retry: dict[str, Any] = {"max_retries": retries, "retry_on_timeout": retries > 0,
                                 "retry_on_status": tuple(sorted(NODE_FAILOVER))}
        if self.engine == "opensearch":
            from opensearchpy import OpenSearch

            # A pool as large as the API's expected concurrency: 20 users must not queue on 10 sockets.
            self._client: Any = OpenSearch(hosts=self.urls, timeout=timeout, pool_maxsize=32, **retry,
                                           **self.auth.opensearch_kwargs(self.url))
        else:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(self.urls, request_timeout=timeout, connections_per_node=32, **retry,
                                         **self.auth.elasticsearch_kwargs(self.url))

    # -- transport ---------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, params: dict | None = None) -> Any:
        """Send one request. Raises SearchUnavailable (connection, 5xx) or SearchRequestError (4xx)."""
        try:
            if self.engine == "opensearch":
                return self._client.transport.perform_request(method, path, params=params, body=body)
            headers = {"accept": "application/json"}
            if body is not None:
                headers["content-type"] = (
                    "application/x-ndjson" if isinstance(body, str) else "application/json"
                )
            response = self._client.perform_request(method, path, params=params, headers=headers, body=body)
            return response.body
        except Exception as exc:  # both clients raise their own hierarchies; map them to ours
            raise _translate(exc) from exc

    # -- conveniences ------------------------------------------------------------------------
    def info(self) -> dict:
        return self.request("GET", "/")

    def exists(self, index_or_alias: str) -> bool:
        try:
            # opensearch-py answers HEAD with a bool; elasticsearch raises NotFound on 404.
            return self.request("HEAD", f"/{index_or_alias}") is not False
        except SearchRequestError as exc:
            if exc.status == 404:
                return False
            raise

    def alias_targets(self, alias: str) -> list[str]:
        try:
            return sorted(self.request("GET", f"/_alias/{alias}").keys())
        except SearchRequestError as exc:
            if exc.status == 404:
                return []
            raise

    def bulk(self, lines: Iterable[dict], refresh: bool | str = False) -> dict:
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        params = {"refresh": "true" if refresh is True else refresh} if refresh else None
        return self.request("POST", "/_bulk", body=body, params=params)

    def search(self, index: str, body: dict, params: dict | None = None) -> dict:
        return self.request("POST", f"/{index}/_search", body=body, params=params)

    def msearch(self, index: str, bodies: Iterable[dict]) -> list[dict]:
        """Several searches in one request; one response each, in order (an error is a response)."""
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for b in bodies for line in ({}, b))
        return self.request("POST", f"/{index}/_msearch", body=body)["responses"]

    def refresh(self, index: str) -> None:
        self.request("POST", f"/{index}/_refresh")

    def close(self) -> None:
        self._client.close()


def _translate(exc: Exception) -> Exception:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "meta", None), "status", None)
    if isinstance(status, str):  # opensearch-py uses "N/A" for connection errors
        status = None
    info = getattr(exc, "info", None) or getattr(exc, "body", None)
    # Every 5xx is the engine's fault; of the rest, what the engine policy retries (429) is a wait too.
    if status is None or status >= 500 or ENGINE.retryable(status):
        detail = getattr(exc, "message", None)
        detail = detail if isinstance(detail, str) and len(detail) > len(str(exc)) else str(exc)
        message = f"Search engine unavailable: {detail}"
        message = redact(message + _tls_hint(detail))
        error = SearchUnavailable(message)
        error.status = status or 503  # type: ignore[attr-defined]
        return error
    reason = redact(_reason(info) or str(exc))
    return SearchRequestError(reason, status=status, info=info)


def _tls_hint(detail: str) -> str:
    """The usual cause of a failed handshake with a secured engine: its CA is not trusted yet."""
    if "CERTIFICATE_VERIFY_FAILED" in detail:
        return " (set AKHBAR_SEARCH_CA to the CA file that signed the engine's certificate)"
    return ""


def _reason(info: Any) -> str | None:
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            root = (error.get("root_cause") or [error])[0]
            return f"{root.get('type')}: {root.get('reason')}"
        if isinstance(error, str):
            return error
    return None


def connect(settings=None) -> SearchAdapter:
    from akhbar.core.config import load_settings

    settings = settings or load_settings()
    try:
        auth = SearchAuth.from_settings(settings)
    except SearchAuthError as exc:
        raise SearchUnavailable(f"Search engine settings: {exc}") from None
    return SearchAdapter(settings.require_search_url(), settings.search_engine, auth=auth)


__all__ = ["SearchAdapter", "SearchAuth", "SearchRequestError", "SearchUnavailable", "connect", "detect_engine"]
