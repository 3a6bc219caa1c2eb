"""DNS rebinding: the address the crawler connects to is checked, not only the one the guard resolved.

A real Scrapy crawl in a child process (the reactor runs once per process) with the DNS resolver that
crawler.settings installs, and no AddressGuardMiddleware: that stands for a guard whose verdict is
stale (a name that resolved to a public address when checked and to loopback when connecting)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.integration

SCRIPT = """
import sys
import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.settings import crawl_settings

class One(scrapy.Spider):
    name = "one"

    async def start(self):
        for request in self.start_requests():
            yield request

    def start_requests(self):
        yield scrapy.Request(sys.argv[1], callback=self.fetched, errback=self.failed, dont_filter=True)

    def fetched(self, response):
        print("FETCHED", response.status, flush=True)

    def failed(self, failure):
        print("FAILED", failure.type.__name__, failure.getErrorMessage(), flush=True)

resolver = {k: v for k, v in crawl_settings().items() if k in ("DNS_RESOLVER", "TWISTED_DNS_RESOLVER")}
process = CrawlerProcess({**resolver, "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False,
                          "TELNETCONSOLE_ENABLED": False})
process.crawl(One)
process.start()
"""


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def _crawl(url: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "AKHBAR_ALLOWED_DOMAINS"} | env
    done = subprocess.run([sys.executable, "-c", SCRIPT, url], env=environ, capture_output=True, text=True,
                          timeout=120)
    return done.stdout + done.stderr


def test_a_name_that_resolves_to_loopback_at_connect_time_is_refused() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    url = f"http://localhost:{server.server_address[1]}/internal"
    try:
        _Counting.hits.clear()
        out = _crawl(url)
        assert "FAILED" in out and "FETCHED" not in out, out
        assert "address guard: localhost resolves to 127.0.0.1" in out, out
        assert _Counting.hits == []  # never connected
        # Allow-listed explicitly, the same crawl connects: the refusal above was the resolver's.
        out = _crawl(url, AKHBAR_ALLOWED_DOMAINS="127.0.0.0/8")
        assert "FETCHED 200" in out, out
        assert _Counting.hits == ["/internal"]
    finally:
        server.shutdown()
