"""dx-wpplain: WordPress with plain permalinks (/?p=N, the default of a fresh install): no article URL
says "article" by its shape, only the page's content does. No SEO plugin, so no og:type and no JSON-LD.
A sitemap plugin (Google XML Sitemaps style) writes a sitemap index named in robots.txt whose children
are plain (the newest) and gzipped (older ones, served as application/x-gzip files). Listings: the home
page paged with /?paged=N, month archives /?m=YYYYMM, a category /?cat=N, a static page /?page_id=2.

WordPressSite holds the WordPress markup the dx-wparchive template shares."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from datetime import UTC

from akhbar.demo_web.arabic import MSA_MONTHS, rfc822
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
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, arabic_long_date, local

PER_PAGE = 6
SITEMAP_CHUNK = 10
ABOUT = ("صحيفة إلكترونية مستقلة تأسست لتغطية أخبار الساحل والمدن القريبة منه. "
         "للتواصل مع التحرير يرجى استخدام البريد الإلكتروني.")


def month_label(year: int, month: int) -> str:
    return f"{MSA_MONTHS[month - 1]} {year}"


class WordPressSite(DevSite):
    """WordPress theme markup (a Twenty-Seventeen-like theme in Arabic); subclasses give the URLs."""

    utility_lines = ("اترك تعليقاً", "المقالة السابقة", "المقالة التالية", "أحدث المقالات", "الأرشيف",
                     "فخور باستخدام ووردبريس", "اقرأ المزيد")
    post_navigation = True  # "المقالة السابقة / التالية" under a post: a chain through every post

    def category_links(self) -> str:
        """The entry footer's category link (a theme may print none)."""
        return ('<footer class="entry-footer"><span class="cat-links">نشرت في <a href="/?cat=3" rel="category">محليات'
                "</a></span></footer>")

    def post_link(self, record: Mapping) -> str:
        return record["path"]

    def feed_path(self) -> str:
        return "/feed/"

    def nav_links(self) -> list[tuple[str, str]]:
        return [("/", "الرئيسية")]

    def sidebar(self) -> str:
        recent = "".join(f'<li><a href="{esc(self.post_link(r))}">{esc(r["title"])}</a></li>'
                         for r in self.visible()[:5])
        return ('<aside id="secondary" class="widget-area" role="complementary">'
                f'<section class="widget widget_recent_entries"><h2 class="widget-title">أحدث المقالات</h2><ul>{recent}'
                f"</ul></section>{self.archive_widgets()}</aside>")

    def archive_widgets(self) -> str:
        return ""

    def excerpt(self, record: Mapping) -> str:
        dt = local(record)
        return (
            f'<article class="post type-post status-publish format-standard hentry">'
            f'<header class="entry-header"><div class="entry-meta"><span class="posted-on">'
            f'<time class="entry-date published" datetime="{dt.isoformat()}">{esc(arabic_long_date(dt, with_time=False))}'
            f'</time></span></div><h2 class="entry-title"><a href="{esc(self.post_link(record))}" rel="bookmark">'
            f'{esc(record["title"])}</a></h2></header>'
            f'<div class="entry-summary"><p>{esc(record["paragraphs"][0][:180])} [&hellip;]</p>'
            f'<a class="more-link" href="{esc(self.post_link(record))}">اقرأ المزيد</a></div></article>'
        )

    def listing(self, title: str, items: list[dict], pager: str = "") -> str:
        posts = "".join(self.excerpt(r) for r in items) or '<p class="no-results">لا توجد مقالات.</p>'
        return self.layout(title, f'<header class="page-header"><h1 class="page-title">{esc(title)}</h1></header>'
                                  f"{posts}{pager}", "archive")

    def pager(self, page: int, pages: int, url_of) -> str:
        """WordPress's paginate_links(): numbers, then التالي / السابق."""
        if pages <= 1:
            return ""
        links = []
        if page > 1:
            links.append(f'<a class="prev page-numbers" href="{esc(url_of(page - 1))}">السابق</a>')
        for n in range(1, pages + 1):
            links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>' if n == page
                         else f'<a class="page-numbers" href="{esc(url_of(n))}">{n}</a>')
        if page < pages:
            links.append(f'<a class="next page-numbers" href="{esc(url_of(page + 1))}">التالي</a>')
        return ('<nav class="navigation pagination" role="navigation"><h2 class="screen-reader-text">'
                f'تصفّح المقالات</h2><div class="nav-links">{"".join(links)}</div></nav>')

    def article(self, record: Mapping, head: str = "") -> str:
        dt = local(record)
        byline = record["byline"]
        by = ""
        if byline["placement"] == "field" and byline["text"]:
            by = (f'<span class="byline"> بواسطة <span class="author vcard"><a class="url fn n" href="/?author=2">'
                  f'{esc(byline["text"])}</a></span></span>')
        line = f"<p><strong>{esc(byline['text'])}</strong></p>" if byline["placement"] == "line" else ""
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        visible = self.visible()
        index = [r["key"] for r in visible].index(record["key"])
        nav = ""
        if index + 1 < len(visible) and self.post_navigation:
            older = visible[index + 1]
            nav += (f'<div class="nav-previous"><a href="{esc(self.post_link(older))}" rel="prev">'
                    f'<span class="meta-nav">المقالة السابقة</span> {esc(older["title"])}</a></div>')
        if index > 0 and self.post_navigation:
            newer = visible[index - 1]
            nav += (f'<div class="nav-next"><a href="{esc(self.post_link(newer))}" rel="next">'
                    f'<span class="meta-nav">المقالة التالية</span> {esc(newer["title"])}</a></div>')
        comments = "".join(
            f'<li class="comment"><article class="comment-body"><footer class="comment-meta"><b class="fn">{esc(name)}'
            f'</b> <span class="says">قال:</span></footer><div class="comment-content"><p>{esc(text)}</p></div>'
            "</article></li>" for name, text in self.comments(record))
        main = (
            f'<article id="post-{record["site_id"]}" class="post-{record["site_id"]} post type-post status-publish '
            'format-standard hentry category-local"><header class="entry-header"><div class="entry-meta">'
            f'<span class="posted-on"><span class="screen-reader-text">نشرت في</span> '
            f'<a href="{esc(self.post_link(record))}" rel="bookmark"><time class="entry-date published" '
            f'datetime="{dt.isoformat()}">{esc(arabic_long_date(dt))}</time></a></span>{by}</div>'
            f'<h1 class="entry-title">{esc(record["title"])}</h1></header>'
            f'<div class="entry-content">{line}{paragraphs}</div>'
            f"{self.category_links()}</article>"
            '<nav class="navigation post-navigation" role="navigation"><h2 class="screen-reader-text">تصفّح المقالات'
            f'</h2><div class="nav-links">{nav}</div></nav>'
            f'<div id="comments" class="comments-area"><h2 class="comments-title">تعليقان</h2>'
            f'<ol class="comment-list">{comments}</ol><div id="respond" class="comment-respond">'
            '<h3 id="reply-title" class="comment-reply-title">اترك تعليقاً</h3></div></div>'
        )
        return self.layout(record["title"], main, f"single single-post postid-{record['site_id']}", head)

    def layout(self, title: str, main: str, body_class: str, head: str = "", sidebar: str | None = None) -> str:
        menu = "".join(f'<li class="menu-item"><a href="{esc(href)}">{esc(text)}</a></li>'
                       for href, text in self.nav_links())
        return (
            '<!DOCTYPE html>\n<html dir="rtl" lang="ar" class="no-js no-svg"><head><meta charset="UTF-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} &#8211; {esc(self.spec.name_ar)}</title>"
            f'<link rel="alternate" type="application/rss+xml" title="{esc(self.spec.name_ar)} &laquo; الخلاصة" '
            f'href="{esc(self.url(self.feed_path()))}" />{head}'
            "<link rel='stylesheet' id='twentyseventeen-style-css' href='/wp-content/themes/twentyseventeen/style.css'"
            " type='text/css' media='all' /><meta name=\"generator\" content=\"WordPress 5.4.2\" /></head>"
            f'<body class="rtl {body_class}"><div id="page" class="site">'
            '<header id="masthead" class="site-header" role="banner"><div class="site-branding">'
            f'<p class="site-title"><a href="/" rel="home">{esc(self.spec.name_ar)}</a></p>'
            f'<p class="site-description">{esc(self.spec.about)}</p></div>'
            f'<nav id="site-navigation" class="main-navigation"><ul id="top-menu" class="menu">{menu}</ul></nav></header>'
            '<div class="site-content-contain"><div id="content" class="site-content"><div class="wrap">'
            f'<div id="primary" class="content-area"><main id="main" class="site-main" role="main">{main}</main></div>'
            f'{self.sidebar() if sidebar is None else sidebar}</div></div><footer id="colophon" class="site-footer" role="contentinfo">'
            '<div class="site-info"><a href="https://ar.wordpress.org/">فخور باستخدام ووردبريس</a></div>'
            "</footer></div></div></body></html>\n"
        )

    def feed(self, items: list[dict]) -> str:
        entries = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(self.post_link(r)))}</link>"
            f"<pubDate>{rfc822(local(r))}</pubDate><guid isPermaLink=\"false\">{esc(self.url('/?p=' + str(r['site_id'])))}"
            f"</guid><description>{esc(r['lead'][:200])}</description></item>" for r in items)
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
                f"<description>{esc(self.spec.about)}</description>{entries}</channel></rss>\n")


class WpPlainSite(WordPressSite):
    slug = "dx-wpplain"

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/?p={record['site_id']}"
        record["variant"] = f"wpplain-byline-{record['byline']['placement']}"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_id = {str(r["site_id"]): r for r in self.records}

    def feed_path(self) -> str:
        return "/?feed=rss2"

    def nav_links(self) -> list[tuple[str, str]]:
        return [("/", "الرئيسية"), ("/?cat=3", "محليات"), ("/?page_id=2", "من نحن")]

    def archive_widgets(self) -> str:
        months = sorted({(local(r).year, local(r).month) for r in self.visible()}, reverse=True)
        items = "".join(f"<li><a href='/?m={y:04d}{m:02d}'>{esc(month_label(y, m))}</a></li>" for y, m in months)
        return f'<section class="widget widget_archive"><h2 class="widget-title">الأرشيف</h2><ul>{items}</ul></section>'

    def route(self, request: Request) -> Response:
        path, query = request.path, request.query
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                                 f"Sitemap: {self.url('/sitemap.xml')}\n")
        if path == "/sitemap.xml":
            return xml_response(self._sitemap_index())
        if path.startswith("/sitemap-pt-post-"):
            return self._child_sitemap(path)
        if path not in ("/", "/index.php"):
            return not_found()
        if "p" in query:
            record = self.published(self._by_id.get(query["p"][0]))
            if record is None:
                return not_found()
            head = (f'<link rel="canonical" href="{esc(self.url(record["path"]))}" />'
                    f"<link rel='shortlink' href='{esc(self.url(record['path']))}' />")
            return html_response(self.article(record, head))
        if query.get("feed"):
            return xml_response(self.feed(self.visible()[:10]), "application/rss+xml; charset=UTF-8")
        if query.get("page_id") == ["2"]:
            return html_response(self.layout("من نحن", f'<article class="page"><h1 class="entry-title">من نحن</h1>'
                                             f'<div class="entry-content"><p>{esc(ABOUT)}</p></div></article>', "page"))
        items = self.visible()
        base = "/?"
        if "m" in query:
            stamp = query["m"][0]
            items = [r for r in items if f"{local(r).year:04d}{local(r).month:02d}".startswith(stamp[:6])
                     and (len(stamp) < 8 or f"{local(r).day:02d}" == stamp[6:8])]
            base = f"/?m={stamp}&"
        elif "cat" in query:
            base = f"/?cat={query['cat'][0]}&"
        page = int_param(query, "paged", 1)
        pages = page_count(len(items), PER_PAGE)
        if page is None or page < 1 or (page > pages and items):
            return not_found()
        pager = self.pager(page, pages, lambda n: base.rstrip("?&") if n == 1 else f"{base}paged={n}")
        title = self.spec.name_ar if base == "/?" else "الأرشيف"
        return html_response(self.listing(title, page_slice(items, page, PER_PAGE), pager))

    def _chunks(self) -> list[list[dict]]:
        items = self.visible()
        return [items[i:i + SITEMAP_CHUNK] for i in range(0, len(items), SITEMAP_CHUNK)]

    def _child_name(self, n: int) -> str:
        # The newest chunk is a plain file, the older ones are gzipped archives.
        return f"/sitemap-pt-post-p{n + 1}.xml" + (".gz" if n else "")

    def _sitemap_index(self) -> str:
        newest = {n: max(local(r) for r in chunk) for n, chunk in enumerate(self._chunks())}
        maps = "".join(f"<sitemap><loc>{esc(self.url(self._child_name(n)))}</loc>"
                       f"<lastmod>{newest[n].astimezone(UTC).isoformat()}</lastmod></sitemap>" for n in newest)
        return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>')

    def _child_sitemap(self, path: str) -> Response:
        chunks = self._chunks()
        names = {self._child_name(n): n for n in range(len(chunks))}
        if path not in names:
            return not_found()
        urls = "".join(f"<url><loc>{esc(self.url(r['path']))}</loc><lastmod>{local(r).astimezone(UTC).isoformat()}"
                       "</lastmod><changefreq>monthly</changefreq></url>" for r in chunks[names[path]])
        urls += f"<url><loc>{esc(self.url('/?page_id=2'))}</loc></url>" if names[path] == 0 else ""
        text = ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        if path.endswith(".gz"):
            return Response(200, [("Content-Type", "application/x-gzip")], gzip.compress(text.encode("utf-8"), mtime=0))
        return xml_response(text)
