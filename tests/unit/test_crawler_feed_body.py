"""A feed response's body is parsed as a document, never opened as the path or URL it may look like."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import Response

from akhbar.core.registry import Outlet
from crawler.spiders.outlet import OutletSpider

BASE = "http://news.example.ly/"
RSS = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>x</title><link>{BASE}2024/05/story-from-a-local-file/</link></item></channel></rss>"""


def feed_links(body: bytes) -> list[str]:
    spider = OutletSpider(outlet=Outlet(name="news", base_url=BASE), recrawl=True)
    url = f"{BASE}feed/"
    response = Response(url, body=body, request=Request(url, meta={"kind": "feed", "hops": 0}))
    return [r.url for r in spider.parse_feed(response)]


def test_a_body_naming_a_local_file_is_not_read(tmp_path: Path) -> None:
    local = tmp_path / "feed.xml"
    local.write_text(RSS, encoding="utf-8")
    assert feed_links(str(local).encode()) == []  # the server's answer is the text, not a file to open
    assert feed_links(RSS.encode()) == [f"{BASE}2024/05/story-from-a-local-file/"]  # a real feed is read
