"""fx-wasat: a WordPress-like news theme (feed, Yoast-style sitemaps, categories, tags, authors)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote

from akhbar.demo_web.arabic import full_date_ar, parse_iso, rfc822
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    Site,
    esc,
    html_response,
    not_found,
    page_count,
    page_slice,
    redirect,
    stable_pick,
    text_response,
    tiny_png,
    xml_response,
)

CATEGORIES = {"libya": "ليبيا", "economy": "اقتصاد", "health": "صحة", "sport": "رياضة", "culture": "ثقافة"}
CATEGORY_BY_NAME = {name: slug for slug, name in CATEGORIES.items()}
AUTHOR_SLUGS = {
    "سالم العبيدي": "salem-alobeidi",
    "هدى الشريف": "huda-alsharif",
    "عبدالرحمن الفيتوري": "abdulrahman-alfitouri",
    "نسرين المصراتي": "nesrine-almisrati",
    "أيمن الورفلي": "ayman-alwarfalli",
}
PER_PAGE = 5
FEED_SIZE = 10
SITEMAP_SIZE = 10
COMMENTS = (
    ("أبو محمد", "نتمنى أن تستمر هذه الجهود وألا تبقى مجرد وعود."),
    ("سالمة", "شكراً لبوابة الوسط على المتابعة الدقيقة."),
    ("مواطن من الجنوب", "والجنوب متى يأتي دوره؟"),
    ("خالد", "الخبر منقول ناقص، أين التفاصيل؟"),
    ("ريم", "خطوة في الاتجاه الصحيح."),
)


def tag_slug(tag: str) -> str:
    return tag.replace(" ", "-")


class WasatSite(Site):
    slug = "fx-wasat"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_path = {record["path"]: record for record in self.records}
        self._by_id = {record["site_id"]: record for record in self.records}

    # ---- routing -------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(self._robots())
        if path == "/" and "p" in request.query:
            return self._shortlink(request.query["p"][0])
        if path == "/":
            return html_response(self._home())
        if path.startswith("/wp-admin"):
            return html_response("<h1>Forbidden</h1>", status=403)
        if path.startswith("/wp-content/uploads/"):
            return Response(200, [("Content-Type", "image/png")], tiny_png())
        if path == "/feed/":
            return xml_response(self._feed(), "application/rss+xml; charset=UTF-8")
        if path.endswith(".xml"):
            return self._sitemap(path.strip("/"))
        parts = [part for part in path.split("/") if part]
        if parts and parts[0] in ("category", "tag", "author"):
            return self._archive(parts)
        record = self._by_path.get(quote(path, safe="/-"))
        if record is None and quote(path + "/", safe="/-") in self._by_path:
            return redirect(self.url(quote(path + "/", safe="/-")))  # WordPress adds the slash
        if record is None or not self.catalog.is_visible(record):
            return not_found()
        return html_response(self._article(record))

    def _shortlink(self, value: str) -> Response:
        record = self._by_id.get(int(value)) if value.isdigit() else None
        if record is None or not self.catalog.is_visible(record):
            return not_found()
        return redirect(self.url(record["path"]))

    def _robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
            f"Sitemap: {self.url('/sitemap_index.xml')}\n"
        )

    # ---- listings ------------------------------------------------------------------------
    def _archive(self, parts: list[str]) -> Response:
        kind, name = parts[0], parts[1] if len(parts) > 1 else ""
        page = 1
        if len(parts) == 4 and parts[2] == "page" and parts[3].isdigit():
            page = int(parts[3])
        elif len(parts) != 2:
            return not_found()
        items, title = self._archive_items(kind, name)
        if title is None or page < 1 or page > page_count(len(items), PER_PAGE):
            return not_found()
        base = f"/{kind}/{quote(name)}/"
        return html_response(self._listing_page(title, base, items, page))

    def _archive_items(self, kind: str, name: str) -> tuple[list[dict], str | None]:
        visible = self.visible()
        if kind == "category" and name in CATEGORIES:
            return [r for r in visible if r["section"] == CATEGORIES[name]], f"أرشيف {CATEGORIES[name]}"
        if kind == "tag":
            items = [r for r in visible if name in {tag_slug(t) for t in r["tags"]}]
            return items, (f"الوسم: {name.replace('-', ' ')}" if items else None)
        if kind == "author":
            names = [n for n, s in AUTHOR_SLUGS.items() if s == name]
            items = [r for r in visible if names and names[0] in r["authors"]]
            return items, (f"كل مقالات {names[0]}" if names else None)
        return [], None

    def _card(self, record: Mapping, utm: str = "") -> str:
        dt = parse_iso(record["published_at"])
        cat = CATEGORY_BY_NAME.get(record["section"], "libya")
        return (
            f'<article id="post-{record["site_id"]}" class="post type-post status-publish category-{cat}">'
            f'<h2 class="entry-title"><a href="{esc(record["path"] + utm)}" rel="bookmark">'
            f'{esc(record["title"])}</a></h2>'
            f'<div class="entry-meta"><time class="entry-date" datetime="{record["published_at"]}">'
            f"{esc(full_date_ar(dt))}</time></div>"
            f'<div class="entry-summary"><p>{esc(record["lead"][:140])}…</p></div></article>'
        )

    def _listing_page(self, title: str, base: str, items: list[dict], page: int) -> str:
        cards = "".join(self._card(r) for r in page_slice(items, page, PER_PAGE))
        nav = []
        if page > 1:
            prev = base if page == 2 else f"{base}page/{page - 1}/"
            nav.append(f'<a class="prev page-numbers" href="{esc(prev)}">« السابق</a>')
        for n in range(1, page_count(len(items), PER_PAGE) + 1):
            href = base if n == 1 else f"{base}page/{n}/"
            cls = "page-numbers current" if n == page else "page-numbers"
            nav.append(f'<a class="{cls}" href="{esc(href)}">{n}</a>')
        if page < page_count(len(items), PER_PAGE):
            nav.append(f'<a class="next page-numbers" href="{esc(base)}page/{page + 1}/">التالي »</a>')
        body = (
            f'<header class="page-header"><h1 class="page-title">{esc(title)}</h1></header>{cards}'
            f'<nav class="navigation pagination"><div class="nav-links">{"".join(nav)}</div></nav>'
        )
        return self._layout(title, body, "archive category")

    def _home(self) -> str:
        visible = self.visible()
        latest = "".join(self._card(r) for r in visible[:10])
        popular = [visible[i] for i in (2, 5, 8) if i < len(visible)]
        most_read = "".join(
            f'<li><a href="{esc(r["path"])}?utm_source=fb&amp;utm_medium=social">{esc(r["title"])}</a></li>'
            for r in popular
        )
        body = (
            f'<section class="latest-news"><h2 class="section-title">آخر الأخبار</h2>{latest}</section>'
            f'<section class="widget most-read"><h3 class="widget-title">الأكثر قراءة</h3><ul>{most_read}'
            '<li><a href="/2019/05/deleted-post/">تقرير: ملف الكهرباء في الصيف</a></li></ul></section>'
        )
        return self._layout(self.spec.name_ar, body, "home blog")

    # ---- article -------------------------------------------------------------------------
    def _article(self, record: Mapping) -> str:
        url = self.url(record["path"])
        dt = parse_iso(record["published_at"])
        cat = CATEGORY_BY_NAME.get(record["section"], "libya")
        head = self._article_head(record, url)
        byline = "".join(
            f'<span class="author vcard"><a class="url fn n" href="/author/{AUTHOR_SLUGS.get(a, "staff")}/" '
            f'rel="author">{esc(a)}</a></span>' for a in record["authors"]
        )
        byline_html = f'<span class="byline">بقلم {byline}</span>' if byline else ""
        tags = "".join(
            f'<a href="/tag/{esc(quote(tag_slug(t)))}/" rel="tag">{esc(t)}</a>' for t in record["tags"]
        )
        body = (
            '<nav class="breadcrumbs"><a href="/">الرئيسية</a> » '
            f'<a href="/category/{cat}/">{esc(record["section"])}</a></nav>'
            f'<article id="post-{record["site_id"]}" class="post-{record["site_id"]} post type-post '
            f'status-publish format-standard has-post-thumbnail category-{cat}">'
            f'<header class="entry-header"><h1 class="entry-title">{esc(record["title"])}</h1>'
            f'<div class="entry-meta"><span class="posted-on"><time class="entry-date published" '
            f'datetime="{record["published_at"]}">{esc(full_date_ar(dt))}</time></span> {byline_html} '
            f'<span class="cat-links"><a href="/category/{cat}/" rel="category tag">'
            f'{esc(record["section"])}</a></span></div></header>'
            '<figure class="wp-block-image post-thumbnail">'
            f'<img src="/wp-content/uploads/{dt.year}/{dt.month:02d}/{record["site_id"]}.jpg" '
            f'alt="{esc(record["title"])}" width="800" height="450">'
            f'<figcaption>صورة أرشيفية - {esc(record["city"])} (بوابة الوسط التجريبية)</figcaption></figure>'
            f'<div class="entry-content">{self._content(record)}</div>'
            f'<footer class="entry-footer"><span class="tags-links">الوسوم: {tags}</span></footer>'
            f"</article>{self._comments(record)}"
        )
        return self._layout(f'{record["title"]} | {self.spec.name_ar}', body,
                            f'single single-post postid-{record["site_id"]}', head)

    def _content(self, record: Mapping) -> str:
        paragraphs = [f"<p>{esc(p)}</p>" for p in record["paragraphs"]]
        related = [r for r in self.records if r["release_order"] < record["release_order"]][-3:]
        if related:
            links = "".join(f'<li><a href="{esc(r["path"])}">{esc(r["title"])}</a></li>' for r in related)
            box = f'<div class="read-also"><h4>اقرأ أيضاً</h4><ul>{links}</ul></div>'
            paragraphs.insert(min(2, len(paragraphs)), box)
        paragraphs.append(
            '<div class="share-buttons"><span>شارك الخبر:</span> '
            '<a class="share-facebook" href="#">فيسبوك</a> <a class="share-twitter" href="#">تويتر</a> '
            '<a class="share-whatsapp" href="#">واتساب</a></div>'
        )
        paragraphs.append('<p class="follow-us"><strong>تابعونا على فيسبوك</strong></p>')
        return "\n".join(paragraphs)

    def _comments(self, record: Mapping) -> str:
        count = int(record["site_id"]) % 3
        chosen = stable_pick(record["key"], COMMENTS, count)
        if not chosen:
            return '<div id="comments" class="comments-area"><p class="no-comments">لا توجد تعليقات</p></div>'
        items = "".join(
            f'<li class="comment"><div class="comment-author vcard"><b class="fn">{esc(name)}</b></div>'
            f'<div class="comment-content"><p>{esc(text)}</p></div></li>' for name, text in chosen
        )
        return (
            f'<div id="comments" class="comments-area"><h2 class="comments-title">تعليقات القراء '
            f'({len(chosen)})</h2><ol class="comment-list">{items}</ol></div>'
        )

    def _article_head(self, record: Mapping, url: str) -> str:
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": record["title"],
            "description": record["lead"],
            "datePublished": record["published_at"],
            "dateModified": record["published_at"],
            "author": [{"@type": "Person", "name": a} for a in record["authors"]]
            or {"@type": "Organization", "name": self.spec.name_ar},
            "publisher": {"@type": "Organization", "name": self.spec.name_ar,
                          "logo": {"@type": "ImageObject", "url": self.url("/wp-content/uploads/logo.png")}},
            "articleSection": record["section"],
            "keywords": ", ".join(record["tags"]),
            "inLanguage": "ar",
        }
        metas = [
            f'<link rel="canonical" href="{esc(url)}">',
            f'<meta name="description" content="{esc(record["lead"])}">',
            '<meta property="og:locale" content="ar_AR">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(record["title"])}">',
            f'<meta property="og:description" content="{esc(record["lead"])}">',
            f'<meta property="og:url" content="{esc(url)}">',
            f'<meta property="og:site_name" content="{esc(self.spec.name_ar)}">',
            f'<meta property="article:published_time" content="{record["published_at"]}">',
            f'<meta property="article:modified_time" content="{record["published_at"]}">',
            f'<meta property="article:section" content="{esc(record["section"])}">',
            *(f'<meta property="article:tag" content="{esc(t)}">' for t in record["tags"]),
            '<script type="application/ld+json">' + json.dumps(ld, ensure_ascii=False) + "</script>",
        ]
        return "\n".join(metas)

    # ---- layout --------------------------------------------------------------------------
    def _layout(self, title: str, main: str, body_class: str, head: str = "") -> str:
        menu = "".join(
            f'<li class="menu-item"><a href="/category/{slug}/">{esc(name)}</a></li>'
            for slug, name in CATEGORIES.items()
        )
        latest = "".join(
            f'<li><a href="{esc(r["path"])}">{esc(r["title"])}</a></li>' for r in self.visible()[:5]
        )
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="UTF-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n"
            "<link rel='stylesheet' id='wp-block-library-css' "
            "href='/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2' media='all'>\n"
            f'<link rel="alternate" type="application/rss+xml" title="{esc(self.spec.name_ar)}" href="/feed/">\n'
            f"{head}\n</head>\n"
            f'<body class="{body_class} wp-theme-alwasat">\n'
            '<div id="cookie-notice" class="cookie-notice" role="dialog">يستخدم هذا الموقع ملفات تعريف '
            'الارتباط (الكوكيز) لتحسين تجربتك. <a href="#" class="cn-accept">موافق</a></div>\n'
            '<div id="page" class="site"><header id="masthead" class="site-header">'
            f'<p class="site-title"><a href="/" rel="home">{esc(self.spec.name_ar)}</a></p>'
            f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{menu}</ul>'
            "</nav></header>\n"
            f'<div id="content" class="site-content"><main id="main" class="site-main">{main}</main>\n'
            '<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
            f'<h2 class="widget-title">أحدث المقالات</h2><ul>{latest}</ul></section></aside></div>\n'
            '<footer id="colophon" class="site-footer"><div class="site-info">© بوابة الوسط التجريبية - '
            "جميع الحقوق محفوظة</div></footer></div>\n</body>\n</html>\n"
        )

    # ---- feed and sitemaps ---------------------------------------------------------------
    def _feed(self) -> str:
        items = []
        for record in self.visible()[:FEED_SIZE]:
            link = self.url(record["path"])
            content = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
            authors = "".join(f"<dc:creator><![CDATA[{a}]]></dc:creator>" for a in record["authors"])
            cats = "".join(f"<category><![CDATA[{c}]]></category>" for c in [record["section"], *record["tags"]])
            items.append(
                f"<item><title>{esc(record['title'])}</title><link>{esc(link)}</link>"
                f"<pubDate>{rfc822(parse_iso(record['published_at']))}</pubDate>{authors}{cats}"
                f'<guid isPermaLink="false">{esc(self.url("/?p=" + str(record["site_id"])))}</guid>'
                f"<description><![CDATA[{record['lead']}]]></description>"
                f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            f"<channel><title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
            f'<atom:link href="{esc(self.url("/feed/"))}" rel="self" type="application/rss+xml"/>'
            "<description>أخبار ليبيا على مدار الساعة</description><language>ar</language>"
            f"{''.join(items)}</channel></rss>\n"
        )

    def _sitemap(self, name: str) -> Response:
        oldest_first = list(reversed(self.visible()))
        pages = [oldest_first[i:i + SITEMAP_SIZE] for i in range(0, len(oldest_first), SITEMAP_SIZE)] or [[]]
        post_names = ["post-sitemap.xml"] + [f"post-sitemap{n}.xml" for n in range(2, len(pages) + 1)]
        if name == "sitemap_index.xml":
            return xml_response(self._sitemap_index([*post_names, "category-sitemap.xml", "news-sitemap.xml"]))
        if name in post_names:
            return xml_response(self._urlset(pages[post_names.index(name)]))
        if name == "category-sitemap.xml":
            urls = "".join(f"<url><loc>{esc(self.url(f'/category/{s}/'))}</loc></url>" for s in CATEGORIES)
            return xml_response(self._wrap_urlset(urls))
        if name == "news-sitemap.xml":
            return xml_response(self._news_sitemap(self.visible()[:10]))
        return not_found()

    def _sitemap_index(self, names: list[str]) -> str:
        entries = "".join(f"<sitemap><loc>{esc(self.url('/' + n))}</loc></sitemap>" for n in names)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
        )

    def _urlset(self, records: list[dict]) -> str:
        urls = "".join(
            f"<url><loc>{esc(self.url(r['path']))}</loc><lastmod>{r['published_at']}</lastmod></url>"
            for r in records
        )
        return self._wrap_urlset(urls)

    @staticmethod
    def _wrap_urlset(urls: str, extra_ns: str = "") -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{extra_ns}>{urls}</urlset>\n'
        )

    def _news_sitemap(self, records: list[dict]) -> str:
        urls = "".join(
            f"<url><loc>{esc(self.url(r['path']))}</loc><news:news><news:publication>"
            f"<news:name>{esc(self.spec.name_ar)}</news:name><news:language>ar</news:language>"
            f"</news:publication><news:publication_date>{r['published_at']}</news:publication_date>"
            f"<news:title>{esc(r['title'])}</news:title></news:news></url>"
            for r in records
        )
        return self._wrap_urlset(urls, ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')
