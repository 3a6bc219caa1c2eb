"""fx-hostile: an outlet whose pages attack the HTML path, next to ordinary articles.

Served on its own (HostileWeb), not among FixtureWeb's outlets, so the crawls that count every fixture page
never fetch 50 MB pages. Every hostile page has a name under /articles/ (so the crawler treats it as an
article) and one expected outcome; the good articles must be indexed whatever the hostile ones do.

    truncated.html   an article cut off mid-tag and mid-character (still extractable: indexed)
    nested.html      10,000 nested <div>s around the text (libxml2 stops at 256 levels: no text, a counted
                     extraction failure in the dead letters, like any page without an article)
    huge.html        50 MB of HTML (past DOWNLOAD_MAXSIZE: refused as too_large)
    binary.html      random bytes served as text/html (refused as not_html)
    bomb.html        Content-Encoding: gzip, 1 GB once inflated from ~1 MB (refused: too_large)
    mixed.html       header says utf-8, meta says iso-8859-1, body is windows-1256 with a utf-8 paragraph
"""

from __future__ import annotations

import gzip
import random
import threading
from collections.abc import Iterator
from functools import cache
from http.server import ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from akhbar.demo_web.sites.base import Response, html_response, not_found

SLUG = "fx-hostile"
GOOD = ("good-one", "good-two", "good-three")
# path -> what the crawl should make of it: "indexed", or the job's error kind (extract:* kinds are
# extraction failures: they also go to the dead letters, with the page).
HOSTILE = {
    "/articles/truncated.html": "indexed",
    "/articles/nested.html": "extract:empty-content",
    "/articles/huge.html": "too_large",
    "/articles/binary.html": "not_html",
    "/articles/bomb.html": "too_large",
    "/articles/mixed.html": "indexed",
}
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 1024**3
NESTING = 10_000

_SENTENCE = ("أعلنت السلطات المحلية في مدينة {city} اليوم عن خطة جديدة لتحسين الخدمات العامة وصيانة الطرق "
             "والمدارس، وقال مسؤول في البلدية إن التنفيذ يبدأ الشهر المقبل بتمويل من الميزانية العامة للدولة.")
_CITIES = ("طرابلس", "بنغازي", "مصراتة", "سبها", "الزاوية", "درنة", "غريان", "سرت", "زليتن")


def article_html(key: str, title: str, *, paragraphs: int = 5, wrap: tuple[str, str] = ("", ""),
                 charset: str = "utf-8") -> str:
    city = _CITIES[sum(map(ord, key)) % len(_CITIES)]
    body = "".join(f"<p>{_SENTENCE.format(city=city)} ({key} {n})</p>" for n in range(paragraphs))
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="{charset}"><title>{title}</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2024-05-0{1 + len(key) % 8}T10:00:00+02:00">'
            f"</head><body><article><h1>{title}</h1>{wrap[0]}{body}{wrap[1]}</article></body></html>")


def title_of(key: str) -> str:
    return f"خبر {key} عن بلدية {_CITIES[sum(map(ord, key)) % len(_CITIES)]}"


@cache
def _bomb() -> bytes:
    """1 GB of spaces inside an HTML page as concatenated gzip members (gzip readers inflate them all), ~1 MB."""
    block = gzip.compress(b" " * (16 * 1024 * 1024), compresslevel=9)
    head = gzip.compress(b"<html><head><title>bomb</title></head><body><p>", compresslevel=9)
    return head + block * (BOMB_BYTES // (16 * 1024 * 1024))


def _huge() -> Iterator[bytes]:
    chunk = ("<p>" + "نص طويل جدا " * 80 + "</p>\n").encode()
    yield b"<!doctype html><html><head><meta charset='utf-8'><title>huge</title></head><body><article>"
    sent = 0
    while sent < HUGE_BYTES:
        yield chunk
        sent += len(chunk)
    yield b"</article></body></html>"


class HostileSite:
    slug = SLUG

    def __init__(self) -> None:
        self.base_url = ""

    def handle(self, method: str, target: str) -> Response:
        path = target.split("?", 1)[0]
        html = "text/html; charset=utf-8"
        if path == "/":
            links = [f'<li><a href="/articles/{key}.html">{title_of(key)}</a></li>' for key in GOOD]
            links += [f'<li><a href="{p}">{p.rsplit("/", 1)[-1]}</a></li>' for p in HOSTILE]
            return html_response(f'<html lang="ar"><head><meta charset="utf-8"><title>fx-hostile</title></head>'
                                 f"<body><ul>{''.join(links)}</ul></body></html>")
        if path == "/robots.txt":
            return Response(200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n")
        key = path.removeprefix("/articles/").removesuffix(".html")
        if key in GOOD:
            return html_response(article_html(key, title_of(key)))
        if path == "/articles/truncated.html":
            raw = article_html("truncated", title_of("truncated"), paragraphs=6).encode()
            cut = raw[: int(len(raw) * 0.8)]
            return Response(200, [("Content-Type", html)], cut[:-1])  # ends mid-character and mid-tag
        if path == "/articles/nested.html":
            wrap = ("<div>" * NESTING, "</div>" * NESTING)
            return html_response(article_html("nested", title_of("nested"), wrap=wrap))
        if path == "/articles/huge.html":
            return Response(200, [("Content-Type", html)], _huge())
        if path == "/articles/binary.html":
            noise = random.Random(7).randbytes(200_000)
            return Response(200, [("Content-Type", html)], noise)
        if path == "/articles/bomb.html":
            return Response(200, [("Content-Type", html), ("Content-Encoding", "gzip")], _bomb())
        if path == "/articles/mixed.html":
            page = article_html("mixed", title_of("mixed"), charset="iso-8859-1")
            body = page.encode("windows-1256", errors="xmlcharrefreplace")
            body = body.replace(b"</article>", "<p>فقرة بترميز آخر تماما في آخر الصفحة</p></article>".encode())
            return Response(200, [("Content-Type", html)], body)
        return not_found()


class HostileWeb:
    """fx-hostile on 127.0.0.1 (a free port), with a request log like FixtureWeb's."""

    def __init__(self) -> None:
        from akhbar.demo_web.server import _OutletServer

        self.site = HostileSite()
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer = _OutletServer(("127.0.0.1", 0), self.site, self)  # type: ignore[arg-type]
        host, port = self._server.server_address[:2]
        self.base_url = self.site.base_url = f"http://{host}:{port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name="fixture-hostile")

    def _record(self, slug: str, method: str, target: str, status: int) -> None:
        with self._lock:
            self._log.append((method, target, status))

    def requests(self) -> list[str]:
        with self._lock:
            return [target for _, target, _ in self._log]

    def registry_yaml(self) -> str:
        return (f"outlets:\n  - name: {SLUG}\n    name_ar: موقع معاد\n    name_en: Hostile\n"
                f'    base_url: "{self.base_url}"\n    language: ar\n    timezone: Africa/Tripoli\n'
                f'    listings: ["{self.base_url}"]\n    allow_addresses: ["{urlsplit(self.base_url).hostname}"]\n')

    def __enter__(self) -> HostileWeb:
        _bomb()  # built once, before the crawl's clock starts
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


__all__ = ["GOOD", "HOSTILE", "HostileWeb", "article_html"]
