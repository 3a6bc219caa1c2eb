"""Web archives as a source of pages: an outlet's captures listed from a CDX index, each capture's original
bytes fetched raw.

Sources (`akhbar backfill --source`): ``wayback`` (the Internet Archive's CDX API, `id_` replay), ``commoncrawl``
(its CDX index server, one index per crawl, and the WARC record read by offset and length from its data
server), or the URL of any CDX server (a pywb collection's ``http://HOST/COLL/cdx``: its replay is the same
URL without ``/cdx``).

Every request to one archive, index queries and page fetches alike, waits for the archive's shared slot
(`RateLimiter`: AKHBAR_ARCHIVE_RATE per minute, across processes through Redis), and answers that ask for a
pause (429, 503, gateways) back off by akhbar.core.retry.ARCHIVE, honouring Retry-After and pushing the shared
slot so other processes pause too. When they do not stop, `ArchiveBlocked` says so in one line.

Why a thin client and not `cdx_toolkit` (which the issue suggests, and which does accept any CDX URL as its
source): every request it makes goes through its own `myrequests_get`, which retries 429/5xx with its own
sleeps and so cannot go through the per-archive rate limit and retry policy above; and its content fetches
are fixed to web.archive.org and Common Crawl's S3 bucket, so a local pywb or stand-in server could not be
fetched from. What is left of a CDX client is a query string, two answer shapes and paging by time, below.
"""

from __future__ import annotations

import gzip
import http.client
import io
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from warcio.archiveiterator import ArchiveIterator

from akhbar.core.keys import ARCHIVE_RATE_PREFIX
from akhbar.core.ledger import record_body
from akhbar.core.outlet import Outlet, bare_host
from akhbar.core.retry import ARCHIVE, ARCHIVE_BLOCKED, Policy, retry_after
from akhbar.core.urls import canonical_url

log = logging.getLogger("akhbar.crawler")

USER_AGENT = "Akhbar-backfill/0.1 (Libyan news archive; +https://github.com/akhbar)"
TIMESTAMP = "%Y%m%d%H%M%S"
CDX_LIMIT = 5000  # rows per index query; a fuller answer is asked again in two halves of its time window
TIMEOUT = 60.0
MAX_REPLAY_REDIRECTS = 3  # the Wayback Machine redirects an `id_` URL to the nearest capture's timestamp

# Not pages, by the URL alone (the cheap skip): images, media, styles, scripts, feeds, documents.
_NOT_PAGE_EXT = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|bmp|tiff?|avif|css|js|mjs|map|json|xml|rss|atom|rdf|pdf|zip|rar|gz|tgz|7z|"
    r"mp3|mp4|m4a|m4v|ogg|oga|webm|wav|avi|mov|wmv|flv|swf|woff2?|ttf|eot|otf|txt|csv|docx?|xlsx?|pptx?|exe|apk)$",
    re.I)
_NOT_PAGE_PATH = re.compile(r"/(feed|rss|atom)(/|$)|/wp-json/|/wp-content/|/wp-includes/|/xmlrpc\.php|/cdn-cgi/",
                            re.I)
_FEED_QUERY = re.compile(r"(^|&)(feed|format)=(rss|atom|json|xml)", re.I)
HTML_MIMES = frozenset({"text/html", "application/xhtml+xml"})


class ArchiveError(RuntimeError):
    """The archive answered something this client cannot use (a bad index answer, a bad record)."""


class ArchiveBlocked(ArchiveError):
    """The archive kept refusing (429/503/...) through every backoff: one line says what to do."""


# -- captures --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Capture:
    """One row of a CDX index: a capture of `url` at `timestamp` (14 digits, UTC)."""

    url: str  # the original URL
    timestamp: str
    status: int | None = None
    mime: str = ""
    digest: str = ""
    length: int | None = None  # Common Crawl: the record's place in its WARC file
    offset: int | None = None
    filename: str | None = None

    @property
    def key(self) -> str:
        return f"{self.timestamp} {self.url}"

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Capture:
        return cls(**data)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Capture | None:
        """A CDX row in either naming (pywb and Common Crawl: url/status/mime; the Wayback Machine:
        original/statuscode/mimetype); None when it has no URL or timestamp."""
        url = row.get("url") or row.get("original")
        timestamp = str(row.get("timestamp") or "")
        if not url or not re.fullmatch(r"\d{4,14}", timestamp):
            return None
        status = str(row.get("status") or row.get("statuscode") or "")
        return cls(url=url, timestamp=timestamp.ljust(14, "0"), status=int(status) if status.isdigit() else None,
                   mime=str(row.get("mime") or row.get("mimetype") or "").lower(),
                   digest=str(row.get("digest") or ""), length=_int_or_none(row.get("length")),
                   offset=_int_or_none(row.get("offset")), filename=row.get("filename") or None)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_timestamp(value: str) -> datetime:
    return datetime.strptime(value.ljust(14, "0")[:14], TIMESTAMP).replace(tzinfo=UTC)


def month_bounds(first: str | None, last: str | None) -> tuple[str, str]:
    """CDX `from`/`to` timestamps of the months YYYY-MM .. YYYY-MM (either open)."""
    start = "19960101000000" if not first else first.replace("-", "") + "01000000"
    if not last:
        end = datetime.now(UTC).strftime(TIMESTAMP)
    else:
        year, month = (int(p) for p in last.split("-"))
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        end = (following - timedelta(seconds=1)).strftime(TIMESTAMP)
    return start, end


def parse_cdx(text: str) -> list[dict[str, Any]]:
    """Rows of a CDX answer with output=json: JSON lines of objects (pywb, Common Crawl) or one JSON list
    whose first row names the fields (the Wayback Machine)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        rows = json.loads(text)
        if not rows:
            return []
        names = rows[0]
        return [dict(zip(names, row, strict=False)) for row in rows[1:]]
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def is_page_url(url: str) -> bool:
    """False for what is surely not an HTML page by its URL (images, scripts, feeds...); content decides the rest."""
    parts = urlsplit(url)
    return not (_NOT_PAGE_EXT.search(parts.path) or _NOT_PAGE_PATH.search(parts.path)
                or _FEED_QUERY.search(parts.query))


def belongs_to(url: str, outlet: Outlet) -> bool:
    host = bare_host(urlsplit(url).hostname or "")
    return any(host == h or host.endswith("." + h) for h in outlet.hosts)


@dataclass
class Selection:
    """The captures to fetch: one per canonical URL, the earliest successful HTML capture; and why the others
    were left (reason -> rows)."""

    chosen: dict[str, Capture] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)

    def add(self, capture: Capture, outlet: Outlet) -> None:
        if not belongs_to(capture.url, outlet):
            self.skipped["other_host"] += 1
        elif capture.status != 200:
            self.skipped[f"status_{capture.status or 'none'}"] += 1
        elif not is_page_url(capture.url):
            self.skipped["not_a_page"] += 1
        elif capture.mime and capture.mime not in HTML_MIMES:
            self.skipped["not_html"] += 1
        else:
            key = canonical_url(capture.url)
            known = self.chosen.get(key)
            if known is None or capture.timestamp < known.timestamp:
                if known is not None:
                    self.skipped["later_capture"] += 1
                self.chosen[key] = capture
            else:
                self.skipped["later_capture"] += 1

    def captures(self) -> list[Capture]:
        return sorted(self.chosen.values(), key=lambda c: (c.timestamp, c.url))


# -- the archives ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Archive:
    """Where an archive's index and captures are."""

    name: str  # "wayback", "commoncrawl", or the CDX server's host[:port]
    cdx: str = ""  # the CDX API (Common Crawl: read per crawl from `collinfo`)
    replay: str = ""  # `{replay}/{timestamp}id_/{url}` is a capture's original bytes
    collinfo: str = ""  # Common Crawl: the list of its crawls and their CDX APIs
    data: str = ""  # Common Crawl: the WARC files' server

    WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
    WAYBACK_REPLAY = "https://web.archive.org/web"

    @classmethod
    def from_source(cls, source: str, *, commoncrawl_index: str = "", commoncrawl_data: str = "") -> Archive:
        if source == "wayback":
            return cls("wayback", cls.WAYBACK_CDX, cls.WAYBACK_REPLAY)
        if source == "commoncrawl":
            index = commoncrawl_index.rstrip("/")
            return cls("commoncrawl", collinfo=f"{index}/collinfo.json", data=commoncrawl_data.rstrip("/"))
        parts = urlsplit(source)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--source must be wayback, commoncrawl or a CDX server's http(s) URL, not {source!r}")
        cdx = source.rstrip("/")
        if cdx.endswith("/cdx/search/cdx"):  # the Wayback Machine's layout, on any host
            replay = cdx[: -len("/cdx/search/cdx")] + "/web"
        elif cdx.endswith("/cdx"):  # pywb: /COLL/cdx next to /COLL/<timestamp>id_/<url>
            replay = cdx[: -len("/cdx")]
        else:
            raise ValueError(f"{source!r}: a CDX URL ends in /cdx (pywb: http://HOST/COLL/cdx) or /cdx/search/cdx")
        return cls(parts.netloc, cdx, replay)

    @property
    def host(self) -> str:
        """What the rate limit is per: the host every request goes to (the index's for Common Crawl)."""
        return urlsplit(self.cdx or self.collinfo).netloc

    def replay_url(self, capture: Capture) -> str:
        return f"{self.replay}/{capture.timestamp}id_/{capture.url}"

    def capture_url(self, capture: Capture) -> str:
        """The archive's URL of the capture (what `archived_from.url` records)."""
        if self.data and capture.filename:
            return f"{self.data}/{quote(capture.filename)}"
        return self.replay_url(capture)


# -- the rate limit --------------------------------------------------------------------------------------
# One slot per archive across processes: the next moment a request may go, moved on by one interval per
# request. Redis's clock, so processes on several machines agree. Returns the seconds to wait for this slot.
_TAKE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local interval = tonumber(ARGV[1])
local pause = tonumber(ARGV[2])
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot, nxt
if pause > 0 then
  slot = math.max(stored, now + pause)
  nxt = slot
else
  slot = math.max(stored, now)
  nxt = slot + interval
end
redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'PX', math.ceil((nxt - now) * 1000) + 3600000)
return string.format('%.6f', slot - now)
"""


class RateLimiter:
    """At most `per_minute` requests to one archive, evenly spaced, shared through Redis (`client`) by every
    process backfilling from it; in this process only without a client (tests, one-off use)."""

    def __init__(self, client: Any, archive: str, per_minute: int, sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.key = ARCHIVE_RATE_PREFIX + archive
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.sleep = sleep
        self._next = 0.0
        self._script = client.register_script(_TAKE_SLOT) if client is not None else None

    def _slot(self, pause: float) -> float:
        if self._script is not None:
            return float(self._script(keys=[self.key], args=[self.interval, pause]))
        now = time.monotonic()
        if pause > 0:
            slot = self._next = max(self._next, now + pause)
        else:
            slot = max(self._next, now)
            self._next = slot + self.interval
        return slot - now

    def acquire(self) -> float:
        """Wait for this request's slot; returns the seconds waited."""
        wait = self._slot(0.0)
        if wait > 0:
            self.sleep(wait)
        return max(wait, 0.0)

    def pause(self, seconds: float) -> None:
        """No request to this archive, from any process, before `seconds` from now (a backoff)."""
        self._slot(max(seconds, 0.001))


# -- requests --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to look at (a redirect capture, or a replay's nearest timestamp)


class ArchiveClient:
    """GET requests to one archive, each in its turn of the rate limit, backing off per the ARCHIVE policy."""

    def __init__(self, archive: Archive, limiter: RateLimiter, *, policy: Policy = ARCHIVE,
                 on_request: Callable[[str], None] | None = None,
                 on_backoff: Callable[[int, float], None] | None = None,
                 timeout: float = TIMEOUT):
        self.archive = archive
        self.limiter = limiter
        self.policy = policy
        self.on_request = on_request
        self.on_backoff = on_backoff
        self.timeout = timeout
        self.requests = 0
        self.backoffs = 0
        # No proxy: an archive URL is asked directly (a local pywb must not go through an http_proxy).
        self._opener = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, answer.reason, list(answer.headers.items()), answer.read(), url)
        except urllib.error.HTTPError as exc:  # 3xx (no redirects followed), 4xx, 5xx: answers all the same
            body = exc.read() if exc.fp is not None else b""
            return Response(exc.code, str(exc.reason), list(exc.headers.items()) if exc.headers else [], body, url)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        attempts = self.policy.attempts or 0
        for attempt in range(attempts + 1):
            self.limiter.acquire()
            self.requests += 1
            if self.on_request is not None:
                self.on_request(url)
            try:
                response = self._once(url, headers or {})
            except (OSError, http.client.HTTPException) as exc:
                if attempt >= attempts:
                    raise ArchiveError(f"{self.archive.name} unreachable after {attempt + 1} tries: {exc}") from exc
                self._back_off(attempt, None, f"{type(exc).__name__}: {exc}")
                continue
            if not self.policy.retryable(response.status):
                return response
            if attempt >= attempts:
                raise ArchiveBlocked(self._blocked_line(response.status, attempt + 1))
            self._back_off(attempt, response, f"status {response.status}")
        raise AssertionError("unreachable")

    def _back_off(self, attempt: int, response: Response | None, why: str) -> None:
        wait = retry_after(response.header("Retry-After"), self.policy.cap) if response is not None else None
        if wait is None:
            wait = self.policy.delay(attempt)
        self.backoffs += 1
        log.warning("%s answered %s: no request to it for %.1f s (retry %d of %s)", self.archive.name, why, wait,
                    attempt + 1, self.policy.attempts)
        if self.on_backoff is not None:
            self.on_backoff(response.status if response is not None else 0, wait)
        self.limiter.pause(wait)

    def _blocked_line(self, status: int, tries: int) -> str:
        if status in ARCHIVE_BLOCKED:
            why = (f"{self.archive.name} refused {tries} requests in a row with {status}: it may have blocked this "
                   "address (the Internet Archive blocks for an hour, doubling while requests go on)")
        else:
            why = f"{self.archive.name} answered {status} to {tries} requests in a row: it is down or overloaded"
        return f"{why}; wait, lower AKHBAR_ARCHIVE_RATE if it was too high, then resume the job"

    # -- the index ---------------------------------------------------------------------------------------
    def cdx_apis(self) -> list[str]:
        """The CDX APIs to ask: the archive's one, or each of Common Crawl's crawls (newest first)."""
        if self.archive.cdx:
            return [self.archive.cdx]
        answer = self.get(self.archive.collinfo)
        if answer.status != 200:
            raise ArchiveError(f"{self.archive.collinfo} answered {answer.status}")
        return [c["cdx-api"] for c in json.loads(answer.body)]

    def query(self, api: str, params: dict[str, str]) -> list[dict[str, Any]]:
        answer = self.get(f"{api}?{urllib.parse.urlencode(params)}")
        if answer.status == 404:  # pywb and Common Crawl: "No Captures found"
            return []
        if answer.status != 200:
            raise ArchiveError(f"{api} answered {answer.status} to {params}: {answer.body[:200]!r}")
        try:
            return parse_cdx(answer.body.decode("utf-8", "replace"))
        except (ValueError, TypeError) as exc:
            raise ArchiveError(f"{api}: not a CDX answer ({exc}): {answer.body[:200]!r}") from None

    def captures(self, url_param: str, match_type: str, start: str, end: str) -> Iterator[Capture]:
        """Every capture the index lists for `url_param` between two timestamps (inclusive), asking again
        in halves of the window while an answer comes back full (paging by time works on any CDX server)."""
        for api in self.cdx_apis():
            yield from self._window(api, url_param, match_type, start, end)

    def _window(self, api: str, url_param: str, match_type: str, start: str, end: str) -> Iterator[Capture]:
        params = {"url": url_param, "matchType": match_type, "output": "json", "from": start, "to": end,
                  "limit": str(CDX_LIMIT)}
        rows = self.query(api, params)
        first, last = parse_timestamp(start), parse_timestamp(end)
        if len(rows) >= CDX_LIMIT and last - first > timedelta(seconds=1):
            middle = first + (last - first) / 2
            yield from self._window(api, url_param, match_type, start, middle.strftime(TIMESTAMP))
            yield from self._window(api, url_param, match_type,
                                    (middle + timedelta(seconds=1)).strftime(TIMESTAMP), end)
            return
        for row in rows:
            capture = Capture.from_row(row)
            if capture is not None:
                yield capture

    # -- the captures ------------------------------------------------------------------------------------
    def fetch(self, capture: Capture) -> Response:
        """The capture's original response: the record by offset and length from Common Crawl's data server,
        else the `id_` replay (the bytes as archived, not the archive's rewritten page)."""
        if self.archive.data and capture.filename and capture.offset is not None and capture.length:
            return self._fetch_record(capture)
        url = self.archive.replay_url(capture)
        for _ in range(MAX_REPLAY_REDIRECTS + 1):
            answer = self.get(url)
            location = answer.header("Location")
            if not (300 <= answer.status < 400 and location):
                return answer
            target = urllib.parse.urljoin(url, location)
            # The replay moved to the nearest capture of the same URL: follow. Anything else is the capture
            # of a redirect, which is no page.
            if not (target.startswith(self.archive.replay + "/") and _replayed(target) == _replayed(url)):
                return answer
            url = target
        return answer

    def _fetch_record(self, capture: Capture) -> Response:
        assert capture.offset is not None and capture.length is not None
        url = self.archive.capture_url(capture)
        answer = self.get(url, {"Range": f"bytes={capture.offset}-{capture.offset + capture.length - 1}"})
        if answer.status not in (200, 206):
            return answer
        raw = answer.body
        for record in ArchiveIterator(io.BytesIO(raw)):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            body, headers = record_body(record)
            status = int(record.http_headers.get_statuscode() or 0)
            return Response(status, "", list(headers.items()), body, url)
        raise ArchiveError(f"no response record at {capture.offset} in {capture.filename}")


def _replayed(url: str) -> str:
    """The original URL inside a replay URL (`.../<timestamp>id_/<url>`)."""
    match = re.search(r"/\d{1,14}(?:[a-z]{2}_)?/(.*)$", url)
    return canonical_url(match.group(1)) if match else url


def decoded_body(response: Response) -> tuple[bytes, dict[str, str]]:
    """The body with Content-Encoding undone, and the headers that describe the page (not the transfer)."""
    body = response.body
    encoding = (response.header("Content-Encoding") or "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
    except (OSError, zlib.error):
        pass  # served as plain bytes after all
    skip = {"transfer-encoding", "content-encoding", "content-length"}
    return body, {k: v for k, v in response.headers if k.lower() not in skip}


def capture_hosts(outlet: Outlet) -> list[tuple[str, str]]:
    """(url, matchType) index queries for an outlet: each of its domains with its sub-domains; a base URL on
    an IP address or a port (a local site) as a URL prefix."""
    queries: list[tuple[str, str]] = []
    base = urlsplit(outlet.base_url)
    if base.port or re.fullmatch(r"[\d.]+|\[.*\]", base.hostname or ""):
        queries.append((f"{base.scheme}://{base.netloc}/", "prefix"))
        named = [h for h in outlet.hosts if h != bare_host(base.hostname or "")]
    else:
        named = list(outlet.hosts)
    queries += [(host, "domain") for host in dict.fromkeys(named)]
    return queries


def select(client: ArchiveClient, outlet: Outlet, start: str, end: str,
           selection: Selection | None = None) -> Selection:
    """The outlet's captures to fetch between two timestamps (each of its domains asked once)."""
    selection = selection or Selection()
    for url_param, match_type in capture_hosts(outlet):
        for capture in client.captures(url_param, match_type, start, end):
            selection.add(capture, outlet)
    return selection


def archived_from(archive: Archive, capture: Capture) -> dict[str, str]:
    return {"archive": archive.name, "captured_at": capture.captured_at.isoformat(),
            "url": archive.capture_url(capture)}
