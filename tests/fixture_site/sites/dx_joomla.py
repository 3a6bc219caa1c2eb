"""dx-joomla: Joomla 3 without SEF URLs (index.php?option=com_content&view=article&id=N&catid=8&Itemid=101),
itemprop="articleBody", the "طباعة" / "البريد الإلكتروني" icons, "كتب بواسطة", <time datetime>, hits,
a category blog listing paged with &limitstart=N and a category RSS feed (format=feed&type=rss)."""

from __future__ import annotations

from collections.abc import Mapping

from akhbar.demo_web.arabic import rfc822
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    int_param,
    not_found,
    page_count,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, joomla_date, local

PER_PAGE = 8
CATEGORY = "index.php?option=com_content&view=category&layout=blog&id=8&Itemid=101"
FEED = "/index.php?option=com_content&view=category&id=8&format=feed&type=rss"
ROBOTS = """User-agent: *
Disallow: /administrator/
Disallow: /bin/
Disallow: /cache/
Disallow: /cli/
Disallow: /components/
Disallow: /includes/
Disallow: /installation/
Disallow: /language/
Disallow: /layouts/
Disallow: /libraries/
Disallow: /logs/
Disallow: /modules/
Disallow: /plugins/
Disallow: /tmp/
Disallow: /index.php?option=com_mailto
"""


class JoomlaSite(DevSite):
    slug = "dx-joomla"
    utility_lines = ("طباعة", "البريد الإلكتروني", "التفاصيل", "الزيارات", "السابق", "التالي")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/index.php?option=com_content&view=article&id={record['site_id']}&catid=8&Itemid=101"
        record["variant"] = f"joomla-byline-{record['byline']['placement']}"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_id = {str(r["site_id"]): r for r in self.records}

    def route(self, request: Request) -> Response:
        path, query = request.path, request.query
        if path == "/robots.txt":
            return text_response(ROBOTS)
        if path not in ("/", "/index.php"):
            return not_found()
        option = query.get("option", [""])[0]
        view = query.get("view", [""])[0]
        if not option:
            return self._category(0, home=True)
        if option == "com_content" and view == "category":
            if query.get("format", [""])[0] == "feed":
                return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
            return self._category(int_param(query, "limitstart", 0))
        if option == "com_content" and view == "article":
            record = self.published(self._by_id.get(query.get("id", [""])[0].split(":")[0]))
            if record is not None:
                return html_response(self._article(record))
        return not_found()

    def _category(self, start: int | None, home: bool = False) -> Response:
        items = self.visible()
        pages = page_count(len(items), PER_PAGE)
        if start is None or start < 0 or start % PER_PAGE or start // PER_PAGE >= pages:
            return not_found()
        chosen = items[start:start + PER_PAGE]
        blog = "".join(
            '<div class="items-row"><div class="item" itemprop="blogPost" itemscope itemtype="https://schema.org/BlogPosting">'
            f'<div class="page-header"><h2 itemprop="name"><a href="{esc(r["path"])}" itemprop="url">{esc(r["title"])}'
            f'</a></h2></div><dd class="published"><time datetime="{local(r).isoformat()}">{esc(joomla_date(local(r)))}'
            '</time></dd><p class="readmore"><a class="btn" href="' + esc(r["path"]) + '">اقرأ المزيد</a></p></div></div>'
            for r in chosen
        )
        page = start // PER_PAGE
        nav = ""
        if page > 0:
            nav += f'<li><a title="السابق" href="/{esc(CATEGORY)}&amp;limitstart={(page - 1) * PER_PAGE}">السابق</a></li>'
        nav += "".join(f'<li><a href="/{esc(CATEGORY)}&amp;limitstart={n * PER_PAGE}">{n + 1}</a></li>'
                       for n in range(pages))
        if page + 1 < pages:
            nav += f'<li><a title="التالي" href="/{esc(CATEGORY)}&amp;limitstart={(page + 1) * PER_PAGE}">التالي</a></li>'
        main = (f'<div class="blog" itemscope itemtype="https://schema.org/Blog">{blog}'
                f'<div class="pagination"><ul class="pagination-list">{nav}</ul>'
                f'<p class="counter pull-right">صفحة {page + 1} من {pages}</p></div></div>')
        return html_response(self._page(self.spec.name_ar if home else "أخبار محلية", main))

    def _article(self, record: Mapping) -> str:
        byline = record["byline"]
        dt = local(record)
        created = ""
        if byline["placement"] == "field" and byline["text"]:
            created = ('<dd class="createdby" itemprop="author" itemscope itemtype="https://schema.org/Person">'
                       f'كتب بواسطة: <span itemprop="name">{esc(byline["text"])}</span></dd>')
        mail = f"/index.php?option=com_mailto&tmpl=component&template=protostar&link={record['site_id']}"
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        index = [r["key"] for r in self.visible()].index(record["key"])
        visible = self.visible()
        pager = ""
        if index + 1 < len(visible):
            pager += f'<li class="previous"><a href="{esc(visible[index + 1]["path"])}" rel="prev">&lt; السابق</a></li>'
        if index > 0:
            pager += f'<li class="next"><a href="{esc(visible[index - 1]["path"])}" rel="next">التالي &gt;</a></li>'
        related = "".join(f'<li><a href="{esc(r["path"])}">{esc(r["title"])}</a></li>' for r in self.related(record))
        main = (
            '<div class="item-page" itemscope itemtype="https://schema.org/Article">'
            '<meta itemprop="inLanguage" content="ar-AA" />'
            f'<div class="page-header"><h2 itemprop="headline">{esc(record["title"])}</h2></div>'
            '<div class="icons"><div class="btn-group pull-right"><ul class="dropdown-menu">'
            '<li class="print-icon"><a href="#" onclick="window.print();return false;">'
            '<span class="icon-print" aria-hidden="true"></span> طباعة</a></li>'
            f'<li class="email-icon"><a href="{esc(mail)}" rel="nofollow">'
            '<span class="icon-envelope" aria-hidden="true"></span> البريد الإلكتروني</a></li></ul></div></div>'
            '<dl class="article-info muted"><dt class="article-info-term">التفاصيل</dt>'
            f"{created}"
            f'<dd class="category-name">التصنيف: <a href="/{esc(CATEGORY)}" itemprop="genre">أخبار محلية</a></dd>'
            f'<dd class="published"><span class="icon-calendar" aria-hidden="true"></span>'
            f'<time datetime="{dt.isoformat()}" itemprop="datePublished">نشر بتاريخ: {esc(joomla_date(dt))}</time></dd>'
            f'<dd class="hits"><span class="icon-eye-open" aria-hidden="true"></span>'
            f'<meta itemprop="interactionCount" content="UserPageVisits:{record["site_id"] % 977}" />'
            f'الزيارات: {record["site_id"] % 977}</dd></dl>'
            f'<div itemprop="articleBody">{paragraphs}</div>'
            f'<ul class="pager pagenav">{pager}</ul></div>'
            f'<div class="moduletable related"><h3>مقالات ذات صلة</h3><ul class="relateditems">{related}</ul></div>'
        )
        return self._page(record["title"], main)

    def _page(self, title: str, main: str) -> str:
        return (
            '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ar-aa" lang="ar-aa" dir="rtl">\n'
            '<head><meta http-equiv="content-type" content="text/html; charset=utf-8" />'
            '<meta name="generator" content="Joomla! - Open Source Content Management" />'
            f"<title>{esc(title)}</title>"
            f'<link href="{esc(FEED)}" rel="alternate" type="application/rss+xml" title="RSS 2.0" />'
            '<link href="/templates/protostar/favicon.ico" rel="shortcut icon" type="image/vnd.microsoft.icon" />'
            '<script src="/media/jui/js/jquery.min.js"></script></head>\n'
            '<body class="site com_content view-article"><div class="body"><div class="container">'
            f'<header class="header"><a class="brand pull-right" href="/">{esc(self.spec.name_ar)}</a></header>'
            f'<nav class="navigation"><ul class="nav menu"><li class="item-101"><a href="/{esc(CATEGORY)}">أخبار محلية</a>'
            '</li></ul></nav>'
            f'<main id="content" role="main" class="span9">{main}</main>'
            '<div id="aside" class="span3"><div class="moduletable"><h3>الأكثر قراءة</h3></div></div>'
            '</div></div><footer class="footer">© شبكة الواحة التجريبية</footer></body></html>\n'
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(r['path']))}</link>"
            f"<guid isPermaLink=\"true\">{esc(self.url(r['path']))}</guid>"
            f"<description>{esc(r['lead'][:200])}</description><category>أخبار محلية</category>"
            f"<pubDate>{rfc822(local(r))}</pubDate></item>"
            for r in self.visible()[:10]
        )
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
                f"<channel><title>أخبار محلية</title><link>{esc(self.base_url)}</link>"
                f"<description>{esc(self.spec.name_ar)}</description>{items}</channel></rss>\n")
