"""Every raw response, with its request, into gzipped WARC files, rotated by size.

Files: ``<dir>/<job>/akhbar-<job>-<UTC time>-<host>-<pid>-<serial>.warc.gz``; ``<dir>`` is
``AKHBAR_WARC_DIR`` or ``$AKHBAR_HOME/warc``. AKHBAR_WARC_MAX_BYTES (default 1 GiB) and AKHBAR_WARC_ENABLED
are environment settings (akhbar.core.config), the same for every job of a machine. Each process writes its own files (no locking between
crawler processes), each file starts with a warcinfo record, each record is its own gzip member.

The middleware sits next to the downloader (order 870, before HttpCompressionMiddleware undoes
Content-Encoding), so records hold the bytes and headers as the server sent them. Transfer-Encoding is
renamed: Twisted has already de-chunked the body, and a record claiming "chunked" would not parse.
Akhbar-* WARC headers carry what the crawler knew (outlet, job, the date a feed gave the article), so
``akhbar ingest`` can replay a file through the pipeline exactly like the crawl did.

Why records are serialised here and not with warcio's WARCWriter: writing a request/response pair
through warcio cost 0.9-1.5 ms of crawler CPU per page (header objects rewritten several times, both
digests streamed through a temporary buffer, a level-9 gzip member per record): 12-18 % of the crawl's
CPU in bench/crawl_bench.py, the largest item our crawler adds to a raw Scrapy spider. A WARC record is a
block of header lines and the bytes as received, so serialising one takes a few lines (ISO 28500:2017,
WARC 1.1). warcio still reads every file we write (crawler.ingest), and the tests check each record's
digests with it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from akhbar.core.config import load_settings

log = logging.getLogger("akhbar.crawler")

# zlib's default level: on 30-125 KB listing-like pages level 9 made members 1-2 % smaller and took twice the time.
GZIP_LEVEL = 6
_RENAMED = {b"transfer-encoding": b"X-Akhbar-Orig-Transfer-Encoding"}
_LINE_BREAK = r"\r\n|\r|\n"  # one space for each, in WARC header values (str) and HTTP heads (bytes) alike
_LINE_BREAKS = re.compile(_LINE_BREAK.encode())
_LINE_BREAKS_STR = re.compile(_LINE_BREAK)


@dataclass(frozen=True)
class Exchange:
    """One fetch as it goes into the WARC: request and response heads and bodies as on the wire."""

    request_uri: str
    request_head: bytes  # request line and headers, ending in a blank line
    request_body: bytes
    response_uri: str
    response_head: bytes  # status line and headers, ending in a blank line
    response_body: bytes
    ip_address: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # extra WARC headers of the response record (Akhbar-*)


def digest(data: bytes) -> str:
    """A WARC digest value: SHA-1, base32, the form Heritrix, wget and warcio write."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _one_line(value: str) -> str:
    return _LINE_BREAKS_STR.sub(" ", value)


def warc_date() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def record(record_type: str, block: bytes, content_type: str, *, date: str, rid: str, uri: str = "",
           payload: bytes | None = None, fields: Iterable[tuple[str, str]] = ()) -> bytes:
    """One uncompressed WARC 1.1 record. ``payload``: the part of ``block`` after the HTTP head, digested
    separately (WARC-Payload-Digest), as for request and response records."""
    lines = ["WARC/1.1", f"WARC-Type: {record_type}", f"WARC-Record-ID: {rid}", f"WARC-Date: {date}"]
    if uri:
        lines.append(f"WARC-Target-URI: {_one_line(uri)}")
    lines.extend(f"{name}: {_one_line(value)}" for name, value in fields if value)
    if payload is not None:
        lines.append(f"WARC-Payload-Digest: {digest(payload)}")
    lines += [f"WARC-Block-Digest: {digest(block)}", f"Content-Type: {content_type}",
              f"Content-Length: {len(block)}", "", ""]
    return "\r\n".join(lines).encode("utf-8") + block + b"\r\n\r\n"


def gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def exchange_records(exchange: Exchange, date: str | None = None) -> bytes:
    """The response record, then the request record that points to it (WARC-Concurrent-To), both
    gzipped: the order warcio and Heritrix write a pair in. `date`: WARC-Date (default now; a capture
    from a web archive: its capture time)."""
    date = date or warc_date()
    response_id, request_id = record_id(), record_id()
    ip = (("WARC-IP-Address", exchange.ip_address),) if exchange.ip_address else ()
    response = record("response", exchange.response_head + exchange.response_body,
                      "application/http; msgtype=response", date=date, rid=response_id,
                      uri=exchange.response_uri, payload=exchange.response_body, fields=(*ip, *exchange.fields))
    request = record("request", exchange.request_head + exchange.request_body,
                     "application/http; msgtype=request", date=date, rid=request_id, uri=exchange.request_uri,
                     payload=exchange.request_body, fields=(*ip, ("WARC-Concurrent-To", response_id)))
    return gzip_member(response) + gzip_member(request)


def warcinfo_record(filename: str, info: dict[str, str]) -> bytes:
    block = "".join(f"{name}: {_one_line(str(value))}\r\n" for name, value in info.items() if value).encode("utf-8")
    return gzip_member(record("warcinfo", block, "application/warc-fields", date=warc_date(), rid=record_id(),
                              fields=(("WARC-Filename", filename),)))


class RotatingWarcWriter:
    """Gzipped WARC files under ``directory``, a new one when the current one passes ``max_bytes``."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int | None = None, info: dict | None = None):
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = load_settings().warc_max_bytes if max_bytes is None else max_bytes
        self.info = info or {}
        self.serial = 0
        self.files: list[Path] = []
        self._file = None
        self._lock = threading.Lock()
        self.records = 0

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        host = socket.gethostname().replace("-", "_")
        path = self.directory / f"{self.prefix}-{stamp}-{host}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self._file = open(path, "wb")  # noqa: SIM115 - closed in _close / rotate
        self.files.append(path)
        info = {"software": "Akhbar crawler (Scrapy)", "format": "WARC File Format 1.1", **self.info}
        self._file.write(warcinfo_record(path.name, info))

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None

    def write_pair(self, exchange: Exchange, date: str | None = None) -> tuple[Path, int]:
        """Write the response and request records; returns the file and the response record's offset."""
        data = exchange_records(exchange, date)  # outside the lock: serialising and gzipping is the slow part
        with self._lock:
            if self._file is None or self._file.tell() >= self.max_bytes:
                self._close()
                self._open()
            assert self._file is not None
            start = self._file.tell()
            try:
                self._file.write(data)
                self._file.flush()
            except OSError:
                # A cut-off gzip member would stop every reader at this point of the file: cut it away.
                self._file.seek(start)
                self._file.truncate()
                raise
            self.records += 2
            return self.files[-1], start

    def close(self) -> None:
        with self._lock:
            self._close()


def _head(first_line: str, headers) -> bytes:
    """An HTTP head from Scrapy Headers (bytes names and values, as Scrapy holds them). A line break inside
    a value goes out as a space, as Twisted sends it: left in, it would end the head early."""
    lines = [first_line.encode("utf-8")]
    for name, values in headers.items():
        name = _RENAMED.get(name.lower(), name)
        lines.extend(name + b": " + _LINE_BREAKS.sub(b" ", value) for value in values)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def plain_head(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """An HTTP head from (name, value) text pairs (a response read with urllib, an archive's answer)."""
    grouped: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        grouped.setdefault(name.encode("latin-1", "replace"), []).append(value.encode("latin-1", "replace"))
    return _head(first_line, grouped)


def exchange_for(request, response, fields: dict[str, str] | None = None) -> Exchange:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    host = parts.netloc.rpartition("@")[2]  # never the credentials of a user:password@ URL
    request_headers = {b"Host": [host.encode("utf-8")], **request.headers}
    ip = getattr(response, "ip_address", None)
    return Exchange(
        request_uri=request.url, request_head=_head(f"{request.method} {target} {protocol}", request_headers),
        request_body=request.body or b"",
        response_uri=response.url, response_head=_head(f"{protocol} {response.status} {reason}", response.headers),
        response_body=response.body, ip_address=str(ip) if ip is not None else None,
        fields=tuple((name, str(value)) for name, value in (fields or {}).items() if value))


_writers: dict[Path, tuple[RotatingWarcWriter, int]] = {}
_writers_lock = threading.Lock()


def shared_writer(directory: Path, prefix: str, max_bytes: int, info: dict) -> RotatingWarcWriter:
    """One writer per directory per process: the spiders of all outlets of a job share its files."""
    with _writers_lock:
        writer, users = _writers.get(directory, (None, 0))
        if writer is None:
            writer = RotatingWarcWriter(directory, prefix, max_bytes, info)
        _writers[directory] = (writer, users + 1)
        return writer


def release_writer(directory: Path) -> None:
    with _writers_lock:
        writer, users = _writers.get(directory, (None, 0))
        if writer is None:
            return
        if users <= 1:
            writer.close()
            del _writers[directory]
        else:
            _writers[directory] = (writer, users - 1)


class WarcMiddleware:
    def __init__(self, crawler, directory: Path, max_bytes: int):
        self.crawler = crawler
        self.base = directory
        self.max_bytes = max_bytes
        self.directory: Path | None = None
        self.writer: RotatingWarcWriter | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> WarcMiddleware:
        settings = load_settings()
        if not settings.warc_enabled:
            raise NotConfigured
        return cls(crawler, settings.warc_root, settings.warc_max_bytes)

    def spider_opened(self, spider) -> None:
        job = getattr(spider, "job_id", None) or time.strftime("adhoc-%Y%m%d")
        self.directory = (self.base / job).resolve()
        self.writer = shared_writer(self.directory, f"akhbar-{job}", self.max_bytes,
                                    {"isPartOf": f"akhbar job {job}", "operator": "Akhbar Libyan news archive"})

    def spider_closed(self, spider) -> None:
        if self.directory is not None:
            release_writer(self.directory)
            self.writer = None

    def process_response(self, request, response, spider=None):
        if self.writer is None:
            return response
        spider = self.crawler.spider
        extra = {
            "Akhbar-Outlet": getattr(getattr(spider, "outlet", None), "name", ""),
            "Akhbar-Job": getattr(spider, "job_id", None) or "",
            "Akhbar-Kind": request.meta.get("kind") or "",
            "Akhbar-Feed-Published": request.meta.get("feed_published") or "",
        }
        # The page's durable copy, which the job's ledger points at (akhbar.core.ledger): this response's
        # record only (meta travels on to redirected and retried requests, so an older one is dropped first).
        request.meta.pop("warc_copy", None)
        try:
            path, offset = self.writer.write_pair(exchange_for(request, response, extra))
            request.meta["warc_copy"] = (str(path), offset)
        except Exception:  # noqa: BLE001 - a full disk or an odd URL loses the record, never the page
            log.error("could not write WARC record for %s", response.url, exc_info=True)
            self.crawler.stats.inc_value("warc/write_errors")
        return response

    def files(self) -> list[Path]:
        return list(self.writer.files) if self.writer is not None else []
