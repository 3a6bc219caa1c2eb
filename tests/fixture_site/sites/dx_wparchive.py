"""dx-wparchive: WordPress with /%postname%/ permalinks (Arabic slugs) whose older articles are reachable only
through its date archives: the home page shows the five newest with no "older posts" pager, the feed the
same five, no sitemap (the plugin that would write one is off), posts have no previous/next post links, and the
archives widget is a dropdown (<select>, no links). What links the rest: the calendar widget (day archives /YYYY/MM/DD/ of the month shown,
« previous and next » month with posts), month archives /YYYY/MM/ paged /YYYY/MM/page/N/, and the theme's
"« الشهر السابق" link under a month archive, which goes to the previous calendar month whether it has posts
or not, back without end (a soft trap: only yield bounds it). Year archives /YYYY/ exist but nothing links them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from urllib.parse import quote

from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    not_found,
    page_count,
    page_slice,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import local
from tests.fixture_site.sites.dx_wpplain import PER_PAGE, WordPressSite, month_label

_ARCHIVE = re.compile(r"^/(\d{4})/(?:(\d{2})/(?:(\d{2})/)?)?(?:page/(\d+)/)?$")
_WORD = re.compile(r"[\w\u0600-\u06ff]+")
WEEK_HEAD = ("ن", "ث", "ر", "خ", "ج", "س", "د")


def arabic_slug(title: str, n: int) -> str:
    words = _WORD.findall(title)[:6]
    return quote("-".join(words) or f"post-{n}", safe="-")


class WpArchiveSite(WordPressSite):
    slug = "dx-wparchive"
    post_navigation = False  # the theme shows no previous/next post: only the archives link older posts

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/{arabic_slug(record['title'], record['n'])}-{record['n']}/"
        record["variant"] = f"wparchive-byline-{record['byline']['placement']}"

    def nav_links(self) -> list[tuple[str, str]]:
        return [("/", "الرئيسية")]

    def _months(self) -> list[tuple[int, int]]:
        return sorted({(local(r).year, local(r).month) for r in self.visible()})

    def archive_widgets(self, shown: tuple[int, int] | None = None) -> str:
        months = self._months()
        if not months:
            return ""
        year, month = shown or months[-1]
        options = "".join(f'<option value="{esc(self.url(f"/{y:04d}/{m:02d}/"))}">{esc(month_label(y, m))}</option>'
                          for y, m in reversed(months))
        dropdown = ('<section class="widget widget_archive"><h2 class="widget-title">الأرشيف</h2>'
                    '<select name="archive-dropdown" onchange="document.location.href=this.options[this.selectedIndex].value;">'
                    f'<option value="">اختر الشهر</option>{options}</select></section>')
        return self._calendar(year, month, months) + dropdown

    def _calendar(self, year: int, month: int, months: list[tuple[int, int]]) -> str:
        days = {local(r).day for r in self.visible() if (local(r).year, local(r).month) == (year, month)}
        cells = []
        for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
            row = "".join(
                "<td>&nbsp;</td>" if d == 0 else
                f'<td><a href="/{year:04d}/{month:02d}/{d:02d}/" aria-label="مقالات نشرت في {d}">{d}</a></td>'
                if d in days else f"<td>{d}</td>" for d in week)
            cells.append(f"<tr>{row}</tr>")
        before = [m for m in months if m < (year, month)]
        after = [m for m in months if m > (year, month)]
        prev = (f'<span class="wp-calendar-nav-prev"><a href="/{before[-1][0]:04d}/{before[-1][1]:02d}/">'
                f"&laquo; {esc(month_label(*before[-1]).split()[0])}</a></span>") if before else ""
        nxt = (f'<span class="wp-calendar-nav-next"><a href="/{after[0][0]:04d}/{after[0][1]:02d}/">'
               f"{esc(month_label(*after[0]).split()[0])} &raquo;</a></span>") if after else ""
        head = "".join(f'<th scope="col">{d}</th>' for d in WEEK_HEAD)
        return ('<section class="widget widget_calendar"><div class="calendar_wrap"><table id="wp-calendar" '
                f'class="wp-calendar-table"><caption>{esc(month_label(year, month))}</caption><thead><tr>{head}'
                f'</tr></thead><tbody>{"".join(cells)}</tbody></table><nav class="wp-calendar-nav">{prev}'
                f'<span class="pad">&nbsp;</span>{nxt}</nav></div></section>')

    def sidebar(self, shown: tuple[int, int] | None = None) -> str:
        return ('<aside id="secondary" class="widget-area" role="complementary">'
                f"{self.archive_widgets(shown)}</aside>")

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n")
        if path == "/feed/":
            return xml_response(self.feed(self.visible()[:5]), "application/rss+xml; charset=UTF-8")
        if path == "/":
            return html_response(self.listing(self.spec.name_ar, self.visible()[:5]))
        archive = _ARCHIVE.match(path)
        if archive:
            return self._archive(*(int(g) if g else None for g in archive.groups()))
        record = self.published(self.by_path.get(quote(path, safe="/-")))
        if record is None:
            return not_found()
        return html_response(self.article(record))

    def _archive(self, year: int, month: int | None, day: int | None, page: int | None) -> Response:
        if not 1 <= year <= 9999 or (month is not None and not 1 <= month <= 12):
            return not_found()
        if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
            return not_found()
        items = [r for r in self.visible() if local(r).year == year and (month is None or local(r).month == month)
                 and (day is None or local(r).day == day)]
        page = page or 1
        pages = page_count(len(items), PER_PAGE)
        if page < 1 or (page > pages and (items or page > 1)):
            return not_found()
        base = f"/{year:04d}/" + (f"{month:02d}/" if month else "") + (f"{day:02d}/" if day else "")
        pager = self.pager(page, pages, lambda n: base if n == 1 else f"{base}page/{n}/")
        if month is not None and day is None:
            # The theme's own link: always the calendar month before, posts or not (WordPress's calendar
            # only links months that have posts).
            py, pm = (year - 1, 12) if month == 1 else (year, month - 1)
            if py >= 1:
                pager += f'<div class="older-month"><a href="/{py:04d}/{pm:02d}/">&laquo; الشهر السابق</a></div>'
        title = f"الأرشيف: {month_label(year, month) if month else year}"
        return html_response(self.listing_with(title, page_slice(items, page, PER_PAGE), pager,
                                               (year, month) if month else None))

    def listing_with(self, title: str, items: list[dict], pager: str, shown: tuple[int, int] | None) -> str:
        posts = "".join(self.excerpt(r) for r in items) or '<p class="no-results">لا توجد مقالات.</p>'
        main = f'<header class="page-header"><h1 class="page-title">{esc(title)}</h1></header>{posts}{pager}'
        return self.layout(title, main, "archive date", sidebar=self.sidebar(shown))

    def article(self, record: Mapping, head: str = "") -> str:
        return super().article(record, f'<link rel="canonical" href="{esc(self.url(record["path"]))}" />')
