"""Pure crawler pieces: what is refused as non-HTML, WARC records (rotation, round trip through warcio,
the ingest payload), and requests surviving the JSON round trip of the shared frontier."""

from __future__ import annotations

import base64
import gzip
from collections import Counter
from io import BytesIO
from pathlib import Path

import scrapy
from scrapy.http import HtmlResponse, Request, Response
from warcio.archiveiterator import ArchiveIterator

from akhbar.demo_web.sites.base import tiny_png
from crawler.content import refusal
from crawler.ingest import iter_pages
from crawler.scheduler import decode_request, encode_request
from crawler.warc import RotatingWarcWriter, exchange_for
from tests.fixture_site.sites.trap import PDF_BYTES

ARTICLE = ('<html><head><meta charset="utf-8"><title>خبر</title>'
           '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "خبر"}</script></head>'
           '<body><article><h1>خبر</h1><p>' + "نص الخبر الطويل " * 40 + "</p></article></body></html>")


def test_refusals() -> None:
    assert refusal(PDF_BYTES, "application/pdf")[0] == "not_html"
    assert refusal(tiny_png(), "text/html")[0] == "not_html"  # a PNG behind an HTML Content-Type
    assert refusal(b"\x00\x01binary\x00" * 20, "text/html")[0] == "not_html"
    assert refusal(b"<html><body>x</body></html>", "image/jpeg")[0] == "not_html"
    assert refusal(ARTICLE.encode("utf-8"), "text/html; charset=utf-8") is None
    assert refusal(ARTICLE.encode("cp1256"), "text/html") is None  # undeclared windows-1256 is fine
    assert refusal(b'<?xml version="1.0"?><rss version="2.0"></rss>', "text/html") is None  # a feed
    assert refusal(b"<urlset></urlset>", "application/octet-stream") is None  # a sitemap


class _Spider(scrapy.Spider):
    name = "t"

    def parse_any(self, response):
        return None

    def on_error(self, failure):
        return None


def test_request_json_round_trip() -> None:
    spider = _Spider()
    request = Request("https://x.ly/a?b=1", callback=spider.parse_any, errback=spider.on_error, priority=10,
                      headers={"Referer": "https://x.ly/"},
                      meta={"kind": "article", "hops": 2, "feed_published": None, "redirect_urls": ["https://x.ly/z"]})
    back = decode_request(encode_request(request, spider), spider)
    assert back.url == request.url and back.priority == 10
    assert back.callback == spider.parse_any and back.errback == spider.on_error
    assert back.headers[b"Referer"] == b"https://x.ly/"
    assert back.meta["kind"] == "article" and back.meta["redirect_urls"] == ["https://x.ly/z"]


def _pair(url: str, body: bytes, content_type: str, status: int = 200, extra_headers: dict | None = None):
    request = Request(url, headers={"User-Agent": "AkhbarBot"}, meta={"kind": "article", "feed_published": None})
    headers = {"Content-Type": content_type, **(extra_headers or {})}
    cls = HtmlResponse if "html" in content_type else Response
    response = cls(url, status=status, headers=headers, body=body, request=request)
    return request, response


def test_warc_rotation_round_trip_and_ingest_payloads(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, "akhbar-test", max_bytes=1500)
    article = ARTICLE.encode("utf-8")
    compressed = gzip.compress(article)
    pairs = [
        _pair("https://x.ly/2024/01/story-one/", article, "text/html; charset=utf-8"),
        _pair("https://x.ly/2024/01/story-two/", compressed, "text/html; charset=utf-8",
              extra_headers={"Content-Encoding": "gzip", "Transfer-Encoding": "chunked"}),
        _pair("https://x.ly/files/report.pdf", PDF_BYTES, "application/pdf"),
        _pair("https://x.ly/missing", b"<h1>404</h1>", "text/html", status=404),
        _pair("https://x.ly/category/news/", b"<html><body><a href='/a'>a</a></body></html>", "text/html"),
    ]
    for request, response in pairs:
        writer.write_pair(exchange_for(request, response, {"Akhbar-Outlet": "fx", "Akhbar-Kind": "article"}))
    writer.close()
    assert len(writer.files) >= 2  # rotated by size

    records = []
    response_ids, concurrent_to = [], []
    for path in writer.files:
        with open(path, "rb") as stream:
            # check_digests="raise": warcio recomputes every block and payload digest we wrote
            read = list(ArchiveIterator(stream, check_digests="raise"))
            kinds = []
            for r in read:
                kinds.append((r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                              r.http_headers.get_statuscode() if r.http_headers else None))
                r.content_stream().read()
                if r.rec_type == "response":
                    response_ids.append(r.rec_headers.get_header("WARC-Record-ID"))
                    assert r.rec_headers.get_header("Akhbar-Outlet") == "fx"
                if r.rec_type == "request":
                    concurrent_to.append(r.rec_headers.get_header("WARC-Concurrent-To"))
                    assert r.http_headers.get_header("Host") == "x.ly"
        assert kinds[0][0] == "warcinfo"
        assert read[0].rec_headers.get_header("WARC-Filename") == path.name
        records += kinds[1:]
    assert Counter(kind for kind, _, _ in records) == {"request": 5, "response": 5}
    assert ("response", "https://x.ly/missing", "404") in records
    assert concurrent_to == response_ids and len(set(response_ids)) == 5  # each request names its response

    skipped: Counter = Counter()
    pages = [page.to_payload() for page, _ in iter_pages(writer.files, lambda url, named: {"name": named or "?"},
                                                          skipped)]
    assert [p["url"] for p in pages] == ["https://x.ly/2024/01/story-one/", "https://x.ly/2024/01/story-two/"]
    for page in pages:  # the gzip body comes back decoded, without the hop-by-hop headers
        assert base64.b64decode(page["body_b64"]) == article
        assert "Content-Encoding" not in page["headers"] and page["outlet"] == "fx"
        assert set(page) >= {"url", "status", "headers", "body_b64", "outlet", "outlet_config", "fetched_at",
                             "feed_published"}
    assert skipped == {"not_html": 1, "status_404": 1, "not_an_article": 1}


def test_gzipped_sitemaps_are_opened_with_a_size_cap() -> None:
    from crawler.spiders.outlet import _gunzip

    sitemap = b'<?xml version="1.0"?><urlset><url><loc>https://x.ly/a</loc></url></urlset>'
    assert _gunzip(gzip.compress(sitemap), 10_000) == sitemap
    assert _gunzip(gzip.compress(b" " * 20_000), 10_000) is None  # a gzip bomb stops at the cap
    assert _gunzip(b"\x1f\x8bnot gzip at all", 10_000) is None


def test_foreign_warc_records_become_adhoc_outlets_and_registered_hosts_still_match(tmp_path: Path) -> None:
    """A WARC written by another crawler (no Akhbar-Outlet header): unknown hosts are ingested as ad-hoc
    outlets named by host and port; a registered outlet's host is still matched; --outlet forces one."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from akhbar.core.registry import load_registry
    from crawler.ingest import outlet_resolver

    registry = load_registry()
    known = next(o for o in registry if o.enabled)
    urls = ["http://news.example.org:8080/2024/01/story-one/", "http://other.example.net/2024/01/story-two/",
            known.base_url.rstrip("/") + "/2024/01/story-three/"]
    path = tmp_path / "browsertrix.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url in urls:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(ARTICLE.encode()),
                                                          http_headers=http))
    skipped: Counter = Counter()
    pages = [page.to_payload() for page, _ in iter_pages([path], outlet_resolver(registry), skipped)]
    assert skipped == {}
    assert [p["outlet"] for p in pages] == ["adhoc-news-example-org-8080", "adhoc-other-example-net", known.name]
    assert pages[0]["outlet_config"]["base_url"] == "http://news.example.org:8080/"
    forced = [page.to_payload() for page, _ in iter_pages([path], outlet_resolver(registry, known.name), Counter())]
    assert {p["outlet"] for p in forced} == {known.name}


def test_warc_records_stay_readable_with_hostile_headers_and_after_a_failed_write(tmp_path: Path) -> None:
    """A line break inside a header value, credentials in the URL, a non-str Akhbar field, and a write
    cut off half-way (a full disk): every record that was written reads back with valid digests."""
    writer = RotatingWarcWriter(tmp_path, "akhbar-test")
    request = Request("https://user:secret@x.ly/a", headers={"X-Evil": "a\r\n\r\nb", "X-Lone": "c\nd"})
    response = HtmlResponse("https://user:secret@x.ly/a", body=ARTICLE.encode(), request=request,
                            headers={"Content-Type": "text/html; charset=utf-8", "X-Bad": "e\r\nf"})
    writer.write_pair(exchange_for(request, response, {"Akhbar-Outlet": "fx", "Akhbar-Feed-Published": 5}))

    real_file = writer._file

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def write(self, data: bytes) -> int:
            self.f.write(data[: len(data) // 3])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    writer._file = FullDisk(real_file)
    try:
        writer.write_pair(exchange_for(*_pair("https://x.ly/lost", b"<html>lost</html>", "text/html")))
    except OSError:
        pass
    else:
        raise AssertionError("the failed write did not raise")
    writer._file = real_file
    writer.write_pair(exchange_for(*_pair("https://x.ly/after", b"<html>after</html>", "text/html")))
    writer.close()

    with open(writer.files[0], "rb") as stream:
        records = []
        for r in ArchiveIterator(stream, check_digests="raise"):
            r.content_stream().read()
            records.append(r)
    kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in records]
    assert kinds[1:] == [("response", "https://user:secret@x.ly/a"), ("request", "https://user:secret@x.ly/a"),
                         ("response", "https://x.ly/after"), ("request", "https://x.ly/after")]
    first_request = records[2]
    assert first_request.http_headers.get_header("Host") == "x.ly"
    assert first_request.http_headers.get_header("X-Evil") == "a  b"
    assert first_request.http_headers.get_header("X-Lone") == "c d"
    assert records[1].http_headers.get_header("X-Bad") == "e f"
    assert records[1].rec_headers.get_header("Akhbar-Feed-Published") == "5"
