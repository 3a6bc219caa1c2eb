"""crawler/archive.py without services: CDX answers in both shapes, which captures a backfill fetches, the
rate limit's spacing, and the backoff and one-line stop against a tiny local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from akhbar.core.outlet import Outlet
from akhbar.core.retry import ARCHIVE
from crawler.archive import (
    Archive,
    ArchiveBlocked,
    ArchiveClient,
    Capture,
    RateLimiter,
    Selection,
    capture_hosts,
    is_page_url,
    month_bounds,
    parse_cdx,
)
from tests.local_http import QuietHandler, serve

WAYBACK_JSON = """[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],
["ly,alwasat)/news/1","20150304050607","https://alwasat.ly/news/1","text/html","200","ABC","1234"]]"""
PYWB_JSON = ('{"urlkey": "ly,alwasat)/news/1", "timestamp": "20150304050607", "url": "https://alwasat.ly/news/1", '
             '"mime": "text/html", "status": "200", "digest": "ABC", "length": "1234", "offset": "99", '
             '"filename": "a.warc.gz"}\n')


def test_both_cdx_answer_shapes_read_as_the_same_capture() -> None:
    wayback = Capture.from_row(parse_cdx(WAYBACK_JSON)[0])
    pywb = Capture.from_row(parse_cdx(PYWB_JSON)[0])
    assert wayback is not None and pywb is not None
    assert (wayback.url, wayback.timestamp, wayback.status, wayback.mime) == \
        (pywb.url, pywb.timestamp, pywb.status, pywb.mime) == ("https://alwasat.ly/news/1", "20150304050607", 200,
                                                               "text/html")
    assert (pywb.offset, pywb.filename) == (99, "a.warc.gz")
    assert parse_cdx("") == [] and parse_cdx("[]") == []
    assert Capture.from_row({"url": "x", "timestamp": "-"}) is None
    assert Capture.from_payload(pywb.to_payload()) == pywb


def test_one_capture_per_canonical_url_the_earliest_successful_html_one() -> None:
    outlet = Outlet(name="wasat", base_url="https://alwasat.ly/", domains=("old-wasat.com",))
    rows = [
        Capture("https://alwasat.ly/news/1", "20160101000000", 200, "text/html"),
        Capture("https://alwasat.ly/news/1?utm_source=fb", "20150101000000", 200, "text/html"),  # earlier, same URL
        Capture("https://alwasat.ly/news/2", "20150101000000", 404, "text/html"),
        Capture("https://alwasat.ly/news/3", "20150101000000", 301, "text/html"),
        Capture("https://alwasat.ly/news/2", "20170101000000", 200, "text/html"),
        Capture("https://alwasat.ly/logo.png", "20150101000000", 200, "image/png"),
        Capture("https://alwasat.ly/feed/", "20150101000000", 200, "application/rss+xml"),
        Capture("https://alwasat.ly/news/4", "20150101000000", 200, "application/pdf"),
        Capture("https://old-wasat.com/2012/05/x.html", "20120101000000", 200, "text/html"),
        Capture("https://elsewhere.ly/a", "20150101000000", 200, "text/html"),
    ]
    selection = Selection()
    for row in rows:
        selection.add(row, outlet)
    chosen = {(c.url, c.timestamp) for c in selection.captures()}
    assert chosen == {("https://alwasat.ly/news/1?utm_source=fb", "20150101000000"),
                      ("https://alwasat.ly/news/2", "20170101000000"),
                      ("https://old-wasat.com/2012/05/x.html", "20120101000000")}
    assert selection.skipped == {"later_capture": 1, "status_404": 1, "status_301": 1, "not_a_page": 2,
                                 "not_html": 1, "other_host": 1}


@pytest.mark.parametrize(("url", "page"), [
    ("https://x.ly/2014/05/story.html", True), ("https://x.ly/?p=123", True), ("https://x.ly/", True),
    ("https://x.ly/img/a.JPG", False), ("https://x.ly/wp-content/uploads/a.pdf", False),
    ("https://x.ly/feed/", False), ("https://x.ly/index.php?format=rss", False), ("https://x.ly/app.js", False),
])  # fmt: skip
def test_the_cheap_skip_by_url(url: str, page: bool) -> None:
    assert is_page_url(url) is page


def test_month_bounds_and_index_queries() -> None:
    assert month_bounds("2011-02", "2012-12") == ("20110201000000", "20121231235959")
    assert month_bounds(None, "2012-02")[1] == "20120229235959"
    local = Outlet(name="fx", base_url="http://127.0.0.11:8123/", domains=("old.example.ly",))
    assert capture_hosts(local) == [("http://127.0.0.11:8123/", "prefix"), ("old.example.ly", "domain")]
    named = Outlet(name="w", base_url="https://www.alwasat.ly/", alt_hosts=("alwasat.com",))
    assert capture_hosts(named) == [("alwasat.ly", "domain"), ("alwasat.com", "domain")]


def test_sources() -> None:
    pywb = Archive.from_source("http://127.0.0.1:8080/coll/cdx")
    capture = Capture("https://x.ly/a", "20150304050607")
    assert pywb.replay_url(capture) == "http://127.0.0.1:8080/coll/20150304050607id_/https://x.ly/a"
    assert pywb.name == pywb.host == "127.0.0.1:8080"
    wayback = Archive.from_source("wayback")
    assert wayback.replay_url(capture) == "https://web.archive.org/web/20150304050607id_/https://x.ly/a"
    assert Archive.from_source("https://example.org/cdx/search/cdx").replay == "https://example.org/web"
    for bad in ("ftp://x/cdx", "http://x/collection", "nonsense"):
        with pytest.raises(ValueError):
            Archive.from_source(bad)


def test_the_rate_limit_spaces_requests_evenly() -> None:
    waits: list[float] = []
    limiter = RateLimiter(None, "a", per_minute=120, sleep=waits.append)
    for _ in range(4):
        limiter.acquire()
    assert waits == pytest.approx([0.5, 1.0, 1.5], abs=0.05)  # the first goes at once
    limiter.pause(10)
    waits.clear()
    limiter.acquire()
    assert waits == pytest.approx([10.0], abs=0.1)


class _Refusing(QuietHandler):
    refusals = 0
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append(self.path)
        if self.path.startswith("/coll/cdx"):
            self._reply(200, PYWB_JSON.encode())
        elif type(self).refusals > 0:
            type(self).refusals -= 1
            self._reply(429, b"slow down", {"Retry-After": "0"})
        elif "/20150304050607id_/" in self.path:  # the Wayback Machine moves an id_ to the nearest capture
            self._reply(302, b"", {"Location": "/coll/20150304050608id_/https://alwasat.ly/news/1"})
        elif "/20150304050608id_/" in self.path:
            self._reply(200, b"<html><body>article</body></html>", {"Content-Type": "text/html"})
        else:
            self._reply(302, b"", {"Location": "https://alwasat.ly/elsewhere"})

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.reply(status, body, (headers or {}).items())


@pytest.fixture
def archive_server() -> Iterator[str]:
    server, url = serve(_Refusing)
    _Refusing.refusals, _Refusing.seen = 0, []
    yield f"{url}/coll/cdx"
    server.shutdown()
    server.server_close()


def _client(source: str, attempts: int = 3) -> ArchiveClient:
    archive = Archive.from_source(source)
    return ArchiveClient(archive, RateLimiter(None, archive.host, 6000, sleep=lambda s: None),
                         policy=ARCHIVE.with_(attempts=attempts, base=0.0))


def test_429s_back_off_then_the_request_goes_through(archive_server: str) -> None:
    client = _client(archive_server)
    _Refusing.refusals = 2
    captures = list(client.captures("https://alwasat.ly/", "prefix", "20150101000000", "20151231235959"))
    assert [c.url for c in captures] == ["https://alwasat.ly/news/1"]
    answer = client.fetch(captures[0])  # two 429s, then the replay's move to the nearest timestamp, followed
    assert answer.status == 200 and b"article" in answer.body
    assert client.backoffs == 2 and client.requests == 5


def test_a_redirect_capture_is_an_answer_not_followed(archive_server: str) -> None:
    client = _client(archive_server)
    answer = client.fetch(Capture("https://alwasat.ly/moved", "20160101000000"))
    assert answer.status == 302 and client.requests == 1


def test_an_archive_that_keeps_refusing_stops_the_backfill_with_one_line(archive_server: str) -> None:
    client = _client(archive_server, attempts=2)
    _Refusing.refusals = 10
    with pytest.raises(ArchiveBlocked) as blocked:
        client.fetch(Capture("https://alwasat.ly/news/1", "20150304050607"))
    message = str(blocked.value)
    assert "\n" not in message and "429" in message and "resume the job" in message
    assert client.requests == 3
