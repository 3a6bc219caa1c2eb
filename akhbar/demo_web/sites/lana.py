"""fx-lana: a news-agency site from the 2000s, served in windows-1256.

Some pages send `Content-Type: text/html` with no charset (only the <meta> says windows-1256);
dates appear in several styles (Levantine months, Arabic-Indic digits, Hijri, and the Libyan
calendar of the pre-2011 pages). Characters cp1256 lacks (Arabic-Indic digits) are sent as
numeric character references, as such CMSs did.
"""

from __future__ import annotations

from collections.abc import Mapping

from akhbar.demo_web.arabic import full_date_ar, parse_iso, rfc822
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    Site,
    esc,
    html_response,
    int_param,
    not_found,
    page_count,
    page_slice,
    text_response,
    xml_response,
)

CHARSET = "windows-1256"
PER_PAGE = 10
FEED_SIZE = 10


def date_text(record: Mapping) -> str:
    style = record["style"]
    return full_date_ar(
        parse_iso(record["published_at"]),
        style.get("date_style", "msa"),
        style.get("hijri"),
        with_time=record["date_precision"] == "minute",
    )


def is_old(record: Mapping) -> bool:
    return record["style"].get("date_style") == "libyan"


class LanaSite(Site):
    slug = "fx-lana"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_id = {str(record["site_id"]): record for record in self.records}

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /admin/\n")
        if path in ("/", "/index.php"):
            return self._page(self.spec.name_ar, self._list_html(self.visible()[:PER_PAGE], 1, 1))
        if path == "/news.php":
            return self._listing(int_param(request.query, "page", 1))
        if path == "/rss.php":
            return xml_response(self._feed(), "application/rss+xml", CHARSET)
        if path == "/post.php":
            record = self._by_id.get(request.query.get("id", [""])[0])
            if record is not None and self.catalog.is_visible(record):
                return self._article(record)
        return not_found()

    def _list_html(self, records: list[dict], page: int, pages: int) -> str:
        rows = "".join(
            f'<tr><td class="list_item"><img src="/images/arrow.gif"> '
            f'<a href="{esc(r["path"])}">{esc(r["title"])}</a> '
            f'<span class="list_date">({esc(date_text(r))})</span></td></tr>'
            for r in records
        )
        nav = []
        if page > 1:
            nav.append(f'<a href="news.php?page={page - 1}">&lt;&lt; السابق</a>')
        if page < pages:
            nav.append(f'<a href="news.php?page={page + 1}">التالي &gt;&gt;</a>')
        more = "" if pages > 1 else '<a href="news.php">أرشيف الأخبار</a>'
        return f'<table width="100%">{rows}</table><div class="pages">{" | ".join(nav)} {more}</div>'

    def _listing(self, page: int | None) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if page is None or not 1 <= page <= pages:
            return not_found()
        return self._page("الأخبار", self._list_html(page_slice(items, page, PER_PAGE), page, pages))

    def _article(self, record: Mapping) -> Response:
        paragraphs = "".join(f'<p align="justify">{esc(p)}</p>' for p in record["paragraphs"])
        content = (
            f'<table width="100%" cellpadding="4"><tr><td class="section_title">{esc(record["section"])}</td></tr>'
            f'<tr><td class="news_title"><b>{esc(record["title"])}</b></td></tr>'
            f'<tr><td class="news_date">{esc(date_text(record))}</td></tr>'
            f'<tr><td class="news_text">{paragraphs}</td></tr>'
            '<tr><td class="tools"><a href="javascript:window.print()">طباعة</a></td></tr></table>'
        )
        no_charset = bool(record["style"].get("no_charset")) or is_old(record)
        return self._page(record["title"], content, old=is_old(record), no_charset=no_charset)

    def _page(self, title: str, content: str, old: bool = False, no_charset: bool = False) -> Response:
        meta = (
            f'<meta http-equiv="Content-Type" content="text/html; charset={CHARSET}">'
            if old else f"<meta charset={CHARSET}>"
        )
        text = (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html dir="rtl">\n<head>\n'
            f"{meta}\n<title>{esc(self.spec.name_ar)} - {esc(title)}</title>\n"
            '<link rel="stylesheet" href="style.css" type="text/css">\n</head>\n<body bgcolor="#FFFFFF">\n'
            '<table width="100%" border="0" cellpadding="0" cellspacing="0">'
            f'<tr><td class="header"><img src="/images/logo.gif" alt=""> {esc(self.spec.name_ar)}</td></tr>'
            '<tr><td class="menu"><a href="index.php">الرئيسية</a> | <a href="news.php">الأخبار</a> | '
            '<a href="rss.php">RSS</a></td></tr>'
            f"<tr><td>{content}</td></tr>"
            '<tr><td class="footer">جميع الحقوق محفوظة</td></tr></table>\n</body>\n</html>\n'
        )
        ctype = "text/html" if no_charset else f"text/html; charset={CHARSET}"
        return html_response(text, charset=CHARSET, content_type=ctype)

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(r['path']))}</link>"
            f"<description>{esc(r['lead'])}</description>"
            f"<pubDate>{rfc822(parse_iso(r['published_at']))}</pubDate></item>"
            for r in self.visible()[:FEED_SIZE]
        )
        return (
            f'<?xml version="1.0" encoding="{CHARSET}"?>\n<rss version="2.0"><channel>'
            f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
            f"<description>آخر الأخبار</description>{items}</channel></rss>\n"
        )
