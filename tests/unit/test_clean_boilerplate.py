"""workers.clean.boilerplate: Arabic news boilerplate, on paragraphs and on the HTML tree."""

from __future__ import annotations

import pytest
from trafilatura.utils import load_html

from workers.clean.boilerplate import (
    AGGREGATOR_LINE,
    CAPTION,
    COOKIE,
    CREDIT,
    FOLLOW_LINE,
    FOOTER,
    READ_ALSO_HEADER,
    READ_ALSO_LINE,
    SHARE,
    SOURCE,
    TAGS,
    classify,
    clean_paragraphs,
    prune_html,
    strip_inline_captions,
)
from workers.clean.textutil import element_text

REAL = [
    "أعلنت الحكومة الليبية اليوم عن خطة جديدة لمعالجة أزمة انقطاع الكهرباء في عدد من المدن الليبية.",
    "وقال المصدر إن الاجتماع سيعقد غدا في العاصمة طرابلس بحضور عدد من الوزراء.",
    "المصدر ذاته أكد أن الحكومة ستعلن عن تفاصيل الخطة خلال الأسبوع المقبل في مؤتمر صحفي.",
    "شارك الوزير في الاجتماع الذي عقد اليوم في طرابلس مع ممثلين عن البلديات.",
    "اشترك في الهجوم عدد من المسلحين بحسب شهود عيان تحدثوا لوسائل الإعلام.",
    "ونقل عن مصادر مطلعة أن المفاوضات ستستأنف الأسبوع المقبل في جنيف.",
    "وذكرت وكالة الأنباء الليبية أن الوفد وصل إلى بنغازي مساء أمس.",
]


@pytest.mark.parametrize("text", REAL)
def test_real_paragraphs_are_not_boilerplate(text: str):
    assert classify(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("اقرأ أيضاً", READ_ALSO_HEADER),
        ("إقرأ أيضاً:", READ_ALSO_HEADER),
        ("اقرأ أيضا", READ_ALSO_HEADER),
        ("اقرا ايضا", READ_ALSO_HEADER),
        ("إقرأ أيضًا", READ_ALSO_HEADER),
        ("أخبار ذات صلة", READ_ALSO_HEADER),
        ("اقرأ أيضاً: الحكومة تناقش الميزانية العامة", READ_ALSO_LINE),
        ("إقرأ ايضا - انقطاع الكهرباء في بنغازي", READ_ALSO_LINE),
        ("شارك", SHARE),
        ("شارك الخبر", SHARE),
        ("شارك على فيسبوك", SHARE),
        ("شارك فيسبوك تويتر واتساب", SHARE),
        ("فيسبوك تويتر واتساب تيليجرام", SHARE),
        ("تابعونا على فيسبوك وتويتر", FOLLOW_LINE),
        ("تابعونا عبر قناتنا على تيليجرام", FOLLOW_LINE),
        ("للاشتراك في قناتنا على يوتيوب اضغط هنا", FOLLOW_LINE),
        ("بوابة الوسط", CREDIT),
        ("عين ليبيا", CREDIT),
        ("جميع الحقوق محفوظة © 2024", CREDIT),
        ("(صورة: أرشيفية)", CAPTION),
        ("الصورة: وزير الداخلية خلال المؤتمر الصحفي", CAPTION),
        ("صورة أرشيفية", CAPTION),
        ("مصدر الخبر / بوابة الوسط", AGGREGATOR_LINE),
        ("مصدر الخبر: عين ليبيا", AGGREGATOR_LINE),
        ("يمكنك ايضا قراءة الخبر في المصدر من هنا", AGGREGATOR_LINE),
        ("يمكنك أيضاً قراءة الخبر في المصدر من بوابة الوسط", AGGREGATOR_LINE),
        ("عن مصدر الخبر", FOOTER),
        ("المصدر: وكالة الأنباء الليبية", SOURCE),
        ("نقلاً عن بوابة الوسط", SOURCE),
        ("التعليقات", FOOTER),
        ("التعليقات (3)", FOOTER),
        ("أضف تعليقاً", FOOTER),
        ("اترك تعليقاً", FOOTER),
        ("نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا. موافق", COOKIE),
        ("This website uses cookies to improve your experience.", COOKIE),
        ("الوسوم: ليبيا، طرابلس، الحكومة", TAGS),
    ],
)
def test_boilerplate_lines(text: str, kind: str):
    assert classify(text) == kind


def test_outlet_name_from_config_is_a_credit():
    assert classify("شبكة الرائد") is None
    assert classify("شبكة الرائد", credits=["شبكة الرائد"]) == CREDIT


def test_inline_photo_captions_are_stripped():
    text = "وقال الوزير (صورة: أرشيفية) إن الخطة ستنفذ قريبا."
    assert strip_inline_captions(text) == "وقال الوزير إن الخطة ستنفذ قريبا."
    assert strip_inline_captions("اجتمع المجلس (أرشيفية) اليوم") == "اجتمع المجلس اليوم"
    assert strip_inline_captions("قال (وهو يبتسم) إن الأمر انتهى") == "قال (وهو يبتسم) إن الأمر انتهى"


def test_clean_paragraphs_drops_boilerplate_and_keeps_prose():
    paragraphs = [
        "عنوان الخبر الرئيسي",
        REAL[0],
        "اقرأ أيضاً:",
        "انقطاع الكهرباء في بنغازي",
        "وزير الطاقة يزور مصراتة",
        REAL[1],
        "بوابة الوسط",
        REAL[2],
        "تابعونا على فيسبوك",
        REAL[1],  # duplicate
        "مصدر الخبر / بوابة الوسط",
        REAL[3],
        "عن مصدر الخبر",
        "بوابة الوسط موقع إخباري ليبي يغطي الأحداث",
        "التعليقات",
    ]
    kept, removed = clean_paragraphs(paragraphs, title="عنوان الخبر الرئيسي")
    assert kept == [REAL[0], REAL[1], REAL[2], REAL[3]]
    assert "انقطاع الكهرباء في بنغازي" in removed
    assert "بوابة الوسط موقع إخباري ليبي يغطي الأحداث" in removed


def test_headline_skipping_stops_at_prose():
    kept, _ = clean_paragraphs(["اقرأ أيضا", "عنوان خبر آخر", REAL[0], "جملة قصيرة"])
    assert kept == [REAL[0], "جملة قصيرة"]


def test_footer_as_first_paragraph_does_not_empty_the_body():
    kept, _ = clean_paragraphs(["التعليقات", REAL[0]])
    assert kept == [REAL[0]]


ARTICLE = f"""<html><body>
<div class="site-header"><a href="/">الرئيسية</a></div>
<article class="post comment-enabled">
<h1>عنوان الخبر</h1>
<p>{REAL[0]}</p>
<figure><img src="a.jpg"><figcaption>وزير الكهرباء خلال المؤتمر</figcaption></figure>
<p>{REAL[1]}</p>
<div class="box"><h3>اقرأ أيضاً</h3><ul><li><a href="/1">انقطاع الكهرباء في بنغازي</a></li>
<li><a href="/2">وزير الطاقة يزور مصراتة</a></li></ul></div>
<p><strong>إقرأ أيضا:</strong> <a href="/3">الحكومة تناقش الميزانية</a></p>
<p>اقرأ ايضاً</p><p><a href="/4">عنوان مرتبط أول</a></p><p><a href="/5">عنوان مرتبط ثان</a></p>
<p>{REAL[2]}</p>
<p>{REAL[3]}</p>
<div class="x9"><span>شارك</span> <a>فيسبوك</a> <a>تويتر</a></div>
<p>تابعونا على فيسبوك وتويتر</p>
<p>مصدر الخبر / بوابة الوسط</p>
<div class="social-links"><a>fb</a></div>
</article>
<div class="zz"><h4>عن مصدر الخبر</h4><p>بوابة الوسط موقع إخباري ليبي.</p><a href="/s">زيارة الموقع</a></div>
<div id="comments"><h3>التعليقات</h3><p>تعليق من قارئ على الخبر</p></div>
<div class="cookie-banner">نستخدم ملفات تعريف الارتباط. موافق</div>
</body></html>"""


def test_prune_html_removes_known_blocks_and_keeps_the_article():
    tree = load_html(ARTICLE)
    removed = prune_html(tree)
    text = element_text(tree)
    for kept in REAL[:4]:
        assert kept in text
    assert "عنوان الخبر" in text
    for gone in (
        "وزير الكهرباء خلال المؤتمر",
        "اقرأ",
        "إقرأ",
        "انقطاع الكهرباء في بنغازي",
        "الحكومة تناقش الميزانية",
        "عنوان مرتبط أول",
        "عنوان مرتبط ثان",
        "شارك فيسبوك",
        "تابعونا",
        "مصدر الخبر",
        "بوابة الوسط موقع",
        "زيارة الموقع",
        "تعليق من قارئ",
        "ملفات تعريف الارتباط",
        "fb",
    ):
        assert gone not in text, gone
    assert "مصدر الخبر / بوابة الوسط" in removed


def test_prune_html_keeps_a_big_container_whose_class_matches():
    body = "".join(f"<p>{p}</p>" for p in REAL)
    tree = load_html(f'<html><body><div class="related-wrapper">{body}</div><div>تذييل</div></body></html>')
    prune_html(tree)
    assert REAL[0] in element_text(tree)


def test_prune_html_keeps_prose_that_starts_like_a_trigger():
    tree = load_html(
        f"<html><body><article><h1>ع</h1><p>{REAL[3]}</p><p>{REAL[1]}</p></article></body></html>"
    )
    prune_html(tree)
    assert element_text(tree) == f"ع {REAL[3]} {REAL[1]}"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("الخميس 15 فبراير 2018 - 10:30", "date"),
        ("الأحد 5 الطير 1377 و.ر.", "date"),
        ("15/03/2022 09:50", "date"),
        ("الأربعاء 26 رجب 1442 هـ - 15:05", "date"),
        ("الرئيسية | الأخبار | اتصل بنا", "nav"),
        ("روابط | الرئيسية", "nav"),
        ("طباعة", SHARE),
    ],
)
def test_date_only_nav_and_tool_lines(text: str, kind: str):
    assert classify(text) == kind


def test_lines_with_dates_inside_prose_are_kept():
    assert classify("في 15 فبراير 2018 وقع انفجار في ميناء طرابلس") is None
    assert classify("الأهلي | 3 | الاتحاد | 1") is None  # a results table row is no menu


def test_source_credit_lines_stay_in_the_body():
    kept, _ = clean_paragraphs([REAL[0], "المصدر: وكالة الأنباء الليبية", "نقلاً عن بوابة الوسط"])
    assert kept == [REAL[0], "المصدر: وكالة الأنباء الليبية", "نقلاً عن بوابة الوسط"]
    tree = load_html(
        f"<html><body><article><h1>ع</h1><p>{REAL[0]}</p><p>المصدر: وكالة الأنباء الليبية</p></article></body></html>"
    )
    prune_html(tree)
    assert "المصدر: وكالة الأنباء الليبية" in element_text(tree)


def test_section_and_title_repeats_are_dropped_from_the_top():
    kept, _ = clean_paragraphs(
        ["الأخبار الاقتصادية", "عنوان الخبر", REAL[0]], title="عنوان الخبر", section="الأخبار الاقتصادية"
    )
    assert kept == [REAL[0]]


def test_link_dominated_menus_are_pruned():
    tree = load_html(
        f"""<html><body><table><tr><td class="menu"><a href="/">الرئيسية</a> | <a href="/n">الأخبار</a></td></tr>
        <tr><td class="news_text"><p>{REAL[0]}</p></td></tr><tr><td class="tools"><a href="#">طباعة</a></td></tr></table></body></html>"""
    )
    prune_html(tree)
    assert element_text(tree) == REAL[0]
