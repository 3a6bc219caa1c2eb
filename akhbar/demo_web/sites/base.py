"""Shared plumbing for the demo outlet sites: responses, HTML escaping, the Site base class."""

from __future__ import annotations

import html
import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.outlets import OUTLETS_BY_SLUG, OutletSpec


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # raw request target, e.g. "/news?page=2"
    path: str  # percent-decoded path, ";jsessionid=..." kept
    query: dict[str, list[str]]


def parse_request(method: str, target: str) -> Request:
    parts = urlsplit(target)
    return Request(method, target, unquote(parts.path), parse_qs(parts.query, keep_blank_values=True))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def html_response(text: str, status: int = 200, charset: str = "utf-8",
                  content_type: str | None = None) -> Response:
    ctype = content_type if content_type is not None else f"text/html; charset={charset}"
    return Response(status, [("Content-Type", ctype)], text.encode(charset, errors="xmlcharrefreplace"))


def xml_response(text: str, content_type: str = "application/xml; charset=utf-8",
                 encoding: str = "utf-8") -> Response:
    return Response(200, [("Content-Type", content_type)], text.encode(encoding, errors="xmlcharrefreplace"))


def text_response(text: str, status: int = 200) -> Response:
    return Response(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode("utf-8"))


def redirect(location: str, status: int = 301) -> Response:
    return Response(status, [("Location", location), ("Content-Type", "text/html; charset=utf-8")],
                    f'<a href="{esc(location)}">moved</a>'.encode())


def not_found() -> Response:
    return html_response("<!DOCTYPE html><html><head><title>404</title></head>"
                         "<body><h1>404 - الصفحة غير موجودة</h1></body></html>", status=404)


def tiny_png() -> bytes:
    """A valid 1x1 PNG, built here so no binary file has to live in the repo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def stable_pick(seed: str, options: list | tuple, count: int = 1) -> list:
    """Deterministic choice (crc32, not hash(): that one is salted per process)."""
    if not options:
        return []
    start = zlib.crc32(seed.encode("utf-8")) % len(options)
    return [options[(start + i) % len(options)] for i in range(min(count, len(options)))]


def page_slice(items: list, page: int, per_page: int) -> list:
    return items[(page - 1) * per_page: page * per_page]


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def int_param(query: Mapping[str, list[str]], name: str, default: int) -> int | None:
    """Integer query parameter; None when present but not a number (-> 404)."""
    values = query.get(name)
    if not values:
        return default
    try:
        return int(values[0])
    except ValueError:
        return None


class Site:
    """One outlet. Subclasses implement route(); base_url is set once the server is bound."""

    slug: str = ""
    specs: Mapping[str, OutletSpec] = OUTLETS_BY_SLUG  # where the outlet's spec is (the tests add outlets)

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.spec: OutletSpec = self.specs[self.slug]
        self.base_url = "http://localhost/"
        self.bases: dict[str, str] = {}  # every outlet's base URL (for cross-outlet links)
        self.records = [record for record in catalog.records if record["outlet"] == self.slug]

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def record_url(self, record: Mapping) -> str:
        return self.bases.get(record["outlet"], self.base_url).rstrip("/") + record["path"]

    def visible(self) -> list[dict]:
        return self.catalog.visible(self.slug)

    def handle(self, method: str, target: str) -> Response:
        return self.route(parse_request(method, target))

    def route(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError
