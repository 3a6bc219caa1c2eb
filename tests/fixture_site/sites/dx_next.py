"""dx-next: a Next.js single-page app. The article exists only in `<script id="__NEXT_DATA__">`
(props.pageProps.article); the HTML body is a loading skeleton and <title> is the site name.
Discovery: robots.txt -> sitemap.xml. Body is a list of paragraphs on some pages, an HTML string
(entity-escaped quotes) on others, and on the third kind only JSON-LD `articleBody` (plain text,
paragraphs separated by newlines) carries the text while __NEXT_DATA__ has metadata only;
publishedAt is UTC with milliseconds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC

from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    not_found,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, local

BUILD_ID = "k3J9xQ2vTz"
VARIANTS = ("next-paragraph-list", "next-html-body", "next-jsonld")


def _json_script(data: object) -> str:
    # Next.js escapes "<" so the JSON cannot close the script element.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


class NextSite(DevSite):
    slug = "dx-next"

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/news/{record['site_id']}/{record['slug']}"
        record["variant"] = VARIANTS[record["n"] % len(VARIANTS)]

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(f"User-agent: *\nDisallow: /api/\nDisallow: /_next/data/\n\n"
                                 f"Sitemap: {self.url('/sitemap.xml')}\n")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{esc(self.url(r['path']))}</loc><lastmod>{r['published_at']}</lastmod></url>"
                           for r in self.visible())
            return xml_response('<?xml version="1.0" encoding="UTF-8"?>\n'
                                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n')
        if path == "/":
            items = [{"id": r["site_id"], "slug": r["slug"], "title": r["title"]} for r in self.visible()[:8]]
            return html_response(self._shell("/", {"latest": items}, self.spec.name_ar))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._shell("/news/[id]/[slug]", {"article": self._article(record)}, self.spec.name_ar,
                                         query={"id": str(record["site_id"]), "slug": record["slug"]},
                                         head=self._jsonld(record)))

    def _jsonld(self, record: Mapping) -> str:
        if record["variant"] != "next-jsonld":
            return ""
        byline = record["byline"]
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": record["title"],
                "articleBody": "\n".join(record["paragraphs"]), "datePublished": local(record).isoformat(),
                "publisher": {"@type": "Organization", "name": self.spec.name_ar}}
        if byline["text"]:
            data["author"] = {"@type": "Person", "name": byline["text"]}
        return f'<script type="application/ld+json">{_json_script(data)}</script>'


    def _article(self, record: Mapping) -> dict:
        paragraphs = record["paragraphs"]
        body: object = list(paragraphs)
        if record["variant"] == "next-html-body":
            body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        elif record["variant"] == "next-jsonld":
            body = None  # the client fetches it from /api/articles/ID; only JSON-LD has the text
        published = local(record).astimezone(UTC)
        byline = record["byline"]
        return {
            "id": record["site_id"],
            "slug": record["slug"],
            "title": record["title"],
            "excerpt": paragraphs[0][:120],
            "body": body,
            "publishedAt": published.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "updatedAt": published.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "author": {"name": byline["text"]} if byline["text"] else None,
            "category": {"id": 4, "name": "محليات", "slug": "local"},
            "cover": {"url": f"/uploads/{record['site_id']}.jpg", "alt": ""},
            "related": [{"id": r["site_id"], "slug": r["slug"], "title": r["title"]} for r in self.related(record)],
            "share": {"networks": ["facebook", "twitter", "whatsapp"]},
        }

    def _shell(self, page: str, props: dict, title: str, query: dict | None = None, head: str = "") -> str:
        data = {"props": {"pageProps": props, "__N_SSP": True}, "page": page, "query": query or {},
                "buildId": BUILD_ID, "isFallback": False, "gssp": True, "locale": "ar", "scriptLoader": []}
        return (
            '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charSet="utf-8"/>'
            '<meta name="viewport" content="width=device-width"/>'
            f"<title>{esc(title)}</title>"
            f'<link rel="preload" href="/_next/static/css/a1b2c3.css" as="style"/>'
            '<link rel="stylesheet" href="/_next/static/css/a1b2c3.css" data-n-g=""/>'
            f'<script src="/_next/static/chunks/webpack-{BUILD_ID}.js" defer=""></script>'
            f'<script src="/_next/static/chunks/pages/_app-{BUILD_ID}.js" defer=""></script>{head}</head>'
            '<body><div id="__next"><div class="layout"><header class="header"><div class="logo-skeleton"></div>'
            '<nav class="nav-skeleton"></nav></header><main class="skeleton">'
            '<div class="skeleton-title shimmer"></div><div class="skeleton-line shimmer"></div>'
            '<div class="skeleton-line shimmer"></div><p class="loading">جاري التحميل...</p></main>'
            '<footer class="footer">© منصة الخبر التجريبية</footer></div></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{_json_script(data)}</script></body></html>'
        )
