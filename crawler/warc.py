"""Every raw response, with its request, into gzipped WARC files (warcio), rotated by size.

Files: ``<dir>/<job>/akhbar-<job>-<UTC time>-<host>-<pid>-<serial>.warc.gz``; ``<dir>`` is
``AKHBAR_WARC_DIR`` or ``$AKHBAR_HOME/warc``. AKHBAR_WARC_MAX_BYTES (default 1 GiB) and AKHBAR_WARC_ENABLED
are Scrapy settings or environment variables. Each process writes its own files (no locking between
crawler processes), each file starts with a warcinfo record.

The middleware sits next to the downloader (order 870, before HttpCompressionMiddleware undoes
Content-Encoding), so records hold the bytes and headers as the server sent them. Transfer-Encoding is
renamed: Twisted has already de-chunked the body, and a record claiming "chunked" would not parse.
Akhbar-* WARC headers carry what the crawler knew (outlet, job, the date a feed gave the article), so
``akhbar ingest`` can replay a file through the pipeline exactly like the crawl did.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from akhbar.core.config import env, env_bool, env_int, load_settings

log = logging.getLogger("akhbar.crawler")

DEFAULT_MAX_BYTES = 1024**3  # 1 GiB, the usual WARC file size
_RENAMED = {"transfer-encoding": "X-Akhbar-Orig-Transfer-Encoding"}


class RotatingWarcWriter:
    """Gzipped WARC files under ``directory``, a new one when the current one passes ``max_bytes``."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int = DEFAULT_MAX_BYTES, info: dict | None = None):
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info or {}
        self.serial = 0
        self.files: list[Path] = []
        self._file = None
        self._writer: WARCWriter | None = None
        self._lock = threading.Lock()
        self.records = 0

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        host = socket.gethostname().replace("-", "_")
        path = self.directory / f"{self.prefix}-{stamp}-{host}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self._file = open(path, "wb")  # noqa: SIM115 - closed in _close / rotate
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self.files.append(path)
        info = {"software": "Akhbar crawler (Scrapy + warcio)", "format": "WARC File Format 1.1", **self.info}
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None

    def write_pair(self, request_record_args: dict, response_record_args: dict) -> None:
        with self._lock:
            if self._file is None or self._file.tell() >= self.max_bytes:
                self._close()
                self._open()
            writer = self._writer
            assert writer is not None
            request = writer.create_warc_record(**request_record_args)
            response = writer.create_warc_record(**response_record_args)
            writer.write_request_response_pair(request, response)
            self.records += 2
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._close()


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        key = name.decode("latin-1")
        key = _RENAMED.get(key.lower(), key)
        for value in values:
            pairs.append((key, value.decode("latin-1")))
    return pairs


def records_for(request, response, extra: dict[str, str] | None = None) -> tuple[dict, dict]:
    """create_warc_record keyword arguments for the request and the response record."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [("Host", parts.netloc), *_header_pairs(request.headers)]
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    warc_headers: dict[str, str] = {}
    if getattr(response, "ip_address", None) is not None:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    response_headers = dict(warc_headers)
    response_headers.update({k: v for k, v in (extra or {}).items() if v})
    req = {
        "uri": request.url, "record_type": "request", "payload": BytesIO(request.body or b""),
        "http_headers": StatusAndHeaders(f"{request.method} {target} {protocol}", request_headers,
                                         is_http_request=True),
        "warc_headers_dict": dict(warc_headers),
    }
    resp = {
        "uri": response.url, "record_type": "response", "payload": BytesIO(response.body),
        "http_headers": StatusAndHeaders(f"{response.status} {reason}", _header_pairs(response.headers),
                                         protocol=protocol),
        "warc_headers_dict": response_headers,
    }
    return req, resp


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
        settings = crawler.settings
        # A job's scrapy_settings win over the process environment.
        if not settings.getbool("AKHBAR_WARC_ENABLED", env_bool("AKHBAR_WARC_ENABLED")):
            raise NotConfigured
        directory = settings.get("AKHBAR_WARC_DIR") or env("AKHBAR_WARC_DIR") or load_settings().home / "warc"
        max_bytes = settings.getint("AKHBAR_WARC_MAX_BYTES") or env_int("AKHBAR_WARC_MAX_BYTES")
        return cls(crawler, Path(directory), max_bytes or DEFAULT_MAX_BYTES)

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
        try:
            self.writer.write_pair(*records_for(request, response, extra))
        except OSError:
            log.error("could not write WARC record for %s", response.url, exc_info=True)
        return response

    def files(self) -> list[Path]:
        return list(self.writer.files) if self.writer is not None else []
