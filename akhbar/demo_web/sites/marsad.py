"""fx-marsad: a custom CMS with only paginated listings, text dates and "كتب:" bylines.

No feed, no sitemap, no robots.txt, no JSON-LD, no date metadata: a crawler has to walk
/news?page=N and a cleaner has to read the Arabic date text.
"""

from __future__ import annotations

from collections.abc import Mapping

from akhbar.demo_web.arabic import full_date_ar, parse_iso
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
)

PER_PAGE = 6


def date_text(record: Mapping) -> str:
    style = "indic" if record["style"].get("indic") else "msa"
    return full_date_ar(parse_iso(record["published_at"]), style)


class MarsadSite(Site):
    slug = "fx-marsad"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_path = {record["path"]: record for record in self.records}

    def route(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path == "/":
            return html_response(self._home())
        if path == "/news":
            return self._listing(int_param(request.query, "page", 1))
        record = self._by_path.get(path)
        if record is None or not self.catalog.is_visible(record):
            return not_found()  # also robots.txt: this CMS has none
        return html_response(self._article(record))

    def _item(self, record: Mapping) -> str:
        return (
            f'<div class="col-md-4 news-box"><img src="/uploads/news/{record["site_id"]}.jpg" alt="">'
            f'<h4><a href="{record["path"]}">{esc(record["title"])}</a></h4>'
            f'<small class="news-date">{esc(date_text(record))}</small></div>'
        )

    def _listing(self, page: int | None) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if page is None or page < 1:
            return not_found()
        chosen = page_slice(items, page, PER_PAGE)
        boxes = "".join(self._item(r) for r in chosen) or '<p class="empty">لا توجد أخبار</p>'
        pager = "".join(
            f'<li class="{"active" if n == page else ""}"><a href="/news?page={n}">{n}</a></li>'
            for n in range(1, pages + 1)
        )
        if page < pages:
            pager += f'<li><a href="/news?page={page + 1}" rel="next">التالي »</a></li>'
        body = f'<h3 class="page-head">آخر الأخبار</h3><div class="row">{boxes}</div><ul class="pagination">{pager}</ul>'
        return html_response(self._layout("آخر الأخبار", body))

    def _home(self) -> str:
        boxes = "".join(self._item(r) for r in self.visible()[:PER_PAGE])
        body = f'<div class="row">{boxes}</div><a class="btn btn-more" href="/news">المزيد</a>'
        return self._layout(self.spec.name_ar, body)

    def _article(self, record: Mapping) -> str:
        writer = "، ".join(record["authors"])
        writer_html = f'<span class="writer">كتب: {esc(writer)}</span> ' if writer else ""
        text = "<br />\n<br />\n".join(esc(p) for p in record["paragraphs"])
        related = [r for r in self.visible() if r["key"] != record["key"]][:3]
        related_html = "".join(f'<li><a href="{r["path"]}">{esc(r["title"])}</a></li>' for r in related)
        body = (
            '<ol class="breadcrumb"><li><a href="/">الرئيسية</a></li>'
            f'<li><a href="/news">{esc(record["section"])}</a></li></ol>'
            f'<h2 class="news-head">{esc(record["title"])}</h2>'
            f'<div class="news-info">{writer_html}<span class="news-date">{esc(date_text(record))}</span></div>'
            f'<img class="img-responsive" src="/uploads/news/{record["site_id"]}.jpg" alt="">'
            f'<div class="news-body">{text}</div>'
            '<div class="social"><a href="#">فيسبوك</a> | <a href="#">تويتر</a></div>'
            f'<div class="related"><h4>أخبار ذات صلة</h4><ul>{related_html}</ul></div>'
        )
        head = f'<meta property="og:title" content="{esc(record["title"])}">'
        return self._layout(record["title"], body, head)

    def _layout(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head><meta charset="utf-8">'
            f"<title>{esc(title)}</title>{head}"
            '<link href="/assets/css/bootstrap-rtl.min.css" rel="stylesheet"></head>\n<body>'
            f'<nav class="navbar"><a class="navbar-brand" href="/">{esc(self.spec.name_ar)}</a>'
            '<ul class="nav"><li><a href="/">الرئيسية</a></li><li><a href="/news">الأخبار</a></li></ul></nav>'
            f'<div class="container"><div class="row"><div class="col-md-8">{main}</div>'
            '<div class="col-md-4 sidebar"><div class="ad">إعلان</div></div></div></div>'
            '<footer>© المرصد التجريبي</footer></body></html>\n'
        )
