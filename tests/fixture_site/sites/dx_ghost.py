"""dx-ghost: a Ghost 5 publication with the Casper theme, as Ghost serves it. Post URLs are /{slug}/ with the
slug Ghost makes from an Arabic title (percent-encoded in links). robots.txt is Ghost's own (Sitemap: line,
/ghost/, /email/, /r/ disallowed); /sitemap.xml is an index of sitemap-pages.xml, sitemap-posts.xml,
sitemap-authors.xml and sitemap-tags.xml (with Ghost's XSL stylesheet and image:image entries); /rss/ holds
the 15 newest posts (CDATA, dc:creator, content:encoded); the home page, tag and author pages are paged
/page/N/ (posts_per_page 10; /page/1/ redirects to the first page), with <link rel="next"> in the head
(Casper's infinite scroll reads it) and the {{pagination}} helper's "older posts" link. A post shows
Ghost's JSON-LD Article (UTC, milliseconds), og/article meta, the author byline and Casper's "read more"
block: the three newest other posts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from akhbar.demo_web.arabic import MSA_MONTHS
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    not_found,
    page_count,
    page_slice,
    redirect,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, local

PER_PAGE = 10  # Casper's package.json "posts_per_page"
RSS_SIZE = 15  # Ghost's RSS: the 15 newest posts
SLUG_LIMIT = 185  # Ghost cuts a slug at 185 characters
GHOST = "Ghost 5.82"
TAG = ("local", "محليات")
ROBOTS = """User-agent: *
Sitemap: {base}sitemap.xml
Disallow: /ghost/
Disallow: /email/
Disallow: /members/api/comments/counts/
Disallow: /r/
Disallow: /webmentions/receive/
"""

THEME_ASSETS = {
    "/assets/built/casper.js": ("application/javascript; charset=UTF-8",
                                "!function(){var e=document.querySelector(\"link[rel=next]\");if(!e)return;"
                                "window.addEventListener(\"scroll\",function(){})}();\n"),
    "/assets/built/screen.css": ("text/css; charset=UTF-8", ":root{--color-green:#a4d037}.gh-head{height:100px}\n"),
}


def title_slug(title: str, limit: int = SLUG_LIMIT) -> str:
    """A CMS slug of an Arabic title (Ghost's and WordPress's sanitize_title keep letters of any script):
    words joined by hyphens, punctuation dropped, cut on a word boundary; percent-encoded as links show it."""
    words = ["".join(ch for ch in word if ch.isalnum()) for word in title.split()]
    slug = ""
    for word in filter(None, words):
        if len(slug) + len(word) + 1 > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return quote(slug.lower(), safe="-")


def ghost_date(dt: datetime) -> str:
    return f"{dt.day} {MSA_MONTHS[dt.month - 1]} {dt.year}"


def utc_ms(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class GhostSite(DevSite):
    slug = "dx-ghost"
    utility_lines = ("اشترك", "المقالات الأقدم", "اقرأ المزيد", "Powered by Ghost", "دقائق قراءة")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/{title_slug(record['title'])}/"
        record["variant"] = f"ghost-byline-{record['byline']['placement']}"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self.by_path = {unquote(r["path"]): r for r in self.records}  # the server hands paths decoded

    def _author(self, record: Mapping) -> tuple[str, str] | None:
        """(slug, name) of the post's Ghost staff user, when the byline names one."""
        name = record["byline"]["text"]
        if not name or record["byline"]["placement"] != "field":
            return None
        return f"staff-{sum(map(ord, name)) % 9973}", name

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(ROBOTS.format(base=self.url("/")))
        if path == "/sitemap.xml":
            return self._sitemap_index()
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            return self._sitemap(path[len("/sitemap-"):-len(".xml")])
        if path in THEME_ASSETS:  # the theme's built files, as Ghost serves them
            return Response(200, [("Content-Type", THEME_ASSETS[path][0]), ("Cache-Control", "public, max-age=31536000")],
                            THEME_ASSETS[path][1].encode())
        if path in ("/rss/", "/rss"):
            return xml_response(self._rss(), "application/rss+xml; charset=utf-8")
        if path == "/about/":
            return html_response(self._layout("من نحن", '<article class="article page"><h1 class="article-title">'
                                              f'من نحن</h1><section class="gh-content gh-canvas"><p>{esc(self.spec.about)}'
                                              "</p></section></article>", "page-template"))
        for prefix, items in (("/", self.visible()), (f"/tag/{TAG[0]}/", self.visible())):
            answer = self._paged(path, prefix, items)
            if answer is not None:
                return answer
        if path.startswith("/author/"):
            slug = path.split("/")[2]
            mine = [r for r in self.visible() if (self._author(r) or ("",))[0] == slug]
            answer = self._paged(path, f"/author/{slug}/", mine) if mine else None
            if answer is not None:
                return answer
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._post(record))

    # -- listings ------------------------------------------------------------------------------------
    def _paged(self, path: str, prefix: str, items: list[dict]) -> Response | None:
        if path == prefix:
            page = 1
        elif path.startswith(prefix + "page/") and path.endswith("/") and path[len(prefix) + 5:-1].isdigit():
            page = int(path[len(prefix) + 5:-1])
            if page == 1:
                return redirect(self.url(prefix))
        else:
            return None
        pages = page_count(len(items), PER_PAGE)
        if page > pages:
            return not_found()
        url_of = lambda n: self.url(prefix if n == 1 else f"{prefix}page/{n}/")  # noqa: E731
        head = "".join(f'<link rel="{rel}" href="{esc(url_of(n))}">'
                       for rel, n in (("prev", page - 1), ("next", page + 1)) if 1 <= n <= pages)
        pagination = '<nav class="pagination" role="navigation">'
        if page > 1:
            pagination += f'<a class="newer-posts" href="{esc(url_of(page - 1))}"><span aria-hidden="true">&larr;</span> المقالات الأحدث</a>'
        pagination += f'<span class="page-number">الصفحة {page} من {pages}</span>'
        if page < pages:
            pagination += f'<a class="older-posts" href="{esc(url_of(page + 1))}">المقالات الأقدم <span aria-hidden="true">&rarr;</span></a>'
        pagination += "</nav>"
        feed = "".join(self._card(r) for r in page_slice(items, page, PER_PAGE))
        main = (f'<div class="inner posts"><div class="post-feed">{feed}</div>{pagination}</div>')
        body_class = "home-template" if prefix == "/" else ("tag-template" if "/tag/" in prefix else "author-template")
        if page > 1:
            body_class += " paged"
        return html_response(self._layout(self.spec.name_ar, main, body_class, head=head,
                                          canonical=url_of(page)))

    def _card(self, record: Mapping) -> str:
        dt = local(record)
        href = esc(self.url(record["path"]))
        return (
            f'<article class="post-card post tag-{TAG[0]}">'
            f'<a class="post-card-image-link" href="{href}"><img class="post-card-image" '
            f'src="/content/images/size/w600/{dt:%Y/%m}/cover-{record["site_id"]}.jpg" alt="{esc(record["title"])}" '
            'loading="lazy"></a><div class="post-card-content">'
            f'<a class="post-card-content-link" href="{href}"><header class="post-card-header">'
            f'<div class="post-card-tags"><span class="post-card-primary-tag">{TAG[1]}</span></div>'
            f'<h2 class="post-card-title">{esc(record["title"])}</h2></header>'
            f'<div class="post-card-excerpt">{esc(record["paragraphs"][0][:200])}</div></a>'
            f'<footer class="post-card-meta"><time class="post-card-meta-date" datetime="{dt:%Y-%m-%d}">'
            f'{ghost_date(dt)}</time><span class="post-card-meta-length">{self._minutes(record)} دقائق قراءة</span>'
            "</footer></div></article>"
        )

    @staticmethod
    def _minutes(record: Mapping) -> int:
        return max(1, len(record["body"].split()) // 200)

    # -- a post --------------------------------------------------------------------------------------
    def _post(self, record: Mapping) -> str:
        dt = local(record)
        url = self.url(record["path"])
        author = self._author(record)
        image = self.url(f"/content/images/{dt:%Y/%m}/cover-{record['site_id']}.jpg")
        ld = {"@context": "https://schema.org", "@type": "Article",
              "publisher": {"@type": "Organization", "name": self.spec.name_ar, "url": self.url("/"),
                            "logo": {"@type": "ImageObject", "url": self.url("/favicon.ico"), "width": 48, "height": 48}},
              "headline": record["title"], "url": url, "datePublished": utc_ms(dt), "dateModified": utc_ms(dt),
              "image": {"@type": "ImageObject", "url": image, "width": 1200, "height": 800},
              "keywords": TAG[1], "description": record["paragraphs"][0][:150], "mainEntityOfPage": url}
        if author:
            ld["author"] = {"@type": "Person", "name": author[1], "url": self.url(f"/author/{author[0]}/"),
                            "sameAs": []}
        head = (
            f'<meta name="description" content="{esc(record["paragraphs"][0][:150])}">'
            '<meta property="og:type" content="article">'
            f'<meta property="og:title" content="{esc(record["title"])}">'
            f'<meta property="og:url" content="{esc(url)}"><meta property="og:image" content="{esc(image)}">'
            f'<meta property="article:published_time" content="{utc_ms(dt)}">'
            f'<meta property="article:modified_time" content="{utc_ms(dt)}">'
            f'<meta property="article:tag" content="{TAG[1]}"><meta name="twitter:card" content="summary_large_image">'
            f'<script type="application/ld+json">\n{json.dumps(ld, ensure_ascii=False, indent=4)}\n    </script>'
        )
        byline = ""
        if author:
            byline = (
                '<div class="article-byline"><section class="article-byline-content"><ul class="author-list">'
                f'<li class="author-list-item"><a href="/author/{author[0]}/" class="author-avatar author-profile-image">'
                '<svg viewBox="0 0 24 24"></svg></a></li></ul><div class="article-byline-meta">'
                f'<h4 class="author-name"><a href="/author/{author[0]}/">{esc(author[1])}</a></h4>'
                f'<div class="byline-meta-content"><time class="byline-meta-date" datetime="{dt:%Y-%m-%d}">{ghost_date(dt)}'
                f'</time><span class="byline-reading-time"><span class="bull">&bull;</span> {self._minutes(record)} دقائق قراءة'
                "</span></div></div></section></div>"
            )
        else:
            byline = (f'<div class="article-byline"><div class="byline-meta-content"><time class="byline-meta-date" '
                      f'datetime="{dt:%Y-%m-%d}">{ghost_date(dt)}</time></div></div>')
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        more = "".join(self._card(r) for r in [r for r in self.visible() if r["key"] != record["key"]][:3])
        main = (
            f'<article class="article post tag-{TAG[0]}"><header class="article-header gh-canvas">'
            f'<div class="article-tag post-card-tags"><span class="post-card-primary-tag"><a href="/tag/{TAG[0]}/">'
            f'{TAG[1]}</a></span></div><h1 class="article-title">{esc(record["title"])}</h1>{byline}'
            f'<figure class="article-image"><img src="{esc(image)}" alt="{esc(record["title"])}"></figure></header>'
            f'<section class="gh-content gh-canvas">{paragraphs}</section></article>'
            '<section class="footer-cta outer"><div class="inner"><h2 class="footer-cta-title">اشترك في النشرة</h2>'
            '<a class="footer-cta-button" href="#/portal" data-portal><div class="footer-cta-input">بريدك الإلكتروني</div>'
            '<span>اشترك</span></a></div></section>'
            '<aside class="read-more-wrap outer"><div class="read-more inner"><h3 class="read-more-title">اقرأ المزيد</h3>'
            f'<div class="read-more-feed">{more}</div></div></aside>'
        )
        return self._layout(record["title"], main, f"post-template tag-{TAG[0]}", head=head, canonical=url)

    def _layout(self, title: str, main: str, body_class: str, head: str = "", canonical: str | None = None) -> str:
        canonical_link = f'<link rel="canonical" href="{esc(canonical)}">' if canonical else ""
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n    <meta charset="utf-8">\n'
            '    <meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            f"    <title>{esc(title)}</title>\n"
            '    <meta name="HandheldFriendly" content="True">\n'
            '    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            '    <link rel="stylesheet" type="text/css" href="/assets/built/screen.css?v=4a1b2c3d4e">\n'
            f'    <link rel="icon" href="/favicon.ico" type="image/x-icon">{canonical_link}'
            '<meta name="referrer" content="no-referrer-when-downgrade">'
            f'<meta property="og:site_name" content="{esc(self.spec.name_ar)}">{head}'
            f'<meta name="generator" content="{GHOST}">'
            f'<link rel="alternate" type="application/rss+xml" title="{esc(self.spec.name_ar)}" href="{esc(self.url("/rss/"))}">'
            '<script defer src="https://cdn.jsdelivr.net/ghost/portal@~2.37/umd/portal.min.js" data-i18n="false" '
            f'data-ghost="{esc(self.url("/"))}" data-key="9a2f1c0e7b3d5a6c4e8f0b1d2a" '
            f'data-api="{esc(self.url("/ghost/api/content/"))}" crossorigin="anonymous"></script>\n</head>\n'
            f'<body class="{body_class} is-head-left-logo has-cover">\n<div class="viewport">\n'
            '<header id="gh-head" class="gh-head outer"><div class="gh-head-inner inner">'
            f'<div class="gh-head-brand"><a class="gh-head-logo" href="{esc(self.url("/"))}">{esc(self.spec.name_ar)}</a></div>'
            '<nav class="gh-head-menu"><ul class="nav">'
            f'<li class="nav-home"><a href="{esc(self.url("/"))}">الرئيسية</a></li>'
            f'<li class="nav-local"><a href="{esc(self.url(f"/tag/{TAG[0]}/"))}">{TAG[1]}</a></li>'
            f'<li class="nav-about"><a href="{esc(self.url("/about/"))}">من نحن</a></li></ul></nav>'
            '<div class="gh-head-actions"><a class="gh-head-button" href="#/portal/signup" data-portal="signup">اشترك</a>'
            '</div></div></header>\n'
            f'<div class="site-content"><main id="site-main" class="site-main outer">{main}</main></div>\n'
            '<footer class="site-footer outer"><div class="inner"><section class="copyright">'
            f'<a href="{esc(self.url("/"))}">{esc(self.spec.name_ar)}</a> &copy; 2015</section>'
            f'<nav class="site-footer-nav"><ul class="nav"><li class="nav-rss"><a href="{esc(self.url("/rss/"))}">RSS</a>'
            '</li></ul></nav><div class="gh-powered-by"><a href="https://ghost.org/" target="_blank" rel="noopener">'
            "Powered by Ghost</a></div></div></footer>\n</div>\n"
            '<script src="/assets/built/casper.js?v=4a1b2c3d4e"></script>\n</body>\n</html>\n'
        )

    # -- sitemaps and RSS -------------------------------------------------------------------------------
    def _xml(self, body: str) -> Response:
        return xml_response('<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" '
                            f'href="{esc(self.url("/sitemap.xsl"))[len("http:"):]}"?>{body}')

    def _sitemap_index(self) -> Response:
        newest = utc_ms(local(self.visible()[0])) if self.visible() else utc_ms(datetime(2015, 1, 1, tzinfo=UTC))
        maps = "".join(f"<sitemap><loc>{esc(self.url(f'/sitemap-{kind}.xml'))}</loc><lastmod>{newest}</lastmod>"
                       "</sitemap>" for kind in ("pages", "posts", "authors", "tags"))
        return self._xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>')

    def _sitemap(self, kind: str) -> Response:
        visible = self.visible()
        if kind == "posts":
            entries = [(r["path"], utc_ms(local(r)),
                        f"/content/images/{local(r):%Y/%m}/cover-{r['site_id']}.jpg") for r in visible]
        elif kind == "pages":
            entries = [("/about/", utc_ms(datetime(2015, 1, 1, tzinfo=UTC)), None)]
        elif kind == "tags":
            entries = [(f"/tag/{TAG[0]}/", utc_ms(local(visible[0])) if visible else None, None)]
        elif kind == "authors":
            authors = dict.fromkeys(a[0] for r in visible if (a := self._author(r)))
            entries = [(f"/author/{slug}/", None, None) for slug in authors]
        else:
            return not_found()
        urls = ""
        for path, lastmod, image in entries:
            urls += f"<url><loc>{esc(self.url(path))}</loc>"
            urls += f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
            if image:
                urls += (f"<image:image><image:loc>{esc(self.url(image))}</image:loc>"
                         f"<image:caption>{esc(image.rsplit('/', 1)[-1])}</image:caption></image:image>")
            urls += "</url>"
        return self._xml('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                         f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{urls}</urlset>')

    def _rss(self) -> str:
        items = ""
        for record in self.visible()[:RSS_SIZE]:
            author = self._author(record)
            creator = f"<dc:creator><![CDATA[{author[1]}]]></dc:creator>" if author else ""
            body = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
            items += (
                f"<item><title><![CDATA[{record['title']}]]></title>"
                f"<description><![CDATA[{record['paragraphs'][0][:200]}]]></description>"
                f"<link>{esc(self.url(record['path']))}</link>"
                f'<guid isPermaLink="false">5f{record["site_id"]:022x}</guid>'
                f"<category><![CDATA[{TAG[1]}]]></category>{creator}"
                f"<pubDate>{local(record).astimezone(UTC):%a, %d %b %Y %H:%M:%S GMT}</pubDate>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
            )
        return ('<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
                'version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
                f"<title><![CDATA[{self.spec.name_ar}]]></title><description><![CDATA[{self.spec.about}]]></description>"
                f"<link>{esc(self.url('/'))}</link><generator>{GHOST}</generator>"
                f'<atom:link href="{esc(self.url("/rss/"))}" rel="self" type="application/rss+xml"/><ttl>60</ttl>'
                f"{items}</channel></rss>")
