"""workers.clean.bylines: bylines -> authors, datelines -> city."""

from __future__ import annotations

import pytest

from workers.clean.bylines import Dateline, clean_author_names, find_bylines, parse_byline, parse_dateline


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("كتب: محمد علي", ["محمد علي"]),
        ("كتب - محمد علي", ["محمد علي"]),
        ("كتب– محمد علي", ["محمد علي"]),
        ("كتبت: فاطمة الزهراء", ["فاطمة الزهراء"]),
        ("بقلم محمد علي", ["محمد علي"]),
        ("بقلم: د. محمد علي", ["د. محمد علي"]),
        ("تقرير: سالم الورفلي", ["سالم الورفلي"]),
        ("إعداد: نور الهدى", ["نور الهدى"]),
        ("اعداد: نور الهدى وسالم علي", ["نور الهدى", "سالم علي"]),
        ("كتب: محمد علي، أحمد سالم", ["محمد علي", "أحمد سالم"]),
        ("كتب: عبد الله وائل سالم", ["عبد الله وائل سالم"]),
        ("كتب: محمد علي - طرابلس", ["محمد علي"]),
        ("By John Smith", ["John Smith"]),
        ("By John Smith and Jane Doe", ["John Smith", "Jane Doe"]),
    ],
)
def test_bylines(line: str, authors: list[str]):
    assert parse_byline(line) == authors


@pytest.mark.parametrize(
    "line",
    [
        "كتب الرئيس في تغريدة على تويتر أن الانتخابات ستجرى في موعدها",
        "بقلم محمد علي تشهد ليبيا أزمة سياسية حادة منذ سنوات طويلة دون أي حل",
        "by the way this is prose",
        "كتب: admin",
        "كتب: فريق التحرير",
        "",
    ],
)
def test_not_bylines(line: str):
    assert parse_byline(line) is None


def test_find_bylines_in_head_and_tail():
    paragraphs = ["كتب: محمد علي", "نص الخبر الأول", "نص الخبر الثاني", "نص ثالث", "تقرير: سالم الورفلي"]
    assert find_bylines(paragraphs) == (["محمد علي", "سالم الورفلي"], {0, 4})


def test_clean_author_names_filters_outlets_urls_and_generic_names():
    names = [
        "محمد علي",
        "بوابة الوسط",
        "https://example.ly/author/x",
        "admin",
        "محمد علي",
        "Jane Doe, John Roe",
    ]
    assert clean_author_names(names, exclude=["بوابة الوسط"]) == ["محمد علي", "Jane Doe", "John Roe"]


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        ("طرابلس 15 فبراير 2018 (وال) - أعلنت الحكومة", Dateline("طرابلس", "15 فبراير 2018", "وال", 30)),
        (
            "طرابلس الخميس 15 فبراير 2018 (وال) - أعلنت",
            Dateline("طرابلس", "الخميس 15 فبراير 2018", "وال", 37),
        ),
        ("بنغازي - أعلنت الحكومة", Dateline("بنغازي", None, None, 9)),
        ("بنغازي – أعلنت الحكومة", Dateline("بنغازي", None, None, 9)),
        ("طرابلس | أعلنت الحكومة", Dateline("طرابلس", None, None, 9)),
        ("سرت: أعلنت الحكومة", Dateline("سرت", None, None, 5)),
        ("مصراتة - قال", Dateline("مصراتة", None, None, 9)),
        ("بني وليد - قال", Dateline("بني وليد", None, None, 11)),
        ("القاهرة (وال) - قال", Dateline("القاهرة", None, "وال", 16)),
        ("الزنتان 3 مارس (وال) - نص", Dateline("الزنتان", "3 مارس", "وال", 23)),
        # unknown place: accepted because a date and an agency tag make it a dateline
        ("مدينة جديدة 15 فبراير 2018 (وال) - نص", Dateline("مدينة جديدة", "15 فبراير 2018", "وال", 35)),
        ("TRIPOLI, Feb 15 (Reuters) - Libya's", Dateline("Tripoli", "Feb 15", "Reuters", 28)),
    ],
)
def test_datelines(opening: str, expected: Dateline):
    assert parse_dateline(opening) == expected


@pytest.mark.parametrize(
    "opening",
    [
        "قال المتحدث - إن الاجتماع سيعقد غدا",
        "كتب - محمد علي",
        "المصدر: وكالة الأنباء الليبية",
        "أعلنت الحكومة الليبية اليوم عن خطة جديدة",
        "مدينة مجهولة - نص",  # unknown place without date or agency
        "",
    ],
)
def test_not_datelines(opening: str):
    assert parse_dateline(opening) is None
