"""dx-split: an outlet that splits long reports over two or three pages, the ways news CMSs do it. One gold
record per report (its body: every page's paragraphs, in order); record["parts"] holds the paragraphs of each
page and record["part_paths"] the URLs of pages 2 and later. Three variants, by record:

- split-path: WordPress's <!--nextpage-->, /reports/SLUG/ then /reports/SLUG/2/; <link rel="next"/"prev"> in
  the head, "الصفحات: 1 2 3" links under the text, every page its own canonical URL (as Yoast writes it);
- split-query: /report.php?id=N then &page=2; "الصفحة التالية" / "الصفحة السابقة" links, every page's
  canonical URL is page 1 (so a page 2 taken for an article would overwrite the report with its part);
- split-all: /reports/N.html then ?pg=2 (rel="next"), and a "عرض التقرير كاملاً" link to ?view=all, the whole
  report on one page whose canonical URL is page 1.

The home page lists the newest reports (page 1 URLs) and, in "الأكثر قراءة", page 2 of a few of them: a
crawler meets continuation pages before their first page. A sitemap lists every page 1.

Tests change the site while it is served: revise(path, paragraphs) edits one page of a report, and
list_only(paths) makes the listings, the sitemap and the feed name only those pages (e.g. a page 2).
"""

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
    page_slice,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, arabic_long_date, local

PER_PAGE = 8
VARIANTS = ("split-path", "split-query", "split-all")


def split_paragraphs(paragraphs: list[str]) -> list[list[str]]:
    count = 3 if len(paragraphs) >= 6 else 2
    size = -(-len(paragraphs) // count)
    return [paragraphs[i:i + size] for i in range(0, len(paragraphs), size)]


def part_path(record: Mapping, number: int) -> str:
    """The URL path of page ``number`` (1-based) of a report."""
    variant = record["variant"]
    if variant == "split-path":
        return f"/reports/{record['slug']}/" + (f"{number}/" if number > 1 else "")
    if variant == "split-query":
        return f"/report.php?id={record['site_id']}" + (f"&page={number}" if number > 1 else "")
    return f"/reports/{record['site_id']}.html" + (f"?pg={number}" if number > 1 else "")


class SplitSite(DevSite):
    slug = "dx-split"
    utility_lines = ("الصفحة التالية", "الصفحة السابقة", "الصفحات:", "عرض التقرير كاملاً", "الأكثر قراءة",
                     "تقارير ذات صلة")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["variant"] = VARIANTS[record["n"] % len(VARIANTS)]
        record["parts"] = split_paragraphs(record["paragraphs"])
        record["path"] = part_path(record, 1)
        record["part_paths"] = [part_path(record, n) for n in range(2, len(record["parts"]) + 1)]

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self.revised: dict[str, list[str]] = {}  # page path -> the paragraphs it shows since an edit
        self.listed: list[str] | None = None  # the only pages listings, sitemap and feed name (None: page 1s)
        self.parts: dict[str, tuple[dict, int]] = {}  # path -> (record, page number; 0: view all)
        for record in self.records:
            for number in range(1, len(record["parts"]) + 1):
                self.parts[part_path(record, number)] = (record, number)
            if record["variant"] == "split-all":
                self.parts[f"/reports/{record['site_id']}.html?view=all"] = (record, 0)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(f"User-agent: *\nDisallow: /admin/\n\nSitemap: {self.url('/sitemap.xml')}\n")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{esc(self.url(path))}</loc><lastmod>{local(r).isoformat()}</lastmod></url>"
                           for r, path in self._entries())
            return xml_response('<?xml version="1.0" encoding="UTF-8"?><urlset '
                                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
        if path == "/feed.xml":
            return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
        if path in ("/", "/reports"):
            return self._listing(int_param(request.query, "page", 1), home=path == "/")
        target = request.target.split("#", 1)[0]
        found = self.parts.get(target) or self.parts.get(self._normal(request))
        if found is None or self.published(found[0]) is None:
            return not_found()
        return html_response(self._page_of(*found))

    def revise(self, path: str, paragraphs: list[str]) -> None:
        """From now on the page at ``path`` (page N of a report) shows ``paragraphs``: an edit."""
        assert path in self.parts, path
        self.revised[path] = list(paragraphs)

    def list_only(self, paths: list[str] | None) -> None:
        """Listings, sitemap and feed name only these pages (None: every report's page 1 again)."""
        self.listed = list(paths) if paths is not None else None

    def _entries(self) -> list[tuple[dict, str]]:
        """(record, path) of each page the listings, sitemap and feed name, newest first."""
        if self.listed is None:
            return [(r, r["path"]) for r in self.visible()]
        return [(self.parts[p][0], p) for p in self.listed if self.published(self.parts[p][0]) is not None]

    def _paragraphs(self, record: Mapping, number: int) -> list[str]:
        """Page ``number``'s paragraphs (0: every page's, the "view all" page), edits included."""
        if number == 0:
            return [p for n in range(1, len(record["parts"]) + 1) for p in self._paragraphs(record, n)]
        return self.revised.get(part_path(record, number)) or record["parts"][number - 1]

    @staticmethod
    def _normal(request: Request) -> str:
        """path?query with the query in the order this site writes it (id, then page / pg / view)."""
        order = ("id", "page", "pg", "view")
        query = "&".join(f"{k}={request.query[k][0]}" for k in order if k in request.query)
        return request.path + (f"?{query}" if query else "")

    def _listing(self, page: int | None, home: bool) -> Response:
        items = self._entries()
        pages = page_count(len(items), PER_PAGE)
        if page is None or page < 1 or page > pages:
            return not_found()
        cards = "".join(
            f'<div class="card"><h2><a href="{esc(path)}">{esc(r["title"])}</a></h2>'
            f'<span class="date">{esc(arabic_long_date(local(r), with_time=False))}</span>'
            f'<p>{esc(r["paragraphs"][0][:150])}…</p></div>' for r, path in page_slice(items, page, PER_PAGE))
        pager = ""
        if page < pages:
            pager = f'<a class="next" href="/reports?page={page + 1}">تقارير أقدم</a>'
        most_read = ""
        if home and self.listed is None:
            split = [r for r, _ in items if r["variant"] == "split-path"][:3]
            most_read = ('<aside class="most-read"><h3>الأكثر قراءة</h3><ul>' + "".join(
                f'<li><a href="{esc(r["part_paths"][0])}">{esc(r["title"])} (2)</a></li>' for r in split)
                + "</ul></aside>")
        return html_response(self._layout(self.spec.name_ar, f'<main class="list">{cards}{pager}</main>{most_read}'))

    def _page_of(self, record: Mapping, number: int) -> str:
        parts = record["parts"]
        total = len(parts)
        variant = record["variant"]
        paragraphs = self._paragraphs(record, number)
        dt = local(record)
        head = []
        if variant == "split-path":
            head.append(f'<link rel="canonical" href="{esc(self.url(part_path(record, number)))}">')
        else:
            head.append(f'<link rel="canonical" href="{esc(self.url(record["path"]))}">')
        if variant != "split-query" and number:
            if number > 1:
                head.append(f'<link rel="prev" href="{esc(self.url(part_path(record, number - 1)))}">')
            if number < total:
                head.append(f'<link rel="next" href="{esc(self.url(part_path(record, number + 1)))}">')
        title = record["title"] + (f" - الصفحة {number}" if number > 1 else "")
        head.append(f'<meta property="og:title" content="{esc(title)}">')
        byline = record["byline"]
        by = (f'<span class="author">{esc(byline["text"])}</span>'
              if byline["placement"] == "field" and byline["text"] else "")
        text = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        nav = ""
        if number and variant == "split-path":
            nav = '<div class="page-links">الصفحات: ' + " ".join(
                f"<span>{n}</span>" if n == number else f'<a href="{esc(part_path(record, n))}">{n}</a>'
                for n in range(1, total + 1)) + "</div>"
        elif number and variant == "split-query":
            if number > 1:
                nav += f'<a class="prev-page" href="{esc(part_path(record, number - 1))}">الصفحة السابقة</a> '
            if number < total:
                nav += f'<a class="next-page" href="{esc(part_path(record, number + 1))}">الصفحة التالية</a>'
            nav = f'<div class="pager">{nav}</div>'
        elif number:
            pages = " | ".join(f"<b>{n}</b>" if n == number else f'<a href="{esc(part_path(record, n))}">{n}</a>'
                               for n in range(1, total + 1))
            nav = (f'<div class="pages">{pages}</div><a class="view-all" '
                   f'href="/reports/{record["site_id"]}.html?view=all">عرض التقرير كاملاً</a>')
        related = "".join(f'<li><a href="{esc(r["path"])}">{esc(r["title"])}</a></li>' for r in self.related(record))
        main = (
            f'<article class="report"><h1>{esc(record["title"])}</h1>'
            f'<div class="meta"><time datetime="{dt.isoformat()}">{esc(arabic_long_date(dt))}</time> {by}</div>'
            f'<div class="report-body">{text}</div>{nav}</article>'
            f'<section class="related"><h3>تقارير ذات صلة</h3><ul>{related}</ul></section>'
        )
        return self._layout(title, main, "".join(head))

    def _layout(self, title: str, main: str, head: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{esc(title)} | {esc(self.spec.name_ar)}</title>{head}"
            f'<link rel="alternate" type="application/rss+xml" href="{esc(self.url("/feed.xml"))}"></head>'
            f'<body><header><a class="logo" href="/">{esc(self.spec.name_ar)}</a>'
            '<nav><a href="/reports">التقارير</a></nav></header>'
            f'{main}<footer>© {esc(self.spec.name_ar)}</footer></body></html>\n'
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(path))}</link>"
            f"<pubDate>{rfc822(local(r))}</pubDate><description>{esc(r['lead'][:200])}</description></item>"
            for r, path in self._entries()[:10])
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>{items}</channel></rss>\n")
