"""dx-wpyoast: WordPress 6 with /%postname%/ permalinks (Arabic slugs, lower-case percent-encoding, cut at 200
characters as sanitize_title does), a static front page ("latest news": the five newest posts, no pager, no
archive widget, no category links under posts) and Yoast SEO. Yoast writes the robots.txt block with its
Sitemap: line, sitemap_index.xml (with its XSL) whose children are post-sitemap.xml and post-sitemap2.xml
(15 entries each, wpseo_sitemap_entries_per_page), page-sitemap.xml and author-sitemap.xml; a caching plugin
serves the older post sitemap as a static gzip file, post-sitemap2.xml.gz, and the index names that one.
/sitemap.xml and WordPress core's /wp-sitemap.xml redirect to the index, as Yoast does. Pages carry Yoast's
JSON-LD @graph (NewsArticle, WebPage, BreadcrumbList, WebSite, Organization, Person) and og: meta.
The REST API is announced by <link rel="https://api.w.org/"> and the Link header: /wp-json/wp/v2/posts
(per_page 1..100, page, _fields; X-WP-Total, X-WP-TotalPages, Link rel="next"; 400
rest_post_invalid_page_number past the last page), also reachable as /?rest_route=/wp/v2/posts. The feed
(/feed/) holds the ten newest."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from datetime import UTC
from urllib.parse import quote, unquote, urlencode

from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    int_param,
    not_found,
    redirect,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import local
from tests.fixture_site.sites.dx_wpplain import WordPressSite

SITEMAP_ENTRIES = 15
FEED_SIZE = 10
ABOUT_SLUG = quote("من-نحن", safe="-").lower()
ROBOTS = """# START YOAST BLOCK
# ---------------------------
User-agent: *
Disallow:

Sitemap: {base}sitemap_index.xml
# ---------------------------
# END YOAST BLOCK
"""


def wp_slug(title: str, limit: int = 200) -> str:
    """sanitize_title() of an Arabic title: punctuation dropped, spaces to hyphens, UTF-8 percent-encoded in
    lower case, cut at ``limit`` encoded characters (utf8_uri_encode's length), no trailing hyphen."""
    words = ["".join(ch for ch in word if ch.isalnum()) for word in title.split()]
    out = ""
    for ch in "-".join(filter(None, words)):
        piece = quote(ch, safe="-").lower()
        if len(out) + len(piece) > limit:
            break
        out += piece
    return out.strip("-")


def wp_time(dt, utc: bool = False) -> str:
    return (dt.astimezone(UTC) if utc else dt).strftime("%Y-%m-%dT%H:%M:%S")


class WpYoastSite(WordPressSite):
    slug = "dx-wpyoast"
    post_navigation = False

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/{wp_slug(record['title'])}/"
        record["variant"] = f"wpyoast-byline-{record['byline']['placement']}"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self.by_path = {unquote(r["path"]): r for r in self.records}  # the server hands paths decoded

    def nav_links(self) -> list[tuple[str, str]]:
        return [("/", "الرئيسية"), (f"/{ABOUT_SLUG}/", "من نحن")]

    def category_links(self) -> str:
        return ""  # the theme prints no category link under a post

    def layout(self, title: str, main: str, body_class: str, head: str = "", sidebar: str | None = None) -> str:
        api = (f'<link rel="https://api.w.org/" href="{esc(self.url("/wp-json/"))}" />'
               f'<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{esc(self.url("/xmlrpc.php?rsd"))}" />')
        return super().layout(title, main, body_class, head + api, sidebar)

    def _html(self, text: str) -> Response:
        response = html_response(text)
        response.headers.append(("Link", f'<{self.url("/wp-json/")}>; rel="https://api.w.org/"'))
        return response

    def route(self, request: Request) -> Response:
        path, query = request.path, request.query
        if path == "/robots.txt":
            return text_response(ROBOTS.format(base=self.url("/")))
        if path in ("/sitemap.xml", "/wp-sitemap.xml"):
            return redirect(self.url("/sitemap_index.xml"))
        if path == "/sitemap_index.xml":
            return self._sitemap_index()
        if path.endswith((".xml", ".xml.gz")) and "-sitemap" in path:
            return self._child_sitemap(path)
        if path.startswith("/wp-json/") or (path == "/" and "rest_route" in query):
            route = path[len("/wp-json"):] if path.startswith("/wp-json/") else query["rest_route"][0]
            return self._rest(route, query)
        if path == "/feed/":
            return xml_response(self.feed(self.visible()[:FEED_SIZE]), "application/rss+xml; charset=UTF-8")
        if path == "/":
            return self._html(self._front_page())
        if path == f"/{unquote(ABOUT_SLUG)}/":
            return self._html(self.layout("من نحن", '<article class="page"><h1 class="entry-title">من نحن</h1>'
                                          f'<div class="entry-content"><p>{esc(self.spec.about)}</p></div></article>',
                                          "page"))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return self._html(self.article(record, self._yoast_head(record)))

    def _front_page(self) -> str:
        latest = "".join(self.excerpt(r) for r in self.visible()[:5])
        main = (f'<article class="page type-page"><div class="entry-content"><h2 class="wp-block-heading">أحدث الأخبار'
                f'</h2><div class="wp-block-latest-posts">{latest}</div></div></article>')
        return self.layout(self.spec.name_ar, main, "home page-template-default page", sidebar="")

    def _yoast_head(self, record: Mapping) -> str:
        url, base = self.url(record["path"]), self.url("/")
        dt = local(record)
        published = dt.astimezone(UTC).isoformat()
        author = record["byline"]["text"] if record["byline"]["placement"] == "field" else ""
        api = f"/wp-json/wp/v2/posts/{record['site_id']}"
        graph: list[dict] = [
            {"@type": "NewsArticle", "@id": f"{url}#article", "isPartOf": {"@id": url}, "headline": record["title"],
             "datePublished": published, "dateModified": published, "mainEntityOfPage": {"@id": url},
             "wordCount": len(record["body"].split()), "publisher": {"@id": f"{base}#organization"},
             "articleSection": ["محليات"], "inLanguage": "ar"},
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{record['title']} - {self.spec.name_ar}",
             "isPartOf": {"@id": f"{base}#website"}, "datePublished": published, "dateModified": published,
             "breadcrumb": {"@id": f"{url}#breadcrumb"}, "inLanguage": "ar",
             "potentialAction": [{"@type": "ReadAction", "target": [url]}]},
            {"@type": "BreadcrumbList", "@id": f"{url}#breadcrumb", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "الرئيسية", "item": base},
                {"@type": "ListItem", "position": 2, "name": record["title"]}]},
            {"@type": "WebSite", "@id": f"{base}#website", "url": base, "name": self.spec.name_ar,
             "publisher": {"@id": f"{base}#organization"}, "inLanguage": "ar",
             "potentialAction": [{"@type": "SearchAction", "target": {"@type": "EntryPoint",
                                                                      "urlTemplate": f"{base}?s={{search_term_string}}"},
                                  "query-input": "required name=search_term_string"}]},
            {"@type": "Organization", "@id": f"{base}#organization", "name": self.spec.name_ar, "url": base},
        ]
        if author:
            person = f"{base}#/schema/person/{sum(map(ord, author)):x}"
            graph[0]["author"] = {"name": author, "@id": person}
            graph.append({"@type": "Person", "@id": person, "name": author})
        return (
            "<!-- This site is optimized with the Yoast SEO plugin v22.4 - https://yoast.com/wordpress/plugins/seo/ -->"
            f'<meta name="description" content="{esc(record["paragraphs"][0][:155])}" />'
            f'<link rel="canonical" href="{esc(url)}" /><meta property="og:locale" content="ar_AR" />'
            f'<meta property="og:type" content="article" /><meta property="og:title" content="{esc(record["title"])}" />'
            f'<meta property="og:url" content="{esc(url)}" /><meta property="og:site_name" content="{esc(self.spec.name_ar)}" />'
            f'<meta property="article:published_time" content="{published}" />'
            + (f'<meta name="author" content="{esc(author)}" />' if author else "")
            + '<script type="application/ld+json" class="yoast-schema-graph">'
            + json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False)
            + "</script><!-- / Yoast SEO plugin. -->"
            + f'<link rel="alternate" type="application/json" href="{esc(self.url(api))}" />'
            + f"<link rel='shortlink' href='{esc(self.url('/?p=' + str(record['site_id'])))}' />"
        )

    # -- Yoast sitemaps -----------------------------------------------------------------------------
    def _chunks(self) -> list[list[dict]]:
        oldest_first = list(reversed(self.visible()))  # Yoast lists posts by last modified, oldest first
        return [oldest_first[i:i + SITEMAP_ENTRIES] for i in range(0, len(oldest_first), SITEMAP_ENTRIES)]

    def _post_sitemap_name(self, n: int) -> str:
        # The first is served by PHP; a caching plugin keeps older chunks as static gzip files.
        return "/post-sitemap.xml" if n == 0 else f"/post-sitemap{n + 1}.xml.gz"

    def _xml(self, body: str) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" '
                f'href="{esc(self.url("/main-sitemap.xsl"))[len("http:"):]}"?>\n{body}\n'
                "<!-- XML Sitemap generated by Yoast SEO -->")

    def _sitemap_index(self) -> Response:
        chunks = self._chunks()
        maps = [(self._post_sitemap_name(n), max(local(r) for r in chunk)) for n, chunk in enumerate(chunks)]
        maps += [("/page-sitemap.xml", None), ("/author-sitemap.xml", None)]
        body = "".join(f"\t<sitemap>\n\t\t<loc>{esc(self.url(name))}</loc>\n"
                       + (f"\t\t<lastmod>{when.astimezone(UTC).isoformat()}</lastmod>\n" if when else "")
                       + "\t</sitemap>\n" for name, when in maps)
        return xml_response(self._xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}'
                                      "</sitemapindex>"), "text/xml; charset=UTF-8")

    def _child_sitemap(self, path: str) -> Response:
        chunks = self._chunks()
        names = {self._post_sitemap_name(n): chunk for n, chunk in enumerate(chunks)}
        if path in names:
            entries = [(r["path"], local(r).astimezone(UTC).isoformat(),
                        f"/wp-content/uploads/{local(r):%Y/%m}/{r['site_id']}.jpg") for r in names[path]]
        elif path == "/page-sitemap.xml":
            entries = [("/", None, None), (f"/{ABOUT_SLUG}/", None, None)]
        elif path == "/author-sitemap.xml":
            entries = [("/author/editor/", None, None)]
        else:
            return not_found()
        urls = "".join(
            f"\t<url>\n\t\t<loc>{esc(self.url(p))}</loc>\n" + (f"\t\t<lastmod>{m}</lastmod>\n" if m else "")
            + (f"\t\t<image:image>\n\t\t\t<image:loc>{esc(self.url(i))}</image:loc>\n\t\t</image:image>\n" if i else "")
            + "\t</url>\n" for p, m, i in entries)
        text = self._xml('<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                         'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
                         'xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9 '
                         'http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd '
                         'http://www.google.com/schemas/sitemap-image/1.1 '
                         'http://www.google.com/schemas/sitemap-image/1.1/sitemap-image.xsd" '
                         f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>')
        if path.endswith(".gz"):
            return Response(200, [("Content-Type", "application/gzip")], gzip.compress(text.encode("utf-8"), mtime=0))
        return xml_response(text, "text/xml; charset=UTF-8")

    # -- the REST API -------------------------------------------------------------------------------
    def _json(self, data: object, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
        return Response(status, [("Content-Type", "application/json; charset=UTF-8"),
                                 ("Link", f'<{self.url("/wp-json/")}>; rel="https://api.w.org/"'), *(headers or [])],
                        json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def _error(self, code: str, message: str, status: int = 400) -> Response:
        return self._json({"code": code, "message": message, "data": {"status": status}}, status)

    def _rest(self, route: str, query: dict[str, list[str]]) -> Response:
        route = route.rstrip("/") or "/"
        if route == "/":
            return self._json({"name": self.spec.name_ar, "description": self.spec.about, "url": self.url(""),
                               "home": self.url(""), "gmt_offset": "2", "timezone_string": "Africa/Tripoli",
                               "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1", "yoast/v1"],
                               "authentication": [], "routes": {"/wp/v2/posts": {"namespace": "wp/v2",
                                                                                 "methods": ["GET", "POST"]}}})
        if route.startswith("/wp/v2/posts/") and route.rsplit("/", 1)[1].isdigit():
            wanted = int(route.rsplit("/", 1)[1])
            record = next((r for r in self.visible() if r["site_id"] == wanted), None)
            if record is None:
                return self._error("rest_post_invalid_id", "معرّف المقالة غير صالح.", 404)
            return self._json(self._fields(self._post_json(record), query))
        if route != "/wp/v2/posts":
            return self._error("rest_no_route", "لم يتم العثور على مسار يتطابق مع URL وطريقة الطلب.", 404)
        per_page, page = int_param(query, "per_page", 10), int_param(query, "page", 1)
        if per_page is None or not 1 <= per_page <= 100:
            return self._error("rest_invalid_param", "معامل (معاملات) غير صالح: per_page")
        if page is None or page < 1:
            return self._error("rest_invalid_param", "معامل (معاملات) غير صالح: page")
        items = self.visible()
        pages = -(-len(items) // per_page)
        if page > max(1, pages):
            return self._error("rest_post_invalid_page_number",
                               "رقم الصفحة المطلوبة أكبر من عدد الصفحات المتاحة.")
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = [("X-WP-Total", str(len(items))), ("X-WP-TotalPages", str(pages))]
        others = [(k, v[0]) for k, v in query.items() if k != "page"]
        links = [f'<{self.url("/wp-json/wp/v2/posts")}?{urlencode([*others, ("page", n)])}>; rel="{rel}"'
                 for rel, n in (("prev", page - 1), ("next", page + 1)) if 1 <= n <= pages]
        if links:
            headers.append(("Link", ", ".join(links)))
        return self._json([self._fields(self._post_json(r), query) for r in chunk], headers=headers)

    @staticmethod
    def _fields(post: dict, query: dict[str, list[str]]) -> dict:
        wanted = [f.strip() for f in (query.get("_fields") or [""])[0].split(",") if f.strip()]
        return {k: v for k, v in post.items() if k in wanted} if wanted else post

    def _post_json(self, record: Mapping) -> dict:
        dt = local(record)
        link = self.url(record["path"])
        body = "".join(f"<p>{esc(p)}</p>\n" for p in record["paragraphs"])
        api = self.url(f"/wp-json/wp/v2/posts/{record['site_id']}")
        return {
            "id": record["site_id"], "date": wp_time(dt), "date_gmt": wp_time(dt, utc=True),
            "guid": {"rendered": self.url(f"/?p={record['site_id']}")}, "modified": wp_time(dt),
            "modified_gmt": wp_time(dt, utc=True), "slug": record["path"].strip("/"), "status": "publish",
            "type": "post", "link": link, "title": {"rendered": esc(record["title"])},
            "content": {"rendered": body, "protected": False},
            "excerpt": {"rendered": f"<p>{esc(record['paragraphs'][0][:180])} [&hellip;]</p>\n", "protected": False},
            "author": 2, "featured_media": record["site_id"] + 1, "comment_status": "open", "ping_status": "open",
            "sticky": False, "template": "", "format": "standard", "meta": {"footnotes": ""}, "categories": [3],
            "tags": [], "_links": {"self": [{"href": api}], "collection": [{"href": self.url("/wp-json/wp/v2/posts")}]},
        }
