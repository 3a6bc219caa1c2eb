"""dx-table: an agency site from the ASP era, served in windows-1256: nested <table>s, <font>,
paragraphs separated by <br>, the title, date and text in one cell on half the pages, a 12-hour
date "21/07/2015 - 10:30 م", the byline on its own line ("طرابلس - وال", "بنغازي: خاص") or as the
dateline of the first paragraph, "تكبير الخط | تصغير الخط" above and "طباعة | إرسال لصديق" below
the text. Listings: /news_list.asp?cat=1&page=N; no feed, no sitemap."""

from __future__ import annotations

from collections.abc import Mapping

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
from tests.fixture_site.sites.devbase import DevSite, clock12, local

CHARSET = "windows-1256"
PER_PAGE = 10


def table_date(record: Mapping) -> str:
    dt = local(record)
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year} - {clock12(dt)}"


class TableSite(DevSite):
    slug = "dx-table"
    utility_lines = ("طباعة | إرسال لصديق", "طباعة", "إرسال لصديق", "تكبير الخط | تصغير الخط", "عدد القراءات")

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/news_view.asp?id={record['site_id']}"
        record["variant"] = "table-one-cell" if record["n"] % 2 else "table-rows"

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self._by_id = {str(r["site_id"]): r for r in self.records}

    def route(self, request: Request) -> Response:
        path = request.path.lower()
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /admin/\nDisallow: /print.asp\n")
        if path in ("/", "/default.asp"):
            return self._page(self.spec.name_ar, self._list(self.visible()[:PER_PAGE], 1, 1))
        if path == "/news_list.asp":
            items = self.visible()
            page = int_param(request.query, "page", 1)
            pages = page_count(len(items), PER_PAGE)
            if page is None or not 1 <= page <= pages:
                return not_found()
            return self._page("الأخبار", self._list(page_slice(items, page, PER_PAGE), page, pages))
        if path == "/sendfriend.asp":
            return self._page("إرسال لصديق", '<form method="post" action="sendfriend.asp"><font size="2">'
                              'بريدك: <input name="from"><br>بريد صديقك: <input name="to"><br>'
                              '<input type="submit" value="إرسال"></font></form>')
        if path == "/news_view.asp":
            record = self.published(self._by_id.get(request.query.get("id", [""])[0]))
            if record is not None:
                return self._page(record["title"], self._article(record), no_charset=record["n"] % 3 == 0)
        return not_found()

    def _list(self, records: list[dict], page: int, pages: int) -> str:
        rows = "".join(
            f'<tr><td width="10"><img src="images/bullet.gif"></td><td><a href="news_view.asp?id={r["site_id"]}">'
            f'<font face="Tahoma" size="2" color="#003399">{esc(r["title"])}</font></a> '
            f'<font size="1" color="#808080">{esc(table_date(r))}</font></td></tr>'
            for r in records
        )
        nav = " ".join(
            f'<a href="news_list.asp?cat=1&amp;page={n}">[{n}]</a>' if n != page else f"<b>[{n}]</b>"
            for n in range(1, pages + 1)
        )
        more = '<a href="news_list.asp?cat=1&amp;page=1">المزيد من الأخبار</a>' if pages == 1 else ""
        return f'<table width="100%" cellspacing="2">{rows}</table><p align="center">{nav} {more}</p>'

    def _article(self, record: Mapping) -> str:
        byline = record["byline"]
        lines = []
        if byline["placement"] == "line":
            lines.append(f'<font color="#990000"><b>{esc(byline["text"])}</b></font>')
        lines += [esc(p) for p in record["paragraphs"]]
        text = "<br>\n<br>\n".join(lines)
        tools = (f'<a href="print.asp?id={record["site_id"]}" target="_blank">طباعة</a> | '
                 f'<a href="sendfriend.asp?id={record["site_id"]}">إرسال لصديق</a>')
        fonts = '<a href="javascript:fontUp()">تكبير الخط</a> | <a href="javascript:fontDown()">تصغير الخط</a>'
        related = "".join(f'<tr><td><a href="news_view.asp?id={r["site_id"]}"><font size="2">{esc(r["title"])}</font>'
                          "</a></td></tr>" for r in self.related(record))
        title = f'<font face="Simplified Arabic" size="4" color="#003366"><b>{esc(record["title"])}</b></font>'
        date = f'<font size="1" color="#808080">{esc(table_date(record))}</font>'
        if record["variant"] == "table-one-cell":
            core = (f'<tr><td class="news" align="right" valign="top">{title}<br>{date}<br><br>'
                    f'<font face="Simplified Arabic" size="3">{text}</font><br><br>'
                    f'<font size="2">{tools}</font></td></tr>')
        else:
            core = (f'<tr><td align="right">{title}</td></tr><tr><td align="right">{date}</td></tr>'
                    f'<tr><td align="left"><font size="1">{fonts}</font></td></tr>'
                    f'<tr><td align="right" class="text"><font face="Simplified Arabic" size="3">{text}</font></td></tr>'
                    f'<tr><td align="center"><font size="2">{tools}</font></td></tr>')
        return (
            f'<table width="100%" border="0" cellpadding="3" cellspacing="0">{core}'
            f'<tr><td><font size="1" color="#999999">عدد القراءات: {record["site_id"] % 500 + 17}</font></td></tr></table>'
            '<table width="100%" bgcolor="#EEEEEE"><tr><td><b><font size="2">أخبار ذات صلة</font></b></td></tr>'
            f"{related}</table>"
        )

    def _page(self, title: str, content: str, no_charset: bool = False) -> Response:
        text = (
            '<html dir="rtl">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={CHARSET}">\n'
            f"<title>{esc(self.spec.name_ar)} :: {esc(title)}</title>\n"
            '<script language="JavaScript" src="js/fonts.js"></script>\n</head>\n'
            '<body topmargin="0" leftmargin="0" bgcolor="#FFFFFF">\n'
            '<table width="780" align="center" border="0" cellpadding="0" cellspacing="0">'
            f'<tr><td colspan="3"><img src="images/banner.jpg" alt="{esc(self.spec.name_ar)}"></td></tr>'
            '<tr><td colspan="3" bgcolor="#003366"><font color="#FFFFFF" size="2">'
            '<a href="default.asp"><font color="#FFFFFF">الرئيسية</font></a> | '
            '<a href="news_list.asp?cat=1&amp;page=1"><font color="#FFFFFF">الأخبار</font></a></font></td></tr>'
            '<tr><td width="160" valign="top" bgcolor="#F5F5F5"><font size="2">القائمة<br>'
            '<a href="news_list.asp?cat=1&amp;page=1">أخبار محلية</a></font></td>'
            f'<td width="460" valign="top"><table width="100%"><tr><td>{content}</td></tr></table></td>'
            '<td width="160" valign="top"><font size="1">إعلان</font></td></tr>'
            '<tr><td colspan="3" align="center"><font size="1">جميع الحقوق محفوظة © 2001-2015</font></td></tr>'
            "</table>\n</body>\n</html>\n"
        )
        ctype = "text/html" if no_charset else f"text/html; charset={CHARSET}"
        return html_response(text, charset=CHARSET, content_type=ctype)
