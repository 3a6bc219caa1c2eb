"""dx-loadmore: a news site on a custom Laravel CMS whose section pages grow by "load more" buttons instead of
pagers. The home page shows the five newest stories and links the two sections; each story is in one section.

- /section/local: six stories in the HTML and `<button class="load-more" data-url=".../api/sections/local/
  articles?page=2">عرض المزيد</button>`; the endpoint is Laravel's paginator as JSON (data[] with each story's
  url, current_page, last_page, next_page_url, prev_page_url, path, and the links[] of its pager).
- /section/economy: htmx. Six stories and `<button hx-get="/section/economy/more?offset=6" hx-target="this"
  hx-swap="outerHTML">تحميل المزيد</button>`; the endpoint answers an HTML fragment: the next six cards and,
  while more remain, the next button.

No sitemap and no feed; robots.txt keeps crawlers out of /admin and /search. A story page shows the five
newest stories in its sidebar, never a chain of related stories."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    int_param,
    not_found,
    page_count,
    page_slice,
    text_response,
)
from tests.fixture_site.sites.devbase import SHARE_NETWORKS, DevSite, arabic_long_date, local

PER_PAGE = 6
SECTIONS = {"local": "محليات", "economy": "اقتصاد"}


class LoadMoreSite(DevSite):
    slug = "dx-loadmore"
    utility_lines = ("عرض المزيد", "تحميل المزيد", "الأكثر قراءة", "جميع الحقوق محفوظة")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/news/{record['site_id']}/{record['slug']}"
        record["variant"] = f"loadmore-byline-{record['byline']['placement']}"

    @staticmethod
    def section_of(record: Mapping) -> str:
        return "local" if record["n"] % 2 == 0 else "economy"

    def _section(self, name: str) -> list[dict]:
        return [r for r in self.visible() if self.section_of(r) == name]

    def route(self, request: Request) -> Response:
        path, query = request.path, request.query
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /admin\nDisallow: /search\n")
        if path == "/":
            cards = "".join(self._card(r) for r in self.visible()[:5])
            return html_response(self._layout(self.spec.name_ar, f'<h2 class="block-title">آخر الأخبار</h2>'
                                                                 f'<div class="news-list">{cards}</div>'))
        if path == "/section/local":
            items = self._section("local")
            more = ""
            if len(items) > PER_PAGE:
                more = (f'<div class="text-center"><button type="button" id="load-more" class="btn btn-outline-primary '
                        f'load-more" data-url="{esc(self._api_url(2))}">عرض المزيد</button></div>')
            return html_response(self._layout(SECTIONS["local"], self._section_page("local", items[:PER_PAGE], more)))
        if path == "/api/sections/local/articles":
            return self._api(int_param(query, "page", 1))
        if path == "/section/economy":
            items = self._section("economy")
            return html_response(self._layout(SECTIONS["economy"],
                                              self._section_page("economy", items[:PER_PAGE], self._hx_button(PER_PAGE))))
        if path == "/section/economy/more":
            offset = int_param(query, "offset", 0)
            items = self._section("economy")
            if offset is None or not 0 <= offset < len(items):
                return not_found()
            cards = "".join(self._card(r) for r in items[offset:offset + PER_PAGE])
            return html_response(cards + self._hx_button(offset + PER_PAGE))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._layout(record["title"], self._article(record)))

    def _hx_button(self, offset: int) -> str:
        if offset >= len(self._section("economy")):
            return ""
        return (f'<button class="btn btn-light load-more" hx-get="/section/economy/more?offset={offset}" '
                'hx-target="this" hx-swap="outerHTML" hx-indicator="#spinner">تحميل المزيد</button>')

    def _api_url(self, page: int | None) -> str | None:
        return None if page is None else self.url("/api/sections/local/articles?" + urlencode({"page": page}))

    def _api(self, page: int | None) -> Response:
        items = self._section("local")
        last = page_count(len(items), PER_PAGE)
        if page is None or page < 1:
            return not_found()
        chunk = page_slice(items, page, PER_PAGE)
        links = [{"url": self._api_url(page - 1 if page > 1 else None), "label": "&laquo; السابق", "active": False}]
        links += [{"url": self._api_url(n), "label": str(n), "active": n == page} for n in range(1, last + 1)]
        links.append({"url": self._api_url(page + 1 if page < last else None), "label": "التالي &raquo;", "active": False})
        data = {
            "current_page": page,
            "data": [{"id": r["site_id"], "title": r["title"], "slug": r["slug"], "url": self.url(r["path"]),
                      "image": self.url(f"/storage/articles/{r['site_id']}.jpg"),
                      "published_at": local(r).strftime("%Y-%m-%d %H:%M:%S"),
                      "section": {"id": 1, "name": SECTIONS["local"], "slug": "local"}} for r in chunk],
            "first_page_url": self._api_url(1), "from": (page - 1) * PER_PAGE + 1 if chunk else None,
            "last_page": last, "last_page_url": self._api_url(last), "links": links,
            "next_page_url": self._api_url(page + 1 if page < last else None),
            "path": self.url("/api/sections/local/articles"), "per_page": PER_PAGE,
            "prev_page_url": self._api_url(page - 1 if page > 1 else None),
            "to": (page - 1) * PER_PAGE + len(chunk) if chunk else None, "total": len(items),
        }
        return Response(200, [("Content-Type", "application/json"), ("Cache-Control", "no-cache, private")],
                        json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def _card(self, record: Mapping) -> str:
        return (f'<div class="news-card"><a href="{esc(self.url(record["path"]))}" class="news-card__link">'
                f'<img src="/storage/articles/{record["site_id"]}.jpg" alt="" loading="lazy">'
                f'<h3 class="news-card__title">{esc(record["title"])}</h3></a>'
                f'<span class="news-card__date">{esc(arabic_long_date(local(record), with_time=False))}</span></div>')

    def _section_page(self, name: str, items: list[dict], more: str) -> str:
        cards = "".join(self._card(r) for r in items)
        return (f'<h1 class="section-title">{SECTIONS[name]}</h1><div id="news-list" class="news-list">{cards}'
                f"{more}</div>")

    def _article(self, record: Mapping) -> str:
        byline = record["byline"]
        author = (f'<span class="article__author">{esc(byline["text"])}</span>'
                  if byline["placement"] == "field" and byline["text"] else "")
        line = f"<p><strong>{esc(byline['text'])}</strong></p>" if byline["placement"] == "line" else ""
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        share = "".join(f'<a href="#" class="share share--{i}">شارك على {net}</a>' for i, net in enumerate(SHARE_NETWORKS))
        section = self.section_of(record)
        return (f'<article class="article"><nav class="breadcrumb"><a href="/">الرئيسية</a> / '
                f'<a href="/section/{section}">{SECTIONS[section]}</a></nav>'
                f'<h1 class="article__title">{esc(record["title"])}</h1><div class="article__meta">{author}'
                f'<time datetime="{local(record).isoformat()}">{esc(arabic_long_date(local(record)))}</time></div>'
                f'<div class="article__body">{line}{paragraphs}</div><div class="article__share">{share}</div></article>')

    def _layout(self, title: str, main: str) -> str:
        most = "".join(f'<li><a href="{esc(self.url(r["path"]))}">{esc(r["title"])}</a></li>' for r in self.visible()[:5])
        nav = "".join(f'<li><a href="/section/{slug}">{name}</a></li>' for slug, name in SECTIONS.items())
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="csrf-token" content="Qm9ndXNUb2tlbkZvclRoZUZpeHR1cmU">'
            f"<title>{esc(title)} | {esc(self.spec.name_ar)}</title>"
            '<link rel="stylesheet" href="/css/app.css?id=7d3e1f"><script src="https://unpkg.com/htmx.org@1.9.10" '
            'defer></script></head><body><header class="site-header"><a href="/" class="logo">'
            f'{esc(self.spec.name_ar)}</a><nav><ul class="nav"><li><a href="/">الرئيسية</a></li>{nav}</ul></nav></header>'
            f'<div class="container"><main class="content">{main}</main>'
            f'<aside class="sidebar"><h2>الأكثر قراءة</h2><ol>{most}</ol></aside></div>'
            '<footer class="site-footer">جميع الحقوق محفوظة</footer>'
            '<div id="spinner" class="htmx-indicator">...</div><script src="/js/app.js?id=2b9c4a"></script></body></html>\n'
        )
