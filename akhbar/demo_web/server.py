"""DemoWeb: the demo's fake Libyan outlets served over real HTTP on loopback (stdlib only).

Each outlet gets its own host (127.0.0.11, .12, ...) so per-host politeness and robots.txt
handling behave as on the real web. Everything served is a pure function of the story records and
of how many held-back articles were released, so tests can assert exact counts (the tests'
DemoWeb, tests/fixture_site, is this web with their trap outlet added).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.outlets import OUTLETS
from akhbar.demo_web.sites import SITE_CLASSES, Response, Site
from akhbar.demo_web.stories import article_url

_BARE_YAML = re.compile(r"[A-Za-z][A-Za-z0-9_/-]*")
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FixtureHTTP/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections must not pin handler threads forever
    server: _OutletServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        try:
            response = site.handle(self.command, self.path)
        except Exception:  # a template bug must show up as a 500, not a hung connection
            response = Response(500, [("Content-Type", "text/plain")], b"fixture error")
        self.server.web._record(site.slug, self.command, self.path, response.status)
        try:
            self._send(response, head)
        except _CLIENT_GONE:
            self.close_connection = True  # e.g. the crawler aborted the 13 MiB page

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        body = response.body
        if isinstance(body, bytes):
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        # Streamed body of unknown length: delimited by closing the connection.
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if not head:
            for chunk in body:
                self.wfile.write(chunk)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        return


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site, web: DemoWeb) -> None:
        self.site = site
        self.web = web
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients hanging up mid-response are expected (size limits, timeouts)


class DemoWeb:
    """The demo outlets, each on its own loopback host.

    outlets: slug -> base URL (filled by start()). requests(slug): every request target seen.
    release(n): publish the next n held-back articles (for incremental-crawl tests).
    """

    def __init__(self, host_base: str = "127.0.0.11", held_back: int = 0, port: int = 0,
                 *, catalog: Catalog | None = None, site_classes: Mapping[str, type[Site]] | None = None) -> None:
        """catalog + site_classes: serve another outlet set (the tests' FixtureWeb and DevFixtureWeb)."""
        self.host_base = host_base
        self.port = port
        self.catalog = catalog if catalog is not None else Catalog(held_back)
        classes = site_classes if site_classes is not None else {spec.slug: SITE_CLASSES[spec.slug] for spec in OUTLETS}
        self.sites: dict[str, Site] = {slug: cls(self.catalog) for slug, cls in classes.items()}
        self.outlets: dict[str, str] = {}
        self.distinct_hosts: bool | None = None  # False: fell back to ports on 127.0.0.1
        self._servers: list[_OutletServer] = []
        self._threads: list[threading.Thread] = []
        self._log: dict[str, list[tuple[str, str, int]]] = {slug: [] for slug in self.sites}
        self._log_lock = threading.Lock()

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> DemoWeb:
        if self._servers:
            return self
        self.distinct_hosts = self.host_base != "127.0.0.1" and _can_bind(self.host_base)
        for index, (slug, site) in enumerate(self.sites.items()):
            server = _OutletServer(self._address(index), site, self)
            host, port = server.server_address[:2]
            self.outlets[slug] = f"http://{host}:{port}/"
            self._servers.append(server)
        for slug, site in self.sites.items():
            site.base_url = self.outlets[slug]
            site.bases = dict(self.outlets)
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      name=f"fixture-{server.site.slug}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _address(self, index: int) -> tuple[str, int]:
        if self.distinct_hosts:
            return str(ipaddress.IPv4Address(self.host_base) + index), self.port
        return "127.0.0.1", self.port + index if self.port else 0

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- request log ---------------------------------------------------------------------
    def _record(self, slug: str, method: str, target: str, status: int) -> None:
        with self._log_lock:
            self._log[slug].append((method, target, status))

    def requests(self, slug: str) -> list[str]:
        """Every request target (path + query, as sent) the outlet received, in order."""
        with self._log_lock:
            return [target for _, target, _ in self._log[slug]]

    def request_log(self, slug: str) -> list[tuple[str, str, int]]:
        """(method, target, status) per request."""
        with self._log_lock:
            return list(self._log[slug])

    def clear_requests(self, slug: str | None = None) -> None:
        with self._log_lock:
            for name in [slug] if slug else list(self._log):
                self._log[name].clear()

    # ---- content -------------------------------------------------------------------------
    def release(self, n: int = 1) -> list[dict]:
        """Make the next n held-back articles appear in listings, feeds and sitemaps."""
        return self.catalog.release(n)

    def held(self) -> list[dict]:
        return self.catalog.held()

    def visible(self, outlet: str | None = None) -> list[dict]:
        """Gold records currently published (newest first)."""
        return self.catalog.visible(outlet)

    def url(self, record: Mapping | str) -> str:
        """Absolute URL of a gold record (or article key)."""
        if isinstance(record, str):
            record = self.catalog.by_key[record]
        return article_url(record, self.outlets)

    def host(self, slug: str) -> str:
        """'ip:port' of an outlet (its politeness key)."""
        return self.outlets[slug].split("//", 1)[1].rstrip("/")

    # ---- registry ------------------------------------------------------------------------
    def registry(self) -> list[dict]:
        """Outlet registry entries (the outlets.yaml shape) with absolute URLs."""
        if not self.outlets:
            raise RuntimeError("start() the DemoWeb before asking for its registry")
        entries = []
        for slug, base in self.outlets.items():
            spec = self.sites[slug].spec
            entry: dict = {
                "name": slug, "name_ar": spec.name_ar, "name_en": spec.name_en, "base_url": base,
                "language": spec.language, "timezone": "Africa/Tripoli", "founded": spec.founded,
                "allow_addresses": fixture_addresses(self.outlets.values()),
            }
            for field in ("feeds", "sitemaps", "listings"):
                paths = getattr(spec, field)
                if paths:
                    entry[field] = [base.rstrip("/") + path for path in paths]
            entries.append(entry)
        return entries

    def write_outlets_yaml(self, path: str | Path) -> Path:
        """Write the registry file (YAML written by hand: this module stays stdlib-only)."""
        lines = ["# Demo outlets served by akhbar.demo_web (loopback only).", "outlets:"]
        for entry in self.registry():
            for index, (key, value) in enumerate(entry.items()):
                lead = "  - " if index == 0 else "    "
                lines.append(f"{lead}{key}: {_yaml_value(value)}")
        target = Path(path)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target


def fixture_addresses(bases: Iterable[str]) -> list[str]:
    """The loopback addresses fixture outlets are served on: their registry entries allow-list exactly
    these (the crawler refuses non-public addresses unless an outlet allow-lists them)."""
    return sorted({urlsplit(base).hostname or "" for base in bases} - {""})


def _yaml_value(value: object) -> str:
    # Plain identifiers stay bare; everything else is a JSON string/list, which is valid YAML.
    if isinstance(value, str) and _BARE_YAML.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _can_bind(host: str) -> bool:
    """127.0.0.x (x != 1) works on Linux; some systems only have 127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
        return True
    except OSError:
        return False
