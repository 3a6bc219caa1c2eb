"""robots.txt that answers 5xx: RFC 9309 2.3.1.4 says assume complete disallow until it answers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from crawler_support import crawl_env  # noqa: F401

pytestmark = pytest.mark.integration

PAGE = b"<html><body><h1>News</h1><a href='/news/1.html'>one</a></body></html>"


class _Site(BaseHTTPRequestHandler):
    robots_status = 503
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Site.hits.append(self.path)
        if self.path == "/robots.txt":
            status = _Site.robots_status
            body = b"User-agent: *\nAllow: /\n" if status == 200 else b"<h1>Service Unavailable</h1>"
        else:
            status, body = 200, PAGE
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_robots_5xx_disallows_everything_until_it_answers(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    outlets = tmp_path / "outlets.yaml"
    outlets.write_text(f"outlets:\n  - name: t-robots\n    base_url: {base}\n    listings: ['{base}']\n"
                       "    allow_addresses: [127.0.0.1]\n")
    try:
        _Site.hits.clear()
        job_id = crawl_env.crawl(outlets, ["t-robots"], mode="fixture")
        assert _Site.hits and set(_Site.hits) == {"/robots.txt"}, _Site.hits  # nothing else was fetched
        assert crawl_env.store.get(job_id).errors.get("robots_forbidden", 0) >= 1
        # The 5xx was not remembered: once robots.txt answers, the next job crawls.
        _Site.robots_status = 200
        _Site.hits.clear()
        crawl_env.crawl(outlets, ["t-robots"], mode="fixture", recrawl=True)  # the entry points again
        assert _Site.hits[0] == "/robots.txt" and "/" in _Site.hits and "/news/1.html" in _Site.hits, _Site.hits
    finally:
        server.shutdown()
