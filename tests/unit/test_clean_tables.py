"""Old agency table layouts (issue 11, class 2): <br>-separated paragraphs in table cells keep their
first paragraph, and page-tool lines (print, send to a friend, font size, share, PDF, RSS) are
boilerplate. Pages are hand-written in the shapes such templates take."""

from __future__ import annotations

import pytest

from akhbar.core.registry import Outlet
from workers.clean.boilerplate import TOOLS, classify, clean_paragraphs
from workers.clean.extract import extract_article

TITLE = "وزارة الصحة تتسلم شحنة أدوية أورام بوزن أربعة عشر طناً"
PARAGRAPHS = [
    "تسلمت وزارة الصحة اليوم شحنة من أدوية الأورام والعلاج الكيميائي بوزن 14 طناً، وصلت إلى مطار معيتيقة "
    "الدولي على متن طائرة شحن قادمة من إيطاليا.",
    "وأوضح مدير جهاز الإمداد الطبي عبدالسلام الهمالي أن الشحنة تضم 47 صنفاً دوائياً، وسيجري توزيعها على "
    "مراكز علاج الأورام في طرابلس وبنغازي ومصراتة وسبها خلال الأسبوع الجاري.",
    "وأضاف الهمالي أن الجهاز يعمل على توريد شحنة ثانية قبل نهاية الشهر المقبل لتغطية العجز في أدوية الأطفال.",
]
SITE = "وكالة أنباء الاختبار"
BR2 = "<br><br>".join(PARAGRAPHS)

SHAPES = {
    "text in the cell": f"<tr><td><b>{TITLE}</b></td></tr><tr><td>{BR2}</td></tr>",
    "inside <font>": f'<tr><td><font size="4"><b>{TITLE}</b></font></td></tr>'
    f'<tr><td><font face="Tahoma" size="2">{BR2}</font></td></tr>',
    "title, date and text in one cell": f'<tr><td><b>{TITLE}</b><br><font color="gray">الثلاثاء 20 فبراير 2018'
    f"</font><br><br>{BR2}</td></tr>",
    "single <br>": f"<tr><td><b>{TITLE}</b></td></tr><tr><td>{'<br>'.join(PARAGRAPHS)}</td></tr>",
    "nested tables": f"<tr><td><table><tr><td><strong>{TITLE}</strong></td></tr><tr><td>{BR2}</td></tr>"
    "</table></td></tr>",
    "first paragraph in a <span>": f'<tr><td><b>{TITLE}</b></td></tr><tr><td><span class="text">'
    f"{PARAGRAPHS[0]}</span><br><br>{'<br><br>'.join(PARAGRAPHS[1:])}</td></tr>",
    "bare text, then <p>": f"<tr><td><b>{TITLE}</b></td></tr><tr><td>{PARAGRAPHS[0]}"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
    + "</td></tr>",
    "<div> of <br> runs": f'<tr><td><h3>{TITLE}</h3><div align="justify">{"<br/>".join(PARAGRAPHS)}</div></td></tr>',
}
TOOL_ROWS = [
    '<a href="print.php?id=7">طباعة</a> | <a href="send.php?id=7">إرسال لصديق</a>',
    '<a href="#">تكبير الخط</a> | <a href="#">تصغير الخط</a>',
    'حجم الخط: <a href="#">+</a> <a href="#">-</a>',
    '<img src="pdf.gif" alt=""> PDF | <a href="rss.php">RSS</a>',
    '<a href="#">اطبع</a> - <a href="#">أرسل</a> - <a href="#">شارك</a>',
]


def _page(inner: str, tools: str) -> bytes:
    return f"""<html dir="rtl"><head><meta charset="utf-8"><title>{SITE} - {TITLE}</title></head><body>
<table width="100%"><tr><td class="header">{SITE}</td></tr>
<tr><td class="menu"><a href="index.php">الرئيسية</a> | <a href="news.php">الأخبار</a></td></tr>
<tr><td><table width="100%" cellpadding="4">{inner}<tr><td class="tools">{tools}</td></tr></table></td></tr>
<tr><td><a href="/news.php?id=2">افتتاح معرض الكتاب في بنغازي</a><br>
<a href="/news.php?id=3">بدء صيانة طريق الكفرة</a></td></tr>
<tr><td class="footer">جميع الحقوق محفوظة</td></tr></table></body></html>""".encode()


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("tools", range(len(TOOL_ROWS)))
def test_table_layout_keeps_every_paragraph_and_drops_tools(shape: str, tools: int):
    article = extract_article(
        _page(SHAPES[shape], TOOL_ROWS[tools]), "http://agency.test/news.php?id=7", outlet_config=Outlet(name="agency", base_url="http://agency.test/", name_ar=SITE)
    )
    assert article["title"] == TITLE
    assert article["body"].split("\n\n") == PARAGRAPHS
    assert article["lead"] == PARAGRAPHS[0]


@pytest.mark.parametrize(
    "line",
    [
        "طباعة | إرسال لصديق",
        "إرسال لصديق - طباعة - حفظ",
        "تكبير الخط | تصغير الخط",
        "حجم الخط: + -",
        "A+ A-",
        "PDF | RSS",
        "اطبع | أرسل",
        "print | send to a friend | font size",
        "طباعة الخبر • أرسل لصديق • مشاركة",
    ],
)
def test_tool_lines_are_boilerplate(line: str):
    assert classify(line) == TOOLS
    assert clean_paragraphs([PARAGRAPHS[0], line, PARAGRAPHS[1]])[0] == PARAGRAPHS[:2]


@pytest.mark.parametrize(
    "line",
    [
        "أرسل الرئيس وفداً إلى طرابلس لبحث الأزمة",
        "الخط الساخن للطوارئ يعمل على مدار الساعة",
        "عودة اللاجئين إلى ديارهم في تاورغاء",
        "تكبير قاعة المؤتمرات لتتسع لألف مشارك",
        "حفظ الأمن مسؤولية الجميع",
    ],
)
def test_sentences_that_start_with_a_tool_word_stay(line: str):
    assert classify(line) is None


@pytest.mark.parametrize("line", ["عدد القراءات: 174", "1,250 مشاهدة", "Views: 88", "القراءات 12"])
def test_counter_lines_are_boilerplate(line: str):
    assert classify(line) == TOOLS


def test_three_column_layout_keeps_only_the_article_column():
    """menu | article | ad columns, body text inside <font> with <br> runs, as old ASP agencies print."""
    body = "<br><br>".join(PARAGRAPHS)
    page = f"""<html dir="rtl"><head><meta charset="utf-8"><title>{SITE} :: {TITLE}</title></head><body>
<table width="780"><tr><td colspan="3"><img src="banner.jpg" alt="{SITE}"></td></tr>
<tr><td width="160" valign="top"><font size="2">القائمة<br><a href="list.asp?cat=1">أخبار محلية</a></font></td>
<td width="460"><table><tr><td><font size="4"><b>{TITLE}</b></font></td></tr>
<tr><td><font size="1">26/07/2015 - 02:37 ص</font></td></tr>
<tr><td><font face="Simplified Arabic" size="3">{body}</font></td></tr>
<tr><td><font size="1" color="#999999">عدد القراءات: 174</font></td></tr></table></td>
<td width="160" valign="top"><font size="1">إعلان</font></td></tr></table></body></html>"""
    url = "http://agency.test/news_view.asp?id=9157"
    article = extract_article(page.encode(), url, outlet_config=Outlet(name="agency", base_url="http://agency.test/", name_ar=SITE))
    assert article["title"] == TITLE
    assert article["body"].split("\n\n") == PARAGRAPHS
    assert article["published_at"] == "2015-07-26T02:37:00+02:00"  # the bare date line, with its time

    from parsel import Selector

    from crawler.classify import is_article

    assert is_article(Selector(text=page), url)  # the text sits in <font>, not in <p>


def test_blog_name_heading_is_not_the_title():
    """Blogger: the only <h1> is the blog's name linking home; <title> is "Blog: Post"."""
    blog = "مدونة أخبار الجنوب"
    page = f"""<html dir="rtl"><head><meta charset="utf-8"><title>{blog}: {TITLE}</title></head><body>
<header><h1 class="title"><a href="/">{blog}</a></h1></header><div class="post">
<h3 class="post-title entry-title"><a href="/2015/07/x.html">{TITLE}</a></h3>
<span class="post-timestamp"><abbr class="published" itemprop="datePublished"
 title="2015-07-22T13:09:00+02:00">01:09 م</abbr></span>
<div class="post-body entry-content">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div></div></body></html>"""
    article = extract_article(page.encode(), "http://blog.test/2015/07/x.html", outlet_config=Outlet(name="blog", base_url="http://blog.test/", name_ar=blog))
    assert article["title"] == TITLE
    assert article["published_at"] == "2015-07-22T13:09:00+02:00"  # hAtom <abbr title>
