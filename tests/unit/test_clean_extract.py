"""workers.clean.extract.extract_article: the Article contract end to end, on inline pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from akhbar.core.registry import Outlet, Selectors
from akhbar.core.text import content_hash
from workers.clean import extract_article as reexported
from workers.clean.errors import EmptyContentError, ExtractionError, NotHTMLError, TooLargeError
from workers.clean.extract import ARTICLE_KEYS, extract_article, without_pre_document_output


def _outlet(**entry) -> Outlet:
    """A registry outlet from a registry entry's keys (name and base_url filled in)."""
    return Outlet.from_payload({"name": "example", "base_url": "https://example.ly/", **entry})

TRIPOLI = ZoneInfo("Africa/Tripoli")
FETCHED = datetime(2024, 5, 5, 12, 0, tzinfo=UTC)
P1 = (
    "أعلنت الحكومة الليبية اليوم عن خطة جديدة لمعالجة أزمة انقطاع الكهرباء في عدد من المدن، "
    "وذلك بعد أسابيع من الانقطاعات المتكررة التي أثرت على حياة المواطنين."
)
P2 = (
    "وقال المتحدث باسم الحكومة إن الخطة تشمل صيانة محطات التوليد وإضافة وحدات جديدة خلال الأشهر "
    "المقبلة، مؤكدا أن المصدر الرئيسي للمشكلة هو نقص الوقود."
)
P3 = (
    "وأضاف أن الحكومة ستعمل مع الشركة العامة للكهرباء على وضع جدول زمني واضح لتنفيذ الخطة، "
    "داعيا المواطنين إلى ترشيد الاستهلاك خلال فترة الذروة."
)

FULL = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>الحكومة تعلن خطة جديدة - بوابة الوسط</title>
<link rel="canonical" href="/news/libya/123456?utm_source=fb&amp;utm_medium=social#top">
<meta property="og:title" content="عنوان من أوبن غراف | بوابة الوسط">
<meta property="og:site_name" content="بوابة الوسط">
<meta name="description" content="وصف الخبر">
<meta name="author" content="كاتب من الميتا">
<meta property="article:published_time" content="2018-02-14T08:00:00+02:00">
<meta property="article:section" content="ليبيا">
<meta property="article:tag" content="طرابلس"><meta property="article:tag" content="الحكومة">
<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
  {{"@type": "WebSite", "name": "بوابة الوسط"}},
  {{"@type": "NewsArticle", "headline": "الحكومة الليبية تعلن خطة جديدة للكهرباء",
    "datePublished": "2018-02-15T09:00:00+02:00", "articleSection": "اقتصاد",
    "author": [{{"@type": "Person", "name": "محمد علي"}}, {{"@type": "Organization", "name": "بوابة الوسط"}}],
    "keywords": "كهرباء، طاقة"}}]}}</script>
</head><body>
<header><nav><a href="/">الرئيسية</a> <span class="date">الأحد 5 مايو 2024</span></nav></header>
<article><h1>الحكومة الليبية تعلن خطة جديدة للكهرباء</h1>
<p>كتب: سالم الورفلي</p>
<p>طرابلس 15 فبراير 2018 (وال) - {P1}</p>
<figure><img src="a.jpg"><figcaption>وزير الكهرباء خلال المؤتمر الصحفي</figcaption></figure>
<p>{P2.replace("جديدة", "جديدة (صورة: أرشيفية)", 1)}</p>
<div class="related-box"><h3>اقرأ أيضاً</h3><ul><li><a href="/1">انقطاع الكهرباء في بنغازي</a></li>
<li><a href="/2">وزير الطاقة يزور مصراتة</a></li></ul></div>
<p>{P3}</p>
<p><strong>إقرأ أيضا:</strong> <a href="/3">الحكومة تناقش الميزانية</a></p>
<p>تابعونا على فيسبوك وتويتر</p>
<div class="share"><span>شارك</span> <a>فيسبوك</a> <a>تويتر</a></div>
</article>
<div id="comments"><h3>التعليقات</h3><p>تعليق رائع جدا من قارئ كريم</p></div>
<footer>جميع الحقوق محفوظة © بوابة الوسط</footer></body></html>"""


def extract(html: str | bytes, url: str = "https://alwasat.ly/news/libya/123456?fbclid=abc", **kw) -> dict:
    raw = html.encode("utf-8") if isinstance(html, str) else html
    return extract_article(raw, url, fetched_at=FETCHED, **kw)


def test_full_article_contract():
    article = extract(FULL, outlet="alwasat")
    assert tuple(article) == ARTICLE_KEYS
    assert article == {
        "url": "https://alwasat.ly/news/libya/123456?fbclid=abc",
        "canonical_url": "https://alwasat.ly/news/libya/123456",
        "outlet": "alwasat",
        "title": "الحكومة الليبية تعلن خطة جديدة للكهرباء",
        "body": f"طرابلس 15 فبراير 2018 (وال) - {P1}\n\n{P2}\n\n{P3}",
        "lead": f"طرابلس 15 فبراير 2018 (وال) - {P1}",
        "authors": ["محمد علي"],
        "published_at": "2018-02-15T09:00:00+02:00",
        "date_source": "json-ld",
        "language": "ar",
        "dateline": "طرابلس",
        "source_outlet": "lana",
        "section": "اقتصاد",
        "tags": ["كهرباء", "طاقة", "طرابلس", "الحكومة"],
        "content_hash": content_hash(f"طرابلس 15 فبراير 2018 (وال) - {P1}\n\n{P2}\n\n{P3}"),
        # the places the text names; the dateline alone makes no main place, so no point on the map
        "places": [{"id": "ly:tripoli", "name_ar": "طرابلس", "name_en": "Tripoli", "country": "LY"}],
        "main_place": None,
        "location": None,
    }
    json.dumps(article)  # JSON-serialisable
    assert reexported is extract_article


def test_meta_is_used_when_json_ld_is_missing():
    html = FULL.split('<script type="application/ld+json">')[0] + FULL.split("</script>", 1)[1]
    article = extract(html)
    assert article["title"] == "عنوان من أوبن غراف"  # site name suffix dropped
    assert article["published_at"] == "2018-02-14T08:00:00+02:00"
    assert article["date_source"] == "meta"
    assert article["authors"] == ["كاتب من الميتا"]
    assert article["section"] == "ليبيا"
    assert article["tags"] == ["طرابلس", "الحكومة"]


def test_text_sources_are_used_when_structured_data_is_missing():
    head, rest = FULL.split("</head>")
    body = rest
    html = '<html lang="ar"><head><title>الحكومة تعلن خطة جديدة - بوابة الوسط</title></head>' + body
    article = extract(html, url="https://alwasat.ly/news/libya/123456")
    assert article["title"] == "الحكومة الليبية تعلن خطة جديدة للكهرباء"  # the single <h1>
    assert article["published_at"] == "2018-02-15T00:00:00+02:00"
    assert article["date_source"] == "dateline"
    assert article["authors"] == ["سالم الورفلي"]  # from the byline, removed from the body
    assert "كتب" not in article["body"]
    assert article["section"] is None
    assert article["tags"] == []
    assert article["canonical_url"] == "https://alwasat.ly/news/libya/123456"


def test_future_json_ld_date_falls_back_to_meta():
    article = extract(FULL.replace("2018-02-15T09:00:00+02:00", "2030-01-01T00:00:00+02:00"))
    assert (article["published_at"], article["date_source"]) == ("2018-02-14T08:00:00+02:00", "meta")


def test_pre_founding_dates_give_null_published_at():
    html = FULL.replace("2018-02-15T09:00:00+02:00", "1989-01-01").replace("2018-02-14T08:00:00+02:00", "x")
    html = html.replace("15 فبراير 2018", "15 فبراير 1988")
    article = extract(html, url="https://alwasat.ly/news/1", outlet_config=_outlet(founded="2014-01-01"))
    assert article["published_at"] is None
    assert article["date_source"] is None


def test_windows_1256_page_without_declared_charset():
    html = f"<html><head><title>انقطاع المياه</title></head><body><div><h1>انقطاع المياه في بنغازي</h1><p>بنغازي - {P1}</p><p>{P2}</p></div></body></html>"
    article = extract(html.encode("cp1256"), url="https://example.ly/a/1")
    assert article["title"] == "انقطاع المياه في بنغازي"
    assert article["body"] == f"بنغازي - {P1}\n\n{P2}"
    assert article["dateline"] == "بنغازي"
    assert article["language"] == "ar"


def test_content_type_header_charset_is_used():
    html = f"<html><body><article><h1>عنوان</h1><p>{P1}</p></article></body></html>"
    article = extract(html.encode("cp1256"), headers={"Content-Type": "text/html; charset=windows-1256"})
    assert article["body"] == P1


def test_malformed_html_still_extracts():
    html = (
        f"<html><body><div><h1>عنوان بدون إغلاق<p>طرابلس | {P1}<p>فقرة ثانية <b>غير مغلقة {P2}"
        "</div></td></table></span>"
    )
    article = extract(html, url="https://example.ly/a/2")
    assert article["title"] == "عنوان بدون إغلاق"
    assert article["body"] == f"طرابلس | {P1}\n\nفقرة ثانية غير مغلقة {P2}"
    assert article["dateline"] == "طرابلس"


def test_generic_template_unlike_any_rule():
    html = f"""<html><head><title>وزارة الصحة تطلق حملة تطعيم وطنية</title></head><body>
    <div class="kopfzeile"><a href="/">Startseite</a> <a href="/p">Politik</a> <a href="/w">Wirtschaft</a></div>
    <div class="inhalt"><div class="spalte-links"><div class="kasten">
    <div class="titelzeile">وزارة الصحة تطلق حملة تطعيم وطنية</div>
    <div class="textblock"><div class="absatz">{P1}</div><div class="absatz">{P2}</div><div class="absatz">{P3}</div></div>
    </div></div><div class="spalte-rechts"><a href="/1">رابط أول</a> <a href="/2">رابط ثان</a></div></div>
    <div class="fusszeile">Impressum · Kontakt</div></body></html>"""
    article = extract(html, url="https://example.ly/x/99")
    assert article["title"] == "وزارة الصحة تطلق حملة تطعيم وطنية"
    assert article["body"] == f"{P1}\n\n{P2}\n\n{P3}"
    assert article["lead"] == P1
    assert article["authors"] == []
    assert article["published_at"] is None


AGGREGATED = f"""<html><head><title>المجلس الرئاسي يعقد اجتماعا طارئا - ليبيا الآن</title></head><body>
<div class="single"><h1>المجلس الرئاسي يعقد اجتماعا طارئا</h1>
<span class="post-date">منذ ساعتين</span>
<div class="post-body"><p>{P1}</p><p>{P2}</p>
<p>مصدر الخبر / بوابة الوسط</p>
<p>يمكنك ايضا قراءة الخبر في المصدر من هنا</p></div>
<div class="source-about"><h4>عن مصدر الخبر</h4><p>بوابة الوسط موقع إخباري ليبي يغطي الأحداث منذ 2014.</p></div>
</div></body></html>"""


def test_aggregator_repost():
    article = extract(AGGREGATED, url="https://www.libyaalaan.com/news/55", outlet="libyaalaan")
    assert article["title"] == "المجلس الرئاسي يعقد اجتماعا طارئا"
    assert article["body"] == f"{P1}\n\n{P2}"
    assert article["source_outlet"] == "alwasat"
    assert article["published_at"] == datetime(2024, 5, 5, 12, 0, tzinfo=TRIPOLI).isoformat()
    assert article["date_source"] == "text"


SELECTOR_PAGE = f"""<html><head><title>عنوان عام للموقع</title></head><body>
<div class="zz-head"><b class="hdl">عنوان من المحدد</b><i class="who">رجب الفيتوري</i>
<u class="when" data-x="1">الأحد 3 مارس 2019 - 10:30</u></div>
<div class="zz-text">{P1}<br><br>{P2}</div>
<div class="zz-side"><p>{P3}</p></div></body></html>"""


def test_outlet_selectors_as_object_with_css():
    outlet = Outlet(
        name="fasanianews",
        base_url="https://example.ly/",
        name_ar="فسانيا",
        founded=date(2012, 1, 1),
        selectors=Selectors(title=".hdl", body="div.zz-text", date=".when", author=".who"),
    )
    article = extract(SELECTOR_PAGE, url="https://example.ly/n/1", outlet_config=outlet)
    assert article["outlet"] == "fasanianews"
    assert article["title"] == "عنوان من المحدد"
    assert article["body"] == f"{P1}\n\n{P2}"
    assert article["authors"] == ["رجب الفيتوري"]
    assert article["published_at"] == "2019-03-03T10:30:00+02:00"
    assert article["date_source"] == "text"


def test_outlet_selectors_with_xpath():
    config = _outlet(selectors={"title": "//b[@class='hdl']", "body": "//div[@class='zz-text']"})
    article = extract(SELECTOR_PAGE, url="https://example.ly/n/1", outlet="fasanianews", outlet_config=config)
    assert article["title"] == "عنوان من المحدد"
    assert article["body"] == f"{P1}\n\n{P2}"


def test_structured_data_beats_selectors():
    html = SELECTOR_PAGE.replace("<head>", '<head><meta property="og:title" content="عنوان الميتا">')
    config = _outlet(selectors={"title": ".hdl"})
    assert extract(html, url="https://example.ly/n/1", outlet_config=config)["title"] == "عنوان الميتا"


def test_bad_selector_is_ignored():
    config = _outlet(selectors={"body": "div[[[", "title": "//b[@"})
    article = extract(SELECTOR_PAGE, url="https://example.ly/n/1", outlet_config=config)
    assert P1 in article["body"]


def test_english_page_language_and_byline():
    text = (
        "The Government of National Unity announced a new plan on Thursday to address the electricity "
        "crisis that has affected several cities for weeks."
    )
    html = f"""<html lang="en"><head><title>Libya announces electricity plan</title></head><body><article>
    <h1>Libya announces electricity plan</h1><p>By John Smith</p><p>TRIPOLI, Feb 15 (Reuters) - {text}</p>
    <p>{text} Officials said more details would follow.</p></article></body></html>"""
    article = extract(html, url="https://example.com/world/libya-plan")
    assert article["language"] == "en"
    assert article["authors"] == ["John Smith"]
    assert article["dateline"] == "Tripoli"
    assert article["source_outlet"] == "Reuters"


def test_html_lang_is_used_for_non_arabic_text():
    text = "Le gouvernement a annoncé un nouveau plan pour résoudre la crise de l'électricité dans plusieurs villes."
    html = (
        f'<html lang="fr-FR"><body><article><h1>Plan</h1><p>{text}</p><p>{text}</p></article></body></html>'
    )
    assert extract(html, url="https://example.fr/a")["language"] == "fr"


def test_canonical_pointing_at_home_page_is_ignored():
    html = FULL.replace(
        'href="/news/libya/123456?utm_source=fb&amp;utm_medium=social#top"', 'href="https://alwasat.ly/"'
    )
    assert extract(html)["canonical_url"] == "https://alwasat.ly/news/libya/123456"


def test_og_url_is_used_without_rel_canonical():
    html = FULL.replace(
        '<link rel="canonical"',
        '<meta property="og:url" content="https://alwasat.ly/n/777?utm_source=x"><link rel="x"',
    )
    assert extract(html)["canonical_url"] == "https://alwasat.ly/n/777"


def test_binary_payload_raises_not_html_with_url():
    with pytest.raises(NotHTMLError) as info:
        extract(b"%PDF-1.4\n1 0 obj", url="https://example.ly/file.pdf")
    assert info.value.url == "https://example.ly/file.pdf"
    assert "PDF" in str(info.value) and "https://example.ly/file.pdf" in str(info.value)


def test_plain_text_payload_is_not_html():
    with pytest.raises(NotHTMLError, match="no HTML markup"):
        extract("مجرد نص عادي بلا أي وسوم")


def test_empty_payload_and_page_without_text():
    with pytest.raises(EmptyContentError):
        extract(b"   ")
    with pytest.raises(EmptyContentError) as info:
        extract("<html><head><title>x</title></head><body><div class='share'>شارك</div></body></html>")
    assert info.value.reason == "empty-content"


def test_too_large_payload(monkeypatch: pytest.MonkeyPatch):
    import workers.clean.extract as module

    monkeypatch.setattr(module, "MAX_BYTES", 1000)
    with pytest.raises(TooLargeError) as info:
        extract(FULL)
    assert info.value.reason == "too-large"
    assert isinstance(info.value, ExtractionError)


def test_feed_date_header():
    html = f"<html><body><article><h1>عنوان</h1><p>{P1}</p></article></body></html>"
    article = extract(
        html,
        url="https://example.ly/a",
        headers={"X-Akhbar-Feed-Published": "Thu, 15 Feb 2018 10:00:00 +0000"},
    )
    assert (article["published_at"], article["date_source"]) == ("2018-02-15T10:00:00+00:00", "feed")


def test_date_from_url():
    html = f"<html><body><article><h1>عنوان</h1><p>{P1}</p></article></body></html>"
    article = extract(html, url="https://example.ly/2019/07/21/story")
    assert (article["published_at"], article["date_source"]) == ("2019-07-21T00:00:00+02:00", "url")


def test_hijri_and_libyan_calendar_dates_in_page_text():
    html = f"<html><body><article><h1>عنوان</h1><span class='date'>15 الطير 1373 و.ر.</span><p>{P1}</p></article></body></html>"
    assert extract(html, url="https://example.ly/a")["published_at"] == "2005-04-15T00:00:00+02:00"
    html = html.replace("15 الطير 1373 و.ر.", "15 رمضان 1439 هـ")
    assert extract(html, url="https://example.ly/a")["published_at"] == "2018-05-30T00:00:00+02:00"


AGENCY_PAGE = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><html dir="rtl"><head>
<title>وكالة الأنباء الليبية - افتتاح معرض طرابلس الدولي</title></head><body>
<table width="100%"><tr><td class="header"><img src="/logo.gif"> وكالة الأنباء الليبية</td></tr>
<tr><td class="menu"><a href="index.php">الرئيسية</a> | <a href="news.php">الأخبار</a></td></tr>
<tr><td><table><tr><td class="section_title">الأخبار الاقتصادية</td></tr>
<tr><td class="news_title"><b>افتتاح معرض طرابلس الدولي</b></td></tr>
<tr><td class="news_date">الأحد 5 الطير 1377 و.ر. - 10:15</td></tr>
<tr><td class="news_text"><p>طرابلس 5 الطير 1377 و.ر. (أوج) - {P1}</p><p>{P2}</p></td></tr>
<tr><td class="tools"><a href="javascript:window.print()">طباعة</a></td></tr></table></td></tr>
<tr><td class="footer">جميع الحقوق محفوظة</td></tr></table></body></html>"""


def test_table_layout_agency_page_in_windows_1256():
    config = _outlet(name="lana", name_ar="وكالة الأنباء الليبية", founded="1964-01-01")
    article = extract(
        AGENCY_PAGE.encode("cp1256"), url="http://www.lana.gov.ly/post.php?id=1", outlet_config=config
    )
    assert article["outlet"] == "lana"
    assert article["title"] == "افتتاح معرض طرابلس الدولي"
    assert article["body"] == f"طرابلس 5 الطير 1377 و.ر. (أوج) - {P1}\n\n{P2}"
    assert article["section"] == "الأخبار الاقتصادية"
    assert article["dateline"] == "طرابلس"
    # the dateline gives the day (Libyan calendar: 1377 + 632 = 2009), the date line above it the time
    assert (article["published_at"], article["date_source"]) == ("2009-04-05T10:15:00+02:00", "dateline")
    assert article["source_outlet"] is None  # (أوج) is the agency's own tag


PORTAL_PAGE = f"""<html lang="ar"><head><meta charset="utf-8"><title>عنوان الخبر المحلي</title></head><body>
<nav class="navbar"><a href="/">الموقع</a></nav><div class="container"><ol class="breadcrumb"><li><a href="/">الرئيسية</a></li>
<li><a href="/news">محليات</a></li></ol><h2 class="news-head">عنوان الخبر المحلي</h2>
<div class="news-info"><span class="writer">كتب: فاطمة الزروق</span> <span class="news-date">الاثنين ٢٧ يناير ٢٠٢٠ - ١٨:١٥</span></div>
<div class="news-body">طرابلس - المرصد: {P1}<br><br>{P2}<br><br>{P3}</div>
<div class="related"><h4>أخبار ذات صلة</h4><ul><li><a href="/n/1">خبر آخر</a></li></ul></div></div>
<div class="comment"><span class="comment-author">قارئ</span><p>تعليق</p></div></body></html>"""


def test_breadcrumb_section_byline_element_and_own_credit():
    article = extract(PORTAL_PAGE, url="https://almarsad.co/news/details/5202", outlet="almarsad")
    assert article["title"] == "عنوان الخبر المحلي"
    assert article["section"] == "محليات"
    assert article["authors"] == ["فاطمة الزروق"]
    assert article["body"] == f"طرابلس - المرصد: {P1}\n\n{P2}\n\n{P3}"
    assert article["dateline"] == "طرابلس"
    assert article["source_outlet"] is None  # "المرصد" credits the publishing outlet itself
    assert (article["published_at"], article["date_source"]) == ("2020-01-27T18:15:00+02:00", "text")


def test_title_part_repeated_as_heading_wins_over_site_name():
    html = f"""<html><head><title>موقع لا نعرفه - حملة تطعيم في سبها</title></head><body>
    <div class="hdr">موقع لا نعرفه</div><div class="news_title">حملة تطعيم في سبها</div>
    <div class="txt"><p>{P1}</p><p>{P2}</p></div></body></html>"""
    assert extract(html, url="https://example.ly/a")["title"] == "حملة تطعيم في سبها"


def test_byline_with_trailing_date_in_body():
    html = f"<html><body><article><h1>ع</h1><p>كتب: مروان الدرسي الخميس 15 فبراير 2018 - 12:10</p><p>{P1}</p></article></body></html>"
    article = extract(html, url="https://example.ly/a")
    assert article["authors"] == ["مروان الدرسي"]
    assert article["body"] == P1


def test_outlet_object_name_is_the_slug_and_remove_selector_applies():
    outlet = Outlet(
        name="fasania",
        base_url="https://fasania.ly/",
        name_ar="صحيفة فسانيا",
        founded=date(2012, 1, 1),
        selectors=Selectors(body="div.zz-text", remove=".promo", section=".rubrique"),
    )
    html = f"""<html><head><title>عنوان | صحيفة فسانيا</title></head><body><span class="rubrique">جنوب</span>
    <div class="zz-text">{P1}<div class="promo">حمل تطبيقنا الجديد الآن مجانا</div><br><br>{P2}</div></body></html>"""
    article = extract(html, url="https://fasania.ly/n/1", outlet_config=outlet)
    assert article["outlet"] == "fasania"
    assert article["title"] == "عنوان"
    assert article["body"] == f"{P1}\n\n{P2}"
    assert article["section"] == "جنوب"


def test_registry_resolves_the_source_of_a_repost():
    class Registry:
        @dataclass
        class Entry:
            name: str
            name_ar: str

        entries = (Entry("fasania", "صحيفة فسانيا"),)

        def __iter__(self):
            return iter(self.entries)

        def find_by_alias(self, name: str):
            return next((e for e in self.entries if name in (e.name, e.name_ar)), None)

    html = (
        f"<html><body><article><h1>ع</h1><p>{P1}</p><p>مصدر الخبر / صحيفة فسانيا</p></article></body></html>"
    )
    assert extract(html, outlet="libyaalaan", registry=Registry())["source_outlet"] == "fasania"
    assert extract(html, outlet="libyaalaan")["source_outlet"] == "صحيفة فسانيا"


def test_htmldate_year_only_guess_is_not_a_date():
    html = f"""<html><head><title>ع</title></head><body><div class="wrap"><h1>ع</h1><div class="story"><p>{P1}</p><p>{P2}</p></div>
    <p><a href="/calendar/2024/01/">التقويم</a></p><p>© 2024</p></div></body></html>"""
    article = extract(html, url="https://example.ly/articles/x.html")
    assert (article["published_at"], article["date_source"]) == (None, None)


DOC = '<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>x</p></body></html>'


@pytest.mark.parametrize("prefix", ["", "\n  \ufeff", "<!-- cached 12:00 -->\n", '<?xml version="1.0"?>\n'])
def test_nothing_is_cut_before_a_clean_document_start(prefix):
    assert without_pre_document_output(prefix + DOC) == prefix + DOC


@pytest.mark.parametrize("prefix", ["<br />\n<b>Notice</b>: Undefined index: id in <b>x.php</b><br />\n",
                                    "Deprecated: mysql_connect()\n", '<header class="site">قائمة</header>'])
def test_output_before_the_document_start_is_cut(prefix):
    assert without_pre_document_output(prefix + DOC) == DOC
    assert without_pre_document_output(prefix + DOC.replace("<!DOCTYPE html>\n", "")).startswith("<html>")


def test_a_fragment_or_an_html_string_in_a_script_is_left_alone():
    fragment = "<div><p>خبر</p></div>"
    assert without_pre_document_output(fragment) == fragment
    scripted = "<p>a</p><script>document.write('<html>')</script><p>b</p>"
    assert without_pre_document_output(scripted) == scripted
    late = "x" * 20000 + DOC  # a document start this far in is not after a few warning lines
    assert without_pre_document_output(late) == late


def test_code_dropped_before_trafilatura_keeps_text_after_it_and_json_ld():
    from lxml import html as lxml_html

    from workers.clean.extract import _drop_code

    tree = lxml_html.fromstring(
        "<html><head><style>p{}</style><script type='application/ld+json'>{\"@type\": \"NewsArticle\"}</script>"
        "</head><body><p>قبل<script>var a = 1;</script> بعد<svg><title>icon</title></svg> النهاية</p></body></html>"
    )
    _drop_code(tree)
    assert [s.get("type") for s in tree.iter("script")] == ["application/ld+json"]
    assert tree.find(".//style") is None and tree.find(".//svg") is None
    assert " ".join(tree.find(".//p").text_content().split()) == "قبل بعد النهاية"
