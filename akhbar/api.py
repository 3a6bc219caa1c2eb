"""The HTTP API and the search page: `akhbar api [--host 127.0.0.1] [--port 8000]`.

    POST   /jobs                  submit a crawl job (write: bearer token, see below)
    GET    /jobs                  recent jobs          GET /jobs/{id}     one job with its counters
    DELETE /jobs/{id}             cancel (write)       POST /jobs/{id}/retry  same options, new job (write)
    GET    /search                full-text search: index.search.run_search's JSON, unchanged
    GET    /search/filters        the search filters (index.filters): the page builds its form from them
    GET    /articles/{id}         one article, full text, with the other versions of its story
    GET    /articles/{id}/similar other stories like it
    GET    /outlets               the registry, with per-outlet health (akhbar.health)
    GET    /alerts                saved searches      POST /alerts  save one (write)
    GET    /alerts/{name}[.atom]  its alerts (JSON or Atom)       DELETE /alerts/{name}  (write)
    GET    /health                Redis + search engine; 503 when one is down
    GET    /metrics               Prometheus (akhbar.prometheus)
    GET    /, /article/{id}       the Arabic search page (akhbar/web/, no build step)
    GET    /docs                  OpenAPI docs

Writes always need the API token (Jupyter's model): `Authorization: Bearer <token>`, or, from the search
page, the cookie that the tokenised URL sets plus the CSRF header. Without AKHBAR_API_TOKEN, `akhbar api`
makes a token at each start, prints a URL carrying it and keeps it in $AKHBAR_HOME/api-token (mode 0600).
Every request's Host must name an address the API serves (loopback names, `--allow-host`): this stops
DNS rebinding. Every error is JSON
`{"error": {"code", "message"}}`; unexpected failures are logged with a request id and answered with a
generic 500, never a stack trace. Limits: request bodies (AKHBAR_API_MAX_BODY, default 64 KiB), a
per-client token bucket (AKHBAR_API_RATE_LIMIT requests/minute, default 600, burst AKHBAR_API_RATE_BURST,
default 120; 0 turns it off), search `size` at most 100, `q` at most 500 characters.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import inspect
import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import redis
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from akhbar.core.config import ServiceNotConfigured, Settings, default_of, load_settings
from akhbar.core.keys import JOB_STATES
from akhbar.core.outlet import add_outlet_names
from akhbar.core.targets import AllowList, TargetNotAllowed, adhoc_name, check_target
from index.adapter import SearchAdapter, SearchRequestError, SearchUnavailable
from index.filters import FILTERS, FilterSpec, public_filters
from index.query import QueryError
from workers.clean.places import place_names

log = logging.getLogger("akhbar.api")

WEB_DIR = Path(__file__).with_name("web")
MAX_QUERY_CHARS = 500
MAX_SIMILAR = 50
JOB_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOC_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
LIST_PARAMS = frozenset(s.key for s in FILTERS if s.multi)  # repeatable: every value kept
TOKEN_FILE = "api-token"  # in $AKHBAR_HOME, mode 0600: the generated token, for the CLI and curl
TOKEN_COOKIE = "akhbar_token"  # HttpOnly: set by the tokenised URL, sent by the page's writes
CSRF_COOKIE = "akhbar_csrf"  # readable by the page, which echoes it in CSRF_HEADER (double submit)
CSRF_HEADER = "x-akhbar-csrf"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Pages, probes and docs are not rate limited: only the API calls that cost a search or a write.
UNLIMITED = ("/health", "/metrics", "/static/", "/docs", "/openapi.json", "/favicon.ico")
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# One enum for the API schema, from the one list of job states.
JobState = enum.Enum("JobState", {s: s for s in JOB_STATES}, type=str)


# -- configuration -------------------------------------------------------------------------------------
def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def new_local_token(home: Path) -> str:
    """A fresh token, written to $AKHBAR_HOME/api-token readable by this user only."""
    token = secrets.token_urlsafe(32)
    path = token_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)  # O_CREAT's mode does not apply to a file left by a crash
        out.write(token + "\n")
    os.replace(tmp, path)
    return token


def local_token(home: Path) -> str | None:
    """The token the local `akhbar api` generated, if any."""
    try:
        return token_path(home).read_text().strip() or None
    except OSError:
        return None


def normalise_host(value: str) -> str:
    """`Example.org.:8000` -> `example.org`, `[::1]:8000` -> `::1`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def parse_hosts(text: str | None) -> tuple[str, ...]:
    return tuple(normalise_host(h) for h in re.split(r"[,\s]+", text or "") if h.strip())


@dataclass(frozen=True)
class ApiConfig:
    token: str | None = None  # None: create_app uses (or makes) $AKHBAR_HOME/api-token
    allowed: AllowList = field(default_factory=AllowList)
    # The table's defaults (akhbar.core.config), for configs built in code (tests).
    rate_limit: int = field(default_factory=lambda: default_of("AKHBAR_API_RATE_LIMIT"))  # per minute; 0: off
    rate_burst: int = field(default_factory=lambda: default_of("AKHBAR_API_RATE_BURST"))
    max_body: int = field(default_factory=lambda: default_of("AKHBAR_API_MAX_BODY"))
    allowed_hosts: tuple[str, ...] = ()  # Host header values accepted besides the loopback names

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> ApiConfig:
        settings = settings or load_settings()
        return cls(
            token=settings.api_token,
            allowed=AllowList.parse(settings.allowed_domains),
            allowed_hosts=parse_hosts(settings.api_allowed_hosts),
            rate_limit=settings.api_rate_limit,
            rate_burst=settings.api_rate_burst,
            max_body=settings.api_max_body,
        )


# -- errors --------------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    from akhbar.core.redact import redact

    return JSONResponse({"error": {"code": code, "message": redact(message)}}, status_code=status, headers=headers)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
               415: "unsupported_media_type", 429: "rate_limited"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.url.path} (see /docs)"
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(QueryError)
    async def _query(request: Request, exc: QueryError) -> JSONResponse:
        status = getattr(exc, "status", 400)
        return error_response(status, "not_found" if status == 404 else "invalid_query", str(exc))

    @app.exception_handler(SearchUnavailable)
    async def _search_down(request: Request, exc: SearchUnavailable) -> JSONResponse:
        log.warning("search engine unavailable: %s", exc)
        return error_response(503, "search_unavailable", "the search engine is unavailable; try again later",
                              {"Retry-After": "10"})

    @app.exception_handler(SearchRequestError)
    async def _search_rejected(request: Request, exc: SearchRequestError) -> JSONResponse:
        log.warning("search engine rejected a request (%s): %s", exc.status, exc)
        if exc.status == 404:
            return error_response(404, "not_found", "not found")
        return error_response(502, "search_error", "the search engine rejected the request")

    @app.exception_handler(redis.exceptions.ConnectionError)
    @app.exception_handler(redis.exceptions.TimeoutError)
    async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("redis unavailable: %s", exc)
        return error_response(503, "redis_unavailable", "the job store (Redis) is unavailable; try again later",
                              {"Retry-After": "10"})

    @app.exception_handler(ServiceNotConfigured)
    async def _not_configured(request: Request, exc: ServiceNotConfigured) -> JSONResponse:
        return error_response(503, "not_configured", str(exc))

    try:
        from kombu.exceptions import OperationalError
    except ImportError:  # pragma: no cover - kombu comes with celery
        return

    @app.exception_handler(OperationalError)
    async def _broker_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("broker unavailable: %s", exc)
        return error_response(503, "broker_unavailable", "the task queue is unavailable; try again later")


# -- shared resources ------------------------------------------------------------------------------------
class AppState:
    """Clients created on first use (a service that is down at start-up must not stop the API)."""

    def __init__(self, settings: Settings, config: ApiConfig):
        self.settings = settings
        self.config = config
        self.alias = settings.index_alias
        self._lock = threading.Lock()
        self._redis: redis.Redis | None = None
        self._search: SearchAdapter | None = None
        self._registry: tuple[Any, Any] | None = None  # ((user file, home file) mtimes, Registry)
        self.limiter = RateLimiter(config.rate_limit, config.rate_burst)
        self.metrics = CollectorRegistry(auto_describe=False)
        self.requests = Counter("akhbar_api_requests", "HTTP requests served by the API",
                                ["method", "route", "status"], registry=self.metrics)
        self.latency = Histogram("akhbar_api_request_duration_seconds", "API request latency", ["route"],
                                 registry=self.metrics,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
        from akhbar.prometheus import PipelineCollector

        self.metrics.register(PipelineCollector(self.redis, self.search, self.alias))

    def redis(self) -> redis.Redis:
        with self._lock:
            if self._redis is None:
                self._redis = redis.Redis.from_url(self.settings.require_redis_url(), socket_timeout=5,
                                                   socket_connect_timeout=3, health_check_interval=30)
            return self._redis

    def search(self) -> SearchAdapter:
        with self._lock:
            if self._search is None:
                # engine "auto" asks GET / once; a failure raises SearchUnavailable and is retried next time
                self._search = SearchAdapter(self.settings.require_search_url(), self.settings.search_engine,
                                             timeout=15)
            return self._search

    def jobs(self):
        from akhbar.core.jobs import JobStore

        return JobStore(self.redis())

    def registry(self):
        """The outlet registry, re-read when the user's file or the home's registered outlets change."""
        from akhbar.core.registry import HOME_FILE, load_registry

        user_file = self.settings.outlets_file
        stamp = tuple(_mtime(path) for path in (user_file, self.settings.home / HOME_FILE))
        if self._registry is None or self._registry[0] != stamp:
            self._registry = (stamp, load_registry(user_file, home=self.settings.home))
        return self._registry[1]


def _mtime(path: str | Path | None) -> float | None:
    try:
        return Path(path).stat().st_mtime if path else None
    except OSError:
        return None


def _state(request: Request) -> AppState:
    return request.app.state.akhbar


StateDep = Annotated[AppState, Depends(_state)]


def host_allowed(scope: Scope, allowed: tuple[str, ...]) -> bool:
    """Whether the Host header names an address this API serves: a DNS-rebinding page has its own name."""
    raw = dict(scope.get("headers", [])).get(b"host")
    if not raw:
        return False
    host = normalise_host(raw.decode("latin-1"))
    return host in LOOPBACK_HOSTS or host in allowed


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())  # type: ignore[union-attr]


def require_writer(request: Request, state: StateDep) -> None:
    """Write endpoints: the bearer token, or the page's token cookie with its CSRF header."""
    token = state.config.token
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        if not _same(credentials.strip(), token):
            raise ApiError(401, "unauthorized", "invalid token",
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return
    cookie = request.cookies.get(TOKEN_COOKIE)
    if cookie:
        if not _same(cookie, token):
            raise ApiError(401, "unauthorized", "the page's token is out of date: open the URL `akhbar api` "
                                                "printed again", {"WWW-Authenticate": "Bearer"})
        # A cross-site form can send the cookie but cannot read the CSRF cookie to echo it in a header.
        if not _same(request.headers.get(CSRF_HEADER), request.cookies.get(CSRF_COOKIE)):
            raise ApiError(403, "forbidden", f"a write from the page needs the {CSRF_HEADER} header")
        return
    raise ApiError(401, "unauthorized", "this endpoint needs an `Authorization: Bearer <token>` header "
                                        "(AKHBAR_API_TOKEN, or the token in $AKHBAR_HOME/api-token)",
                   {"WWW-Authenticate": "Bearer"})


Writer = Depends(require_writer)


# -- limits and request metrics --------------------------------------------------------------------------
class RateLimiter:
    """Token bucket per client address; runs on the event loop thread only."""

    def __init__(self, per_minute: int, burst: int):
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill)

    def allow(self, client: str, now: float | None = None) -> float:
        """0 if allowed, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if len(self.buckets) > 10_000:  # bounded memory under many clients: forget idle ones
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 120}
        if tokens < 1.0:
            self.buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self.buckets[client] = (tokens - 1.0, now)
        return 0.0


class _BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in (no Content-Length): an HTTP error, so FastAPI's body parsing
    passes it on as a 413 instead of turning it into "error parsing the body"."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body larger than {limit} bytes")


class Guard:
    """Outermost app middleware: body size limit, rate limit, request metrics, page security headers,
    and the last line of defence: an unexpected exception becomes a logged, generic JSON 500."""

    def __init__(self, app: ASGIApp, state: AppState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope.get("path", "")
        status = 500
        response_started = False
        limit = self.state.config.max_body

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                if path == "/" or path.startswith("/article/"):
                    headers += [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        try:
            if not host_allowed(scope, self.state.config.allowed_hosts):
                await self._reply(scope, send_wrapper, 403, "host_not_allowed",
                                  "this server does not answer to that Host name; start it with "
                                  "`akhbar api --allow-host NAME` to serve that name")
                return
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                await self._reply(scope, send_wrapper, 413, "payload_too_large",
                                  f"request body larger than {limit} bytes")
                return
            if not path.startswith(UNLIMITED) and path != "/" and not path.startswith("/article/"):
                client = scope.get("client")
                wait = self.state.limiter.allow(client[0] if client else "unknown")
                if wait:
                    await self._reply(scope, send_wrapper, 429, "rate_limited",
                                      f"too many requests; retry in {wait:.1f} s",
                                      {"Retry-After": str(max(1, round(wait)))})
                    return
            await self.app(scope, limited_receive, send_wrapper)
        except _BodyTooLarge:
            if not response_started:
                await self._reply(scope, send_wrapper, 413, "payload_too_large",
                                  f"request body larger than {limit} bytes")
        except Exception:
            request_id = uuid.uuid4().hex[:12]
            log.exception("unhandled error (request %s) on %s %s", request_id, scope.get("method"), path)
            if not response_started:
                await self._reply(scope, send_wrapper, 500, "internal_error",
                                  f"internal error (request {request_id}); the server log has the details")
        finally:
            route = getattr(scope.get("route"), "path", None) or ("/static" if path.startswith("/static/")
                                                                   else "unmatched")
            self.state.requests.labels(scope.get("method", ""), route, str(status)).inc()
            self.state.latency.labels(route).observe(time.perf_counter() - started)

    @staticmethod
    async def _reply(scope: Scope, send: Send, status: int, code: str, message: str,
                     headers: dict[str, str] | None = None) -> None:
        response = error_response(status, code, message, headers)

        async def empty_receive() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, empty_receive, send)


# -- models ---------------------------------------------------------------------------------------------
class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"outlets": ["alwasat", "lana"], "since": "2024-01-01", "max_pages": 500}]})

    outlets: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(
        min_length=1, max_length=50,
        description="Registry names (`all` for every enabled outlet) or ad-hoc http(s) URLs of "
                    "allow-listed domains (AKHBAR_ALLOWED_DOMAINS).")
    since: date | None = Field(None, description="Only articles published on or after this day.")
    max_pages: int | None = Field(None, ge=1, le=1_000_000, description="Page budget for the job.")
    recrawl: bool = Field(False, description="Fetch articles again even if an earlier crawl had them.")
    mode: Literal["live"] = Field(
        "live", description="Always `live` (polite) over HTTP; `fixture`, which lifts the politeness delays "
                            "for local test sites, is refused here (`akhbar crawl --mode fixture` has it).")

    type: Literal["crawl", "backfill"] = Field(
        "crawl", description="`crawl`: the outlets' sites now; `backfill`: their past from a web archive "
                             "(registry names only; `source`, `from_month`, `to_month`).")
    source: str = Field("wayback", max_length=2048,
                        description="backfill: `wayback`, `commoncrawl` or a CDX server's URL (which must pass "
                                    "the same allow-list as crawl targets: AKHBAR_ALLOWED_DOMAINS).")
    from_month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="backfill: first month, YYYY-MM.")
    to_month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="backfill: last month, YYYY-MM.")

    @field_validator("mode", mode="before")
    @classmethod
    def _no_fixture(cls, value: object) -> object:
        # Over HTTP anyone with the token could otherwise hammer a real site with no delays.
        if value == "fixture":
            raise ValueError("`fixture` lifts politeness delays and is refused over HTTP; it is for local test "
                             "sites: `akhbar crawl --mode fixture`")
        return value

    @field_validator("outlets")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        return [v.strip() for v in value if v.strip()]


# -- routes ----------------------------------------------------------------------------------------------
router = APIRouter()

SEARCH_EXAMPLE = {
    "total": 1,
    "total_relation": "eq",
    "hits": [{"id": "3f2a…", "url": "https://alwasat.ly/news/libya/1", "title": "…", "outlet": "alwasat",
              "source_outlet": None, "published_at": "2024-05-01T10:00:00+02:00", "score": 12.3,
              "highlight": {"title": ["… <mark>…</mark> …"], "body": ["…"]}, "cluster_id": "…",
              "also_published_by": ["lana"], "versions": 2,
              "matched": [{"form": "الدبيبة", "query": "Dbeibah", "reason": "transliteration"}]}],
    "facets": {"outlet": [{"key": "alwasat", "count": 1}], "month": [{"key": "2024-05", "count": 1}]},
    "facets_approximate": False,
    "next": None,
}


def _job_or_404(state: AppState, job_id: str):
    if not JOB_ID_RE.match(job_id):
        raise ApiError(404, "not_found", f"no such job: {job_id}")
    try:
        return state.jobs().get(job_id)
    except KeyError:
        raise ApiError(404, "not_found", f"no such job: {job_id}") from None


def _resolve_outlets(state: AppState, requested: list[str]):
    """(registry including any ad-hoc outlets, names to crawl). Refuses unknown names and URLs that are
    not allow-listed or point at internal addresses."""
    from akhbar.core.registry import Registry, UnknownOutletError, registry_from_entries

    registry = state.registry()
    names: list[str] = []
    adhoc: list[dict] = []
    for item in requested:
        if item == "all":
            names += [o.name for o in registry.crawlable()]
        elif "://" in item:
            known = registry.for_url(item)
            if known is not None:  # a URL of a registered outlet: crawl that outlet as registered
                names.append(known.name)
                continue
            url = check_target(item, state.config.allowed)
            name = adhoc_name(url)
            while name in registry or any(e["name"] == name for e in adhoc):
                name = f"{name}-x"
            adhoc.append({"name": name, "base_url": url})
            names.append(name)
        else:
            try:
                names.append(registry.get(item).name)
            except UnknownOutletError as exc:
                raise ApiError(400, "unknown_outlet", str(exc)) from None
    if adhoc:
        registry = Registry([*registry, *registry_from_entries(adhoc, origin="<api>")], files=registry.files)
    return registry, list(dict.fromkeys(names))


@router.post("/jobs", status_code=202, tags=["jobs"], dependencies=[Writer],
             summary="Submit a crawl job",
             responses={202: {"description": "The job, queued (see GET /jobs/{id} for progress)"},
                        401: {"description": "Missing or invalid bearer token"},
                        403: {"description": "Not allowed: non-loopback client without a token, or a URL "
                                             "that is not allow-listed / points at an internal address"}})
def submit_job(body: JobRequest, state: StateDep) -> JSONResponse:
    from akhbar.core.submit import submit_crawl

    if not body.outlets:
        raise ApiError(400, "invalid_request", "outlets: give at least one outlet name or URL")
    if body.type == "backfill":
        return _submit_backfill(body, state)
    try:
        registry, names = _resolve_outlets(state, body.outlets)
    except TargetNotAllowed as exc:
        raise ApiError(403, "target_not_allowed", str(exc)) from None
    job = submit_crawl(state.jobs(), registry, names, since=body.since.isoformat() if body.since else None,
                       max_pages=body.max_pages, recrawl=body.recrawl, mode=body.mode)
    log.info("job %s submitted over HTTP for %s", job.id, ", ".join(names))
    return JSONResponse(_job_json(job), status_code=202, headers={"Location": f"/jobs/{job.id}"})


def _submit_backfill(body: JobRequest, state: AppState) -> JSONResponse:
    from akhbar.core.registry import UnknownOutletError
    from akhbar.core.submit import submit_backfill
    from crawler.backfill import archive_for

    registry = state.registry()
    try:
        names = [o.name for o in registry.enabled()] if body.outlets == ["all"] else \
            [registry.get(name).name for name in body.outlets]
    except UnknownOutletError as exc:
        raise ApiError(400, "unknown_outlet", str(exc)) from None
    source = body.source.strip()
    if source not in ("wayback", "commoncrawl"):
        try:  # a CDX server is a target like a crawl's: the same allow-list and address checks
            source = check_target(source, state.config.allowed).rstrip("/")
        except TargetNotAllowed as exc:
            raise ApiError(403, "target_not_allowed", str(exc)) from None
    try:
        archive_for(source)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    if body.from_month and body.to_month and body.from_month > body.to_month:
        raise ApiError(400, "invalid_request", "from_month is after to_month")
    job = submit_backfill(state.jobs(), registry, names, source=source, first=body.from_month, last=body.to_month)
    log.info("backfill %s submitted over HTTP for %s from %s", job.id, ", ".join(names), source)
    return JSONResponse(_job_json(job), status_code=202, headers={"Location": f"/jobs/{job.id}"})


def _job_json(job) -> dict:
    data = job.to_dict()
    options = dict(data.get("options") or {})
    # The outlet configs are internal plumbing (and large): show what the user asked for.
    for internal in ("outlet_configs", "registry_extra", "scrapy_settings", "files"):
        options.pop(internal, None)
    data["options"] = options
    return data


@router.get("/jobs", tags=["jobs"], summary="Recent crawl jobs, newest first")
def list_jobs(state: StateDep, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              job_state: Annotated[JobState | None,
                                   Query(alias="state")] = None) -> JSONResponse:
    jobs = state.jobs().list(limit)
    if job_state:
        jobs = [j for j in jobs if j.state == job_state.value]
    return JSONResponse({"jobs": [_job_json(j) for j in jobs]})


@router.get("/jobs/{job_id}", tags=["jobs"], summary="One job: state, counters, errors by kind")
def get_job(job_id: str, state: StateDep) -> JSONResponse:
    from akhbar.core import stall

    return JSONResponse(_job_json(stall.check(state.jobs(), _job_or_404(state, job_id))))


@router.delete("/jobs/{job_id}", tags=["jobs"], dependencies=[Writer], summary="Cancel a job")
def cancel_job(job_id: str, state: StateDep) -> JSONResponse:
    _job_or_404(state, job_id)
    return JSONResponse(_job_json(state.jobs().cancel(job_id)))


@router.post("/jobs/{job_id}/retry", status_code=202, tags=["jobs"], dependencies=[Writer],
             summary="Retry a job: its pending pages sent again from its ledger, a failed crawl resumed, "
                     "or a new crawl")
def retry(job_id: str, state: StateDep) -> JSONResponse:
    from akhbar.core.submit import NotResumable, retry_job
    from crawler.frontier import CrawlerProcesses

    _job_or_404(state, job_id)
    store = state.jobs()
    try:
        job, what = retry_job(store, job_id, alive_crawlers=CrawlerProcesses(store.redis, job_id).others_alive())
    except NotResumable as exc:
        raise StarletteHTTPException(409, str(exc)) from None
    return JSONResponse({**_job_json(job), "retry": what}, status_code=202, headers={"Location": f"/jobs/{job.id}"})


def _search_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in dict.fromkeys(request.query_params.keys()):
        values = request.query_params.getlist(key)
        params[key] = values if key in LIST_PARAMS else values[-1]
    q = params.get("q")
    if isinstance(q, str) and len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"q is too long (at most {MAX_QUERY_CHARS} characters)")
    return params


def filter_query_params(table: Sequence[FilterSpec] = FILTERS) -> Callable[..., Awaitable[None]]:
    """A dependency declaring every search filter as a query parameter, so that FastAPI validates and
    documents them (OpenAPI) from the table; `search` reads the values with the rest of the query string."""
    async def filters(**_: Any) -> None:  # async: FastAPI runs it inline, no thread hop per request
        return None

    params = []
    for spec in table:
        kind = list[str] | None if spec.multi else str | None
        params.append(inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=Annotated[kind, Query(alias=spec.key, description=spec.api_description)]))
    filters.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return filters


FILTERS_JSON = json.dumps({"filters": public_filters()}, ensure_ascii=False).encode()  # built once


@router.get("/search/filters", tags=["search"], summary="The search filters: names, kinds, form labels")
def search_filters() -> Response:
    """Every filter `/search` takes (and saved searches keep), as the search page builds its form from."""
    return Response(FILTERS_JSON, media_type="application/json")


@router.get("/search", tags=["search"], summary="Full-text search (Arabic and English)",
            dependencies=[Depends(filter_query_params())],
            responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}},
                       400: {"description": "Malformed parameters or query"},
                       503: {"description": "Search engine unavailable"}})
def search(
    request: Request,
    state: StateDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description='Words, "phrases", -excluded, a OR b')] = "",
    sort: Annotated[str, Query(description="relevance | date")] = "relevance",
    size: Annotated[str, Query(description="1-100")] = "10",
    cursor: Annotated[str | None, Query(description="`next` of the previous page")] = None,
    all_versions: Annotated[str, Query(description="true: every outlet's copy, not one per story")] = "false",
) -> JSONResponse:
    """Returns exactly what `akhbar search --json` prints: `{"total", "hits", "facets", "next"}`.
    The filters (outlet, place, from…) are listed by `/search/filters`. Unknown parameters are refused (400) rather than silently ignored."""
    from index.search import run_search

    result = run_search(state.search(), state.alias, _search_params(request), state.registry().display_names(),
                        place_names())
    return JSONResponse(result)


def _doc_id(doc_id: str) -> str:
    if not DOC_ID_RE.match(doc_id):
        raise ApiError(404, "not_found", f"no article with id {doc_id!r}")
    return doc_id


VERSION_FIELDS = ["url", "title", "outlet", "source_outlet", "published_at"]


@router.get("/articles/{doc_id}", tags=["articles"], summary="One article, full text, and its versions")
def get_article(doc_id: Annotated[str, PathParam(max_length=128)], state: StateDep) -> JSONResponse:
    """The stored article (title, lead, body, authors, dates, outlet…) plus `versions`: every copy of
    the same story in the archive (reposts and syndicated copies), the article itself included."""
    adapter = state.search()
    doc_id = _doc_id(doc_id)
    try:
        found = adapter.search(state.alias, {"query": {"ids": {"values": [doc_id]}}, "size": 1})
    except SearchRequestError as exc:
        if exc.status == 404:
            raise ApiError(404, "not_found", f"no article with id {doc_id!r}") from None
        raise
    hits = found["hits"]["hits"]
    if not hits:
        raise ApiError(404, "not_found", f"no article with id {doc_id!r}")
    source = hits[0]["_source"]
    article = {"id": doc_id, **source, "versions": []}
    cluster = source.get("cluster_id")
    if cluster:
        body = {"query": {"term": {"cluster_id": cluster}}, "size": 50, "_source": VERSION_FIELDS,
                "sort": [{"published_at": {"order": "asc", "missing": "_last"}}, {"canonical_url": "asc"}]}
        article["versions"] = [{"id": h["_id"], **{k: h["_source"].get(k) for k in VERSION_FIELDS}}
                               for h in adapter.search(state.alias, body)["hits"]["hits"]]
    names = state.registry().display_names()
    for record in (article, *article["versions"]):
        add_outlet_names(record, names)
    return JSONResponse(article)


@router.get("/articles/{doc_id}/similar", tags=["articles"], summary="Other stories like this article")
def similar_articles(doc_id: Annotated[str, PathParam(max_length=128)], state: StateDep,
                     size: Annotated[int, Query(ge=1, le=MAX_SIMILAR)] = 10) -> JSONResponse:
    from index.search import similar

    return JSONResponse(similar(state.search(), state.alias, _doc_id(doc_id), size, state.registry().display_names()))


def outlet_json(outlet) -> dict:
    return {"name": outlet.name, "name_ar": outlet.name_ar, "name_en": outlet.name_en,
            "base_url": outlet.base_url, "kind": outlet.kind, "language": outlet.language,
            "enabled": outlet.enabled, "schedule": outlet.schedule_seconds()}


@router.get("/outlets", tags=["outlets"], summary="Outlet registry with per-outlet health")
def outlets(state: StateDep, with_health: Annotated[bool, Query(alias="health")] = True) -> JSONResponse:
    """Every registered outlet and, from the index: age of the newest article, articles crawled per
    day over the last 7 days, and extraction fill rates per field (all-time and recent), with a
    status (`ok`, `stale`, `degraded`, `no_data`). Health is null when the search engine is down,
    or when asked not to compute it (`health=false`). `health.discovery`: what the outlet's last crawl
    found by discovery path, and a warning (also among `health.warnings`) when that crawl fetched more than
    twice as many HTML pages as it sent articles, with the top reasons pages were not sent."""
    from akhbar.health import outlet_discovery, outlet_health, with_discovery

    registry = state.registry()
    error = None
    try:
        health = outlet_health(state.search(), state.alias, registry.names()) if with_health else {}
    except SearchUnavailable as exc:
        log.warning("outlet health unavailable: %s", exc)
        health, error = {}, "the search engine is unavailable"
    if with_health:
        try:
            health = with_discovery(health, outlet_discovery(state.jobs()))
        except (redis.RedisError, ServiceNotConfigured) as exc:  # health from the index still answers
            log.warning("outlet discovery reports unavailable: %s", exc)
    items = [{**outlet_json(o), "registered": True, "health": health.pop(o.name, None)} for o in registry]
    items += [{"name": name, "registered": False, "health": value} for name, value in sorted(health.items())]
    return JSONResponse({"outlets": items, "health_error": error})


@router.get("/health", tags=["operations"], summary="Redis and search engine status (503 when down)")
def health(state: StateDep) -> JSONResponse:
    from akhbar.health import check_services

    result = check_services(state.redis, state.search, state.alias)
    # degraded: searches work, indexing waits (e.g. disk flood stage); the reason is in checks.indexing.
    return JSONResponse(result, status_code=503 if result["status"] == "down" else 200)


@router.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
def metrics(state: StateDep) -> Response:
    return Response(generate_latest(state.metrics), media_type=CONTENT_TYPE_LATEST)


# -- pages ------------------------------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
def page_search(request: Request, state: StateDep, token: str | None = None) -> Response:
    """`/?token=...` (the URL `akhbar api` prints) logs the browser in: a cookie carries the token, and
    the token leaves the address bar (and so the history and Referer headers)."""
    if token is None:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")
    if not _same(token, state.config.token):
        raise ApiError(401, "unauthorized", "invalid token in the URL")
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=secure)
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), samesite="strict", secure=secure)
    return response


@router.get("/article/{doc_id}", include_in_schema=False)
def page_article(doc_id: str) -> FileResponse:
    return FileResponse(WEB_DIR / "article.html", media_type="text/html; charset=utf-8")


def docs_page(title: str) -> Response:
    """FastAPI's Swagger UI page with a CSP: its one inline script allowed by hash, its bundle only from
    the CDN it loads it from, no other origin for anything else."""
    import base64
    import hashlib

    from fastapi.openapi.docs import get_swagger_ui_html

    html = bytes(get_swagger_ui_html(openapi_url="/openapi.json", title=title).body).decode()
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
                      for script in re.findall(r"<script>(.*?)</script>", html, re.S))
    cdn = "https://cdn.jsdelivr.net"
    csp = (f"default-src 'none'; script-src {cdn} {hashes}; style-src {cdn} 'unsafe-inline'; "
           "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'")
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer",
                             "X-Frame-Options": "DENY"})


# -- the app ---------------------------------------------------------------------------------------------
DESCRIPTION = """
Search the Akhbar archive of Libyan news and run crawl jobs.

* **Search** (`GET /search`) returns the same JSON as `akhbar search --json`.
* **Alerts** (`/alerts`): saved searches, checked against every new article as it is indexed;
  each has an Atom feed (`/alerts/{name}.atom`) and optionally a webhook.
* **Writes** (`POST /jobs`, `DELETE /jobs/{id}`, `POST /jobs/{id}/retry`, `POST /alerts`,
  `DELETE /alerts/{name}`) always need the token: `Authorization: Bearer $AKHBAR_API_TOKEN` (without
  that variable, `akhbar api` makes one at start: `$AKHBAR_HOME/api-token`).
* **Errors** are `{"error": {"code": "...", "message": "..."}}`.
"""


def create_app(settings: Settings | None = None, config: ApiConfig | None = None) -> FastAPI:
    settings = settings or load_settings()
    config = config or ApiConfig.from_env(settings)
    from importlib.metadata import PackageNotFoundError, version

    try:
        app_version = version("akhbar")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        app_version = "dev"
    app = FastAPI(title="Akhbar API", version=app_version, description=DESCRIPTION, docs_url=None,
                  redoc_url=None, openapi_tags=[
                      {"name": "search", "description": "Full-text search"},
                      {"name": "articles", "description": "Articles and similar stories"},
                      {"name": "jobs", "description": "Crawl jobs and their progress"},
                      {"name": "outlets", "description": "Outlet registry and health"},
                      {"name": "alerts", "description": "Saved searches, their alerts and Atom feeds"},
                      {"name": "operations", "description": "Health checks and metrics"}])
    if not config.token:  # writes always need a token: the local one, made on first use
        config = dataclasses.replace(config, token=local_token(settings.home) or new_local_token(settings.home))
    state = AppState(settings, config)
    app.state.akhbar = state
    install_error_handlers(app)
    app.include_router(router)
    from akhbar.alerts_api import router as alerts_router  # it imports this module: included here

    app.include_router(alerts_router)
    docs = docs_page(f"{app.title} - docs")
    app.add_api_route("/docs", lambda: docs, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    app.add_middleware(Guard, state=state)
    return app


def require_token_off_loopback(host: str, token: str | None) -> None:
    """Anything that can reach a non-loopback address (a Docker network, a LAN) must present the token.

    Raises ValueError, which `akhbar api` prints as one line, when the API would listen elsewhere without one."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not token:
        # Short enough for one 80-column line (the CLI's console wraps longer ones).
        raise ValueError(f"refusing to listen on {host}: AKHBAR_API_TOKEN is not set")


def serve(host: str = "127.0.0.1", port: int = 8000, log_level: str = "info",
          allow_hosts: tuple[str, ...] = ()) -> None:
    import uvicorn

    from akhbar.core.logs import configure_logging

    configure_logging(log_level.upper())
    settings = load_settings()
    config = ApiConfig.from_env(settings)
    require_token_off_loopback(host, config.token)
    bound = normalise_host(host)
    extra = (*config.allowed_hosts, *parse_hosts(",".join(allow_hosts)),
             *((bound,) if bound not in ("0.0.0.0", "::", "") else ()))
    generated = not config.token
    # Like Jupyter: a new token at each start, so an old URL or cookie stops working with the old server.
    config = dataclasses.replace(config, token=config.token or new_local_token(settings.home),
                                 allowed_hosts=tuple(dict.fromkeys(extra)))
    app = create_app(settings, config)
    if generated:
        shown = "127.0.0.1" if bound in ("0.0.0.0", "::", "") else (f"[{bound}]" if ":" in bound else bound)
        print(f"Akhbar API: open http://{shown}:{port}/?token={config.token} to write from the page\n"
              f"(the token is also in {token_path(settings.home)} for curl and scripts)", file=sys.stderr,
              flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=True, server_header=False,
                log_config=None)
