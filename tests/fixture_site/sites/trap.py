"""fx-trap: crawler traps and bad input around a few real articles.

Traps: an endless calendar, session ids in URLs (?PHPSESSID= / ;jsessionid=) that change with
every page, endless "next page" pagination, /private/ pages disallowed by robots.txt.
Bad input: 500, redirect loop, a 13 MiB streamed page, a PDF, a PNG served as text/html, a 404,
a malformed-HTML article, an article with an impossible date and one that answers 429 once.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Mapping

from akhbar.demo_web.arabic import parse_iso
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    Site,
    esc,
    html_response,
    int_param,
    not_found,
    redirect,
    text_response,
    tiny_png,
)
from tests.fixture_site.outlets import TRAP

HUGE_CHUNKS = 208  # x 64 KiB = 13 MiB: above the 12 MB limit a crawler should enforce
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
BAD_LINKS = (
    ("/broken", "تقرير خاص (خطأ في الخادم)"),
    ("/loop/a", "رابط متنقل"),
    ("/files/archive-dump.html", "أرشيف كامل في صفحة واحدة"),
    ("/files/report.pdf", "التقرير السنوي PDF"),
    ("/gallery/photo-1.html", "معرض الصور"),
    ("/articles/removed-story.html", "خبر محذوف"),
)
PRIVATE_LINKS = (("/private/drafts.html", "مسودات"), ("/private/staff/notes.html", "ملاحظات التحرير"))


def session_id(seed: str) -> str:
    """Deterministic, but different for every linking URL: the URL space never ends."""
    return f"{zlib.crc32(seed.encode('utf-8')):08X}"


def huge_body() -> Iterator[bytes]:
    line = "<p>سطر من أرشيف الأخبار القديم يتكرر لملء الصفحة.</p>\n".encode()
    chunk = line * (65536 // len(line) + 1)
    yield b'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>dump</title></head><body>\n'
    for _ in range(HUGE_CHUNKS):
        yield chunk
    yield b"</body></html>\n"


class TrapSite(Site):
    slug = "fx-trap"
    specs = {TRAP.slug: TRAP}

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_path = {record["path"]: record for record in self.records}
        self._lock = threading.Lock()
        self._throttled: set[str] = set()

    def route(self, request: Request) -> Response:
        path = request.path.split(";", 1)[0]  # drop ;jsessionid=...
        fixed = {
            "/robots.txt": lambda: text_response("User-agent: *\nDisallow: /private/\n"),
            "/": lambda: html_response(self._home(request.target)),
            "/broken": lambda: html_response("<h1>Internal Server Error</h1>", status=500),
            "/loop/a": lambda: redirect("/loop/b", 302),
            "/loop/b": lambda: redirect("/loop/a", 302),
            "/files/archive-dump.html": lambda: Response(
                200, [("Content-Type", "text/html; charset=utf-8")], huge_body()),
            "/files/report.pdf": lambda: Response(200, [("Content-Type", "application/pdf")], PDF_BYTES),
            "/gallery/photo-1.html": lambda: Response(200, [("Content-Type", "text/html")], tiny_png()),
            "/archive": lambda: self._archive(request),
        }
        if path in fixed:
            return fixed[path]()
        if path.startswith("/private/"):
            return html_response("<h1>صفحة داخلية - ممنوع الأرشفة</h1>")
        if path.startswith("/calendar/"):
            return self._calendar(path, request.target)
        record = self._by_path.get(path)
        if record is None or not self.catalog.is_visible(record):
            return not_found()
        if record["style"].get("retry_429") and self._first_time(path):
            return Response(429, [("Retry-After", "1"), ("Content-Type", "text/plain")], b"Too Many Requests")
        return html_response(self._article(record, request.target))

    def _first_time(self, path: str) -> bool:
        with self._lock:
            if path in self._throttled:
                return False
            self._throttled.add(path)
            return True

    # ---- links ---------------------------------------------------------------------------
    def _article_link(self, record: Mapping, here: str, index: int) -> str:
        sid = session_id(f"{here}|{record['key']}")
        if index % 2:
            href = record["path"].replace(".html", f".html;jsessionid={sid}")
        else:
            href = f"{record['path']}?PHPSESSID={sid.lower()}"
        return f'<li><a href="{esc(href)}">{esc(record["title"])}</a></li>'

    def _link_block(self, here: str) -> str:
        articles = "".join(self._article_link(r, here, i) for i, r in enumerate(self.visible()))
        bad = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for href, text in BAD_LINKS)
        private = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for href, text in PRIVATE_LINKS)
        return (
            f'<ul class="articles">{articles}</ul><ul class="misc">{bad}{private}</ul>'
            '<p><a href="/calendar/2024/01/">التقويم</a> | <a href="/archive?page=1">الأرشيف</a></p>'
        )

    def _home(self, here: str) -> str:
        return self._layout("موقع الفخاخ", f"<h1>آخر الأخبار</h1>{self._link_block(here)}")

    def _archive(self, request: Request) -> Response:
        page = int_param(request.query, "page", 1)
        if page is None or page < 1:
            return not_found()
        # Same items on every page, and always one more page.
        body = (
            f"<h1>الأرشيف - صفحة {page}</h1>{self._link_block('/archive')}"
            f'<a class="next" href="/archive?page={page + 1}">الصفحة التالية</a>'
        )
        return html_response(self._layout(f"الأرشيف {page}", body))

    def _calendar(self, path: str, here: str) -> Response:
        parts = [part for part in path.split("/") if part]
        if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
            return not_found()
        year, month = int(parts[1]), int(parts[2])
        if not (1 <= year <= 9999 and 1 <= month <= 12):
            return not_found()
        prev_y, prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
        next_y, next_m = (year + 1, 1) if month == 12 else (year, month + 1)
        items = [
            r for r in self.visible()
            if r["published_at"] and (parse_iso(r["published_at"]).year, parse_iso(r["published_at"]).month)
            == (year, month)
        ]
        links = "".join(self._article_link(r, here, i) for i, r in enumerate(items)) or "<li>لا أخبار</li>"
        body = (
            f"<h1>أخبار {month:02d}/{year:04d}</h1><ul>{links}</ul>"
            f'<a class="prev" href="/calendar/{max(prev_y, 1):04d}/{prev_m:02d}/">الشهر السابق</a> '
            f'<a class="next" href="/calendar/{min(next_y, 9999):04d}/{next_m:02d}/">الشهر التالي</a>'
        )
        return html_response(self._layout("التقويم", body))

    # ---- articles ------------------------------------------------------------------------
    def _article(self, record: Mapping, here: str) -> str:
        if record["style"].get("malformed"):
            return self._malformed(record)
        bad_date = record["style"].get("bad_date")
        iso = record["published_at"] or f"{bad_date}T09:00:00+02:00"
        shown = bad_date or iso[:16].replace("T", " ")
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        others = [r for r in self.visible() if r["key"] != record["key"]]
        more = "".join(self._article_link(r, here, i) for i, r in enumerate(others))
        head = f'<meta name="date" content="{bad_date or iso}">'
        body = (
            f'<div class="wrap"><h1 class="headline">{esc(record["title"])}</h1>'
            f'<p class="meta"><time datetime="{iso}">{esc(shown)}</time></p>'
            f'<div class="story-body">{paragraphs}</div>'
            f'<div class="more"><h3>مزيد من الأخبار</h3><ul>{more}</ul></div>'
            f'<p><a href="/calendar/2024/01/">التقويم</a> | <a href="{PRIVATE_LINKS[0][0]}">مسودات</a></p></div>'
        )
        return self._layout(record["title"], body, head)

    @staticmethod
    def _malformed(record: Mapping) -> str:
        """Unclosed tags everywhere, stray closers, no </body></html>: parsers must cope."""
        paragraphs = "".join(f"<p>{esc(p)}" for p in record["paragraphs"])
        return (
            f'<html><head><meta charset="utf-8"><title>{esc(record["title"])}</title><body>'
            f'<div class="wrap"><h1 class="headline">{esc(record["title"])}'
            f'<p class="meta"><time datetime="{record["published_at"]}">{record["published_at"][:10]}</time>'
            f'<div class="story-body">{paragraphs}'
            '<table><tr><td>روابط<td><a href="/">الرئيسية</a></span></b></i>'
            '<div class="footer"><font color=red>جميع الحقوق محفوظة'
        )

    def _layout(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title>{head}</head>\n<body>"
            f'<header><a href="/">{esc(self.spec.name_ar)}</a></header>{main}</body></html>\n'
        )
