"""dx-amp: a news portal with AMP twins. The normal page /news/ID/slug names its AMP page with
rel=amphtml; the AMP page (`<html ⚡>` or `<html amp>`, amp-img, amp-social-share, JSON-LD
NewsArticle) points back with rel=canonical. Visible dates use Arabic-Indic digits. The RSS feed
(named on the home page) links the AMP URLs, so a crawler reaches most articles through AMP."""

from __future__ import annotations

import json
from collections.abc import Mapping

from akhbar.demo_web.arabic import rfc822
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    not_found,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import SHARE_NETWORKS, DevSite, arabic_long_date, local

AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}</style>"
    "<noscript><style amp-boilerplate>body{-webkit-animation:none;animation:none}</style></noscript>"
)


class AmpSite(DevSite):
    slug = "dx-amp"
    utility_lines = ("حجم الخط", "تكبير الخط", "تصغير الخط", "مشاركة")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/news/{record['site_id']}/{record['slug']}"
        record["amp_path"] = f"/amp/news/{record['site_id']}/{record['slug']}"
        record["variant"] = "amp-bolt" if record["n"] % 2 else "amp-word"

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /wp-admin/\nDisallow: /search\n")
        if path == "/rss":
            return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
        if path == "/":
            links = "".join(f'<li><a href="{r["path"]}">{esc(r["title"])}</a></li>' for r in self.visible()[:4])
            return html_response(self._page(self.spec.name_ar, f'<ul class="latest">{links}</ul>'))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        if path == record.get("amp_path"):
            return html_response(self._amp(record))
        return html_response(self._normal(record))

    def _jsonld(self, record: Mapping) -> str:
        byline = record["byline"]
        author = None
        if byline["author"]:
            kind = "Organization" if byline["style"] in ("agency", "place_dash_agency", "place_colon_agency") else "Person"
            author = {"@type": kind, "name": byline["author"]}
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.url(record["path"])},
            "headline": record["title"], "datePublished": local(record).isoformat(),
            "dateModified": local(record).isoformat(),
            "image": {"@type": "ImageObject", "url": self.url(f"/img/{record['site_id']}.jpg"), "width": 800,
                      "height": 450},
            "publisher": {"@type": "Organization", "name": self.spec.name_ar,
                          "logo": {"@type": "ImageObject", "url": self.url("/logo.png")}},
        }
        if author:
            data["author"] = author
        return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")

    def _byline_html(self, record: Mapping) -> str:
        byline = record["byline"]
        if byline["placement"] != "field" or not byline["text"]:
            return ""
        return f'<div class="byline"><span class="author">{esc(byline["text"])}</span></div>'

    def _share(self) -> str:
        return "".join(f'<a class="share" href="#">شارك على {net}</a>' for net in SHARE_NETWORKS)

    def _normal(self, record: Mapping) -> str:
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        related = "".join(f'<li><a href="{r["path"]}">{esc(r["title"])}</a></li>' for r in self.related(record))
        main = (
            f'<article class="post"><h1 class="post-title">{esc(record["title"])}</h1>'
            f'<div class="meta">{self._byline_html(record)}<time>{esc(arabic_long_date(local(record), indic=True))}</time></div>'
            '<div class="font-tools"><span>حجم الخط</span> <button>تكبير الخط</button> <button>تصغير الخط</button></div>'
            f'<figure><img src="/img/{record["site_id"]}.jpg" alt=""></figure>'
            f'<div class="article-body">{paragraphs}</div><div class="share-bar"><span>مشاركة</span>{self._share()}</div>'
            f'<section class="related"><h3>أخبار ذات صلة</h3><ul>{related}</ul></section></article>'
        )
        head = (f'<link rel="amphtml" href="{esc(self.url(record["amp_path"]))}">'
                f'<link rel="canonical" href="{esc(self.url(record["path"]))}">'
                f'<script type="application/ld+json">{self._jsonld(record)}</script>')
        return self._page(record["title"], main, head)

    def _amp(self, record: Mapping) -> str:
        marker = "⚡" if record["variant"] == "amp-bolt" else "amp"
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        share = "".join(f'<amp-social-share type="{t}" width="40" height="40"></amp-social-share>'
                        for t in ("facebook", "twitter", "whatsapp"))
        related = "".join(f'<li><a href="{esc(self.url(r["amp_path"]))}">{esc(r["title"])}</a></li>'
                          for r in self.related(record))
        return (
            f'<!doctype html><html {marker} lang="ar" dir="rtl"><head><meta charset="utf-8">'
            '<script async src="https://cdn.ampproject.org/v0.js"></script>'
            '<script async custom-element="amp-social-share" src="https://cdn.ampproject.org/v0/amp-social-share-0.1.js">'
            "</script>"
            f"<title>{esc(record['title'])} - {esc(self.spec.name_ar)}</title>"
            f'<link rel="canonical" href="{esc(self.url(record["path"]))}">'
            '<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">'
            f'<script type="application/ld+json">{self._jsonld(record)}</script>'
            f"{AMP_BOILERPLATE}<style amp-custom>body{{font-family:Tahoma}}</style></head>"
            f'<body><header class="amp-header"><a href="{esc(self.base_url)}">{esc(self.spec.name_ar)}</a></header>'
            f'<article class="amp-article"><h1 class="amp-title">{esc(record["title"])}</h1>'
            f'<div class="amp-meta">{self._byline_html(record)}'
            f'<span class="amp-date">{esc(arabic_long_date(local(record), indic=True))}</span></div>'
            f'<amp-img src="/img/{record["site_id"]}.jpg" width="800" height="450" layout="responsive" alt=""></amp-img>'
            f'<div class="amp-article-body">{paragraphs}</div>'
            f'<div class="amp-share"><span>مشاركة</span>{share}</div>'
            f'<div class="amp-related"><h3>أخبار ذات صلة</h3><ul>{related}</ul></div></article>'
            '<footer class="amp-footer">© بوابة المدار التجريبية</footer></body></html>'
        )

    def _page(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{esc(title)} - {esc(self.spec.name_ar)}</title>"
            '<link rel="alternate" type="application/rss+xml" href="/rss">'
            f"{head}</head><body>"
            f'<header class="site-header"><a href="/" class="logo">{esc(self.spec.name_ar)}</a></header>'
            f'<main class="content">{main}</main>'
            '<footer class="site-footer">© بوابة المدار التجريبية</footer></body></html>\n'
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(r['amp_path']))}</link>"
            f"<guid isPermaLink=\"false\">amp-{r['site_id']}</guid><pubDate>{rfc822(local(r))}</pubDate></item>"
            for r in self.visible()
        )
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
                f"<description>آخر الأخبار</description>{items}</channel></rss>\n")
