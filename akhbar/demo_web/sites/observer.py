"""fx-observer: an English-language Libyan outlet on a Drupal-like CMS (0-based ?page=, rss.xml)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from akhbar.demo_web.arabic import english_date, parse_iso, rfc822
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

PER_PAGE = 4
FEED_SIZE = 10


class ObserverSite(Site):
    slug = "fx-observer"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_path = {record["path"]: record for record in self.records}

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(self._robots())
        if path == "/":
            return html_response(self._layout("Home", self._teasers(self.visible()[:PER_PAGE])
                                              + '<a href="/news">More news</a>'))
        if path == "/news":
            return self._listing(int_param(request.query, "page", 0))
        if path == "/rss.xml":
            return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
        if path == "/sitemap.xml":
            return xml_response(self._sitemap())
        record = self._by_path.get(path)
        if record is None or not self.catalog.is_visible(record):
            return not_found()
        return html_response(self._article(record))

    def _robots(self) -> str:
        return (
            "# robots.txt for Drupal\nUser-agent: *\nDisallow: /admin/\nDisallow: /user/login\n"
            "Disallow: /search/\n"
            f"\nSitemap: {self.url('/sitemap.xml')}\n"
        )

    def _teasers(self, records: list[dict]) -> str:
        return "".join(
            f'<article class="node node--type-article node--view-mode-teaser">'
            f'<h2 class="node__title"><a href="{r["path"]}" rel="bookmark">{esc(r["title"])}</a></h2>'
            f'<div class="node__meta">{english_date(parse_iso(r["published_at"]))}</div></article>'
            for r in records
        )

    def _listing(self, page: int | None) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if page is None or not 0 <= page < pages:
            return not_found()
        pager = ""
        if page > 0:
            pager += f'<li class="pager__item pager__item--previous"><a href="?page={page - 1}">‹ Previous</a></li>'
        if page + 1 < pages:
            pager += f'<li class="pager__item pager__item--next"><a href="?page={page + 1}" rel="next">Next ›</a></li>'
        body = f'{self._teasers(page_slice(items, page + 1, PER_PAGE))}<nav class="pager"><ul>{pager}</ul></nav>'
        return html_response(self._layout("News", body))

    def _article(self, record: Mapping) -> str:
        url = self.url(record["path"])
        dt = parse_iso(record["published_at"])
        graph = {
            "@context": "https://schema.org",
            "@graph": [{
                "@type": "NewsArticle",
                "headline": record["title"],
                "datePublished": record["published_at"],
                "author": {"@type": "Person", "name": record["authors"][0]} if record["authors"] else None,
                "publisher": {"@type": "Organization", "name": self.spec.name_en},
                "mainEntityOfPage": url,
            }],
        }
        head = (
            f'<link rel="canonical" href="{esc(url)}">'
            f'<meta property="og:title" content="{esc(record["title"])}">'
            f'<meta property="og:url" content="{esc(url)}">'
            '<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{record["published_at"]}">'
            f'<meta property="article:section" content="{esc(record["section"])}">'
            + "".join(f'<meta property="article:tag" content="{esc(t)}">' for t in record["tags"])
            + '<script type="application/ld+json">' + json.dumps(graph) + "</script>"
        )
        tags = "".join(f'<div class="field__item"><a href="#">{esc(t)}</a></div>' for t in record["tags"])
        byline = ", ".join(record["authors"])
        body = (
            '<article class="node node--type-article node--view-mode-full">'
            f'<div class="field--name-field-section">{esc(record["section"])}</div>'
            f'<h1 class="page-title"><span class="field--name-title">{esc(record["title"])}</span></h1>'
            f'<div class="node__meta"><span class="byline">By {esc(byline)}</span> | '
            f'<span class="date">{english_date(dt)}</span></div>'
            '<div class="clearfix text-formatted field field--name-body field--type-text-with-summary">'
            + "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
            + f'</div><div class="field--name-field-tags"><div class="field__label">Tags</div>{tags}</div>'
            '<div class="newsletter">Subscribe to our newsletter for daily updates on Libya.</div>'
            "</article>"
        )
        return self._layout(record["title"], body, head)

    def _layout(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8">'
            f"<title>{esc(title)} | {esc(self.spec.name_en)}</title>{head}</head>\n"
            '<body class="path-node page-node-type-article">'
            f'<header role="banner"><a href="/" class="site-branding__name">{esc(self.spec.name_en)}</a>'
            '<nav><a href="/news">News</a></nav></header>'
            f'<main role="main">{main}</main><footer>© Fixture Observer</footer></body></html>\n'
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title>"
            f"<link>{esc(self.url(r['path']))}?utm_source=rss&amp;utm_medium=feed</link>"
            f"<description>{esc(r['lead'])}</description>"
            f"<pubDate>{rfc822(parse_iso(r['published_at']))}</pubDate>"
            f"<dc:creator>{esc(', '.join(r['authors']))}</dc:creator>"
            f'<guid isPermaLink="false">{r["slug"]}</guid></item>'
            for r in self.visible()[:FEED_SIZE]
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{esc(self.spec.name_en)}</title><link>{esc(self.base_url)}</link>"
            f"<description>Libya news in English</description><language>en</language>{items}</channel></rss>\n"
        )

    def _sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{esc(self.url(r['path']))}</loc><lastmod>{r['published_at']}</lastmod>"
            "<changefreq>daily</changefreq></url>"
            for r in self.visible()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
        )
