"""workers.clean.dates: Arabic date expressions and the published-date search."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from trafilatura.utils import load_html

from workers.clean.dateparse import parse_arabic_date
from workers.clean.pagedate import date_from_url, find_published

TRIPOLI = ZoneInfo("Africa/Tripoli")
FETCHED = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)  # 14:00 in Tripoli


def tl(*args: int) -> datetime:
    return datetime(*args, tzinfo=TRIPOLI)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Egyptian month names, with and without hamza
        ("15 فبراير 2018", tl(2018, 2, 15)),
        ("الخميس، 15 فبراير 2018", tl(2018, 2, 15)),
        ("3 أبريل 2019", tl(2019, 4, 3)),
        ("3 ابريل 2019", tl(2019, 4, 3)),
        ("1 يونيه 2015", tl(2015, 6, 1)),
        ("1 يونيو 2015", tl(2015, 6, 1)),
        ("20 يوليه 2016", tl(2016, 7, 20)),
        ("9 اغسطس 2017", tl(2017, 8, 9)),
        ("9 أغسطس 2017", tl(2017, 8, 9)),
        ("31 أكتوبر 2020", tl(2020, 10, 31)),
        ("5 ديسمبر 2021", tl(2021, 12, 5)),
        ("15-فبراير-2018", tl(2018, 2, 15)),
        # Levantine month names
        ("15 شباط 2018", tl(2018, 2, 15)),
        ("1 كانون الثاني 2020", tl(2020, 1, 1)),
        ("25 كانون الأول 2016", tl(2016, 12, 25)),
        ("4 آذار 2019", tl(2019, 3, 4)),
        ("4 اذار 2019", tl(2019, 3, 4)),
        ("10 نيسان 2017", tl(2017, 4, 10)),
        ("2 أيار 2017", tl(2017, 5, 2)),
        ("30 حزيران 2014", tl(2014, 6, 30)),
        ("14 تموز 2013", tl(2013, 7, 14)),
        ("6 آب 2012", tl(2012, 8, 6)),
        ("11 أيلول 2012", tl(2012, 9, 11)),
        ("17 تشرين الأول 2019", tl(2019, 10, 17)),
        ("15 تشرين الثاني 2019", tl(2019, 11, 15)),
        ("15 فبراير/شباط 2018", tl(2018, 2, 15)),
        # Arabic-Indic digits
        ("١٥ فبراير ٢٠١٨", tl(2018, 2, 15)),
        ("١٠/١١/٢٠١٦", tl(2016, 11, 10)),
        # day-month-year numeric
        ("10.11.2016", tl(2016, 11, 10)),
        ("10/11/2016", tl(2016, 11, 10)),
        ("10-11-2016", tl(2016, 11, 10)),
        ("2016/11/10", tl(2016, 11, 10)),
        # times, with Arabic am/pm
        ("الخميس ١٥ شباط ٢٠١٨ - ١٠:٣٠ م", tl(2018, 2, 15, 22, 30)),
        ("23 يونيه 2012 الساعة 9:15 مساءً", tl(2012, 6, 23, 21, 15)),
        ("15/02/2018 08:05 ص", tl(2018, 2, 15, 8, 5)),
        ("15 فبراير 2018 12:10 ص", tl(2018, 2, 15, 0, 10)),
        # Hijri
        ("15 رمضان 1439 هـ", tl(2018, 5, 30)),
        ("1 شوال 1440هـ", tl(2019, 6, 4)),
        ("10 ذو الحجة 1441 هـ", tl(2020, 7, 31)),
        ("15/9/1439 هـ", tl(2018, 5, 30)),
        # Libyan calendar (months أي النار..الكانون, years from the Prophet's death: + 632)
        ("15 الطير 1373 و.ر.", tl(2005, 4, 15)),
        ("1 أي النار 1370 من وفاة الرسول", tl(2002, 1, 1)),
        ("7 النوار 1375", tl(2007, 2, 7)),
        ("20 الربيع 1369 و.ر", tl(2001, 3, 20)),
        ("3 الماء 1372", tl(2004, 5, 3)),
        ("12 الصيف 1374", tl(2006, 6, 12)),
        ("23 ناصر 1371", tl(2003, 7, 23)),
        ("8 هانيبال 1376", tl(2008, 8, 8)),
        ("1 الفاتح 1377", tl(2009, 9, 1)),
        ("6 التمور 1378", tl(2010, 10, 6)),
        ("11 الحرث 1368", tl(2000, 11, 11)),
        ("3 الكانون 1373", tl(2005, 12, 3)),
        ("3 الكانون 2005", tl(2005, 12, 3)),
        ("15/5/1373", tl(2005, 5, 15)),
        # machine formats
        ("2018-02-15", tl(2018, 2, 15)),
        ("2018-02-15 10:30:00", tl(2018, 2, 15, 10, 30)),
        ("2016-11-10T08:00:00Z", datetime(2016, 11, 10, 8, 0, tzinfo=UTC)),
        ("2018-02-15T10:30:00+0100", datetime(2018, 2, 15, 10, 30, tzinfo=timezone(timedelta(hours=1)))),
        ("Thu, 15 Feb 2018 10:00:00 +0000", datetime(2018, 2, 15, 10, 0, tzinfo=UTC)),
        ("February 15, 2018", tl(2018, 2, 15)),
    ],
)
def test_absolute_dates(text: str, expected: datetime):
    assert parse_arabic_date(text, fetched_at=FETCHED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("منذ ساعتين", tl(2024, 3, 10, 12, 0)),
        ("منذ 3 ساعات", tl(2024, 3, 10, 11, 0)),
        ("منذ ٣ ساعات", tl(2024, 3, 10, 11, 0)),
        ("منذ ثلاث ساعات", tl(2024, 3, 10, 11, 0)),
        ("منذ ساعة", tl(2024, 3, 10, 13, 0)),
        ("منذ دقيقة", tl(2024, 3, 10, 13, 59)),
        ("منذ 5 دقائق", tl(2024, 3, 10, 13, 55)),
        ("منذ يوم", tl(2024, 3, 9, 14, 0)),
        ("قبل يومين", tl(2024, 3, 8, 14, 0)),
        ("منذ 3 أيام", tl(2024, 3, 7, 14, 0)),
        ("منذ أسبوع", tl(2024, 3, 3, 14, 0)),
        ("أمس", tl(2024, 3, 9)),
        ("الأمس", tl(2024, 3, 9)),
        ("أمس 10:30 ص", tl(2024, 3, 9, 10, 30)),
        ("أول أمس", tl(2024, 3, 8)),
        ("اليوم", tl(2024, 3, 10)),
        ("اليوم الساعة 09:15", tl(2024, 3, 10, 9, 15)),
        ("2 hours ago", tl(2024, 3, 10, 12, 0)),
    ],
)
def test_relative_dates_against_fetched_at(text: str, expected: datetime):
    assert parse_arabic_date(text, fetched_at=FETCHED) == expected


def test_day_and_month_without_year_take_the_latest_past_year():
    assert parse_arabic_date("5 مارس", fetched_at=FETCHED) == tl(2024, 3, 5)
    assert parse_arabic_date("15 ديسمبر", fetched_at=FETCHED) == tl(2023, 12, 15)


def test_naive_fetched_at_is_taken_as_utc():
    assert parse_arabic_date("منذ ساعتين", fetched_at=datetime(2024, 3, 10, 12, 0)) == tl(2024, 3, 10, 12, 0)


@pytest.mark.parametrize(
    "text",
    [
        "2019-02-31",
        "31/02/2019",
        "31 فبراير 2019",
        "30 شباط 2019",
        "32 يناير 2019",
        "",
        "   ",
        "لا تاريخ هنا",
        "غدا",
    ],
)
def test_invalid_or_missing_dates_give_none(text: str):
    assert parse_arabic_date(text, fetched_at=FETCHED) is None


def test_future_date_is_rejected_and_logged(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="akhbar.clean.dates"):
        assert parse_arabic_date("2024-03-12T10:00:00+02:00", fetched_at=FETCHED) is None
    assert any("future" in r.getMessage() and r.name == "akhbar.clean.dates" for r in caplog.records)


def test_small_clock_skew_is_tolerated():
    assert parse_arabic_date("2024-03-10T15:00:00+02:00", fetched_at=FETCHED) == tl(2024, 3, 10, 15, 0)


def test_date_before_the_outlet_existed_is_rejected_and_logged(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="akhbar.clean.dates"):
        assert (
            parse_arabic_date("15 فبراير 2010", fetched_at=FETCHED, outlet_founded=date(2011, 2, 17)) is None
        )
    assert any("before the outlet existed" in r.getMessage() for r in caplog.records)
    assert parse_arabic_date("15 فبراير 1985", fetched_at=FETCHED) is None  # default founding: 1990-01-01
    assert parse_arabic_date("15 فبراير 2012", fetched_at=FETCHED, outlet_founded=date(2011, 2, 17)) == tl(
        2012, 2, 15
    )


def test_date_from_url():
    assert date_from_url("https://alwasat.ly/news/2018/02/15/123") == tl(2018, 2, 15)
    assert date_from_url("https://example.ly/article-20190305-libya") == tl(2019, 3, 5)
    assert date_from_url("https://example.ly/2019/02/31/x") is None
    assert date_from_url("https://example.ly/news/123456") is None


# --- find_published ------------------------------------------------------------------------------
PAGE = """<html><head>
<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2018-02-15T09:00:00+02:00"}</script>
<meta property="article:published_time" content="2018-02-14T08:00:00+02:00">
</head><body><article><p>طرابلس 13 فبراير 2018 (وال) - نص الخبر</p>
<span class="date">12 فبراير 2018</span></article></body></html>"""


def test_json_ld_beats_meta_beats_dateline():
    tree = load_html(PAGE)
    assert find_published(tree, "https://x.ly/2018/02/11/a", FETCHED) == (tl(2018, 2, 15, 9, 0), "json-ld")
    no_jsonld = load_html(PAGE.replace('"datePublished"', '"dateX"'))
    assert find_published(no_jsonld, None, FETCHED) == (tl(2018, 2, 14, 8, 0), "meta")
    bare = load_html(PAGE.replace('"datePublished"', '"dateX"').replace("article:published_time", "x"))
    assert find_published(bare, None, FETCHED, opening="طرابلس 13 فبراير 2018 (وال) - نص") == (
        tl(2018, 2, 13),
        "dateline",
    )


def test_url_then_dated_elements():
    bare = load_html(PAGE.replace('"datePublished"', '"dateX"').replace("article:published_time", "x"))
    assert find_published(bare, "https://x.ly/2018/02/11/a", FETCHED) == (tl(2018, 2, 11), "url")
    assert find_published(bare, "https://x.ly/a", FETCHED) == (tl(2018, 2, 12), "text")


def test_future_structured_date_falls_through_to_the_next_source():
    page = PAGE.replace("2018-02-15T09:00:00+02:00", "2031-01-01T00:00:00+02:00")
    assert find_published(load_html(page), None, FETCHED) == (tl(2018, 2, 14, 8, 0), "meta")


def test_site_header_date_is_ignored():
    page = """<html><body><header><span class="date">الأحد 10 مارس 2024</span></header>
    <div class="post"><span class="post-date">الخميس 15 فبراير 2018</span><p>نص</p></div></body></html>"""
    assert find_published(load_html(page), None, FETCHED) == (tl(2018, 2, 15), "text")


def test_htmldate_covers_the_generic_case():
    page = """<html><head><title>Report</title></head><body><div class="c"><h1>Report</h1>
    <p>Some text about things. Posted on 2019-03-05 by the desk.</p><p>More text.</p></div></body></html>"""
    assert find_published(load_html(page), "https://x.ly/a", FETCHED) == (tl(2019, 3, 5), "text")


def test_caller_candidates_and_feed_source():
    tree = load_html("<html><body><p>x</p></body></html>")
    found = find_published(
        tree, None, FETCHED, candidates=[(None, "json-ld"), ("Thu, 15 Feb 2018 10:00:00 +0000", "feed")]
    )
    assert found == (datetime(2018, 2, 15, 10, 0, tzinfo=UTC), "feed")


def test_plain_text_input():
    assert find_published("طرابلس 15 فبراير 2018 (وال) - نص الخبر", None, FETCHED) == (
        tl(2018, 2, 15),
        "dateline",
    )
    assert find_published("نص الخبر الذي نشر في 12/03/2017 كما ورد", None, FETCHED) == (
        tl(2017, 3, 12),
        "text",
    )


def test_nothing_valid_gives_none():
    page = '<html><head><meta property="article:published_time" content="2035-01-01"></head><body><p>نص</p></body></html>'
    assert find_published(load_html(page), "https://x.ly/a", FETCHED) == (None, None)
    founded_late = find_published(load_html(PAGE), "https://x.ly/a", FETCHED, date(2020, 1, 1))
    assert founded_late == (None, None)


def test_date_in_an_article_header_is_not_page_furniture():
    page = """<html><body><header class="site-header"><span class="date">الأحد 10 مارس 2024</span></header>
    <article><header><h1>عنوان</h1><time>الخميس 15 فبراير 2018</time></header><p>نص</p></article></body></html>"""
    assert find_published(load_html(page), None, FETCHED) == (tl(2018, 2, 15), "text")


def test_htmldate_ignores_the_site_header_date():
    page = """<html><body><nav class="topbar">الأحد 10 مارس 2024</nav><div class="c"><h1>Report</h1>
    <p>Some text about things.</p></div></body></html>"""
    tree = load_html(page)
    assert find_published(tree, None, FETCHED) == (None, None)
    assert tree.find(".//nav") is not None  # the caller's tree is left alone by default
