"""dx-blogger: a Blogger (blogspot) news blog: /YYYY/MM/slug.html, date-header + post-timestamp
(12-hour clock "10:30 م", the ISO instant only in <abbr title>), post-body entry-content with
<br>-separated paragraphs, the profile "غير معرف" when the post has no person byline, share
buttons, "ليست هناك تعليقات", label links. robots.txt disallows /search (labels and "older posts"
live there), so discovery is the sitemap index and the Atom feed (feeds/posts/default, paged by start-index
and max-results, with rel="next" and openSearch counts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from urllib.parse import quote

from akhbar.demo_web.arabic import MSA_MONTHS, WEEKDAYS_AR
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    int_param,
    not_found,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, clock12, local

FEED_SIZE = 10  # the blog's "posts in the feed" setting: max-results when the request names none
MAX_RESULTS = 500  # Blogger caps max-results
SITEMAP_PAGE = 10
UNKNOWN_PROFILE = "غير معرف"


def date_header(record: Mapping) -> str:
    dt = local(record)
    return f"{WEEKDAYS_AR[dt.weekday()]}، {dt.day} {MSA_MONTHS[dt.month - 1]} {dt.year}"


class BloggerSite(DevSite):
    slug = "dx-blogger"
    utility_lines = ("إرسال بالبريد الإلكتروني", "كتابة مدونة حول هذه المشاركة", "المشاركة على X",
                     "المشاركة في Facebook", "ليست هناك تعليقات", "إرسال تعليق", "رسالة أحدث", "رسالة أقدم",
                     "الصفحة الرئيسية", "الاشتراك في: تعليقات الرسالة (Atom)", "التسميات")

    @classmethod
    def prepare(cls, record: dict) -> None:
        dt = local(record)
        record["path"] = f"/{dt.year:04d}/{dt.month:02d}/{record['slug']}.html"
        record["variant"] = f"blogger-byline-{record['byline']['placement']}"

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
                                 f"Disallow: /search\nAllow: /\n\nSitemap: {self.url('/sitemap.xml')}\n")
        if path == "/sitemap.xml":
            return self._sitemap(request)
        if path == "/feeds/posts/default":
            start, size = int_param(request.query, "start-index", 1), int_param(request.query, "max-results", FEED_SIZE)
            if start is None or size is None or start < 1 or size < 0:
                return text_response("Invalid start-index or max-results", 400)
            return xml_response(self._atom(start, min(size, MAX_RESULTS)), "application/atom+xml; charset=UTF-8")
        if path == "/":
            return html_response(self._page(self.spec.name_ar, self._posts(self.visible()[:5], full=False)))
        if path.startswith("/search"):
            return html_response(self._page(self.spec.name_ar, self._posts(self.visible(), full=False)))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._page(record["title"], self._posts([record], full=True), record))

    def _sitemap(self, request: Request) -> Response:
        items = self.visible()
        page = int_param(request.query, "page", 0)
        pages = max(1, -(-len(items) // SITEMAP_PAGE))
        if page == 0:
            maps = "".join(f"<sitemap><loc>{esc(self.url(f'/sitemap.xml?page={n}'))}</loc></sitemap>"
                           for n in range(1, pages + 1))
            return xml_response("<?xml version='1.0' encoding='UTF-8'?>"
                                f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{maps}</sitemapindex>")
        if page is None or not 1 <= page <= pages:
            return not_found()
        chunk = items[(page - 1) * SITEMAP_PAGE: page * SITEMAP_PAGE]
        urls = "".join(f"<url><loc>{esc(self.url(r['path']))}</loc><lastmod>{local(r).astimezone(UTC).isoformat()}"
                       "</lastmod></url>" for r in chunk)
        return xml_response("<?xml version='1.0' encoding='UTF-8'?>"
                            f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>")

    def _body_html(self, record: Mapping) -> str:
        byline = record["byline"]
        lines = [f"<b>{esc(byline['text'])}</b>"] if byline["placement"] == "line" else []
        lines += [esc(p) for p in record["paragraphs"]]
        return f'<div dir="rtl" style="text-align: right;" trbidi="on">{"<br /><br />".join(lines)}</div>'

    def _profile(self, record: Mapping) -> str:
        byline = record["byline"]
        return byline["author"] if byline["style"] in ("person", "person_only") else UNKNOWN_PROFILE

    def _posts(self, records: list[dict], full: bool) -> str:
        out = []
        for record in records:
            dt = local(record)
            post_id = 7_000_000 + record["site_id"] * 13 + record["n"]
            body = self._body_html(record) if full else esc(record["paragraphs"][0][:160]) + "..."
            share = (
                '<div class="post-share-buttons goog-inline-block">'
                '<a class="goog-inline-block share-button sb-email" title="إرسال بالبريد الإلكتروني">'
                '<span class="share-button-link-text">إرسال بالبريد الإلكتروني</span></a>'
                '<a class="goog-inline-block share-button sb-blog" title="كتابة مدونة حول هذه المشاركة">'
                '<span class="share-button-link-text">كتابة مدونة حول هذه المشاركة</span></a>'
                '<a class="goog-inline-block share-button sb-twitter"><span class="share-button-link-text">المشاركة على X'
                '</span></a><a class="goog-inline-block share-button sb-facebook"><span class="share-button-link-text">'
                "المشاركة في Facebook</span></a></div>"
            ) if full else ""
            label = quote("محليات")
            out.append(
                f'<div class="date-outer"><h2 class="date-header"><span>{esc(date_header(record))}</span></h2>'
                '<div class="date-posts"><div class="post-outer">'
                '<div class="post hentry uncustomized-post-template" itemprop="blogPost" itemscope="itemscope" '
                'itemtype="http://schema.org/BlogPosting">'
                f'<a name="{post_id}"></a><h3 class="post-title entry-title" itemprop="name">'
                f'<a href="{esc(self.url(record["path"]))}">{esc(record["title"])}</a></h3>'
                f'<div class="post-header"><div class="post-header-line-1"></div></div>'
                f'<div class="post-body entry-content" id="post-body-{post_id}" itemprop="description articleBody">'
                f'{body}<div style="clear: both;"></div></div>'
                '<div class="post-footer"><div class="post-footer-line post-footer-line-1">'
                '<span class="post-author vcard">نشر بواسطة <span class="fn" itemprop="author" itemscope="itemscope" '
                f'itemtype="http://schema.org/Person"><span itemprop="name">{esc(self._profile(record))}</span></span></span> '
                f'<span class="post-timestamp">في <meta content="{esc(self.url(record["path"]))}" itemprop="url"/>'
                f'<a class="timestamp-link" href="{esc(self.url(record["path"]))}" rel="bookmark" title="permanent link">'
                f'<abbr class="published" itemprop="datePublished" title="{dt.isoformat()}">{clock12(dt)}</abbr></a></span> '
                f'<span class="post-comment-link"><a class="comment-link" href="{esc(self.url(record["path"]))}#comment-form">'
                "ليست هناك تعليقات:</a></span></div>"
                f"{share}"
                '<div class="post-footer-line post-footer-line-2"><span class="post-labels">التسميات: '
                f'<a href="{esc(self.url("/search/label/" + label))}" rel="tag">محليات</a></span></div></div>'
                "</div></div></div></div>"
            )
        html = "".join(out)
        if full:
            html += ('<div class="comments" id="comments"><h4>ليست هناك تعليقات:</h4>'
                     '<div class="comment-form"><h4 id="comment-post-message">إرسال تعليق</h4></div></div>'
                     '<div class="blog-pager" id="blog-pager"><span id="blog-pager-newer-link">'
                     '<a class="blog-pager-newer-link" href="/" title="رسالة أحدث">رسالة أحدث</a></span>'
                     '<span id="blog-pager-older-link"><a class="blog-pager-older-link" href="/" title="رسالة أقدم">'
                     'رسالة أقدم</a></span><a class="home-link" href="/">الصفحة الرئيسية</a></div>'
                     '<div class="post-feeds"><div class="feed-links">الاشتراك في: '
                     '<a class="feed-link" href="/feeds/posts/default" type="application/atom+xml">تعليقات الرسالة (Atom)</a>'
                     "</div></div>")
        else:
            html += ('<div class="blog-pager"><a class="blog-pager-older-link" '
                     'href="/search?updated-max=2015-07-20T00:00:00%2B02:00&amp;max-results=5">رسائل أقدم</a></div>')
        return html

    def _page(self, title: str, main: str, record: Mapping | None = None) -> str:
        canonical = f'<link rel="canonical" href="{esc(self.url(record["path"]))}" />' if record else ""
        return (
            "<!DOCTYPE html>\n<html class='v2' dir='rtl' lang='ar' xmlns='http://www.w3.org/1999/xhtml' "
            "xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data'>"
            "<head><meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>"
            "<meta content='blogger' name='generator'/>"
            f"{canonical}<title>{esc(self.spec.name_ar)}: {esc(title)}</title>"
            f"<link rel='alternate' type='application/atom+xml' title='{esc(self.spec.name_ar)} - Atom' "
            f"href='{esc(self.url('/feeds/posts/default'))}' /></head>"
            "<body class='loading'><div class='content-outer'><header><div class='header-inner'>"
            f"<h1 class='title'><a href='/'>{esc(self.spec.name_ar)}</a></h1>"
            "<p class='description'><span>أخبار الجنوب أولاً بأول</span></p></div></header>"
            f"<div class='main-inner'><div class='blog-posts hfeed'>{main}</div></div>"
            "<div class='sidebar'><h2>أرشيف المدونة</h2><h2>المتابعون</h2></div>"
            "<div class='footer'>مدعوم من Blogger.</div></div></body></html>"
        )

    def _atom(self, start: int, size: int = FEED_SIZE) -> str:
        items = self.visible()
        chunk = items[start - 1: start - 1 + size]
        entries = "".join(
            f"<entry><id>tag:blogger.com,1999:blog-1.post-{r['site_id']}</id>"
            f"<published>{local(r).isoformat()}</published><updated>{local(r).isoformat()}</updated>"
            f"<title type='text'>{esc(r['title'])}</title>"
            f"<content type='html'>{esc(self._body_html(r))}</content>"
            f"<link rel='alternate' type='text/html' href='{esc(self.url(r['path']))}' title='{esc(r['title'])}'/>"
            f"<author><name>{esc(self._profile(r))}</name></author></entry>"
            for r in chunk
        )
        nxt = ""
        if start - 1 + size < len(items) and size:
            nxt = (f"<link rel='next' type='application/atom+xml' "
                   f"href='{esc(self.url(f'/feeds/posts/default?start-index={start + size}&max-results={size}'))}'/>")
        return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
                "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>"
                f"<id>tag:blogger.com,1999:blog-1</id><title type='text'>{esc(self.spec.name_ar)}</title>"
                f"<link rel='alternate' type='text/html' href='{esc(self.base_url)}'/>{nxt}"
                f"<openSearch:totalResults>{len(items)}</openSearch:totalResults>"
                f"<openSearch:startIndex>{start}</openSearch:startIndex>"
                f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>{entries}</feed>")
