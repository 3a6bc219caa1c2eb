"""dx-drupal: a Drupal 8 newspaper (node--type-article, field--name-body, "أرسلت بواسطة ... بتاريخ",
RDFa schema:dateCreated in UTC, a views listing at /news with 0-based ?page=N, comments, tags)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC

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

PER_PAGE = 10
ROBOTS = """#
# robots.txt
#
User-agent: *
Disallow: /core/
Disallow: /profiles/
Disallow: /admin/
Disallow: /comment/reply/
Disallow: /node/add/
Disallow: /search/
Disallow: /user/
Disallow: /index.php/admin/
"""


class DrupalSite(DevSite):
    slug = "dx-drupal"
    utility_lines = ("أضف تعليقاً جديداً", "طباعة", "نسخة للطباعة", "حجم الخط")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/ar/node/{record['site_id']}"
        record["variant"] = f"drupal-byline-{record['byline']['placement']}"

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(ROBOTS)
        if path in ("/", "/ar", "/ar/"):
            return html_response(self._page(self.spec.name_ar, self._teasers(self.visible()[:5])
                                            + '<a href="/ar/news" class="more-link">المزيد من الأخبار</a>'))
        if path == "/ar/news":
            return self._listing(int_param(request.query, "page", 0))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._article(record))

    def _teasers(self, records: list[dict]) -> str:
        return "".join(
            '<div class="views-row"><article class="node node--type-article node--view-mode-teaser">'
            f'<h2><a href="{r["path"]}" rel="bookmark"><span class="field field--name-title">{esc(r["title"])}</span></a></h2>'
            f'<div class="field--name-created">{esc(arabic_long_date(local(r)))}</div></article></div>'
            for r in records
        )

    def _listing(self, page: int | None) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if page is None or not 0 <= page < pages:
            return not_found()
        pager = ""
        if page > 0:
            pager += f'<li class="pager__item pager__item--previous"><a href="?page={page - 1}" rel="prev">‹ السابق</a></li>'
        pager += "".join(
            f'<li class="pager__item{" is-active" if n == page else ""}"><a href="?page={n}">{n + 1}</a></li>'
            for n in range(pages)
        )
        if page + 1 < pages:
            pager += f'<li class="pager__item pager__item--next"><a href="?page={page + 1}" rel="next">التالي ›</a></li>'
        view = (f'<div class="view view-news view-id-news view-display-id-page_1"><div class="view-content">'
                f'{self._teasers(page_slice(items, page + 1, PER_PAGE))}</div>'
                f'<nav class="pager" role="navigation"><ul class="pager__items js-pager__items">{pager}</ul></nav></div>')
        return html_response(self._page("الأخبار", view))

    def _article(self, record: Mapping) -> str:
        byline = record["byline"]
        dt = local(record)
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        if byline["placement"] == "line":
            paragraphs = f"<p><strong>{esc(byline['text'])}</strong></p>{paragraphs}"
        submitted = ""
        if byline["placement"] == "field":
            submitted = (f'أرسلت بواسطة <span class="field field--name-uid field--type-entity-reference">'
                         f'<span lang="" typeof="schema:Person" property="schema:name">{esc(byline["text"])}</span>'
                         "</span> بتاريخ ")
        share = "".join(f'<a class="share-{i}" href="#">شارك على {net}</a>' for i, net in enumerate(SHARE_NETWORKS))
        related = "".join(f'<li><a href="{r["path"]}">{esc(r["title"])}</a></li>' for r in self.related(record))
        comments = "".join(
            f'<article class="comment js-comment"><footer class="comment__meta"><p class="comment__author">{esc(name)}</p>'
            f'</footer><div class="content"><div class="field--name-comment-body"><p>{esc(text)}</p></div></div></article>'
            for name, text in self.comments(record)
        )
        main = (
            '<div class="font-size-controls"><span>حجم الخط</span> <a href="#" class="increase">أ+</a> '
            '<a href="#" class="decrease">أ-</a></div>'
            f'<article role="article" about="{record["path"]}" typeof="schema:Article" '
            'class="node node--type-article node--promoted node--view-mode-full">'
            f'<h1 class="page-title"><span property="schema:name" class="field field--name-title">{esc(record["title"])}'
            "</span></h1>"
            f'<span property="schema:dateCreated" content="{dt.astimezone(UTC).isoformat()}" class="rdf-meta hidden"></span>'
            f'<footer class="node__meta"><div class="node__submitted">{submitted}'
            f'<span class="field field--name-created">{esc(arabic_long_date(dt))}</span></div></footer>'
            '<div class="node__content clearfix">'
            f'<div class="field field--name-field-image"><img src="/sites/default/files/{record["site_id"]}.jpg" alt=""></div>'
            '<div property="schema:text" class="clearfix text-formatted field field--name-body '
            f'field--type-text-with-summary field--label-hidden field__item">{paragraphs}</div>'
            '<div class="field field--name-field-tags"><div class="field__label">الوسوم</div>'
            '<div class="field__item"><a href="/ar/taxonomy/term/7">محليات</a></div></div>'
            f'<div class="social-share">{share}</div>'
            '<ul class="links inline"><li class="comment-add"><a href="/comment/reply/node/1/comment_node_article">'
            'أضف تعليقاً جديداً</a></li><li class="print"><a href="#" onclick="window.print()">طباعة</a></li></ul>'
            "</div>"
            f'<section class="field--name-comment comment-wrapper"><h2 class="title comment-section-title">التعليقات</h2>'
            f"{comments}</section></article>"
            f'<div class="block-views-blockrelated-block-1"><h2>مواضيع ذات صلة</h2><ul>{related}</ul></div>'
        )
        return self._page(record["title"], main)

    def _page(self, title: str, main: str) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl" prefix="content: http://purl.org/rss/1.0/modules/content/ '
            'schema: http://schema.org/"><head><meta charset="utf-8" />'
            '<meta name="Generator" content="Drupal 8 (https://www.drupal.org)" />'
            f"<title>{esc(title)} | {esc(self.spec.name_ar)}</title></head>"
            '<body class="path-node page-node-type-article"><div class="dialog-off-canvas-main-canvas">'
            f'<header role="banner"><a href="/" rel="home" class="site-branding__name">{esc(self.spec.name_ar)}</a>'
            '<nav role="navigation"><ul class="menu"><li><a href="/">الرئيسية</a></li><li><a href="/ar/news">الأخبار</a>'
            '</li></ul></nav></header>'
            f'<main role="main"><div class="layout-content">{main}</div>'
            '<aside class="layout-sidebar-first"><div class="block">الأكثر قراءة</div></aside></main>'
            '<footer role="contentinfo">جميع الحقوق محفوظة</footer></div></body></html>\n'
        )
