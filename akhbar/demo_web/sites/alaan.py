"""fx-alaan: an aggregator reposting other outlets' stories with "مصدر الخبر" credit lines."""

from __future__ import annotations

from collections.abc import Mapping

from akhbar.demo_web.arabic import parse_iso, rfc822
from akhbar.demo_web.outlets import OUTLETS_BY_SLUG
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

PER_PAGE = 10
FEED_SIZE = 10


def with_tracking(url: str, source: str = "libyaalaan") -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}utm_source={source}&utm_medium=referral"


def short_date(value: str) -> str:
    dt = parse_iso(value)
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}"


class AlaanSite(Site):
    slug = "fx-alaan"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_path = {record["path"]: record for record in self.records}

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /search\n")
        if path == "/":
            return html_response(self._home())
        if path == "/latest":
            page = int_param(request.query, "page", 1)
            return self._latest(page)
        if path == "/feed/rss":
            return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
        record = self._by_path.get(path)
        if record is None or not self.catalog.is_visible(record):
            return not_found()
        return html_response(self._article(record))

    def _card(self, record: Mapping) -> str:
        source = OUTLETS_BY_SLUG[record["source_outlet"]].name_ar
        return (
            f'<div class="news-item"><a class="news-link" href="{record["path"]}">'
            f'<h3>{esc(record["title"])}</h3></a><span class="news-source">{esc(source)}</span> '
            f'<span class="news-date">{short_date(record["published_at"])}</span></div>'
        )

    def _latest(self, page: int | None) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if page is None or not 1 <= page <= pages:
            return not_found()
        cards = "".join(self._card(r) for r in page_slice(items, page, PER_PAGE))
        links = []
        if page > 1:
            links.append(f'<li class="prev"><a href="/latest?page={page - 1}">السابق</a></li>')
        if page < pages:
            links.append(f'<li class="next"><a href="/latest?page={page + 1}">التالي</a></li>')
        body = f'<h1 class="page-title">آخر الأخبار</h1>{cards}<ul class="pager">{"".join(links)}</ul>'
        return html_response(self._layout("آخر الأخبار", body))

    def _home(self) -> str:
        cards = "".join(self._card(r) for r in self.visible()[:12])
        sources = "".join(
            f'<li><a href="{esc(self.bases.get(slug, "#"))}">{esc(OUTLETS_BY_SLUG[slug].name_ar)}</a></li>'
            for slug in sorted({r["source_outlet"] for r in self.records})
        )
        body = (
            f'<section class="home-news">{cards}<a class="more" href="/latest">المزيد من الأخبار</a></section>'
            f'<aside class="sources"><h3>مصادرنا</h3><ul>{sources}</ul></aside>'
        )
        return self._layout(self.spec.name_ar, body)

    def _article(self, record: Mapping) -> str:
        source = OUTLETS_BY_SLUG[record["source_outlet"]]
        original = self.catalog.by_key[record["repost_of"]]
        source_link = esc(with_tracking(self.record_url(original)))
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        body = (
            '<div class="news-details">'
            f'<h1 class="news-title">{esc(record["title"])}</h1>'
            f'<div class="news-meta"><span class="date"><i class="fa fa-clock-o"></i> '
            f'{short_date(record["published_at"])}</span> <a class="cat" href="/latest">'
            f'{esc(record["section"])}</a></div>'
            '<div class="news-text">'
            f'<p class="source-line">مصدر الخبر / <a href="{esc(self.bases.get(source.slug, "#"))}">'
            f"{esc(source.name_ar)}</a></p>"
            f"{paragraphs}"
            f'<p class="read-source">يمكنك ايضا قراءة الخبر في المصدر من <a href="{source_link}" '
            f'target="_blank" rel="nofollow">{esc(source.name_ar)}</a></p></div>'
            f'<div class="about-source"><h3>عن مصدر الخبر</h3><p>{esc(source.about)}</p></div>'
            "</div>"
        )
        head = (
            f'<link rel="canonical" href="{esc(self.url(record["path"]))}">'
            f'<meta property="og:title" content="{esc(record["title"])}">'
            f'<meta property="article:published_time" content="{record["published_at"]}">'
        )
        return self._layout(record["title"], body, head)

    def _layout(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html dir="rtl" lang="ar"><head><meta charset="utf-8">'
            f"<title>{esc(title)} - {esc(self.spec.name_ar)}</title>{head}</head>\n<body>"
            f'<div class="top-bar"><a class="logo" href="/">{esc(self.spec.name_ar)}</a>'
            '<form action="/search"><input name="q"></form></div>'
            f'<div class="main-wrap">{main}</div>'
            '<div class="footer">جميع الأخبار المنشورة تعبر عن رأي مصادرها</div></body></html>\n'
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(r['path']))}</link>"
            f"<pubDate>{rfc822(parse_iso(r['published_at']))}</pubDate>"
            f"<guid>{esc(self.url(r['path']))}</guid><description>{esc(r['lead'])}</description>"
            f"<source url=\"{esc(self.bases.get(r['source_outlet'], ''))}\">"
            f"{esc(OUTLETS_BY_SLUG[r['source_outlet']].name_ar)}</source></item>"
            for r in self.visible()[:FEED_SIZE]
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
            f"<description>آخر الأخبار الليبية</description>{items}</channel></rss>\n"
        )
